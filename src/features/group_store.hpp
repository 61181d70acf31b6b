// One version of one feature group, stored in its own SQLite file
// (.mlops/fs/NAME/vVERSION.db, docs/feature-store.md "Storage"): the commit timeline, the
// append-only versioned rows, the online table of each key's latest value, and statistics per
// commit.
//
// Tables (the format this file owns):
//   meta(k, v)                 spec: the group's schema as JSON; max_time: the greatest event
//                              time ever written; floor: commits below it were compacted away
//   commit_log(id, uuid, committed_at, operation, rows_inserted, rows_updated, rows_deleted,
//              rows_dropped, first_rowid, last_rowid, content_hash, run_id, stage, source,
//              source_digest, message, validation)
//   data(_commit, KEY..., _time, _op, FEATURE...)   never updated; _op 0 insert, 1 tombstone,
//                              2 update (the (key, event time) had a value before this commit);
//                              a commit's rows are the rowid range [first_rowid, last_rowid]
//   data_pit on data(KEY..., _time, _commit)          point-in-time seeks and snapshots
//   online(KEY... PRIMARY KEY, _time, _commit, _op, FEATURE...)  each key's newest event
//   commit_stats(commit_id, feature, stats)           JSON per feature
//   pins(dataset, commit_id)                          commits a dataset was built from
//
// Every insert or delete is one write transaction (BEGIN IMMEDIATE): all rows or none, the
// online table updated in the same transaction, and only where the new event time is not older
// than the one it holds. Concurrent writers to one group wait for each other (busy timeout).
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "features/row_batch.hpp"
#include "spec/feature_store_spec.hpp"
#include "util/error.hpp"

namespace mlops {

namespace sqlite {
class Connection;
class Statement;
}  // namespace sqlite
class FeatureStatistics;

// Who made a commit, and from what.
struct CommitInfo {
  std::string operation = "upsert";  // upsert | delete
  std::string run_id;                // the run and stage that wrote it ("" from the CLI)
  std::string stage;
  std::string source;         // the file it was read from
  std::string source_digest;  // its digest, when known
  std::string message;
  std::string validation;  // a validation report (JSON) attached to the commit, or ""
};

struct CommitRecord {
  int64_t id = 0;
  std::string uuid;
  int64_t committed_at = 0;  // µs since the epoch, strictly increasing per group
  std::string operation;
  int64_t rows_inserted = 0;
  int64_t rows_updated = 0;
  int64_t rows_deleted = 0;
  int64_t rows_dropped = 0;  // duplicates of a (key, event time) within the batch
  int64_t first_rowid = 0;
  int64_t last_rowid = -1;
  std::string content_hash;
  std::string run_id;
  std::string stage;
  std::string source;
  std::string source_digest;
  std::string message;
  std::string validation;
  int64_t rows() const { return rows_inserted + rows_updated + rows_deleted; }
};

// The path of a group version's database, and of its head file (one line, "COMMIT HASH",
// rewritten after every commit: a stage that depends on it reruns when the group changes).
std::filesystem::path group_db_path(const std::filesystem::path& fs_root, const std::string& name,
                                    int version);
std::filesystem::path group_head_path(const std::filesystem::path& fs_root, const std::string& name,
                                      int version);

// The group's artifact name in the metadata store: fg://NAME/vVERSION@COMMIT.
std::string commit_uri(const std::string& name, int version, int64_t commit);

class FeatureGroupStore {
 public:
  // Opens the group version `spec` declares, creating it on first use. InvalidSpec when the
  // version exists with another schema (the message lists the differences and suggests a new
  // version); adding a nullable feature is allowed and applied. Io when the file cannot be
  // opened.
  static Result<std::unique_ptr<FeatureGroupStore>> open(const std::filesystem::path& fs_root,
                                                         const FeatureGroupSpec& spec);
  // Opens an existing version with the schema it was created with. NotFound when there is none
  // (version 0: the newest version).
  static Result<std::unique_ptr<FeatureGroupStore>> open_existing(
      const std::filesystem::path& fs_root, const std::string& name, int version);
  // The versions of every group under fs_root: (name, version), sorted.
  static std::vector<std::pair<std::string, int>> list(const std::filesystem::path& fs_root);

