#include "remote/s3_config.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {
namespace {

bool is_bucket_name(std::string_view name) {
  auto edge_ok = [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c));
  };
  if (name.size() < 3 || name.size() > 63 || !edge_ok(name.front()) || !edge_ok(name.back())) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return edge_ok(c) || c == '.' || c == '-'; }) &&
         name.find("..") == std::string_view::npos;
}

bool is_prefix_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == '_' ||
         c == '-' || c == '~';
}

Error url_error(const std::string& url, const std::string& why) {
  return Error(ErrorKind::Usage,
               fmt::format("'{}' is not an S3 remote mlops can use: {} (give s3://BUCKET or "
                           "s3://BUCKET/PREFIX)",
                           url, why));
}

// An endpoint as scheme://host[:port], without a path or user information.
Result<std::string> checked_endpoint(std::string endpoint, const std::string& variable) {
  while (!endpoint.empty() && endpoint.back() == '/') {
    endpoint.pop_back();
  }
  size_t scheme = endpoint.find("://");
  std::string scheme_name = scheme == std::string::npos ? "" : endpoint.substr(0, scheme);
  std::string rest = scheme == std::string::npos ? "" : endpoint.substr(scheme + 3);
  if ((scheme_name != "http" && scheme_name != "https") || rest.empty() ||
      rest.find_first_of("/@?# ") != std::string::npos) {
    // Not repeated: user information in a URL may be a password.
    return Error(ErrorKind::Usage,
                 fmt::format("{} is not an endpoint mlops can use: give http(s)://HOST[:PORT] "
                             "(no path, no user name or password)",
                             variable));
  }
  return endpoint;
}

std::optional<std::string> non_empty(const EnvLookup& env, const std::string& name) {
  auto value = env(name);
  return value && !value->empty() ? value : std::nullopt;
}

struct Profile {
  std::string name;
  bool named = false;  // by AWS_PROFILE, so a missing one is an error
  std::string credentials_path;
  std::string config_path;
  IniFile credentials;  // the shared credentials file, when it exists
  IniFile config;       // the config file, when it exists
  bool found = false;   // in either file

  const std::map<std::string, std::string>* config_section() const {
    auto section = config.find(name == "default" ? name : "profile " + name);
    if (section == config.end() && name == "default") {
      section = config.find("profile default");
    }
    return section == config.end() ? nullptr : &section->second;
  }
  std::optional<std::string> config_value(const std::string& key) const {
    const auto* section = config_section();
    if (section == nullptr) {
      return std::nullopt;
    }
    auto value = section->find(key);
    return value == section->end() || value->second.empty() ? std::nullopt
                                                            : std::optional(value->second);
  }
};

Result<Profile> load_profile(const EnvLookup& env, const FileLookup& read) {
  Profile profile;
  auto named = non_empty(env, "AWS_PROFILE");
  profile.named = named.has_value();
  profile.name = named.value_or("default");
  auto home = non_empty(env, "HOME");
  profile.credentials_path = non_empty(env, "AWS_SHARED_CREDENTIALS_FILE")
                                 .value_or(home ? *home + "/.aws/credentials" : "");
  profile.config_path =
      non_empty(env, "AWS_CONFIG_FILE").value_or(home ? *home + "/.aws/config" : "");
  for (auto [path, ini] : {std::pair(&profile.credentials_path, &profile.credentials),
                           std::pair(&profile.config_path, &profile.config)}) {
    auto text = path->empty() ? std::nullopt : read(*path);
    if (text) {
      MLOPS_TRY(parsed, parse_ini(*text, *path));
      *ini = std::move(*parsed);
    }
  }
  profile.found =
      profile.credentials.count(profile.name) > 0 || profile.config_section() != nullptr;
  if (profile.named && !profile.found) {
    return Error(ErrorKind::Usage,
                 fmt::format("AWS_PROFILE names the profile '{}', which neither {} nor {} has",
                             profile.name, profile.credentials_path, profile.config_path));
  }
  return profile;
}

