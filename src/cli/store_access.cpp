#include "cli/store_access.hpp"

#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "spec/loader.hpp"
#include "util/file_io.hpp"
#include "util/file_lock.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// A run recorded as running on this host whose lock nobody holds lost its mlops process.
void recover_interrupted_runs(MetadataStore& store, const std::filesystem::path& store_path) {
  auto running = store.list_runs({std::nullopt, "running", 1000});
  if (!running.ok()) {
    return;
  }
  std::string host = host_name();
  for (const auto& run : *running) {
    if (run.host != host) {
      continue;  // another machine's run: its lock is not visible from here
    }
    auto lock = FileLock::try_acquire(run_lock_path(store_path, run.id));
    if (!lock.ok() || !lock->has_value()) {
      continue;  // alive (or unknowable)
    }
    if (store.mark_interrupted(run.id, now_utc_iso()).ok()) {
      write_all(2, fmt::format("[mlops] run {} of '{}' was interrupted (its mlops process {} is "
                               "gone); marked it interrupted\n",
                               run.id, run.pipeline, run.owner_pid));
    }
    (*lock)->remove();
  }
}

}  // namespace

std::filesystem::path run_lock_path(const std::filesystem::path& store, const std::string& run_id) {
  return store.parent_path() / "locks" / ("run-" + run_id + ".lock");
}

std::unique_ptr<SqliteStore> open_store_or_report(const std::filesystem::path& store) {
  std::error_code error;
  std::filesystem::create_directories(store.parent_path(), error);
  auto opened = error ? Result<std::unique_ptr<SqliteStore>>(Error(ErrorKind::Io, error.message()))
                      : SqliteStore::open(store.string());
  if (!opened.ok()) {
    write_all(2, fmt::format("mlops: error: cannot use the metadata store {}: {}\n"
                             "  check that its directory is writable and has free space, and that "
                             "the file is an mlops store; or choose another with --store or "
                             "MLOPS_STORE\n",
                             store.string(), opened.error().message()));
    return nullptr;
  }
  recover_interrupted_runs(**opened, store);
  return std::move(*opened);
}

}  // namespace mlops
