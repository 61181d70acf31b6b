#include "web/url.hpp"

#include <fmt/format.h>

namespace mlops::web {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

bool safe_segment(const std::string& segment) {
  if (segment.empty() || segment == "." || segment == "..") {
    return false;
  }
  for (char c : segment) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '/' || c == '\\' || byte < 0x20 || byte == 0x7f) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::optional<std::string> percent_decode(const std::string& text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%') {
      int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
      int low = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
      if (high < 0 || low < 0) {
        return std::nullopt;
      }
      out += static_cast<char>(high * 16 + low);
      i += 2;
    } else {
      out += plus_is_space && text[i] == '+' ? ' ' : text[i];
    }
  }
  return out;
}

std::string percent_encode(const std::string& text) {
  std::string out;
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    bool unreserved = std::isalnum(byte) || c == '-' || c == '.' || c == '_' || c == '~';
    out += unreserved ? std::string(1, c) : fmt::format("%{:02X}", byte);
  }
  return out;
}

std::optional<Target> parse_target(const std::string& target) {
  if (!target.starts_with('/') || target.starts_with("//")) {
    return std::nullopt;  // an absolute URL, "*", or a network-path reference
  }
  size_t question = target.find('?');
  std::string path = target.substr(0, question);
  std::string query = question == std::string::npos ? "" : target.substr(question + 1);
  Target parsed;
  if (path != "/") {
    size_t start = 1;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      end = end == std::string::npos ? path.size() : end;
      auto segment = percent_decode(path.substr(start, end - start), false);
      if (!segment || !safe_segment(*segment)) {
        return std::nullopt;
      }
      parsed.segments.push_back(std::move(*segment));
      start = end + 1;
    }
  }
  size_t start = 0;
  while (start < query.size()) {
    size_t end = query.find('&', start);
    end = end == std::string::npos ? query.size() : end;
    std::string pair = query.substr(start, end - start);
    size_t equals = pair.find('=');
    auto key = percent_decode(pair.substr(0, equals), true);
    auto value = percent_decode(equals == std::string::npos ? "" : pair.substr(equals + 1), true);
    if (!key || !value) {
      return std::nullopt;
    }
    if (!key->empty()) {
      parsed.query.emplace(std::move(*key), std::move(*value));
    }
    start = end + 1;
  }
  return parsed;
}

}  // namespace mlops::web
