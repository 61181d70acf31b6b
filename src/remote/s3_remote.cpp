// The S3 remote: objects in a bucket of AWS S3 or an S3-compatible server (MinIO, s3rver), over
// HTTP(S) with libcurl, which signs every request itself (CURLOPT_AWS_SIGV4). The only file that
// includes curl/curl.h (src/layers.txt).
//
// How the Remote rules hold here (docs/remotes.md):
// - nothing half-written is visible: S3 makes a PUT's object visible only once all its bytes have
//   arrived, and a multipart upload only when it is completed, which happens after every part is
//   up (a failed one is aborted). So put() needs no temporary name and publish() has nothing to
//   do. A put also stores the digest in the object's metadata (x-amz-meta-mlops-digest) and has()
//   counts an object only with it: a server that shows a partial object (s3rver writes in place)
//   cannot make mlops skip uploading it;
// - a file object's bytes are hashed while they are sent, and the last bytes are withheld
//   (the upload aborted) when they do not hash to the digest: a corrupt local object is never
//   uploaded; a download is hashed while received into a temporary file beside the target and
//   renamed into place only when it matches;
// - one libcurl easy handle per thread, reused (keep-alive connections), for `-j N` transfers.
// Requests are signed with the payload as UNSIGNED-PAYLOAD (x-amz-content-sha256, which S3
// requires and libcurl 7.88 does not add itself); integrity comes from mlops's own digests.
#include <curl/curl.h>
#include <fcntl.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "cache/manifest.hpp"
#include "hash/digest.hpp"
#include "remote/remote.hpp"
#include "remote/s3_config.hpp"
#include "util/file_io.hpp"
#include "util/unique_fd.hpp"

namespace mlops {
namespace {

constexpr long k_connect_timeout_s = 10;
constexpr long k_low_speed_time_s = 30;  // below 1 byte/s for this long: the request failed
constexpr int k_attempts = 4;            // for 5xx, 429 and connection errors
constexpr size_t k_max_kept_body = size_t{64} << 10;
constexpr size_t k_max_entry_bytes = size_t{16} << 20;
constexpr uint64_t k_default_part_mib = 64;
constexpr uint64_t k_max_parts = 10000;
constexpr const char* k_digest_header = "x-amz-meta-mlops-digest";

// What a request sends: nothing, bytes in memory, or a range of a file.
struct Body {
  Body() = default;
  explicit Body(const std::string& in_memory) : bytes(&in_memory) {}
  Body(int file, uint64_t from, uint64_t count, std::string digest = "")
      : fd(file), offset(from), size(count), expected_digest(std::move(digest)) {}

  const std::string* bytes = nullptr;
  int fd = -1;
  uint64_t offset = 0;
  uint64_t size = 0;
  std::string expected_digest;  // the file's bytes must hash to it, or the upload is aborted

  uint64_t sent = 0;
  std::optional<Hasher> hasher;
  bool mismatch = false;
  bool read_error = false;

  uint64_t length() const { return bytes != nullptr ? bytes->size() : size; }
  void rewind() {
    sent = 0;
    mismatch = read_error = false;
    if (!expected_digest.empty()) {
      hasher.emplace();
    }
  }
};

// Where a successful response's body goes (a failed one's is kept in Response::body).
struct Sink {
  int fd = -1;
  std::optional<Hasher> hasher;
  uint64_t written = 0;
  bool write_error = false;
  void rewind() {
    written = 0;
    write_error = false;
    hasher.emplace();
    if (fd >= 0 && ::ftruncate(fd, 0) != 0) {
      write_error = true;
    }
  }
};

struct Request {
  Request(const char* method, std::string url, std::vector<std::string> headers = {},
          Body* body = nullptr, Sink* sink = nullptr)
      : method(method), url(std::move(url)), headers(std::move(headers)), body(body), sink(sink) {}

