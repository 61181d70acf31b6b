// FeatureGroupStore's writes: a commit of upserts, or of tombstones.
#include <charconv>
#include <chrono>
#include <random>

#include <fmt/format.h>

#include "features/commit_stats.hpp"
#include "features/group_store.hpp"
#include "features/sql_names.hpp"
#include "hash/digest.hpp"
#include "store/sqlite.hpp"

namespace mlops {
namespace {

constexpr int k_op_insert = 0;
constexpr int k_op_delete = 1;
constexpr int k_op_update = 2;

int64_t now_micros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string new_uuid() {
  std::random_device random;
  return fmt::format("{:08x}{:08x}{:08x}{:08x}", random(), random(), random(), random());
}

void bind_value(sqlite::Statement& statement, int index, const ColumnValues& column, size_t row) {
  if (column.is_null(row)) {
    statement.bind_null(index);
    return;
  }
  switch (column.type) {
    case FeatureType::Int:
    case FeatureType::Bool:
      statement.bind(index, column.ints[row]);
      break;
    case FeatureType::Float:
      statement.bind(index, column.floats[row]);
      break;
    case FeatureType::String:
      statement.bind(index, std::string_view(column.texts[row]));
      break;
  }
}

std::string key_match(const FeatureGroupSpec& spec) {
  std::string match;
  for (const auto& key : spec.primary_key) {
    match += quote_name(key.name) + " = ? AND ";
  }
  return match;
}

std::string insert_sql(const FeatureGroupSpec& spec) {
  std::string marks;
  for (size_t i = 0; i < spec.primary_key.size() + spec.features.size(); ++i) {
    marks += ", ?";
  }
  std::string features = column_list(spec.features, "");
  return fmt::format("INSERT INTO data(_commit, {}, _time, _op{}{}) VALUES(?, ?, ?{})",
                     column_list(spec.primary_key, ""), features.empty() ? "" : ", ", features,
                     marks);
}

// Copies the commit's rows into the online table where they are not older than what it holds.
std::string online_sql(const FeatureGroupSpec& spec) {
  std::string keys = column_list(spec.primary_key, "");
  std::string features = column_list(spec.features, "");
  std::string sets = "_time = excluded._time, _commit = excluded._commit, _op = excluded._op";
  for (const auto& feature : spec.features) {
    sets += fmt::format(", {0} = excluded.{0}", quote_name(feature.name));
  }
  std::string columns = keys + ", _time, _commit, _op" + (features.empty() ? "" : ", " + features);
  return fmt::format(
      "INSERT INTO online({0}) SELECT {0} FROM data WHERE rowid BETWEEN ? AND ? ORDER BY rowid "
      "ON CONFLICT({1}) DO UPDATE SET {2} WHERE excluded._time >= online._time",
      columns, keys, sets);
}

}  // namespace

Result<int64_t> FeatureGroupStore::begin_commit(const CommitInfo& info, int64_t rows) {
  (void)rows;
  MLOPS_TRY(last, m_db->prepare("SELECT coalesce(max(committed_at), 0) FROM commit_log"));
  MLOPS_TRY(found, last->step());
  int64_t previous = *found ? last->column_int(0) : 0;
  int64_t committed_at = std::max(now_micros(), previous + 1);  // monotonic across clock jumps
  MLOPS_TRY(statement,
            m_db->prepare("INSERT INTO commit_log(uuid, committed_at, operation, run_id, stage, "
                          "source, source_digest, message, validation) "
                          "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  auto optional = [](const std::string& text) {
    return text.empty() ? std::nullopt : std::optional<std::string>(text);
  };
  statement->bind(1, new_uuid()).bind(2, committed_at).bind(3, info.operation);
  statement->bind_optional(4, optional(info.run_id)).bind_optional(5, optional(info.stage));
  statement->bind_optional(6, optional(info.source));
  statement->bind_optional(7, optional(info.source_digest));
  statement->bind_optional(8, optional(info.message));
  statement->bind_optional(9, optional(info.validation));
  MLOPS_CHECK(statement->run());
  return m_db->last_insert_id();
}

// The rest of a commit's transaction: the online table, the commit's counts and hash, its
// statistics, and the greatest event time written.
Status FeatureGroupStore::finish_commit(const CommitRecord& record,
                                        const std::vector<FeatureStatistics>& stats,
                                        int64_t max_time, bool tombstones) {
  if (m_spec.online) {
    MLOPS_TRY(online, m_db->prepare(online_sql(m_spec)));
    online->bind(1, record.first_rowid).bind(2, record.last_rowid);
    MLOPS_CHECK(online->run());
  }
  MLOPS_TRY(update, m_db->prepare(
                        "UPDATE commit_log SET rows_inserted = ?, rows_updated = ?, "
                        "rows_deleted = ?, rows_dropped = ?, first_rowid = ?, last_rowid = ?, "
                        "content_hash = ? WHERE id = ?"));
  update->bind(1, record.rows_inserted).bind(2, record.rows_updated).bind(3, record.rows_deleted);
  update->bind(4, record.rows_dropped).bind(5, record.first_rowid).bind(6, record.last_rowid);
  update->bind(7, record.content_hash).bind(8, record.id);
  MLOPS_CHECK(update->run());
  if (!tombstones) {
    MLOPS_TRY(stat, m_db->prepare(
                        "INSERT INTO commit_stats(commit_id, feature, stats) VALUES(?, ?, ?)"));
    for (size_t f = 0; f < stats.size(); ++f) {
      stat->bind(1, record.id).bind(2, m_spec.features[f].name).bind(3, stats[f].json());
      MLOPS_CHECK(stat->run());
      stat->reset();
    }
  }
  MLOPS_TRY(max_update, m_db->prepare("UPDATE meta SET v = ? WHERE k = 'max_time'"));
  max_update->bind(1, std::to_string(max_time));
  MLOPS_CHECK(max_update->run());
  return Status::success();
}

Result<CommitRecord> FeatureGroupStore::write_rows(const RowBatch& batch,
                                                   const std::vector<size_t>& order,
                                                   const std::vector<int64_t>& times, int op_kind,
                                                   const CommitInfo& info, size_t dropped) {
  MLOPS_TRY(max_time_text, m_db->prepare("SELECT v FROM meta WHERE k = 'max_time'"));
  MLOPS_TRY(has_max, max_time_text->step());
  int64_t max_time = INT64_MIN;
  if (*has_max) {
    std::string text = max_time_text->column_text(0);
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), max_time);
    if (error != std::errc() || end != text.data() + text.size()) {
      max_time = INT64_MAX;  // damaged: check every row's identity rather than trust it
    }
  }
  MLOPS_TRY(commit_id, begin_commit(info, static_cast<int64_t>(order.size())));
  MLOPS_TRY(insert, m_db->prepare(insert_sql(m_spec)));
  MLOPS_TRY(exists, m_db->prepare("SELECT _op FROM data WHERE " + key_match(m_spec) +
                                  "_time = ? ORDER BY _commit DESC LIMIT 1"));
  std::vector<FeatureStatistics> stats;
  for (const auto& column : batch.features) {
    stats.emplace_back(column);
  }
  CommitRecord record;
  record.id = *commit_id;
  record.rows_dropped = static_cast<int64_t>(dropped);
  Hasher hasher;
  std::string canonical;
  const int keys = static_cast<int>(batch.keys.size());
  for (size_t row : order) {
    int64_t time = times[row];
    int op = op_kind;
    if (op != k_op_delete && time <= max_time) {
      for (int k = 0; k < keys; ++k) {
        bind_value(*exists, k + 1, batch.keys[k], row);
      }
      exists->bind(keys + 1, time);
      MLOPS_TRY(found, exists->step());
      op = *found && exists->column_int(0) != k_op_delete ? k_op_update : k_op_insert;
      exists->reset();
    }
    insert->bind(1, *commit_id);
    canonical.assign(1, static_cast<char>('0' + (op == k_op_delete)));
    for (int k = 0; k < keys; ++k) {
      bind_value(*insert, k + 2, batch.keys[k], row);
      canonical.push_back('\x1f');
      batch.keys[k].append_text(canonical, row);
    }
    insert->bind(keys + 2, time).bind(keys + 3, static_cast<int64_t>(op));
    fmt::format_to(std::back_inserter(canonical), "\x1f{}", time);
    for (size_t f = 0; f < batch.features.size(); ++f) {
      bind_value(*insert, keys + 4 + static_cast<int>(f), batch.features[f], row);
      canonical.push_back('\x1f');
      batch.features[f].append_text(canonical, row);
      stats[f].add(row);
    }
    canonical.push_back('\x1e');
    hasher.update(canonical);
    MLOPS_CHECK(insert->run());
    insert->reset();
    int64_t rowid = m_db->last_insert_id();
    if (record.last_rowid < record.first_rowid) {
      record.first_rowid = rowid;
    }
    record.last_rowid = rowid;
    (op == k_op_delete ? record.rows_deleted
                       : op == k_op_update ? record.rows_updated : record.rows_inserted)++;
    max_time = std::max(max_time, time);
  }
  record.content_hash = hasher.finish().hex();
  MLOPS_CHECK(finish_commit(record, stats, max_time, op_kind == k_op_delete));
  return record;
}

