#include "features/pit_join.hpp"

#include <algorithm>
#include <deque>
#include <memory>
#include <numeric>
#include <thread>

#include <fmt/format.h>

#include "data/record_source.hpp"
#include "features/group_reads.hpp"
#include "features/sql_names.hpp"
#include "features/table_writer.hpp"
#include "features/values.hpp"
#include "store/sqlite.hpp"

namespace mlops {
namespace {

constexpr int k_op_delete = 1;

// One stored row of the group, with the selected features' values.
struct GroupRow {
  int64_t time = 0;
  int64_t commit = 0;
  int64_t op = 0;
  std::vector<uint8_t> nulls;
  std::vector<int64_t> ints;
  std::vector<double> floats;
  std::vector<std::string> texts;
};

// The typed key of spine row `row` for a group, compared with the scan's current row.
struct TypedKeys {
  std::vector<const ColumnValues*> columns;  // the spine's, or converted copies in `owned`
  std::deque<ColumnValues> owned;
  // One int key (the common case): the spine's keys and times in join order, read in sequence
  // by the merge instead of looked up by row.
  bool single_int = false;
  std::vector<int64_t> sorted_keys;
  std::vector<int64_t> sorted_times;
  bool same_key(size_t a, size_t b) const {
    for (const ColumnValues* column : columns) {
      bool same = column->type == FeatureType::String ? column->texts[a] == column->texts[b]
                                                      : column->ints[a] == column->ints[b];
      if (!same) {
        return false;
      }
    }
    return true;
  }
  int compare_row(size_t row, const sqlite::Statement& scan) const {
    for (size_t k = 0; k < columns.size(); ++k) {
      const ColumnValues& column = *columns[k];
      int index = static_cast<int>(k);
      if (column.type == FeatureType::String) {
        int c = std::string_view(column.texts[row]).compare(scan.column_view(index));
        if (c != 0) {
          return c < 0 ? -1 : 1;
        }
      } else {
        int64_t stored = scan.column_int(index);
        if (column.ints[row] != stored) {
          return column.ints[row] < stored ? -1 : 1;
        }
      }
    }
    return 0;
  }
};

// The spine's key columns as the group's keys are typed: the spine's own when the types agree
// (read once, typed once), else a converted copy.
Result<std::unique_ptr<TypedKeys>> type_keys(const FeatureGroupSpec& spec, const Spine& spine) {
  auto typed = std::make_unique<TypedKeys>();
  for (const auto& key : spec.primary_key) {
    auto found = std::find(spine.key_names.begin(), spine.key_names.end(), key.name);
    if (found == spine.key_names.end()) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("the spine has no column '{}' (a key of feature group {})", key.name,
                               spec.name));
    }
    const ColumnValues& stored = spine.keys[found - spine.key_names.begin()];
    FeatureType wanted = key.type == FeatureType::String ? FeatureType::String : FeatureType::Int;
    if (stored.type == wanted) {
      typed->columns.push_back(&stored);
      continue;
    }
    ColumnValues& column = typed->owned.emplace_back(ColumnValues{wanted, {}, {}, {}, {}});
    column.nulls.assign(spine.size(), 0);
    for (size_t row = 0; row < spine.size(); ++row) {
      if (wanted == FeatureType::String) {
        column.texts.push_back(std::to_string(stored.ints[row]));
        continue;
      }
      auto value = parse_int_value(stored.texts[row]);
      if (!value) {
        return Error(
            ErrorKind::InvalidSpec,
            fmt::format("{}:{}: key '{}' is '{}', not an int (the type of feature group "
                        "{}'s key); fix the spine, or declare the key as a string",
                        spine.path, spine.lines[row], key.name, stored.texts[row], spec.name));
      }
      column.ints.push_back(*value);
    }
    typed->columns.push_back(&column);
  }
  return typed;
}

