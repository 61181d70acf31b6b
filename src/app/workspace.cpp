#include "app/workspace.hpp"

#include <unistd.h>

#include <cstdlib>

#include <fmt/format.h>

#include "app/run_processes.hpp"
#include "app/stage_runner.hpp"
#include "app/workspace_config.hpp"
#include "engine/record_journal.hpp"
#include "spec/loader.hpp"
#include "util/environment.hpp"
#include "util/file_lock.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// Whether a run recorded as running on another host lost its mlops: its heartbeat is stale.
// Nothing is known of a run without one (recorded by an mlops before schema version 9).
bool heartbeat_is_stale(const RunRecord& run) {
  if (!run.heartbeat_at) {
    return false;
  }
  auto since = iso_difference(*run.heartbeat_at, now_utc_iso());
  return since && *since > heartbeat_stale_after();
}

// A run's lock is held until its notification hook is done (app/run_hooks.hpp), after its row
// stopped being "running". One nobody holds, of an ended run whose mlops is gone, means that mlops
// was killed (kill -9) while the hook ran: the hook's processes, re-parented to init, carry the
// run's tag and are killed here, as a running run's stages are above.
void kill_hook_leftovers(MetadataStore& store, const Workspace& space) {
  std::vector<std::filesystem::path> locks;
  std::error_code error;
  for (std::filesystem::directory_iterator it(space.run_lock_path("").parent_path(), error), end;
       !error && it != end; it.increment(error)) {
    std::string name = it->path().filename().string();
    if (name.size() > 9 && name.starts_with("run-") && name.ends_with(".lock")) {
      locks.push_back(it->path());
    }
  }
  std::string host = host_name();
  for (const auto& path : locks) {
    auto lock = FileLock::try_acquire(path);
    if (!lock.ok() || !lock->has_value()) {
      continue;
    }
    std::string name = path.filename().string();
    auto run = store.find_run(name.substr(4, name.size() - 9));
    if (!run.ok()) {
      continue;
    }
    if (run->has_value()) {
      const RunRecord& found = **run;
      if (found.status == "running" || found.host != host || owner_is_running(found)) {
        continue;  // handled above, another host's, or alive (another workspace's, or ending)
      }
      kill_run_leftovers(store, found);
    }
    (*lock)->remove();
  }
}

// A run recorded as running on this host whose lock nobody holds lost its mlops process (with a
// shared store, the lock may be another workspace's: its owner process must be gone too). What
// its stages left running is killed first, before anything new can run, and before the run stops
// being "running" (so that a crash in between leaves it to the next mlops). A run of another
// host whose heartbeat is stale is marked interrupted; its processes are that host's to find.
std::vector<RecoveredRun> recover_interrupted_runs(MetadataStore& store, const Workspace& space) {
  std::vector<RecoveredRun> recovered;
  auto running = store.list_runs({std::nullopt, "running", 1000});
  if (!running.ok()) {
    return recovered;
  }
  std::string host = host_name();
  for (const auto& run : *running) {
    if (run.host != host) {
      if (heartbeat_is_stale(run)) {
        auto marked = store.mark_interrupted(run.id, now_utc_iso());
        if (marked.ok() && *marked) {
          recovered.push_back({run.id, run.pipeline, run.owner_pid, 0});
        }
      }
      continue;
    }
    auto lock = FileLock::try_acquire(space.run_lock_path(run.id));
    if (!lock.ok() || !lock->has_value()) {
      continue;  // alive (or unknowable)
    }
    if (owner_is_running(run)) {
      // Another workspace's run on this machine: with a shared store, or a copy of a workspace
      // (cp -a) taken while it ran, whose store names the original's live run: a read-only
      // command (`mlops runs`, `mlops ui`) in the copy must not kill the original's stages.
      continue;
    }
    size_t killed = kill_run_leftovers(store, run);
    cancel_leftover_cluster_jobs(space.root(), run.id);  // its Slurm jobs, if it had any
    auto marked = store.mark_interrupted(run.id, now_utc_iso());
    if (marked.ok() && *marked) {
      recovered.push_back({run.id, run.pipeline, run.owner_pid, killed});
    }
    (*lock)->remove();
  }
  kill_hook_leftovers(store, space);
  return recovered;
}

