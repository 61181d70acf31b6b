// An opened workspace: the one place that finds the metadata store, opens it, recovers runs
// whose mlops process died, and names the lock files. Every service (running, planning,
// triggers, queries) works on a Workspace, so the store is opened one way everywhere.
//
// Opening a workspace with a store recovers runs whose mlops died: it kills what they left
// running and marks them interrupted, before the caller can start anything new.
//
// Layout: the workspace root holds .mlops/ (cache, logs, locks of pipelines, incremental
// state). The store is `store_flag`, else $MLOPS_STORE, else `store =` in .mlops/config, else
// <root>/.mlops/store.db (store/store_locator.hpp: a SQLite path or a PostgreSQL URL or
// conninfo). Run locks sit beside a SQLite store in <store dir>/locks (in <root>/.mlops/locks for
// a PostgreSQL one): run-<id>.lock is held by the mlops process running that run, so a later
// mlops can tell a live run from one whose process died. Runs of other machines (a PostgreSQL
// store) are judged by their heartbeat instead (k_heartbeat_stale).
//
// A Workspace owns its store connection and object cache; it is moved, never copied.
#pragma once

#include <functional>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cache/object_store.hpp"
#include "store/sql_store.hpp"
#include "store/store_locator.hpp"
#include "util/error.hpp"

namespace mlops {

// How to treat the metadata store when opening a workspace.
enum class StoreMode {
  Create,           // open it, creating it (and its directory) when missing
  Existing,         // open it; NotFound (with what to do) when missing
  IfExists,         // open it when present; no store otherwise (nothing is created)
  MemoryIfMissing,  // open it when present; an empty in-memory store otherwise (dry runs)
  None,             // no store at all (--no-record)
};

// A run found "running" whose mlops process is gone; the workspace killed the processes its
// stages left running (app/run_processes.hpp) and marked it interrupted.
struct RecoveredRun {
  std::string run_id;
  std::string pipeline;
  int64_t owner_pid = 0;
  size_t processes_killed = 0;
};

class Workspace {
 public:
  // Opens the workspace at `root` (absolute). Opening an existing store reads only (no write
  // transaction) unless it must be migrated, journals of runs that found the store locked are
  // replayed, then runs whose mlops died are marked interrupted; those two writes wait little for
  // another process's lock and are left for a later command when it is held. Errors: NotFound
  // (StoreMode::Existing and no store, the message says to run a pipeline first or name the
  // store; or, in any mode but Create, a store named by `store_flag` or $MLOPS_STORE that does
  // not exist), Io (the store cannot be created or opened; the message says what to check).
  static Result<Workspace> open(const std::filesystem::path& root,
                                const std::optional<std::filesystem::path>& store_flag,
                                StoreMode mode);

  Workspace(Workspace&&) noexcept;
  Workspace& operator=(Workspace&&) noexcept;
  ~Workspace();

  const std::filesystem::path& root() const { return m_root; }
  // The store's locator: an absolute SQLite path, or a PostgreSQL URL or conninfo as given.
  const std::filesystem::path& store_path() const { return m_store_path; }
  // The locator for messages: without its password.
  std::string store_name() const { return redacted_locator(m_store_path.string()); }
  bool shared_store() const { return store_engine(m_store_path.string()) == StoreEngine::Postgres; }
  // Null when the mode allowed having no store.
  SqlStore* store() const { return m_store.get(); }
  ObjectStore& objects() { return *m_objects; }
  // Runs marked interrupted while opening (for the front end to tell the user).
  const std::vector<RecoveredRun>& recovered() const { return m_recovered; }
  // Runs whose journal (kept while the store was locked) was added to the store while opening.
  const std::vector<std::string>& replayed() const { return m_replayed; }

  std::filesystem::path run_lock_path(const std::string& run_id) const;
  std::filesystem::path pipeline_lock_path(const std::string& pipeline) const;
  std::filesystem::path trigger_lock_path(const std::string& pipeline) const;
  std::filesystem::path cache_lock_path() const;
  // Where a run keeps what a locked store refused (engine/record_journal.hpp): beside the store.
  std::filesystem::path journal_path(const std::string& run_id) const;
  std::filesystem::path log_dir(const std::string& run_id) const;

 private:
  // Where run locks and journals live: beside a SQLite store, in .mlops/ for a PostgreSQL one.
  std::filesystem::path store_dir() const;
  Workspace() = default;
  std::filesystem::path m_root;
  std::filesystem::path m_store_path;
  std::unique_ptr<SqlStore> m_store;
  std::unique_ptr<ObjectStore> m_objects;
  std::vector<RecoveredRun> m_recovered;
  std::vector<std::string> m_replayed;
};

// `--store`, else $MLOPS_STORE, else `store =` in <workspace>/.mlops/config, else
// <workspace>/.mlops/store.db. A SQLite path comes back absolute, a PostgreSQL locator as given.
std::filesystem::path resolve_store_path(const std::optional<std::filesystem::path>& flag,
                                         const std::filesystem::path& workspace);

// Whether the store at `locator` exists: a SQLite file on disk; a PostgreSQL store always (the
// server says more when it is opened).
bool store_exists(const std::filesystem::path& locator);

// A running run whose heartbeat is older than this lost its mlops, whatever host it ran on
// (60 s; MLOPS_TEST_HEARTBEAT_STALE_MS with test hooks on). The run recorder writes one every
// 10 s (engine/run_recorder.hpp).
std::chrono::milliseconds heartbeat_stale_after();
// How often a running run's mlops writes its heartbeat (10 s; MLOPS_TEST_HEARTBEAT_MS).
std::chrono::milliseconds heartbeat_interval();

// The workspace for a command given no pipeline file: found from the current directory the
// same way as from a pipeline file's directory.
std::filesystem::path current_workspace();

// This machine's name, as runs record it.
std::string host_name();

// Finds the cache object for a digest in the object cache of `workspace` (for triggers that
// read a version of a file that is no longer in the workspace); the digest is checked to be one
// before it becomes a path.
std::function<std::optional<std::filesystem::path>(const std::string&)> cached_objects(
    const std::filesystem::path& workspace);

}  // namespace mlops