// The commit each spine row may see: the pinned one, or in known_time mode the last commit
// made at or before its time, if earlier.
Result<std::vector<int64_t>> commit_bounds(FeatureGroupStore& group, const Spine& spine,
                                           const JoinOptions& options) {
  std::vector<int64_t> bounds;  // empty: every row sees the pinned commit
  if (!options.known_time) {
    return bounds;
  }
  bounds.assign(spine.size(), options.as_of);
  MLOPS_TRY(query, group.connection().prepare(
                       "SELECT id, committed_at FROM commit_log WHERE id <= ? ORDER BY id"));
  query->bind(1, options.as_of);
  std::vector<std::pair<int64_t, int64_t>> commits;  // (committed_at, id), increasing in both
  while (true) {
    MLOPS_TRY(row, query->step());
    if (!*row) {
      break;
    }
    commits.emplace_back(query->column_int(1), query->column_int(0));
  }
  MLOPS_TRY(floor, group.floor());
  for (size_t row = 0; row < spine.size(); ++row) {
    auto after = std::upper_bound(commits.begin(), commits.end(),
                                  std::make_pair(spine.times[row], INT64_MAX));
    bounds[row] = after == commits.begin() ? 0 : std::prev(after)->second;
    if (bounds[row] > 0 && bounds[row] < *floor) {
      return Error(
          ErrorKind::Conflict,
          fmt::format("feature group {}: spine time {} needs commit {}, which was "
                      "compacted away (the oldest reachable is {})",
                      group.spec().name, format_event_time(spine.times[row]), bounds[row], *floor));
    }
  }
  return bounds;
}

void read_group_row(const sqlite::Statement& scan, int keys, const std::vector<size_t>& selected,
                    const FeatureGroupSpec& spec, GroupRow& row) {
  row.time = scan.column_int(keys);
  row.commit = scan.column_int(keys + 1);
  row.op = scan.column_int(keys + 2);
  size_t n = selected.size();
  row.nulls.resize(n);
  row.ints.resize(n);
  row.floats.resize(n);
  row.texts.resize(n);
  for (size_t i = 0; i < n; ++i) {
    int column = keys + 3 + static_cast<int>(i);
    row.nulls[i] = scan.column_is_null(column);
    switch (spec.features[selected[i]].type) {
      case FeatureType::Int:
      case FeatureType::Bool:
        row.ints[i] = scan.column_int(column);
        break;
      case FeatureType::Float:
        row.floats[i] = scan.column_double(column);
        break;
      case FeatureType::String:
        row.texts[i].assign(scan.column_view(column));
        break;
    }
  }
}

void set_result(JoinedFeatures& out, size_t spine_row, const GroupRow& row) {
  for (size_t i = 0; i < out.columns.size(); ++i) {
    ColumnValues& column = out.columns[i];
    column.nulls[spine_row] = row.nulls[i];
    if (row.nulls[i]) {
      continue;
    }
    if (column.type == FeatureType::Float) {
      column.floats[spine_row] = row.floats[i];
    } else if (column.type == FeatureType::String) {
      column.texts[spine_row] = row.texts[i];
    } else {
      column.ints[spine_row] = row.ints[i];
    }
  }
}

Result<std::vector<size_t>> select_features(const FeatureGroupSpec& spec,
                                            const std::vector<std::string>& names) {
  std::vector<size_t> selected;
  if (names.empty()) {
    selected.resize(spec.features.size());
    std::iota(selected.begin(), selected.end(), size_t{0});
    return selected;
  }
  for (const auto& name : names) {
    auto found = std::find_if(spec.features.begin(), spec.features.end(),
                              [&](const auto& f) { return f.name == name; });
    if (found == spec.features.end()) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("feature group {} has no feature '{}'", spec.name, name));
    }
    selected.push_back(static_cast<size_t>(found - spec.features.begin()));
  }
  return selected;
}

// Of the key's rows passed so far (oldest first), the greatest (event time, commit) the spine
// row may see: committed by `bound`; NULL when it is older than `oldest` or a tombstone.
bool pick(const std::vector<GroupRow>& history, int64_t bound, int64_t oldest, size_t spine_row,
          JoinedFeatures& out) {
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->commit > bound) {
      continue;
    }
    if (it->time >= oldest && it->op != k_op_delete) {
      set_result(out, spine_row, *it);
      return true;
    }
    return false;
  }
  return false;
}