  const char* method;
  std::string url;
  std::vector<std::string> headers;
  Body* body = nullptr;
  Sink* sink = nullptr;
  size_t keep_limit = k_max_kept_body;  // of a response's body kept in memory
};

struct Response {
  CURLcode code = CURLE_OK;
  long status = 0;
  std::string body;  // a failed response's (an S3 error document), or a small XML result
  std::string etag;
  std::string digest_meta;
  std::string bucket_region;  // AWS names the bucket's region when a request went to another
  std::string curl_error;
};

struct Exchange {
  Request* request;
  Response* response;
};

bool header_is(std::string_view line, std::string_view name) {
  return line.size() > name.size() && line[name.size()] == ':' &&
         strncasecmp(line.data(), name.data(), name.size()) == 0;
}

std::string header_value(std::string_view line, size_t name_size) {
  std::string_view value = line.substr(name_size + 1);
  size_t begin = value.find_first_not_of(" \t");
  size_t end = value.find_last_not_of(" \t\r\n");
  return begin == std::string_view::npos ? "" : std::string(value.substr(begin, end - begin + 1));
}

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view line(data, size * count);
  Response& response = *exchange->response;
  if (line.starts_with("HTTP/")) {  // a new response (after a 100 Continue, too)
    size_t space = line.find(' ');
    response.status = space == std::string_view::npos ? 0 : std::atol(line.data() + space + 1);
    response.etag.clear();
    response.digest_meta.clear();
    response.bucket_region.clear();
  } else if (header_is(line, "etag")) {
    response.etag = header_value(line, 4);
  } else if (header_is(line, k_digest_header)) {
    response.digest_meta = header_value(line, std::strlen(k_digest_header));
  } else if (header_is(line, "x-amz-bucket-region")) {
    response.bucket_region = header_value(line, std::strlen("x-amz-bucket-region"));
  }
  return size * count;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto* exchange = static_cast<Exchange*>(user);
  std::string_view bytes(data, size * count);
  Sink* sink = exchange->request->sink;
  Response& response = *exchange->response;
  if (sink != nullptr && sink->fd >= 0 && response.status / 100 == 2) {
    if (::pwrite(sink->fd, bytes.data(), bytes.size(), static_cast<off_t>(sink->written)) !=
        static_cast<ssize_t>(bytes.size())) {
      sink->write_error = true;
      return 0;  // aborts the transfer
    }
    sink->hasher->update(bytes);
    sink->written += bytes.size();
  } else if (size_t limit = exchange->request->keep_limit; response.body.size() < limit) {
    response.body.append(bytes.substr(0, limit - response.body.size()));
  }
  return bytes.size();
}

size_t on_read(char* buffer, size_t size, size_t count, void* user) {
  Body& body = *static_cast<Exchange*>(user)->request->body;
  size_t want = static_cast<size_t>(std::min<uint64_t>(size * count, body.length() - body.sent));
  if (want == 0) {
    return 0;
  }
  if (body.bytes != nullptr) {
    std::memcpy(buffer, body.bytes->data() + body.sent, want);
    body.sent += want;
    return want;
  }
  ssize_t got = ::pread(body.fd, buffer, want, static_cast<off_t>(body.offset + body.sent));
  if (got <= 0) {  // an error, or the file shrank under us
    body.read_error = true;
    return CURL_READFUNC_ABORT;
  }
  body.sent += static_cast<uint64_t>(got);
  if (body.hasher) {
    body.hasher->update(std::string_view(buffer, static_cast<size_t>(got)));
    // The last bytes go out only if the whole hashes to its name: without them the server never
    // has the complete object.
    if (body.sent == body.length() && body.hasher->finish().hex() != body.expected_digest) {
      body.mismatch = true;
      return CURL_READFUNC_ABORT;
    }
  }
  return static_cast<size_t>(got);
}

// The calling thread's easy handle: created on first use, reset (its connections kept) before
// every request, cleaned up when the thread ends.
CURL* thread_handle() {
  struct Handle {
    CURL* curl = nullptr;
    ~Handle() {
      if (curl != nullptr) {
        curl_easy_cleanup(curl);
      }
    }
  };
  thread_local Handle handle;
  if (handle.curl == nullptr) {
    handle.curl = curl_easy_init();
  } else {
    curl_easy_reset(handle.curl);
  }
  return handle.curl;
}

bool is_retryable(const Response& response) {
  switch (response.code) {
    case CURLE_OK:
      return response.status >= 500 || response.status == 429;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

// Percent-encodes all but RFC 3986's unreserved characters (a query value, signed as sent).
std::string uri_encode(std::string_view text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

std::string temp_suffix() {
  std::random_device random;
  return fmt::format(".tmp-{:08x}{:08x}", random(), random());
}

class S3Remote final : public Remote {
 public:
  S3Remote(S3Location location, S3Settings settings, uint64_t part_bytes,
           std::optional<std::string> ca_bundle)
      : m_location(std::move(location)),
        m_settings(std::move(settings)),
        m_part_bytes(part_bytes),
        m_ca_bundle(std::move(ca_bundle)) {}

  std::string describe() const override { return m_location.url(); }

  Result<bool> has(const std::string& digest, bool manifest) override {
    std::string name = object_name(digest, manifest);
    Request request{"HEAD", url(name)};
    Response response = perform(request);
    if (response.code == CURLE_OK && response.status == 200) {
      return response.digest_meta == digest;  // else not one mlops completed: upload it again
    }
    if (response.code == CURLE_OK && response.status == 404) {
      return false;
    }
    return failure("look for", name, response);
  }

  Status put(const std::string& digest, bool manifest,
             const std::filesystem::path& source) override;
  Status publish() override { return Status::success(); }  // every put is visible when done
  Status get(const std::string& digest, bool manifest,
             const std::filesystem::path& target) override;
  Status put_entry(const std::string& name, const std::string& bytes) override;
  Result<std::optional<std::string>> get_entry(const std::string& name) override;

 private:
  std::string url(const std::string& key, const std::string& query = "") const {
    std::string object = s3_object_url(m_settings, m_location, key);
    return query.empty() ? object : object + "?" + query;
  }
  Response perform_once(Request& request);
  Response perform(Request& request);
  Error failure(const std::string& what, const std::string& name, const Response& response) const;
  Status put_multipart(const std::string& digest, bool manifest, const std::string& name, int fd,
                       uint64_t size);
  Result<std::string> upload_parts(const std::string& name, const std::string& upload, int fd,
                                   uint64_t size);
  void abort_upload(const std::string& name, const std::string& upload);

  S3Location m_location;
  S3Settings m_settings;
  uint64_t m_part_bytes;
  std::optional<std::string> m_ca_bundle;
};

Response S3Remote::perform_once(Request& request) {
  CURL* curl = thread_handle();
  Response response;
  Exchange exchange{&request, &response};
  char error_buffer[CURL_ERROR_SIZE] = "";
  std::string sigv4 = "aws:amz:" + m_settings.region + ":s3";
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // several threads: no SIGALRM for timeouts
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, k_connect_timeout_s);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, k_low_speed_time_s);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_AWS_SIGV4, sigv4.c_str());
  curl_easy_setopt(curl, CURLOPT_USERNAME, m_settings.credentials.access_key.c_str());
  curl_easy_setopt(curl, CURLOPT_PASSWORD, m_settings.credentials.secret_key.c_str());
  if (m_ca_bundle) {
    curl_easy_setopt(curl, CURLOPT_CAINFO, m_ca_bundle->c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &exchange);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &exchange);
  struct curl_slist* headers = nullptr;
  std::vector<std::string> lines = {"x-amz-content-sha256: UNSIGNED-PAYLOAD", "Expect:"};
  if (!m_settings.credentials.session_token.empty()) {
    lines.push_back("x-amz-security-token: " + m_settings.credentials.session_token);
  }
  lines.insert(lines.end(), request.headers.begin(), request.headers.end());
  for (const auto& line : lines) {
    headers = curl_slist_append(headers, line.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  std::string_view method = request.method;
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT" || method == "POST") {
    auto length = static_cast<curl_off_t>(request.body != nullptr ? request.body->length() : 0);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, length);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, on_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &exchange);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);  // an upload is a PUT
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method);
  }
  response.code = curl_easy_perform(curl);
  response.curl_error = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(response.code);
  curl_slist_free_all(headers);
  return response;
}

