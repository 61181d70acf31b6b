// Artifact remotes (docs/remotes.md, issue 16): where a team's machines share the cache's
// content-addressed objects. A remote holds objects under the cache's own layout,
// objects/<2 hex>/<30 hex> (a file's bytes) and objects/<2 hex>/<30 hex>.dir (a directory's
// manifest), so an object's name is its digest wherever it is.
//
// The rules every backend keeps:
// - nothing half-written is ever visible under an object's name: put() writes a temporary name
//   and renames it (or completes a multipart upload) only when all bytes are there;
// - get() checks a file object's bytes against its digest while receiving them, and a manifest
//   with parse_manifest, and fails with Corrupt (nothing written at `target`) when they differ;
// - credentials come from the environment or the standard files, and never appear in
//   describe() or an error;
// - has/put/get are called concurrently from the transfer threads of `push -j N` / `pull -j N`
//   (publish() only after they are done): a backend keeps one connection per thread or locks.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "util/error.hpp"

namespace mlops {

class Remote {
 public:
  virtual ~Remote() = default;
  // The remote for messages ("/mnt/team/mlops-remote"), without credentials.
  virtual std::string describe() const = 0;
  // Whether the object is there (complete). Io when the remote cannot be asked.
  virtual Result<bool> has(const std::string& digest, bool manifest) = 0;
  // Uploads the local file `source` as the object. It may only become visible under its name at
  // the next publish() (a backend that syncs once for many objects). Io on failure (nothing
  // visible is left).
  virtual Status put(const std::string& digest, bool manifest,
                     const std::filesystem::path& source) = 0;
  // Makes every object put so far durable and visible. Io on failure (those not yet published
  // stay invisible).
  virtual Status publish() = 0;
  // Downloads the object into `target` (a new file the caller names, replaced atomically; not
  // synced: the caller syncs once for many, and a local cache verifies every object it restores
  // anyway). NotFound when the remote lacks it; Corrupt when its bytes do not match; Io
  // otherwise.
  virtual Status get(const std::string& digest, bool manifest,
                     const std::filesystem::path& target) = 0;

  // The run-cache index (docs/remotes.md): small named entries beside the objects, under
  // runcache/<32 hex> (the caller checks `name` with is_entry_name). put_entry replaces the
  // entry whole (a reader sees the old bytes or the new, never a part) and is durable when it
  // returns; get_entry gives nothing when there is none. The bytes are untrusted: the caller
  // validates them. The defaults say the backend keeps no index (Usage; nothing).
  virtual Status put_entry(const std::string& name, const std::string& bytes);
  virtual Result<std::optional<std::string>> get_entry(const std::string& name);
};

// Whether `name` is an index entry's name: "runcache/" and 32 lowercase hex digits.
bool is_entry_name(const std::string& name);

// The remote a URL names: a directory (an absolute path, or file:///path), an SSH/SFTP server
// (ssh://[user@]host[:port]/path) or an S3 bucket (s3://bucket[/prefix]). Usage for a URL
// this mlops cannot use (the message says which kinds it can); NotFound for a directory that
// does not exist.
Result<std::unique_ptr<Remote>> open_remote(const std::string& url);

// Each backend's opener (open_remote dispatches on the URL's scheme).
Result<std::unique_ptr<Remote>> open_directory_remote(const std::string& url);
Result<std::unique_ptr<Remote>> open_ssh_remote(const std::string& url);  // ssh_remote.cpp
Result<std::unique_ptr<Remote>> open_s3_remote(const std::string& url);   // s3_remote.cpp

// The relative name of an object under a remote's root (and the cache's objects/ directory).
std::string object_name(const std::string& digest, bool manifest);

// The end of every backend's get(): the object was received into `temp` and its bytes hashed to
// `received` (or receiving failed: its error). A file must hash to `digest`, a manifest must
// parse; then `temp` becomes `target`. On any failure `temp` is removed and nothing is at
// `target`; Corrupt names the object and the remote (`where`) and says what to do.
Status accept_download(const std::string& digest, bool manifest,
                       const Result<std::string>& received, const std::filesystem::path& temp,
                       const std::filesystem::path& target, const std::string& where);

}  // namespace mlops