struct JoinWindow {
  int64_t delay = 0;  // µs
  bool has_ttl = false;
  int64_t ttl = 0;  // µs
};

// The sort-merge: the spine rows order[begin, end), in (key, time) order, against `scan`, the
// group's rows in (key, event time, commit) order; each spine row takes the newest row it may
// see. Two pointers that never move back.
Status merge_rows(sqlite::Statement& scan, const Spine& spine, const TypedKeys& keys,
                  const std::vector<size_t>& selected, const std::vector<int64_t>& bounds,
                  const std::vector<size_t>& order, size_t begin, size_t end,
                  const JoinOptions& options, const JoinWindow& window,
                  const FeatureGroupSpec& spec, JoinedFeatures& out, size_t& matched) {
  const int key_count = static_cast<int>(spec.primary_key.size());
  MLOPS_TRY(has_row, scan.step());
  bool scan_open = *has_row;
  std::vector<GroupRow> history;  // the current key's rows passed so far
  size_t previous = SIZE_MAX;
  const bool fast = keys.single_int;
  for (size_t i = begin; i < end; ++i) {
    size_t spine_row = order[i];
    bool new_key = previous == SIZE_MAX || (fast ? keys.sorted_keys[i] != keys.sorted_keys[i - 1]
                                                 : !keys.same_key(previous, spine_row));
    if (new_key) {
      history.clear();
    }
    previous = spine_row;
    const int64_t spine_time = fast ? keys.sorted_times[i] : spine.times[spine_row];
    const int64_t limit = spine_time - window.delay;
    while (scan_open) {
      int c = 0;
      if (fast) {
        int64_t stored = scan.column_int(0);
        c = keys.sorted_keys[i] < stored ? -1 : keys.sorted_keys[i] > stored ? 1 : 0;
      } else {
        c = keys.compare_row(spine_row, scan);
      }
      if (c < 0) {
        break;  // the scan is at a later key
      }
      if (c == 0) {
        int64_t time = scan.column_int(key_count);
        if (options.exclusive ? time >= limit : time > limit) {
          break;  // too late for this spine row, maybe not for the next
        }
        // Event-time mode needs only the newest row passed; known_time may need older ones.
        history.resize(options.known_time ? history.size() + 1 : 1);
        read_group_row(scan, key_count, selected, spec, history.back());
      }
      MLOPS_TRY(more, scan.step());
      scan_open = *more;
    }
    matched += pick(history, bounds.empty() ? options.as_of : bounds[spine_row],
                    window.has_ttl ? spine_time - window.ttl : INT64_MIN, spine_row, out)
                   ? 1
                   : 0;
  }
  return Status::success();
}

// The spine's rows in (key, time, row) order; for one int key also fills keys.sorted_*.
std::vector<size_t> join_order(TypedKeys& keys, const Spine& spine) {
  std::vector<size_t> order(spine.size());
  if (keys.columns.size() == 1 && keys.columns[0]->type != FeatureType::String) {
    struct Entry {
      int64_t key;
      int64_t time;
      size_t row;
    };
    std::vector<Entry> entries(spine.size());
    for (size_t row = 0; row < spine.size(); ++row) {
      entries[row] = {keys.columns[0]->ints[row], spine.times[row], row};
    }
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      return a.key != b.key ? a.key < b.key : a.time != b.time ? a.time < b.time : a.row < b.row;
    });
    keys.single_int = true;
    keys.sorted_keys.resize(entries.size());
    keys.sorted_times.resize(entries.size());
    for (size_t i = 0; i < entries.size(); ++i) {
      order[i] = entries[i].row;
      keys.sorted_keys[i] = entries[i].key;
      keys.sorted_times[i] = entries[i].time;
    }
    return order;
  }
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    for (const ColumnValues* column : keys.columns) {
      if (int c = column->compare(a, b)) {
        return c < 0;
      }
    }
    return spine.times[a] != spine.times[b] ? spine.times[a] < spine.times[b] : a < b;
  });
  return order;
}