Result<S3Credentials> credentials_from_profile(const Profile& profile, const S3Location& where) {
  auto take = [&](const std::map<std::string, std::string>& section,
                  const std::string& source) -> Result<std::optional<S3Credentials>> {
    auto get = [&](const char* key) {
      auto value = section.find(key);
      return value == section.end() ? std::string() : value->second;
    };
    S3Credentials found{get("aws_access_key_id"), get("aws_secret_access_key"),
                        get("aws_session_token"), source};
    if (found.access_key.empty() && found.secret_key.empty()) {
      return std::optional<S3Credentials>();
    }
    if (found.access_key.empty() || found.secret_key.empty()) {
      return Error(ErrorKind::Usage,
                   fmt::format("{} has only one of aws_access_key_id and aws_secret_access_key: "
                               "give both",
                               source));
    }
    return std::optional(std::move(found));
  };
  if (auto section = profile.credentials.find(profile.name); section != profile.credentials.end()) {
    MLOPS_TRY(found, take(section->second,
                          fmt::format("{} [{}]", profile.credentials_path, profile.name)));
    if (*found) {
      return std::move(**found);
    }
  }
  if (const auto* section = profile.config_section()) {
    MLOPS_TRY(found, take(*section, fmt::format("{} [{}]", profile.config_path, profile.name)));
    if (*found) {
      return std::move(**found);
    }
  }
  return Error(ErrorKind::Usage,
               fmt::format("no AWS credentials for {}: set AWS_ACCESS_KEY_ID and "
                           "AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary ones), or "
                           "put aws_access_key_id and aws_secret_access_key in the [{}] profile "
                           "of {} (AWS_PROFILE chooses another profile)",
                           where.url(), profile.name,
                           profile.credentials_path.empty() ? "~/.aws/credentials"
                                                            : profile.credentials_path));
}

