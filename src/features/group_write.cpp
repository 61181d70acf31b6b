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

// Binds one row's keys, time, operation and features from parameter `first` on (the commit's
// parameter, `first` itself, is bound by the caller), and appends its canonical bytes.
void bind_row(sqlite::Statement& insert, int first, const RowBatch& batch, size_t row, int op,
              std::string& canonical) {
  const int keys = static_cast<int>(batch.keys.size());
  canonical.push_back(static_cast<char>(op == k_op_delete));
  for (int k = 0; k < keys; ++k) {
    bind_value(insert, first + 1 + k, batch.keys[k], row);
    batch.keys[k].append_binary(canonical, row);
  }
  int64_t time = batch.times[row];
  insert.bind(first + 1 + keys, time).bind(first + 2 + keys, static_cast<int64_t>(op));
  canonical.append(reinterpret_cast<const char*>(&time), sizeof time);
  for (size_t f = 0; f < batch.features.size(); ++f) {
    bind_value(insert, first + 3 + keys + static_cast<int>(f), batch.features[f], row);
    batch.features[f].append_binary(canonical, row);
  }
}

std::string key_match(const FeatureGroupSpec& spec) {
  std::string match;
  for (const auto& key : spec.primary_key) {
    match += quote_name(key.name) + " = ? AND ";
  }
  return match;
}

// The parameters of one row: the commit, the keys, the time, the operation, the features.
int row_parameters(const FeatureGroupSpec& spec) {
  return static_cast<int>(spec.primary_key.size() + spec.features.size()) + 3;
}

// Rows per INSERT: many rows a statement cost far less than one (SQLite runs a statement's
// program once per row either way, but sets it up, binds and resets once per statement).
size_t rows_per_insert(const FeatureGroupSpec& spec) {
  return std::max<size_t>(1, std::min<size_t>(512, 32000 / row_parameters(spec)));
}