// How many distinct keys order[] holds (it is sorted by key).
size_t distinct_keys(const TypedKeys& keys, const std::vector<size_t>& order) {
  size_t count = order.empty() ? 0 : 1;
  for (size_t i = 1; i < order.size(); ++i) {
    count += keys.same_key(order[i - 1], order[i]) ? 0 : 1;
  }
  return count;
}

void bind_key(sqlite::Statement& statement, const TypedKeys& keys, size_t row) {
  for (size_t k = 0; k < keys.columns.size(); ++k) {
    const ColumnValues& column = *keys.columns[k];
    int index = static_cast<int>(k) + 2;
    if (column.type == FeatureType::String) {
      statement.bind(index, std::string_view(column.texts[row]));
    } else {
      statement.bind(index, column.ints[row]);
    }
  }
}

// A big spine with one int key, joined in parts: the spine's key order cut at key boundaries,
// each part merged against its own range of the group's index on its own connection, one
// thread each (the parts write different spine rows).
struct JoinParts {
  FeatureGroupStore& group;
  const Spine& spine;
  const TypedKeys& keys;
  const std::vector<size_t>& selected;
  const std::vector<int64_t>& bounds;
  const std::vector<size_t>& order;
  const JoinOptions& options;
  const JoinWindow& window;
  const std::string& columns;

  Status run_part(size_t begin, size_t end, JoinedFeatures& out, size_t& matched) {
    MLOPS_TRY(db, sqlite::Connection::open(group.path().string()));
    const std::string key = quote_name(group.spec().primary_key[0].name);
    MLOPS_TRY(scan,
              (*db)->prepare(fmt::format(
                  "SELECT {0} FROM data INDEXED BY data_pit WHERE _commit <= ?1 AND {1} >= ?2 "
                  "AND {1} <= ?3 ORDER BY {1}, _time, _commit",
                  columns, key)));
    scan->bind(1, options.as_of)
        .bind(2, keys.sorted_keys[begin])
        .bind(3, keys.sorted_keys[end - 1]);
    return merge_rows(*scan, spine, keys, selected, bounds, order, begin, end, options, window,
                      group.spec(), out, matched);
  }

  Status run_parallel(JoinedFeatures& out) {
    size_t parts = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
    std::vector<size_t> cuts = {0};
    for (size_t p = 1; p < parts; ++p) {
      size_t cut = std::max(cuts.back(), order.size() * p / parts);
      while (cut > 0 && cut < order.size() && keys.sorted_keys[cut] == keys.sorted_keys[cut - 1]) {
        ++cut;
      }
      cuts.push_back(cut);
    }
    cuts.push_back(order.size());
    std::vector<Status> results(parts, Status::success());
    std::vector<size_t> matched(parts, 0);
    std::vector<std::thread> threads;
    for (size_t p = 0; p < parts; ++p) {
      if (cuts[p] < cuts[p + 1]) {
        threads.emplace_back(
            [&, p] { results[p] = run_part(cuts[p], cuts[p + 1], out, matched[p]); });
      }
    }
    for (auto& thread : threads) {
      thread.join();
    }
    for (size_t p = 0; p < parts; ++p) {
      MLOPS_CHECK(results[p]);
      out.matched += matched[p];
    }
    return Status::success();
  }
};