Result<S3Credentials> resolve_credentials(const EnvLookup& env, const Profile& profile,
                                          const S3Location& where) {
  auto key = non_empty(env, "AWS_ACCESS_KEY_ID");
  auto secret = non_empty(env, "AWS_SECRET_ACCESS_KEY");
  if (key && secret) {
    return S3Credentials{*key, *secret, non_empty(env, "AWS_SESSION_TOKEN").value_or(""),
                         "the environment"};
  }
  if (key || secret) {
    return Error(
        ErrorKind::Usage,
        fmt::format("{} is set but {} is not: set both (or neither, to use {})",
                    key ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                    key ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID", "~/.aws/credentials"));
  }
  return credentials_from_profile(profile, where);
}

std::string decode_entities(std::string_view text) {
  static const std::pair<std::string_view, char> k_entities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string out;
  for (size_t i = 0; i < text.size();) {
    bool decoded = false;
    for (const auto& [entity, c] : k_entities) {
      if (text.substr(i, entity.size()) == entity) {
        out += c;
        i += entity.size();
        decoded = true;
        break;
      }
    }
    if (!decoded) {
      out += text[i++];
    }
  }
  return out;
}

}  // namespace

std::string S3Location::url() const {
  return prefix.empty() ? "s3://" + bucket : "s3://" + bucket + "/" + prefix;
}

Result<S3Location> parse_s3_url(const std::string& url) {
  if (!url.starts_with("s3://")) {
    return url_error(url, "it does not start with s3://");
  }
  std::string rest = url.substr(5);
  size_t slash = rest.find('/');
  S3Location location{rest.substr(0, slash),
                      slash == std::string::npos ? "" : rest.substr(slash + 1)};
  if (!is_bucket_name(location.bucket)) {
    return url_error(url, fmt::format("'{}' is not a bucket name (3 to 63 of a-z, 0-9, '.' and "
                                      "'-', starting and ending with a letter or digit)",
                                      location.bucket));
  }
  while (!location.prefix.empty() && location.prefix.back() == '/') {
    location.prefix.pop_back();
  }
  if (!std::all_of(location.prefix.begin(), location.prefix.end(), is_prefix_char)) {
    return url_error(url, "the prefix may hold only letters, digits and / . _ - ~");
  }
  for (const auto& segment : split(location.prefix, '/')) {
    if (!location.prefix.empty() && (segment.empty() || segment == "." || segment == "..")) {
      return url_error(url, "the prefix has an empty, '.' or '..' segment");
    }
  }
  return location;
}

Result<IniFile> parse_ini(std::string_view text, const std::string& file_name) {
  IniFile ini;
  std::string section;
  std::string parent;  // the key of an open nested block ("s3 =")
  bool in_section = false;
  size_t number = 0;
  for (const auto& raw : split(text, '\n')) {
    ++number;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    bool indented = raw.front() == ' ' || raw.front() == '\t';
    if (line.front() == '[' && line.back() == ']') {
      section = std::string(trim(line.substr(1, line.size() - 2)));
      ini[section];
      in_section = true;
      parent.clear();
      continue;
    }
    size_t equals = line.find('=');
    if (equals == std::string_view::npos || equals == 0 || !in_section) {
      return Error(ErrorKind::Usage,
                   fmt::format("{}:{}: not a `[section]` or a `key = value` line inside a section",
                               file_name, number));
    }
    std::string key(trim(line.substr(0, equals)));
    std::string value(trim(line.substr(equals + 1)));
    if (indented && !parent.empty()) {
      ini[section][parent + "." + key] = value;
      continue;
    }
    parent = value.empty() ? key : "";
    ini[section][key] = value;
  }
  return ini;
}

std::string S3Credentials::redact(std::string text) const {
  for (const std::string* secret : {&secret_key, &session_token}) {
    if (secret->empty()) {
      continue;
    }
    for (size_t at = text.find(*secret); at != std::string::npos; at = text.find(*secret, at + 3)) {
      text.replace(at, secret->size(), "***");
    }
  }
  return text;
}

Result<S3Settings> resolve_s3_settings(const S3Location& location, const EnvLookup& env,
                                       const FileLookup& read) {
  MLOPS_TRY(profile, load_profile(env, read));
  S3Settings settings;
  settings.region = non_empty(env, "AWS_REGION")
                        .value_or(non_empty(env, "AWS_DEFAULT_REGION")
                                      .value_or(profile->config_value("region").value_or("")));
  if (settings.region.empty()) {
    settings.region = "us-east-1";
  }
  if (!std::all_of(settings.region.begin(), settings.region.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
      })) {
    return Error(ErrorKind::Usage,
                 fmt::format("'{}' is not an AWS region (AWS_REGION, AWS_DEFAULT_REGION or the "
                             "profile's region)",
                             settings.region));
  }
  std::optional<std::string> custom;
  std::string variable;
  for (const char* name : {"AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"}) {
    if (!custom && (custom = non_empty(env, name))) {
      variable = name;
    }
  }
  if (!custom && (custom = profile->config_value("endpoint_url"))) {
    variable = fmt::format("endpoint_url in {} [{}]", profile->config_path, profile->name);
  }
  if (custom) {
    MLOPS_TRY(endpoint, checked_endpoint(*custom, variable));
    settings.endpoint = *endpoint;
    settings.path_style = true;
  } else {
    settings.endpoint = fmt::format("https://s3.{}.amazonaws.com", settings.region);
    settings.path_style = location.bucket.find('.') != std::string::npos;
  }
  auto style = profile->config_value("s3.addressing_style");
  if (style == "path" || style == "virtual") {
    settings.path_style = *style == "path";
  }
  MLOPS_TRY(credentials, resolve_credentials(env, *profile, location));
  settings.credentials = std::move(*credentials);
  return settings;
}

std::string s3_object_url(const S3Settings& settings, const S3Location& location,
                          const std::string& key) {
  std::string path = location.prefix.empty() ? key : location.prefix + "/" + key;
  if (settings.path_style) {
    return settings.endpoint + "/" + location.bucket + "/" + path;
  }
  size_t host = settings.endpoint.find("://") + 3;
  return settings.endpoint.substr(0, host) + location.bucket + "." +
         settings.endpoint.substr(host) + "/" + path;
}

std::optional<std::string> xml_element(std::string_view xml, std::string_view tag) {
  std::string open = fmt::format("<{}>", tag);
  std::string close = fmt::format("</{}>", tag);
  size_t start = xml.find(open);
  if (start == std::string_view::npos) {
    return std::nullopt;
  }
  start += open.size();
  size_t end = xml.find(close, start);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  return decode_entities(xml.substr(start, end - start));
}

std::string s3_error_summary(std::string_view body) {
  auto code = xml_element(body, "Code");
  if (body.find("<Error>") == std::string_view::npos || !code) {
    return "";
  }
  auto message = xml_element(body, "Message");
  return message && !message->empty() ? *code + ": " + *message : *code;
}

}  // namespace mlops
