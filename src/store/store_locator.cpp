#include "store/store_locator.hpp"

#include <cctype>
#include <vector>

namespace mlops {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool is_url(std::string_view locator) {
  return starts_with(locator, "postgresql://") || starts_with(locator, "postgres://");
}

// A byte range of the locator that holds a secret.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

// The URL's userinfo password (between the first ':' after the scheme and the last '@' of the
// authority) and every `password=` query parameter.
std::vector<Span> url_secrets(std::string_view url) {
  std::vector<Span> spans;
  size_t authority = url.find("://") + 3;
  size_t authority_end = url.find_first_of("/?", authority);
  authority_end = authority_end == std::string_view::npos ? url.size() : authority_end;
  size_t at = url.rfind('@', authority_end);
  if (at != std::string_view::npos && at >= authority) {
    size_t colon = url.find(':', authority);
    if (colon != std::string_view::npos && colon < at) {
      spans.push_back({colon + 1, at});
    }
  }
  for (size_t query = url.find('?'); query != std::string_view::npos;
       query = url.find('&', query + 1)) {
    if (starts_with(url.substr(query + 1), "password=")) {
      size_t begin = query + 1 + 9;
      size_t end = url.find('&', begin);
      spans.push_back({begin, end == std::string_view::npos ? url.size() : end});
    }
  }
  return spans;
}

// Each `password = value` of a conninfo string; the value may be 'single quoted' with \' and \\.
std::vector<Span> conninfo_secrets(std::string_view text) {
  std::vector<Span> spans;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    size_t key_begin = i;
    while (i < text.size() && text[i] != '=' && !std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    std::string_view key = text.substr(key_begin, i - key_begin);
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    if (i < text.size() && text[i] == '=')
      ++i;
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])))
      ++i;
    size_t value_begin = i;
    if (i < text.size() && text[i] == '\'') {
      for (++i; i < text.size() && text[i] != '\''; ++i) {
        if (text[i] == '\\')
          ++i;
      }
      i = std::min(i + 1, text.size());
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i])))
        ++i;
    }
    if (key == "password" && i > value_begin) {
      spans.push_back({value_begin, i});
    }
    if (key.empty() && i == key_begin)
      ++i;  // stray byte: never loop forever
  }
  return spans;
}

std::vector<Span> secrets(std::string_view locator) {
  if (store_engine(locator) != StoreEngine::Postgres) {
    return {};
  }
  return is_url(locator) ? url_secrets(locator) : conninfo_secrets(locator);
}

}  // namespace

StoreEngine store_engine(std::string_view locator) {
  if (is_url(locator)) {
    return StoreEngine::Postgres;
  }
  size_t i = 0;
  while (i < locator.size() && std::isspace(static_cast<unsigned char>(locator[i])))
    ++i;
  size_t key = i;
  while (i < locator.size() &&
         (std::isalnum(static_cast<unsigned char>(locator[i])) || locator[i] == '_'))
    ++i;
  while (i < locator.size() && locator[i] == ' ')
    ++i;
  return i > key && i < locator.size() && locator[i] == '=' ? StoreEngine::Postgres
                                                            : StoreEngine::Sqlite;
}

std::string redacted_locator(std::string_view locator) {
  std::string out;
  size_t at = 0;
  for (const Span& span : secrets(locator)) {
    out.append(locator.substr(at, span.begin - at));
    out += "***";
    at = span.end;
  }
  out.append(locator.substr(at));
  return out;
}

std::string without_password(std::string message, std::string_view locator) {
  for (const Span& span : secrets(locator)) {
    std::string secret(locator.substr(span.begin, span.end - span.begin));
    if (secret.size() >= 2 && secret.front() == '\'' && secret.back() == '\'') {
      secret = secret.substr(1, secret.size() - 2);
    }
    if (secret.empty()) {
      continue;
    }
    for (size_t found = message.find(secret); found != std::string::npos;
         found = message.find(secret, found + 3)) {
      message.replace(found, secret.size(), "***");
    }
  }
  return message;
}

}  // namespace mlops