Result<std::optional<CommitRecord>> FeatureGroupStore::insert(const RowBatch& batch,
                                                              const CommitInfo& info) {
  if (batch.size() == 0) {
    return std::optional<CommitRecord>();
  }
  size_t dropped = 0;
  std::vector<size_t> order = sorted_unique_rows(batch, dropped);
  MLOPS_TRY(transaction, sqlite::WriteTransaction::begin(*m_db));
  MLOPS_TRY(record, write_rows(batch, order, batch.times, k_op_insert, info, dropped));
  MLOPS_CHECK((*transaction)->commit());
  MLOPS_CHECK(write_head());
  MLOPS_TRY(stored, commit(record->id));
  return std::optional<CommitRecord>(**stored);
}

Result<std::optional<CommitRecord>> FeatureGroupStore::remove(const RowBatch& keys,
                                                              const CommitInfo& info) {
  if (keys.size() == 0) {
    return std::optional<CommitRecord>();
  }
  MLOPS_TRY(transaction, sqlite::WriteTransaction::begin(*m_db));
  // The (key, event time) each row deletes: the given one, or the key's newest; only where it
  // holds a value now.
  std::string match = key_match(m_spec);
  MLOPS_TRY(newest, m_db->prepare("SELECT _time, _op FROM data WHERE " +
                                  match.substr(0, match.size() - 5) +
                                  " ORDER BY _time DESC, _commit DESC LIMIT 1"));
  MLOPS_TRY(at_time, m_db->prepare("SELECT _op FROM data WHERE " + match +
                                   "_time = ? ORDER BY _commit DESC LIMIT 1"));
  std::vector<int64_t> times(keys.size(), 0);
  RowBatch identities = keys;
  identities.times.assign(keys.size(), 0);
  std::vector<size_t> live;
  const int key_count = static_cast<int>(keys.keys.size());
  for (size_t row = 0; row < keys.size(); ++row) {
    sqlite::Statement& query = keys.times.empty() ? *newest : *at_time;
    for (int k = 0; k < key_count; ++k) {
      bind_value(query, k + 1, keys.keys[k], row);
    }
    if (!keys.times.empty()) {
      query.bind(key_count + 1, keys.times[row]);
    }
    MLOPS_TRY(found, query.step());
    if (*found && query.column_int(keys.times.empty() ? 1 : 0) != k_op_delete) {
      times[row] = keys.times.empty() ? query.column_int(0) : keys.times[row];
      identities.times[row] = times[row];
      live.push_back(row);
    }
    query.reset();
  }
  if (live.empty()) {
    return std::optional<CommitRecord>();
  }
  RowBatch subset = identities;  // dedup among the rows that delete something
  size_t dropped = 0;
  std::vector<size_t> order = sorted_unique_rows(identities, dropped);
  std::vector<size_t> kept;
  std::vector<bool> is_live(keys.size(), false);
  for (size_t row : live) {
    is_live[row] = true;
  }
  for (size_t row : order) {
    if (is_live[row]) {
      kept.push_back(row);
    }
  }
  (void)subset;
  MLOPS_TRY(record, write_rows(identities, kept, times, k_op_delete, info, 0));
  MLOPS_CHECK((*transaction)->commit());
  MLOPS_CHECK(write_head());
  MLOPS_TRY(stored, commit(record->id));
  return std::optional<CommitRecord>(**stored);
}

}  // namespace mlops