// One ordered scan of the whole group, or, when the spine has few keys for the group's size,
// one index range per key (a thousand labels never read ten million rows).
Status merge_scan(FeatureGroupStore& group, const Spine& spine, const TypedKeys& keys,
                  const std::vector<size_t>& selected, const std::vector<int64_t>& bounds,
                  const std::vector<size_t>& order, const JoinOptions& options,
                  JoinedFeatures& out) {
  const FeatureGroupSpec& spec = group.spec();
  std::string columns = column_list(spec.primary_key, "") + ", _time, _commit, _op";
  for (size_t index : selected) {
    columns += ", " + quote_name(spec.features[index].name);
  }
  const std::optional<Milliseconds> ttl = options.ttl ? *options.ttl : spec.ttl;
  JoinWindow window{options.delay.value_or(spec.delay).count() * 1000, ttl.has_value(),
                    ttl ? ttl->count() * 1000 : 0};
  MLOPS_TRY(size, group.connection().prepare("SELECT coalesce(max(rowid), 0) FROM data"));
  MLOPS_TRY(sized, size->step());
  int64_t rows = *sized ? size->column_int(0) : 0;
  if (static_cast<int64_t>(distinct_keys(keys, order)) * 32 >= rows) {
    JoinParts parts{group, spine, keys, selected, bounds, order, options, window, columns};
    if (keys.single_int && order.size() >= options.parallel_min_rows &&
        std::thread::hardware_concurrency() > 1) {
      return parts.run_parallel(out);
    }
    MLOPS_TRY(scan, group.connection().prepare(fmt::format(
                        "SELECT {} FROM data INDEXED BY data_pit WHERE _commit <= ?1 ORDER BY {}, "
                        "_time, _commit",
                        columns, column_list(spec.primary_key, ""))));
    scan->bind(1, options.as_of);
    return merge_rows(*scan, spine, keys, selected, bounds, order, 0, order.size(), options, window,
                      spec, out, out.matched);
  }
  std::string match;
  for (size_t k = 0; k < spec.primary_key.size(); ++k) {
    match += fmt::format("{} = ?{} AND ", quote_name(spec.primary_key[k].name), k + 2);
  }
  MLOPS_TRY(seek, group.connection().prepare(
                      fmt::format("SELECT {} FROM data INDEXED BY data_pit WHERE {}_commit <= ?1 "
                                  "ORDER BY _time, _commit",
                                  columns, match)));
  for (size_t begin = 0; begin < order.size();) {
    size_t end = begin + 1;
    while (end < order.size() && keys.same_key(order[begin], order[end])) {
      ++end;
    }
    seek->reset();
    seek->bind(1, options.as_of);
    bind_key(*seek, keys, order[begin]);
    MLOPS_CHECK(merge_rows(*seek, spine, keys, selected, bounds, order, begin, end, options, window,
                           spec, out, out.matched));
    begin = end;
  }
  return Status::success();
}

// Where the spine's time and key columns are: InvalidSpec naming the first that is missing.
Result<std::pair<int, std::vector<int>>> spine_indices(const Spine& spine,
                                                       const std::filesystem::path& path,
                                                       const std::string& time_column,
                                                       const std::vector<std::string>& key_names) {
  auto index_of = [&](const std::string& name) {
    auto found = std::find(spine.columns.begin(), spine.columns.end(), name);
    return found == spine.columns.end() ? -1 : static_cast<int>(found - spine.columns.begin());
  };
  std::pair<int, std::vector<int>> indices{index_of(time_column), {}};
  std::string missing = indices.first < 0 ? time_column : "";
  for (const auto& name : key_names) {
    indices.second.push_back(index_of(name));
    if (indices.second.back() < 0 && missing.empty()) {
      missing = name;
    }
  }
  if (!missing.empty()) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}: the spine has no column '{}'; it has: {}", path.string(), missing,
                             fmt::join(spine.columns, ", ")));
  }
  return indices;
}

