#include "features/group_reads.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "features/sql_names.hpp"
#include "features/values.hpp"
#include "store/sqlite.hpp"

namespace mlops {
namespace {

constexpr int k_op_delete = 1;
constexpr int k_op_update = 2;

std::string data_columns(const FeatureGroupSpec& spec) {
  std::string features = column_list(spec.features, "");
  return column_list(spec.primary_key, "") + ", _time, _commit, _op" +
         (features.empty() ? "" : ", " + features);
}

// Writes column `index` of the current row, stored as `type`.
void write_value(const sqlite::Statement& row, int index, FeatureType type, TableWriter& out) {
  if (row.column_is_null(index)) {
    out.null();
    return;
  }
  switch (type) {
    case FeatureType::Int:
      out.number(row.column_int(index));
      break;
    case FeatureType::Bool:
      out.boolean(row.column_int(index) != 0);
      break;
    case FeatureType::Float:
      out.number(row.column_double(index));
      break;
    case FeatureType::String:
      out.text(row.column_view(index));
      break;
  }
}

// A row kept aside (a snapshot knows a row is its key's last only when the next key arrives).
struct PendingRow {
  std::vector<std::string> texts;  // keys then features, as stored
  std::vector<bool> nulls;
  int64_t time = 0;
  int op = 0;
  bool present = false;
};

void keep(const sqlite::Statement& row, const FeatureGroupSpec& spec, PendingRow& pending) {
  size_t keys = spec.primary_key.size();
  size_t count = keys + spec.features.size();
  pending.texts.resize(count);
  pending.nulls.resize(count);
  for (size_t i = 0; i < count; ++i) {
    int column = static_cast<int>(i < keys ? i : i + 3);
    pending.nulls[i] = row.column_is_null(column);
    FeatureType type = i < keys ? spec.primary_key[i].type : spec.features[i - keys].type;
    if (type == FeatureType::Float && !pending.nulls[i]) {
      pending.texts[i].clear();
      append_float(pending.texts[i], row.column_double(column));
    } else {
      pending.texts[i].assign(row.column_view(column));
    }
  }
  pending.time = row.column_int(static_cast<int>(keys));
  pending.op = static_cast<int>(row.column_int(static_cast<int>(keys) + 2));
  pending.present = true;
}

void write_pending(const PendingRow& pending, const FeatureGroupSpec& spec, TableWriter& out) {
  size_t keys = spec.primary_key.size();
  for (size_t i = 0; i < pending.texts.size(); ++i) {
    if (i == keys) {
      out.time(pending.time);
    }
    FeatureType type = i < keys ? spec.primary_key[i].type : spec.features[i - keys].type;
    if (pending.nulls[i]) {
      out.null();
    } else if (type == FeatureType::String) {
      out.text(pending.texts[i]);
    } else if (type == FeatureType::Bool) {
      out.boolean(pending.texts[i] != "0");
    } else {
      out.number(pending.texts[i]);
    }
  }
  if (pending.texts.size() == keys) {
    out.time(pending.time);
  }
  out.end_row();
}

bool same_key(const sqlite::Statement& row, const PendingRow& pending, size_t keys) {
  for (size_t k = 0; k < keys; ++k) {
    if (row.column_view(static_cast<int>(k)) != pending.texts[k]) {
      return false;
    }
  }
  return true;
}

const char* op_name(int64_t op) {
  return op == k_op_delete ? "delete" : op == k_op_update ? "update" : "insert";
}

void write_row(const sqlite::Statement& row, const FeatureGroupSpec& spec, TableWriter& out) {
  int keys = static_cast<int>(spec.primary_key.size());
  for (int k = 0; k < keys; ++k) {
    write_value(row, k, spec.primary_key[k].type, out);
  }
  out.time(row.column_int(keys));
  for (size_t f = 0; f < spec.features.size(); ++f) {
    write_value(row, keys + 3 + static_cast<int>(f), spec.features[f].type, out);
  }
}

}  // namespace

Result<int64_t> resolve_commit(FeatureGroupStore& group, std::string_view text) {
  MLOPS_TRY(latest, group.latest_commit());
  if (text == "latest") {
    return *latest ? (*latest)->id : 0;
  }
  bool digits = !text.empty() && text.size() < 12 &&
                std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  if (digits) {
    int64_t id = std::stoll(std::string(text));
    if (id != 0 && (!*latest || id > (*latest)->id)) {
      return Error(ErrorKind::NotFound,
                   fmt::format("feature group {} has no commit {} (the latest is {})",
                               group.spec().name, id, *latest ? (*latest)->id : 0));
    }
    return id;
  }
  auto time = text.starts_with("-") ? std::nullopt : parse_event_time(text);
  if (!time) {
    return Error(ErrorKind::Usage,
                 fmt::format("'{}' is neither a commit id, 'latest', nor a time (ISO 8601 such "
                             "as 2024-06-01T12:00:00Z)",
                             text));
  }
  return group.commit_at_time(*time);
}

Status check_reachable(FeatureGroupStore& group, int64_t commit) {
  MLOPS_TRY(floor, group.floor());
  if (commit < *floor && commit > 0) {
    return Error(ErrorKind::Conflict,
                 fmt::format("feature group {}: commits before {} were compacted (`mlops fg "
                             "compact`); commit {} can no longer be read exactly, so it is refused",
                             group.spec().name, *floor, commit));
  }
  return Status::success();
}

std::vector<std::string> snapshot_columns(const FeatureGroupSpec& spec, bool history) {
  std::vector<std::string> columns;
  for (const auto& key : spec.primary_key) {
    columns.push_back(key.name);
  }
  columns.push_back(spec.event_time);
  for (const auto& feature : spec.features) {
    columns.push_back(feature.name);
  }
  if (history) {
    columns.push_back("_commit");
    columns.push_back("_op");
  }
  return columns;
}

std::vector<std::string> change_columns(const FeatureGroupSpec& spec) {
  std::vector<std::string> columns = snapshot_columns(spec, false);
  for (const char* extra : {"_commit", "_committed_at", "_op"}) {
    columns.push_back(extra);
  }
  return columns;
}

Status read_snapshot(FeatureGroupStore& group, int64_t as_of, bool history, TableWriter& out) {
  MLOPS_CHECK(check_reachable(group, as_of));
  const FeatureGroupSpec& spec = group.spec();
  MLOPS_TRY(query, group.connection().prepare(fmt::format(
                       "SELECT {} FROM data INDEXED BY data_pit WHERE _commit <= ? ORDER BY {}, "
                       "_time, _commit",
                       data_columns(spec), column_list(spec.primary_key, ""))));
  query->bind(1, as_of);
  size_t keys = spec.primary_key.size();
  PendingRow pending;
  while (true) {
    MLOPS_TRY(row, query->step());
    if (!*row) {
      break;
    }
    if (history) {
      write_row(*query, spec, out);
      out.number(query->column_int(static_cast<int>(keys) + 1));
      out.text(op_name(query->column_int(static_cast<int>(keys) + 2)));
      out.end_row();
      continue;
    }
    if (pending.present && !same_key(*query, pending, keys) && pending.op != k_op_delete) {
      write_pending(pending, spec, out);
    }
    keep(*query, spec, pending);
  }
  if (!history && pending.present && pending.op != k_op_delete) {
    write_pending(pending, spec, out);
  }
  return Status::success();
}

Status read_changes(FeatureGroupStore& group, int64_t since, int64_t until, TableWriter& out) {
  MLOPS_TRY(floor, group.floor());
  if (since + 1 < *floor) {
    return Error(ErrorKind::Conflict,
                 fmt::format("feature group {}: commits before {} were compacted; changes since "
                             "{} can no longer be read exactly, so they are refused",
                             group.spec().name, *floor, since));
  }
  if (since > until) {
    return Error(ErrorKind::Usage,
                 fmt::format("--since {} is after --until {}: the range (since, until] is empty",
                             since, until));
  }
  sqlite::Connection& db = group.connection();
  MLOPS_TRY(range, db.prepare("SELECT id, committed_at, first_rowid, last_rowid FROM commit_log "
                              "WHERE id > ? AND id <= ? ORDER BY id"));
  range->bind(1, since).bind(2, until);
  std::map<int64_t, std::string> times;  // few commits: each one's time rendered once
  int64_t first = INT64_MAX;
  int64_t last = INT64_MIN;
  while (true) {
    MLOPS_TRY(row, range->step());
    if (!*row) {
      break;
    }
    times[range->column_int(0)] = format_event_time(range->column_int(1));
    first = std::min(first, range->column_int(2));
    last = std::max(last, range->column_int(3));
  }
  if (times.empty()) {
    return Status::success();
  }
  const FeatureGroupSpec& spec = group.spec();
  MLOPS_TRY(query, db.prepare(fmt::format("SELECT {} FROM data WHERE rowid BETWEEN ? AND ? AND "
                                          "_commit > ? AND _commit <= ? ORDER BY rowid",
                                          data_columns(spec))));
  query->bind(1, first).bind(2, last).bind(3, since).bind(4, until);
  int keys = static_cast<int>(spec.primary_key.size());
  while (true) {
    MLOPS_TRY(row, query->step());
    if (!*row) {
      return Status::success();
    }
    write_row(*query, spec, out);
    int64_t commit = query->column_int(keys + 1);
    out.number(commit);
    out.plain(times[commit], true);
    out.plain(op_name(query->column_int(keys + 2)), true);
    out.end_row();
  }
}

Result<OnlineValue> get_online(FeatureGroupStore& group, const std::vector<std::string>& key,
                               int64_t now_micros) {
  const FeatureGroupSpec& spec = group.spec();
  if (!spec.online) {
    return Error(ErrorKind::Usage,
                 fmt::format("feature group {} is not online (declare `online: true` in a new "
                             "version to serve its latest values)",
                             spec.name));
  }
  if (key.size() != spec.primary_key.size()) {
    return Error(
        ErrorKind::Usage,
        fmt::format("feature group {} has a key of {} column(s) ({}); {} given", spec.name,
                    spec.primary_key.size(), column_list(spec.primary_key, ""), key.size()));
  }
  std::string where;
  for (const auto& column : spec.primary_key) {
    where += (where.empty() ? "" : " AND ") + quote_name(column.name) + " = ?";
  }
  std::string features = column_list(spec.features, "");
  MLOPS_TRY(query, group.connection().cached(
                       fmt::format("SELECT _time, _commit, _op{}{} FROM online WHERE {}",
                                   features.empty() ? "" : ", ", features, where)));
  for (size_t k = 0; k < key.size(); ++k) {
    if (spec.primary_key[k].type == FeatureType::Int) {
      auto value = parse_int_value(key[k]);
      if (!value) {
        return Error(ErrorKind::Usage, fmt::format("key column '{}' is an int; '{}' is not",
                                                   spec.primary_key[k].name, key[k]));
      }
      (*query)->bind(static_cast<int>(k) + 1, *value);
    } else {
      (*query)->bind(static_cast<int>(k) + 1, std::string_view(key[k]));
    }
  }
  OnlineValue value;
  MLOPS_TRY(row, (*query)->step());
  if (*row && (*query)->column_int(2) != k_op_delete) {
    sqlite::Statement& found = **query;
    value.event_time = found.column_int(0);
    value.commit = found.column_int(1);
    bool expired = spec.ttl && now_micros - *value.event_time > spec.ttl->count() * 1000;
    value.status = expired ? "expired" : "present";
    for (size_t f = 0; f < spec.features.size(); ++f) {
      int column = 3 + static_cast<int>(f);
      if (found.column_is_null(column)) {
        value.values.emplace_back();
      } else if (spec.features[f].type == FeatureType::Float) {
        std::string text;
        append_float(text, found.column_double(column));
        value.values.emplace_back(std::move(text));
      } else if (spec.features[f].type == FeatureType::Bool) {
        value.values.emplace_back(found.column_int(column) ? "true" : "false");
      } else {
        value.values.emplace_back(std::string(found.column_view(column)));
      }
    }
  }
  (*query)->reset();
  return value;
}

}  // namespace mlops
