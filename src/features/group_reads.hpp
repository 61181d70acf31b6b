// Reading a feature group (docs/feature-store.md): snapshots as of a commit (time travel),
// changes between two commits (incremental reads), and the online table (latest value per key).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "features/group_store.hpp"
#include "features/table_writer.hpp"

namespace mlops {

// A commit named on the command line: a commit id, "latest", or a time (ISO 8601 / epoch
// seconds: the last commit made at or before it). Usage when it is neither; NotFound when the
// id does not exist; 0 for a time before the first commit.
Result<int64_t> resolve_commit(FeatureGroupStore& group, std::string_view text);

// Conflict when `commit` is below what compaction kept (time travel there would be wrong).
Status check_reachable(FeatureGroupStore& group, int64_t commit);

// The group as of `as_of`: each key's row with the greatest (event time, commit) among commits
// up to `as_of`, unless that row is a tombstone; in key order. With `history`, every stored row
// up to `as_of` instead, with its commit and operation.
Status read_snapshot(FeatureGroupStore& group, int64_t as_of, bool history, TableWriter& out);
std::vector<std::string> snapshot_columns(const FeatureGroupSpec& spec, bool history);

// The rows written by commits in (since, until], in commit order, with their commit, its time
// and the operation (insert, update, delete). Selected by commit, never by event time: a late
// row (an old event time, committed now) is among the changes of the commit that wrote it.
Status read_changes(FeatureGroupStore& group, int64_t since, int64_t until, TableWriter& out);
std::vector<std::string> change_columns(const FeatureGroupSpec& spec);

struct OnlineValue {
  std::string status = "missing";  // present | expired | missing
  std::optional<int64_t> event_time;
  std::optional<int64_t> commit;
  // Per feature, in schema order: the value as text (nothing for a null).
  std::vector<std::optional<std::string>> values;
};

// The online value of one key (its columns' values as text). Usage when the group is not
// online or a key value does not parse; `now` decides expiry against the group's ttl.
Result<OnlineValue> get_online(FeatureGroupStore& group, const std::vector<std::string>& key,
                               int64_t now_micros);

}  // namespace mlops