  ~FeatureGroupStore();
  const FeatureGroupSpec& spec() const { return m_spec; }
  const std::filesystem::path& path() const { return m_path; }
  sqlite::Connection& connection() { return *m_db; }

  // One commit of `batch`'s rows (upserts) or, for a delete, tombstones of its keys (at the
  // given event time, or at each key's newest one when the file has no event-time column).
  // Nothing when there is nothing to write (an empty batch, or a delete of unknown keys).
  Result<std::optional<CommitRecord>> insert(const RowBatch& batch, const CommitInfo& info);
  Result<std::optional<CommitRecord>> remove(const RowBatch& keys, const CommitInfo& info);

  // Newest first; at most `limit` (0: all).
  Result<std::vector<CommitRecord>> commits(int limit);
  Result<std::optional<CommitRecord>> commit(int64_t id);
  Result<std::optional<CommitRecord>> latest_commit();
  // The newest commit read from `source` (a workspace-relative file), if any.
  Result<std::optional<CommitRecord>> latest_commit_from(const std::string& source);
  // The last commit made at or before `micros` (0 when none was).
  Result<int64_t> commit_at_time(int64_t micros);
  // The oldest commit time travel can still reach (commits below it were compacted), or 1.
  Result<int64_t> floor();
  // Per-feature statistics of a commit: (feature, JSON).
  Result<std::vector<std::pair<std::string, std::string>>> commit_stats(int64_t id);

  // Rewrites the head file if it does not name the newest commit (a writer died between its
  // commit and the head file).
  Status refresh_head();

  // Records that dataset `dataset` was built from `commit` (compaction keeps what it needs).
  Status pin(const std::string& dataset, int64_t commit);
  Result<std::vector<std::pair<std::string, int64_t>>> pins();

  // Drops versions of rows that no commit at or after `keep_from` can see, and marks every
  // commit below it unreachable. Conflict when a dataset pins a commit below `keep_from`.
  // Returns the number of rows dropped.
  Result<int64_t> compact(int64_t keep_from);

 private:
  FeatureGroupStore(std::unique_ptr<sqlite::Connection> db, FeatureGroupSpec spec,
                    std::filesystem::path path, std::filesystem::path head);
  Status create_schema();
  Status check_schema();
  Result<int64_t> begin_commit(const CommitInfo& info);
  // Writes `batch` (one row per identity, in key order) as the open commit's rows.
  Result<CommitRecord> write_rows(const RowBatch& batch, int op_kind, const CommitInfo& info,
                                  size_t dropped);
  Result<int> row_operation(sqlite::Statement& exists, const RowBatch& batch, size_t row,
                            int64_t max_time);
  Result<int64_t> stored_max_time();
  Status finish_commit(const CommitRecord& record, const std::vector<FeatureStatistics>& stats,
                       int64_t max_time, bool tombstones);
  Status write_head();

  std::unique_ptr<sqlite::Connection> m_db;
  FeatureGroupSpec m_spec;
  std::filesystem::path m_path;
  std::filesystem::path m_head;
};

// The schema of a group version as stored in its meta table, and back.
std::string group_spec_json(const FeatureGroupSpec& spec);
Result<FeatureGroupSpec> group_spec_from_json(const std::string& text);

// How `wanted` differs from `stored` in ways a version cannot absorb ("feature 'x': float →
// int", "primary key ..."); empty when it can (added nullable features, other ttl or delay).
std::vector<std::string> schema_differences(const FeatureGroupSpec& stored,
                                            const FeatureGroupSpec& wanted);

}  // namespace mlops
