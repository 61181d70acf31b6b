#include "app/workspace.hpp"

#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "app/run_processes.hpp"
#include "engine/record_journal.hpp"
#include "spec/loader.hpp"
#include "util/file_lock.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// A run recorded as running on this host whose lock nobody holds lost its mlops process. What its
// stages left running is killed first, before anything new can run, and before the run stops
// being "running" (so that a crash in between leaves it to the next mlops).
std::vector<RecoveredRun> recover_interrupted_runs(MetadataStore& store, const Workspace& space) {
  std::vector<RecoveredRun> recovered;
  auto running = store.list_runs({std::nullopt, "running", 1000});
  if (!running.ok()) {
    return recovered;
  }
  std::string host = host_name();
  for (const auto& run : *running) {
    if (run.host != host) {
      continue;  // another machine's run: its lock is not visible from here
    }
    auto lock = FileLock::try_acquire(space.run_lock_path(run.id));
    if (!lock.ok() || !lock->has_value()) {
      continue;  // alive (or unknowable)
    }
    size_t killed = kill_run_leftovers(store, run);
    auto marked = store.mark_interrupted(run.id, now_utc_iso());
    if (marked.ok() && *marked) {
      recovered.push_back({run.id, run.pipeline, run.owner_pid, killed});
    }
    (*lock)->remove();
  }
  return recovered;
}

Error store_error(const std::filesystem::path& path, const std::string& why) {
  return Error(ErrorKind::Io,
               fmt::format("cannot use the metadata store {}: {}\n"
                           "  check that its directory is writable and has free space, and that "
                           "the file is an mlops store; or choose another with --store or "
                           "MLOPS_STORE",
                           path.string(), why));
}

}  // namespace

Workspace::Workspace(Workspace&&) noexcept = default;
Workspace& Workspace::operator=(Workspace&&) noexcept = default;
Workspace::~Workspace() = default;

Result<Workspace> Workspace::open(const std::filesystem::path& root,
                                  const std::optional<std::filesystem::path>& store_flag,
                                  StoreMode mode) {
  Workspace space;
  space.m_root = root;
  space.m_store_path = resolve_store_path(store_flag, root);
  space.m_objects = std::make_unique<ObjectStore>(root / ".mlops" / "cache");
  if (mode == StoreMode::None) {
    return space;
  }
  std::error_code error;
  bool exists = std::filesystem::exists(space.m_store_path, error);
  if (!exists && mode == StoreMode::Existing) {
    return Error(ErrorKind::NotFound,
                 fmt::format("no metadata store at {}; run a pipeline with `mlops run` first, or "
                             "name the store with --store or MLOPS_STORE",
                             space.m_store_path.string()));
  }
  bool named = store_flag || (std::getenv("MLOPS_STORE") && *std::getenv("MLOPS_STORE"));
  if (!exists && named && mode != StoreMode::Create) {
    // A store named with --store or MLOPS_STORE that is not there is a typo, not "never ran".
    return Error(ErrorKind::NotFound,
                 fmt::format("no metadata store at {}; check the path given with {}",
                             space.m_store_path.string(), store_flag ? "--store" : "MLOPS_STORE"));
  }
  if (!exists && mode == StoreMode::IfExists) {
    return space;
  }
  if (!exists && mode == StoreMode::MemoryIfMissing) {
    auto memory = SqliteStore::open(":memory:");  // nothing recorded yet: start from scratch
    if (!memory.ok()) {
      return store_error(space.m_store_path, memory.error().message());
    }
    space.m_store = std::move(*memory);
    return space;
  }
  std::filesystem::create_directories(space.m_store_path.parent_path(), error);
  if (error) {
    return store_error(space.m_store_path, error.message());
  }
  auto opened = SqliteStore::open(space.m_store_path.string());
  if (!opened.ok()) {
    return store_error(space.m_store_path, opened.error().message());
  }
  space.m_store = std::move(*opened);
  // Tidying up after others must not stall a command while another process writes.
  space.m_store->set_write_wait(std::chrono::milliseconds(200));
  space.m_replayed =
      replay_run_journals(space.m_store_path.parent_path() / "journal", *space.m_store);
  space.m_recovered = recover_interrupted_runs(*space.m_store, space);
  space.m_store->set_write_wait(std::chrono::seconds(30));
  return space;
}

std::filesystem::path Workspace::run_lock_path(const std::string& run_id) const {
  return m_store_path.parent_path() / "locks" / ("run-" + run_id + ".lock");
}

std::filesystem::path Workspace::pipeline_lock_path(const std::string& pipeline) const {
  return m_root / ".mlops" / "locks" / ("pipeline-" + pipeline + ".lock");
}

std::filesystem::path Workspace::trigger_lock_path(const std::string& pipeline) const {
  return m_store_path.parent_path() / "locks" / ("trigger-" + pipeline + ".lock");
}

std::filesystem::path Workspace::cache_lock_path() const {
  return m_root / ".mlops" / "locks" / "cache.lock";
}

std::filesystem::path Workspace::journal_path(const std::string& run_id) const {
  return m_store_path.parent_path() / "journal" / (run_id + ".json");
}

std::filesystem::path Workspace::log_dir(const std::string& run_id) const {
  return m_root / ".mlops" / "logs" / run_id;
}

std::filesystem::path resolve_store_path(const std::optional<std::filesystem::path>& flag,
                                         const std::filesystem::path& workspace) {
  if (flag) {
    return std::filesystem::absolute(*flag);
  }
  if (const char* env = std::getenv("MLOPS_STORE"); env && *env) {
    return std::filesystem::absolute(env);
  }
  return workspace / ".mlops" / "store.db";
}

std::filesystem::path current_workspace() {
  return find_workspace(std::filesystem::current_path() / "pipeline.yaml");
}

std::string host_name() {
  char buffer[256] = {};
  ::gethostname(buffer, sizeof buffer - 1);
  return buffer;
}

std::function<std::optional<std::filesystem::path>(const std::string&)> cached_objects(
    const std::filesystem::path& workspace) {
  return [root = workspace / ".mlops" /
                 "cache"](const std::string& digest) -> std::optional<std::filesystem::path> {
    ObjectStore objects(root);
    if (!objects.has(digest, false))
      return std::nullopt;
    return objects.object_path(digest);
  };
}

}  // namespace mlops