// INSERT of `rows` rows.
std::string insert_sql(const FeatureGroupSpec& spec, size_t rows) {
  std::string row = "(?";
  for (int i = 1; i < row_parameters(spec); ++i) {
    row += ", ?";
  }
  row += ")";
  std::string values = row;
  for (size_t i = 1; i < rows; ++i) {
    values += ", " + row;
  }
  std::string features = column_list(spec.features, "");
  return fmt::format("INSERT INTO data(_commit, {}, _time, _op{}{}) VALUES {}",
                     column_list(spec.primary_key, ""), features.empty() ? "" : ", ", features,
                     values);
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

Result<int64_t> FeatureGroupStore::begin_commit(const CommitInfo& info) {
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
  MLOPS_TRY(update,
            m_db->prepare("UPDATE commit_log SET rows_inserted = ?, rows_updated = ?, "
                          "rows_deleted = ?, rows_dropped = ?, first_rowid = ?, last_rowid = ?, "
                          "content_hash = ? WHERE id = ?"));
  update->bind(1, record.rows_inserted).bind(2, record.rows_updated).bind(3, record.rows_deleted);
  update->bind(4, record.rows_dropped).bind(5, record.first_rowid).bind(6, record.last_rowid);
  update->bind(7, record.content_hash).bind(8, record.id);
  MLOPS_CHECK(update->run());
  if (!tombstones) {
    MLOPS_TRY(stat,
              m_db->prepare("INSERT INTO commit_stats(commit_id, feature, stats) VALUES(?, ?, ?)"));
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

// Whether a (key, event time) of the batch replaces a value (2: update) or adds one (0); a
// time after every time ever written needs no look.
Result<int> FeatureGroupStore::row_operation(sqlite::Statement& exists, const RowBatch& batch,
                                             size_t row, int64_t max_time) {
  if (batch.times[row] > max_time) {
    return k_op_insert;
  }
  const int keys = static_cast<int>(batch.keys.size());
  for (int k = 0; k < keys; ++k) {
    bind_value(exists, k + 1, batch.keys[k], row);
  }
  exists.bind(keys + 1, batch.times[row]);
  MLOPS_TRY(found, exists.step());
  int op = *found && exists.column_int(0) != k_op_delete ? k_op_update : k_op_insert;
  exists.reset();
  return op;
}

Result<int64_t> FeatureGroupStore::stored_max_time() {
  MLOPS_TRY(query, m_db->prepare("SELECT v FROM meta WHERE k = 'max_time'"));
  MLOPS_TRY(found, query->step());
  int64_t max_time = INT64_MIN;
  if (*found) {
    std::string text = query->column_text(0);
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), max_time);
    if (error != std::errc() || end != text.data() + text.size()) {
      max_time = INT64_MAX;  // damaged: look up every row's identity rather than trust it
    }
  }
  return max_time;
}

Result<CommitRecord> FeatureGroupStore::write_rows(const RowBatch& batch, int op_kind,
                                                   const CommitInfo& info, size_t dropped) {
  MLOPS_TRY(stored_max, stored_max_time());
  int64_t max_time = *stored_max;
  MLOPS_TRY(commit_id, begin_commit(info));
  const size_t per_insert = rows_per_insert(m_spec);
  MLOPS_TRY(full, m_db->prepare(insert_sql(m_spec, per_insert)));
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
  const int parameters = row_parameters(m_spec);
  for (size_t start = 0; start < batch.size(); start += per_insert) {
    size_t count = std::min(per_insert, batch.size() - start);
    std::optional<sqlite::Statement> partial;
    if (count < per_insert) {
      MLOPS_TRY(statement, m_db->prepare(insert_sql(m_spec, count)));
      partial.emplace(std::move(*statement));
    }
    sqlite::Statement& insert = partial ? *partial : *full;
    for (size_t i = 0; i < count; ++i) {
      size_t row = start + i;
      int op = op_kind;
      if (op != k_op_delete) {
        MLOPS_TRY(looked_up, row_operation(*exists, batch, row, max_time));
        op = *looked_up;
      }
      bind_row(insert, static_cast<int>(i) * parameters + 1, batch, row, op, canonical);
      insert.bind(static_cast<int>(i) * parameters + 1, *commit_id);
      for (auto& stat : stats) {
        stat.add(row);
      }
      (op == k_op_delete   ? record.rows_deleted
       : op == k_op_update ? record.rows_updated
                           : record.rows_inserted)++;
      max_time = std::max(max_time, batch.times[row]);
    }
    MLOPS_CHECK(insert.run());
    insert.reset();
    // Rows appended by one statement get consecutive rowids (each the largest so far + 1).
    int64_t last = m_db->last_insert_id();
    if (start == 0) {
      record.first_rowid = last - static_cast<int64_t>(count) + 1;
    }
    record.last_rowid = last;
    if (canonical.size() >= 65536) {
      hasher.update(canonical);
      canonical.clear();
    }
  }
  hasher.update(canonical);
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
  RowBatch sorted = permute_rows(batch, sorted_unique_rows(batch, dropped));
  MLOPS_TRY(transaction, sqlite::WriteTransaction::begin(*m_db));
  MLOPS_TRY(record, write_rows(sorted, k_op_insert, info, dropped));
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
  MLOPS_TRY(newest,
            m_db->prepare("SELECT _time, _op FROM data WHERE " + match.substr(0, match.size() - 5) +
                          " ORDER BY _time DESC, _commit DESC LIMIT 1"));
  MLOPS_TRY(at_time, m_db->prepare("SELECT _op FROM data WHERE " + match +
                                   "_time = ? ORDER BY _commit DESC LIMIT 1"));
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
      identities.times[row] = keys.times.empty() ? query.column_int(0) : keys.times[row];
      live.push_back(row);
    }
    query.reset();
  }
  if (live.empty()) {
    return std::optional<CommitRecord>();
  }
  size_t dropped = 0;  // dedup among the rows that delete something
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
  MLOPS_TRY(record, write_rows(permute_rows(identities, kept), k_op_delete, info, 0));
  MLOPS_CHECK((*transaction)->commit());
  MLOPS_CHECK(write_head());
  MLOPS_TRY(stored, commit(record->id));
  return std::optional<CommitRecord>(**stored);
}

}  // namespace mlops
