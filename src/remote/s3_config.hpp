// Where an S3 remote is and who may use it: the s3:// URL, the endpoint, the region and the
// credentials, resolved the way the AWS CLI resolves them (docs/remotes.md), without talking to
// any server. s3_remote.cpp does the HTTP (libcurl); everything here is plain data and tested
// without a server (s3_config_test.cpp).
//
// Credentials come only from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN) or the standard files (~/.aws/credentials, ~/.aws/config, with AWS_PROFILE,
// AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE). They are kept in memory only, and every
// message that could carry them goes through S3Credentials::redact().
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "util/error.hpp"

namespace mlops {

// s3://bucket[/prefix]: the prefix has no leading or trailing '/', and may be empty.
struct S3Location {
  std::string bucket;
  std::string prefix;
  std::string url() const;  // "s3://bucket/prefix", as the user wrote it (normalised)
};

// Usage, saying what is wrong, for a URL that is not s3://BUCKET[/PREFIX] with a valid bucket
// name (3-63 of a-z 0-9 . -) and a prefix of letters, digits and `/ . _ - ~` (a key is signed
// as written, so characters that need percent-encoding are refused rather than risked).
Result<S3Location> parse_s3_url(const std::string& url);

// An INI file as the AWS CLI reads it: sections of `key = value`; `#` and `;` start comments;
// an indented `key = value` below `name =` is a nested setting, stored as "name.key".
using IniFile = std::map<std::string, std::map<std::string, std::string>>;

// Usage naming `file_name` and the line for a line that is neither (its text is not repeated:
// it may hold a secret).
Result<IniFile> parse_ini(std::string_view text, const std::string& file_name);

struct S3Credentials {
  std::string access_key;
  std::string secret_key;
  std::string session_token;  // empty unless temporary credentials
  std::string source;         // "the environment", "/root/.aws/credentials [default]"

  // `text` with the secret key and the session token replaced by "***".
  std::string redact(std::string text) const;
};

struct S3Settings {
  std::string endpoint;  // scheme://host[:port], no trailing '/'
  bool path_style = false;
  std::string region;
  S3Credentials credentials;
};

// Reads an environment variable (std::getenv in production; a map in tests).
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
// Reads a whole file: nothing when it does not exist.
using FileLookup = std::function<std::optional<std::string>(const std::string&)>;

// The endpoint, addressing style, region and credentials for `location`:
// - endpoint: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's `endpoint_url`, else
//   https://s3.REGION.amazonaws.com; a custom endpoint (MinIO, s3rver) uses path-style URLs, AWS
//   virtual-hosted ones (path-style for a bucket name with dots, which TLS cannot match), and the
//   profile's `s3 = addressing_style = path|virtual` overrides either;
// - region: AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`, else us-east-1;
// - credentials: the environment's pair (both or neither), else the profile (AWS_PROFILE, else
//   "default") in the shared credentials file, else in the config file.
// Usage, naming what to set, when there are no credentials, only half a pair, a profile named
// by AWS_PROFILE that no file has, a malformed file or endpoint.
Result<S3Settings> resolve_s3_settings(const S3Location& location, const EnvLookup& env,
                                       const FileLookup& read);

// The URL of `key` (below the location's prefix) in the bucket.
std::string s3_object_url(const S3Settings& settings, const S3Location& location,
                          const std::string& key);

// The Code and Message of an S3 XML error body ("NoSuchBucket: The specified bucket does not
// exist"); empty when the body is not one.
std::string s3_error_summary(std::string_view body);

// The text of the first <tag>...</tag> in `xml`, entities decoded; nothing when absent.
std::optional<std::string> xml_element(std::string_view xml, std::string_view tag);

}  // namespace mlops