Status add_spine_row(Spine& spine, const Record& record, const std::pair<int, std::vector<int>>& at,
                     const std::filesystem::path& path) {
  const FieldView& time_field = record.fields[at.first];
  auto time = parse_event_time(time_field.text);
  if (!time) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}:{}: column '{}': '{}' is not a time (ISO 8601 such as "
                             "2024-06-01T12:00:00Z, or epoch seconds)",
                             path.string(), record.line, spine.columns[at.first],
                             time_field.text.substr(0, 80)));
  }
  spine.times.push_back(*time);
  spine.lines.push_back(record.line);
  for (size_t k = 0; k < at.second.size(); ++k) {
    const FieldView& key = record.fields[at.second[k]];
    if (key.text.empty()) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("{}:{}: key column '{}' is empty; every label row needs its key",
                               path.string(), record.line, spine.key_names[k]));
    }
    ColumnValues& column = spine.keys[k];
    column.nulls.push_back(0);
    if (column.type == FeatureType::String) {
      column.texts.emplace_back(key.text);
      continue;
    }
    auto value = parse_int_value(key.text);
    if (!value) {
      return Error(
          ErrorKind::InvalidSpec,
          fmt::format("{}:{}: key '{}' is '{}', not an int (the type of the feature "
                      "groups' key); fix the spine, or declare the key as a string",
                      path.string(), record.line, spine.key_names[k], key.text.substr(0, 80)));
    }
    column.ints.push_back(*value);
  }
  // Columns a JSON Lines spine only names after its first record are not carried through.
  for (size_t i = 0; i < spine.columns.size() && i < record.fields.size(); ++i) {
    if (i > 0) {
      spine.arena.push_back(',');
    }
    append_csv_field(spine.arena, record.fields[i].text, record.fields[i].quoted);
  }
  spine.row_ends.push_back(spine.arena.size());
  return Status::success();
}

}  // namespace

std::string_view Spine::row_text(size_t row) const {
  uint64_t begin = row == 0 ? 0 : row_ends[row - 1];
  return std::string_view(arena).substr(begin, row_ends[row] - begin);
}

Result<Spine> read_spine(const std::filesystem::path& path, const std::string& time_column,
                         const std::vector<FeatureColumnSpec>& keys) {
  std::vector<std::string> key_names;
  for (const auto& key : keys) {
    key_names.push_back(key.name);
  }
  MLOPS_TRY(source, open_records(path, ReadOptions{}));
  Spine spine;
  spine.path = path.string();
  Record record;
  MLOPS_TRY(first, (*source)->next(record));  // JSON Lines knows its columns from here
  spine.columns = (*source)->columns();
  MLOPS_TRY(at, spine_indices(spine, path, time_column, key_names));
  spine.key_names = key_names;
  for (const auto& key : keys) {
    FeatureType type = key.type == FeatureType::String ? FeatureType::String : FeatureType::Int;
    spine.keys.push_back(ColumnValues{type, {}, {}, {}, {}});
  }
  for (bool more = *first; more;) {
    MLOPS_CHECK(add_spine_row(spine, record, *at, path));
    MLOPS_TRY(next, (*source)->next(record));
    more = *next;
  }
  if ((*source)->malformed_count() > 0) {
    const auto& bad = (*source)->malformed_sample().front();
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}:{}: {}; fix the spine and build the dataset again", path.string(),
                             bad.line, bad.reason));
  }
  return spine;
}

Result<JoinedFeatures> join_group(FeatureGroupStore& group, const Spine& spine,
                                  const std::vector<std::string>& features,
                                  const JoinOptions& options) {
  const FeatureGroupSpec& spec = group.spec();
  MLOPS_CHECK(check_reachable(group, options.as_of));
  MLOPS_TRY(selected, select_features(spec, features));
  MLOPS_TRY(typed, type_keys(spec, spine));
  TypedKeys* keys = typed->get();
  MLOPS_TRY(bounds, commit_bounds(group, spine, options));
  JoinedFeatures out;
  for (size_t index : *selected) {
    ColumnValues column{spec.features[index].type, {}, {}, {}, {}};
    column.nulls.assign(spine.size(), 1);
    if (column.type == FeatureType::Float) {
      column.floats.assign(spine.size(), 0.0);
    } else if (column.type == FeatureType::String) {
      column.texts.assign(spine.size(), std::string());
    } else {
      column.ints.assign(spine.size(), 0);
    }
    out.columns.push_back(std::move(column));
  }
  std::vector<size_t> order = join_order(*keys, spine);
  MLOPS_CHECK(merge_scan(group, spine, *keys, *selected, *bounds, order, options, out));
  return out;
}

}  // namespace mlops