Error store_error(const std::filesystem::path& path, const Error& why) {
  std::string locator = path.string();
  if (store_engine(locator) == StoreEngine::Postgres) {
    // An old or new schema says what to do itself; a server that refuses needs its settings.
    return Error(why.kind() == ErrorKind::InvalidSpec ? ErrorKind::InvalidSpec : ErrorKind::Io,
                 fmt::format("cannot use the metadata store {}: {}{}", redacted_locator(locator),
                             without_password(why.message(), locator),
                             why.kind() == ErrorKind::InvalidSpec
                                 ? ""
                                 : "\n  check that the PostgreSQL server is running and the "
                                   "connection settings (--store, MLOPS_STORE or `store =` in "
                                   ".mlops/config, PGPASSFILE, PGSERVICE) are right"));
  }
  return Error(ErrorKind::Io,
               fmt::format("cannot use the metadata store {}: {}\n"
                           "  check that its directory is writable and has free space, and that "
                           "the file is an mlops store; or choose another with --store or "
                           "MLOPS_STORE",
                           locator, why.message()));
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
  bool exists = store_exists(space.m_store_path);
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
    auto memory = SqlStore::open(":memory:");  // nothing recorded yet: start from scratch
    if (!memory.ok()) {
      return store_error(space.m_store_path, memory.error());
    }
    space.m_store = std::move(*memory);
    return space;
  }
  if (!space.shared_store()) {
    std::filesystem::create_directories(space.m_store_path.parent_path(), error);
  }
  if (error) {
    return store_error(space.m_store_path, Error(ErrorKind::Io, error.message()));
  }
  auto opened = SqlStore::open(space.m_store_path.string());
  if (!opened.ok()) {
    return store_error(space.m_store_path, opened.error());
  }
  space.m_store = std::move(*opened);
  // Tidying up after others must not stall a command while another process writes.
  space.m_store->set_write_wait(std::chrono::milliseconds(200));
  space.m_replayed = replay_run_journals(space.store_dir() / "journal", *space.m_store);
  space.m_recovered = recover_interrupted_runs(*space.m_store, space);
  space.m_store->set_write_wait(std::chrono::seconds(30));
  return space;
}

std::filesystem::path Workspace::store_dir() const {
  return shared_store() ? m_root / ".mlops" : m_store_path.parent_path();
}

std::filesystem::path Workspace::run_lock_path(const std::string& run_id) const {
  return store_dir() / "locks" / ("run-" + run_id + ".lock");
}

std::filesystem::path Workspace::pipeline_lock_path(const std::string& pipeline) const {
  return m_root / ".mlops" / "locks" / ("pipeline-" + pipeline + ".lock");
}

std::filesystem::path Workspace::trigger_lock_path(const std::string& pipeline) const {
  return store_dir() / "locks" / ("trigger-" + pipeline + ".lock");
}

std::filesystem::path Workspace::cache_lock_path() const {
  return m_root / ".mlops" / "locks" / "cache.lock";
}

std::filesystem::path Workspace::journal_path(const std::string& run_id) const {
  return store_dir() / "journal" / (run_id + ".json");
}

std::filesystem::path Workspace::log_dir(const std::string& run_id) const {
  return m_root / ".mlops" / "logs" / run_id;
}

namespace {

// A SQLite path absolute; a PostgreSQL locator as it is.
std::filesystem::path store_locator(const std::string& given) {
  if (store_engine(given) == StoreEngine::Postgres) {
    return given;
  }
  return std::filesystem::absolute(given);
}

}  // namespace

std::filesystem::path resolve_store_path(const std::optional<std::filesystem::path>& flag,
                                         const std::filesystem::path& workspace) {
  if (flag) {
    return store_locator(flag->string());
  }
  if (const char* env = std::getenv("MLOPS_STORE"); env && *env) {
    return store_locator(env);
  }
  // An unreadable config names no store here; the commands that read it for a remote say why.
  if (auto config = read_workspace_config(workspace); config.ok() && config->store) {
    // A relative SQLite path in the config is relative to the workspace, not the current
    // directory.
    if (store_engine(*config->store) == StoreEngine::Postgres) {
      return *config->store;
    }
    return std::filesystem::absolute(workspace / *config->store);
  }
  return workspace / ".mlops" / "store.db";
}

bool store_exists(const std::filesystem::path& locator) {
  if (store_engine(locator.string()) == StoreEngine::Postgres) {
    return true;
  }
  std::error_code error;
  return std::filesystem::exists(locator, error);
}

std::chrono::milliseconds heartbeat_interval() {
  if (const char* every = test_hook("MLOPS_TEST_HEARTBEAT_MS"); every && *every) {
    return std::chrono::milliseconds(std::max(1LL, std::atoll(every)));
  }
  return std::chrono::seconds(10);
}

std::chrono::milliseconds heartbeat_stale_after() {
  if (const char* stale = test_hook("MLOPS_TEST_HEARTBEAT_STALE_MS"); stale && *stale) {
    return std::chrono::milliseconds(std::atoll(stale));
  }
  return std::chrono::seconds(60);
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