Response S3Remote::perform(Request& request) {
  Body empty;
  if (request.body == nullptr) {
    request.body = &empty;
  }
  for (int attempt = 1;; ++attempt) {
    request.body->rewind();
    if (request.sink != nullptr) {
      request.sink->rewind();
    }
    Response response = perform_once(request);
    bool ours = request.body->mismatch || request.body->read_error ||
                (request.sink != nullptr && request.sink->write_error);
    if (ours || attempt == k_attempts || !is_retryable(response)) {
      if (request.body == &empty) {
        request.body = nullptr;
      }
      return response;
    }
    // 100 ms, 200 ms, 400 ms, with jitter so that -j N threads do not retry in step.
    thread_local std::minstd_rand jitter(std::random_device{}());
    auto delay = std::chrono::milliseconds((50 << attempt) + jitter() % 50);
    std::this_thread::sleep_for(delay);
  }
}

Error S3Remote::failure(const std::string& what, const std::string& name,
                        const Response& response) const {
  const S3Credentials& credentials = m_settings.credentials;
  std::string where = fmt::format("cannot {} {} in {}", what, name, describe());
  if (response.code != CURLE_OK) {
    return Error(ErrorKind::Io,
                 credentials.redact(
                     fmt::format("{} ({}): {}", where, m_settings.endpoint, response.curl_error)));
  }
  std::string summary = s3_error_summary(response.body);
  std::string said = summary.empty() ? fmt::format("HTTP {}", response.status)
                                     : fmt::format("HTTP {} {}", response.status, summary);
  if (!response.bucket_region.empty() && response.bucket_region != m_settings.region) {
    return Error(ErrorKind::Usage, credentials.redact(fmt::format(
                                       "{}: {}; the bucket is in {}: set AWS_REGION={}", where,
                                       said, response.bucket_region, response.bucket_region)));
  }
  if (response.status == 403 || response.status == 401) {
    return Error(ErrorKind::Io,
                 credentials.redact(fmt::format(
                     "{}: access denied ({}): check the credentials (from {}) and that they may "
                     "read and write the bucket (S3 also answers 403 for a missing object when "
                     "they may not list it)",
                     where, said, credentials.source)));
  }
  if (summary.starts_with("NoSuchBucket")) {
    return Error(ErrorKind::NotFound, credentials.redact(fmt::format(
                                          "{}: the bucket {} does not exist at {} ({})", where,
                                          m_location.bucket, m_settings.endpoint, said)));
  }
  return Error(ErrorKind::Io, credentials.redact(fmt::format("{}: {}", where, said)));
}

