// materialize_model (app/models.hpp): a registered version's bytes at .mlops/models/NAME@LABEL.
//
// The "already there" check asks the store's digest memo (engine/store_digest_memo.hpp): a file
// whose device, inode, size, mtime and ctime are those remembered with its digest is not read
// again. Editing a file in place changes its ctime (which no user tool can set back), so a
// tampered copy is always re-read, found different and replaced. A freshly restored file is
// remembered only once it is two seconds old (the memo's rule), so the first check after that
// reads it once more; later ones cost a stat and one indexed lookup. Writers of one path take
// .mlops/locks/model-NAME@LABEL.lock in turn.
#include <sys/stat.h>

#include <filesystem>

#include <fmt/format.h>

#include "app/cache_lock.hpp"
#include "app/models.hpp"
#include "engine/store_digest_memo.hpp"
#include "hash/digest.hpp"
#include "util/file_lock.hpp"
#include "util/paths.hpp"

namespace mlops {
namespace {

bool is_link(const std::filesystem::path& path) {
  struct stat info {};
  return ::lstat(path.c_str(), &info) == 0 && S_ISLNK(info.st_mode);
}

// Whether `path` holds exactly `digest` (a symbolic link never counts: it is replaced).
bool holds(const std::filesystem::path& path, const ModelVersionRecord& version, DigestMemo* memo) {
  if (is_link(path)) {
    return false;
  }
  auto current = digest_path(path, memo);
  return current.ok() && current->digest.hex() == version.digest &&
         current->is_directory == (version.kind == "directory");
}

std::string short_hex(const std::string& digest) {
  return digest.substr(0, 12);
}

Error missing_bytes(const ModelVersionRecord& version, const std::string& why) {
  std::string producer =
      version.pipeline ? fmt::format("the pipeline '{}'{}", *version.pipeline,
                                     version.stage ? fmt::format(" (stage '{}')", *version.stage)
                                                   : std::string())
                       : std::string("the pipeline that produced it");
  return Error(ErrorKind::NotFound,
               fmt::format("model '{}' v{} (digest {}): its bytes are not in the object cache "
                           "(removed by gc, or never cached) and {}; re-run {} to write them "
                           "again{}",
                           version.model, version.version, short_hex(version.digest), why, producer,
                           version.run_id ? fmt::format(" (it came from run {})", *version.run_id)
                                          : std::string()));
}

// Puts the version in the cache from its recorded workspace path, when that still holds it.
Status cache_from_workspace(Workspace& space, const ModelVersionRecord& version, DigestMemo* memo) {
  // The path comes from the store: check it before reading anything there.
  auto source = checked_write_path(space.root(), version.path, ErrorKind::Corrupt);
  if (!source.ok()) {
    return Error(ErrorKind::Corrupt,
                 fmt::format("model '{}' v{}: the path recorded for it is unsafe: {}",
                             version.model, version.version, source.error().message()));
  }
  if (!holds(*source, version, memo)) {
    return missing_bytes(version, fmt::format("{} no longer holds them", version.path));
  }
  return space.objects().save(*source, version.digest, version.kind == "directory", memo);
}

Status check_version_record(const ModelVersionRecord& version, const std::string& label) {
  MLOPS_CHECK(check_model_name(version.model));
  if (!is_valid_model_name(label)) {
    return Error(
        ErrorKind::Usage,
        fmt::format("'{}' is not a label for a materialized model: use an alias or vN", label));
  }
  if (version.kind != "file" && version.kind != "directory") {
    return Error(ErrorKind::Corrupt,
                 fmt::format("model '{}' v{} is recorded with kind '{}', not file or directory",
                             version.model, version.version, version.kind));
  }
  return Status::success();
}

}  // namespace

std::string materialized_model_path(const std::string& model, const std::string& label) {
  return fmt::format(".mlops/models/{}@{}", model, label);
}

Result<std::string> materialize_model(Workspace& space, const ModelVersionRecord& version,
                                      const std::string& label) {
  MLOPS_CHECK(check_version_record(version, label));
  std::string relative = materialized_model_path(version.model, label);
  MLOPS_TRY(target, checked_write_path(space.root(), relative, ErrorKind::Corrupt));
  std::optional<StoreDigestMemo> store_memo;
  if (space.store()) {
    store_memo.emplace(*space.store());
  }
  DigestMemo* memo = store_memo ? &*store_memo : nullptr;
  auto done = [&]() -> Result<std::string> {
    if (store_memo) {
      store_memo->flush();  // a failure costs only a re-read next time
    }
    return relative;
  };
  if (holds(*target, version, memo)) {
    return done();
  }
  // One writer per materialized path (two stages of a run may need the same model at once);
  // whoever waited finds the work done.
  MLOPS_TRY(lock_path,
            checked_write_path(space.root(),
                               fmt::format(".mlops/locks/model-{}@{}.lock", version.model, label),
                               ErrorKind::Corrupt));
  MLOPS_TRY(writer, FileLock::acquire(*lock_path));
  if (holds(*target, version, memo)) {
    return done();
  }
  // Held shared, so that a gc cannot remove the object between the check and the copy.
  MLOPS_TRY(lock, acquire_cache_use(space));
  bool directory = version.kind == "directory";
  if (!space.objects().has(version.digest, directory)) {
    MLOPS_CHECK(cache_from_workspace(space, version, memo));
  }
  std::error_code error;
  std::filesystem::create_directories(target->parent_path(), error);
  Status restored =
      space.objects().restore(version.digest, directory, *target, CacheLink::Copy, memo);
  if (!restored.ok()) {
    return Error(restored.error().kind(),
                 fmt::format("materializing model '{}' v{} at {}: {}", version.model,
                             version.version, relative, restored.error().message()));
  }
  return done();
}

}  // namespace mlops