Status S3Remote::put(const std::string& digest, bool manifest,
                     const std::filesystem::path& source) {
  std::string name = object_name(digest, manifest);
  UniqueFd fd(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!fd.valid() || ::fstat(fd.get(), &info) != 0) {
    return Error(errno == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                 fmt::format("cannot read {}: {}", source.string(), std::strerror(errno)));
  }
  auto size = static_cast<uint64_t>(info.st_size);
  if (size > m_part_bytes) {
    return put_multipart(digest, manifest, name, fd.get(), size);
  }
  Body body(fd.get(), 0, size, manifest ? "" : digest);
  Request request{"PUT", url(name), {fmt::format("{}: {}", k_digest_header, digest)}, &body};
  Response response = perform(request);
  if (body.mismatch) {
    return Error(ErrorKind::Corrupt, fmt::format("{} no longer matches its digest {}: not uploaded",
                                                 source.string(), digest));
  }
  if (body.read_error) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot read {} (changed while being uploaded?)", source.string()));
  }
  if (response.code != CURLE_OK || response.status / 100 != 2) {
    return failure("upload", name, response);
  }
  return Status::success();
}

Status S3Remote::put_multipart(const std::string& digest, bool manifest, const std::string& name,
                               int fd, uint64_t size) {
  Request start{"POST", url(name, "uploads="), {fmt::format("{}: {}", k_digest_header, digest)}};
  Response started = perform(start);
  auto upload = xml_element(started.body, "UploadId");
  if (started.code != CURLE_OK || started.status != 200 || !upload || upload->empty()) {
    return failure("start a multipart upload of", name, started);
  }
  auto parts = upload_parts(name, *upload, fd, size);
  Status checked = parts.ok() ? Status::success() : Status(parts.error());
  if (checked.ok() && !manifest) {
    // Parts may be sent more than once (retries), so the file is hashed here, before the upload
    // is completed (until then nothing is visible).
    auto sent = digest_fd(fd, name);
    if (!sent.ok() || sent->hex() != digest) {
      checked = Error(
          ErrorKind::Corrupt,
          fmt::format("the local object {} no longer matches its digest: not uploaded", digest));
    }
  }
  if (checked.ok()) {
    Request complete{"POST", url(name, "uploadId=" + uri_encode(*upload)), {}};
    Body body(*parts);
    complete.body = &body;
    Response completed = perform(complete);
    // S3 may answer 200 and report an error in the body of a CompleteMultipartUpload.
    if (completed.code != CURLE_OK || completed.status != 200 ||
        !s3_error_summary(completed.body).empty()) {
      checked = failure("complete the multipart upload of", name, completed);
    }
  }
  if (!checked.ok()) {
    abort_upload(name, *upload);
  }
  return checked;
}

// Uploads the parts; the CompleteMultipartUpload document listing them.
Result<std::string> S3Remote::upload_parts(const std::string& name, const std::string& upload,
                                           int fd, uint64_t size) {
  uint64_t part_bytes = std::max(m_part_bytes, (size + k_max_parts - 1) / k_max_parts);
  std::string document = "<CompleteMultipartUpload>";
  for (uint64_t offset = 0, number = 1; offset < size; offset += part_bytes, ++number) {
    Body body(fd, offset, std::min(part_bytes, size - offset));
    // Query parameters in sorted order: libcurl 7.88 signs the query string as written.
    Request request{"PUT",
                    url(name, fmt::format("partNumber={}&uploadId={}", number, uri_encode(upload))),
                    {},
                    &body};
    Response response = perform(request);
    if (body.read_error) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot read the object {} while uploading it", name));
    }
    if (response.code != CURLE_OK || response.status != 200 || response.etag.empty()) {
      return failure(fmt::format("upload part {} of", number), name, response);
    }
    document += fmt::format("<Part><PartNumber>{}</PartNumber><ETag>{}</ETag></Part>", number,
                            response.etag);
  }
  return document + "</CompleteMultipartUpload>";
}

void S3Remote::abort_upload(const std::string& name, const std::string& upload) {
  Request request{"DELETE", url(name, "uploadId=" + uri_encode(upload))};
  perform(request);  // best effort: a bucket lifecycle rule cleans up what this cannot
}

Status S3Remote::get(const std::string& digest, bool manifest,
                     const std::filesystem::path& target) {
  std::string name = object_name(digest, manifest);
  std::filesystem::path temp = target.string() + temp_suffix();
  UniqueFd fd(::open(temp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444));
  if (!fd.valid()) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  }
  Sink sink;
  sink.fd = fd.get();
  Request request{"GET", url(name), {}, nullptr, &sink};
  Response response = perform(request);
  Result<std::string> received = std::string();
  if (sink.write_error) {
    received = Error(ErrorKind::Io,
                     fmt::format("cannot write {}: {}", temp.string(), std::strerror(errno)));
  } else if (response.code == CURLE_OK && response.status == 404 &&
             !s3_error_summary(response.body).starts_with("NoSuchBucket")) {
    received =
        Error(ErrorKind::NotFound, fmt::format("the remote {} has no object {}", describe(), name));
  } else if (response.code != CURLE_OK || response.status != 200) {
    received = failure("download", name, response);
  } else if (!manifest) {
    received = sink.hasher->finish().hex();
  }
  return accept_download(digest, manifest, received, temp, target, describe());
}

Status S3Remote::put_entry(const std::string& name, const std::string& bytes) {
  Body body(bytes);
  Request request{"PUT", url(name), {}, &body};
  Response response = perform(request);
  if (response.code != CURLE_OK || response.status / 100 != 2) {
    return failure("write", name, response);
  }
  return Status::success();
}

Result<std::optional<std::string>> S3Remote::get_entry(const std::string& name) {
  Request request{"GET", url(name)};
  request.keep_limit = k_max_entry_bytes + 1;  // an entry is small: kept in memory
  Response response = perform(request);
  if (response.code == CURLE_OK && response.status == 200) {
    if (response.body.size() > k_max_entry_bytes) {
      return Error(ErrorKind::Corrupt,
                   fmt::format("the remote's entry {} in {} is too large", name, describe()));
    }
    return std::optional<std::string>(std::move(response.body));
  }
  if (response.code == CURLE_OK && response.status == 404 &&
      !s3_error_summary(response.body).starts_with("NoSuchBucket")) {
    return std::optional<std::string>();
  }
  return failure("read", name, response);
}

std::optional<std::string> environment(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  return value != nullptr ? std::optional<std::string>(value) : std::nullopt;
}

std::optional<std::string> file_text(const std::string& path) {
  auto text = read_file(path, size_t{1} << 20);
  return text.ok() ? std::optional<std::string>(std::move(*text)) : std::nullopt;
}

Result<uint64_t> part_bytes_setting() {
  auto value = environment("MLOPS_S3_PART_MIB");
  if (!value) {
    return k_default_part_mib << 20;
  }
  char* end = nullptr;
  unsigned long long mib = std::strtoull(value->c_str(), &end, 10);
  if (value->empty() || *end != '\0' || mib < 1 || mib > 5120) {
    return Error(ErrorKind::Usage, fmt::format("MLOPS_S3_PART_MIB is '{}': give a whole number of "
                                               "MiB from 1 to 5120 (AWS needs at least 5)",
                                               *value));
  }
  return uint64_t{mib} << 20;
}

}  // namespace

Result<std::unique_ptr<Remote>> open_s3_remote(const std::string& url) {
  static std::once_flag initialised;
  std::call_once(initialised, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  MLOPS_TRY(location, parse_s3_url(url));
  MLOPS_TRY(settings, resolve_s3_settings(*location, environment, file_text));
  MLOPS_TRY(part_bytes, part_bytes_setting());
  auto ca_bundle = environment("AWS_CA_BUNDLE");
  return std::unique_ptr<Remote>(
      new S3Remote(std::move(*location), std::move(*settings), *part_bytes, ca_bundle));
}

}  // namespace mlops
