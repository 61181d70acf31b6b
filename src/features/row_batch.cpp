#include "features/row_batch.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <optional>
#include <system_error>

#include <fmt/format.h>

#include "data/record_source.hpp"
#include "features/values.hpp"

namespace mlops {
namespace {

int find_column(const std::vector<std::string>& columns, const std::string& name) {
  auto found = std::find(columns.begin(), columns.end(), name);
  return found == columns.end() ? -1 : static_cast<int>(found - columns.begin());
}

const char* type_article(FeatureType type) {
  switch (type) {
    case FeatureType::Int:
      return "an int";
    case FeatureType::Float:
      return "a float";
    case FeatureType::Bool:
      return "a bool (true/false/1/0)";
    case FeatureType::String:
      return "a string";
  }
  return "a value";
}

// Appends one field to `column`; false when it is not of the column's type.
bool append_value(ColumnValues& column, const FieldView& field) {
  bool null = field.missing || (field.text.empty() && !field.quoted);
  column.nulls.push_back(null ? 1 : 0);
  switch (column.type) {
    case FeatureType::Int:
    case FeatureType::Bool: {
      std::optional<int64_t> value;
      if (!null) {
        if (column.type == FeatureType::Int) {
          value = parse_int_value(field.text);
        } else if (auto flag = parse_bool_value(field.text)) {
          value = *flag ? 1 : 0;
        }
      }
      column.ints.push_back(value.value_or(0));
      return null || value.has_value();
    }
    case FeatureType::Float: {
      std::optional<double> value = null ? std::nullopt : parse_float_value(field.text);
      if (value && std::isnan(*value)) {
        column.nulls.back() = 1;  // SQLite stores no NaN: a NaN is a missing value
      }
      column.floats.push_back(value.value_or(0.0));
      return null || value.has_value();
    }
    case FeatureType::String:
      column.texts.emplace_back(null ? std::string_view() : field.text);
      return true;
  }
  return false;
}

struct ColumnPlan {
  int source = -1;  // field index in the file, or -1: absent (all nulls)
  std::string name;
  bool required = false;  // a null is refused
};

struct BatchPlan {
  std::vector<ColumnPlan> keys;
  ColumnPlan time;
  std::vector<ColumnPlan> features;
};

Result<BatchPlan> plan_columns(const std::vector<std::string>& columns,
                               const FeatureGroupSpec& spec, BatchKind kind,
                               const std::filesystem::path& path) {
  BatchPlan plan;
  auto missing = [&](const std::string& name, const char* what) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}: no column '{}' ({} of feature group {}); the file has: {}",
                             path.string(), name, what, spec.name, fmt::join(columns, ", ")));
  };
  for (const auto& key : spec.primary_key) {
    plan.keys.push_back({find_column(columns, key.name), key.name, true});
    if (plan.keys.back().source < 0) {
      return missing(key.name, "a primary key column");
    }
  }
  plan.time = {find_column(columns, spec.event_time), spec.event_time, true};
  if (plan.time.source < 0 && kind == BatchKind::Rows) {
    return missing(spec.event_time, "the event-time column");
  }
  if (kind == BatchKind::Rows) {
    for (const auto& feature : spec.features) {
      plan.features.push_back(
          {find_column(columns, feature.name), feature.name, !feature.nullable});
      if (plan.features.back().source < 0 && !feature.nullable) {
        return missing(feature.name, "a feature that may not be empty");
      }
    }
  }
  return plan;
}

std::vector<std::string> ignored_columns(const std::vector<std::string>& columns,
                                         const BatchPlan& plan) {
  std::vector<bool> used(columns.size(), false);
  for (const auto* group : {&plan.keys, &plan.features}) {
    for (const auto& column : *group) {
      if (column.source >= 0) {
        used[column.source] = true;
      }
    }
  }
  if (plan.time.source >= 0) {
    used[plan.time.source] = true;
  }
  std::vector<std::string> ignored;
  for (size_t i = 0; i < columns.size(); ++i) {
    if (!used[i]) {
      ignored.push_back(columns[i]);
    }
  }
  return ignored;
}

Error bad_value(const std::filesystem::path& path, uint64_t line, const std::string& column,
                std::string_view text, const char* expected) {
  std::string shown(text.substr(0, 80));
  return Error(ErrorKind::InvalidSpec,
               text.empty() ? fmt::format("{}:{}: column '{}' is empty; it must be {}",
                                          path.string(), line, column, expected)
                            : fmt::format("{}:{}: column '{}': '{}' is not {}", path.string(), line,
                                          column, shown, expected));
}

Status read_row(const Record& record, const BatchPlan& plan, const std::filesystem::path& path,
                RowBatch& batch) {
  static const FieldView k_missing{{}, false, true};
  for (size_t k = 0; k < plan.keys.size(); ++k) {
    const FieldView& field = record.fields[plan.keys[k].source];
    ColumnValues& column = batch.keys[k];
    if (!append_value(column, field) || column.nulls.back()) {
      return bad_value(path, record.line, plan.keys[k].name, field.text, type_article(column.type));
    }
  }
  if (plan.time.source >= 0) {
    const FieldView& field = record.fields[plan.time.source];
    auto time = parse_event_time(field.text);
    if (!time) {
      return bad_value(path, record.line, plan.time.name, field.text,
                       "an event time (ISO 8601, e.g. 2024-06-01T12:00:00Z, or epoch seconds)");
    }
    batch.times.push_back(*time);
  }
  for (size_t f = 0; f < plan.features.size(); ++f) {
    const ColumnPlan& column_plan = plan.features[f];
    const FieldView& field =
        column_plan.source >= 0 ? record.fields[column_plan.source] : k_missing;
    ColumnValues& column = batch.features[f];
    bool parsed = append_value(column, field);
    if (parsed && column_plan.required && column.nulls.back() && !field.text.empty()) {
      return bad_value(path, record.line, column_plan.name, field.text,
                       "a number (NaN is stored as a missing value, and this feature is "
                       "declared nullable: false)");
    }
    if (!parsed || (column_plan.required && column.nulls.back())) {
      return bad_value(path, record.line, column_plan.name, field.text, type_article(column.type));
    }
  }
  batch.lines.push_back(record.line);
  return Status::success();
}

}  // namespace

void ColumnValues::reserve(size_t rows) {
  nulls.reserve(rows);
  if (type == FeatureType::String) {
    texts.reserve(rows);
  } else if (type == FeatureType::Float) {
    floats.reserve(rows);
  } else {
    ints.reserve(rows);
  }
}

void ColumnValues::append_text(std::string& out, size_t row) const {
  if (nulls[row]) {
    return;
  }
  switch (type) {
    case FeatureType::Int: {
      char text[24];
      auto [end, error] = std::to_chars(text, text + sizeof text, ints[row]);
      out.append(text, end);
      break;
    }
    case FeatureType::Bool:
      out += ints[row] ? "true" : "false";
      break;
    case FeatureType::Float:
      append_float(out, floats[row]);
      break;
    case FeatureType::String:
      out += texts[row];
      break;
  }
}

int ColumnValues::compare(size_t a, size_t b) const {
  if (nulls[a] || nulls[b]) {
    return static_cast<int>(nulls[b]) - static_cast<int>(nulls[a]);
  }
  switch (type) {
    case FeatureType::Int:
    case FeatureType::Bool:
      return ints[a] < ints[b] ? -1 : ints[a] > ints[b] ? 1 : 0;
    case FeatureType::Float:
      return floats[a] < floats[b] ? -1 : floats[a] > floats[b] ? 1 : 0;
    case FeatureType::String:
      return texts[a].compare(texts[b]) < 0 ? -1 : texts[a] == texts[b] ? 0 : 1;
  }
  return 0;
}

Result<RowBatch> read_row_batch(const std::filesystem::path& path, const FeatureGroupSpec& spec,
                                BatchKind kind) {
  RowBatch batch;
  std::error_code error;
  if (std::filesystem::is_regular_file(path, error) &&
      std::filesystem::file_size(path, error) == 0) {
    return batch;  // an empty file: nothing to commit
  }
  MLOPS_TRY(source, open_records(path, ReadOptions{}));
  for (const auto& key : spec.primary_key) {
    batch.keys.push_back(ColumnValues{key.type, {}, {}, {}, {}});
  }
  if (kind == BatchKind::Rows) {
    for (const auto& feature : spec.features) {
      batch.features.push_back(ColumnValues{feature.type, {}, {}, {}, {}});
    }
  }
  // JSON Lines learns its columns from the records: plan after the first, and again when a
  // later record brings a new one (the rows before it had no value there).
  Record record;
  MLOPS_TRY(first, (*source)->next(record));
  size_t planned = (*source)->columns().size();
  MLOPS_TRY(plan, plan_columns((*source)->columns(), spec, kind, path));
  batch.ignored_columns = ignored_columns((*source)->columns(), *plan);
  for (bool more = *first; more;) {
    if ((*source)->columns().size() != planned) {
      planned = (*source)->columns().size();
      MLOPS_TRY(replanned, plan_columns((*source)->columns(), spec, kind, path));
      *plan = std::move(*replanned);
      batch.ignored_columns = ignored_columns((*source)->columns(), *plan);
    }
    MLOPS_CHECK(read_row(record, *plan, path, batch));
    MLOPS_TRY(next, (*source)->next(record));
    more = *next;
  }
  if ((*source)->malformed_count() > 0) {
    const auto& bad = (*source)->malformed_sample().front();
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}:{}: {} (and {} malformed row(s) in all); a commit is all rows "
                             "or none, so nothing was written: fix the file and insert it again",
                             path.string(), bad.line, bad.reason, (*source)->malformed_count()));
  }
  return batch;
}

ColumnValues ColumnValues::permuted(const std::vector<size_t>& order) const {
  ColumnValues out{type, {}, {}, {}, {}};
  out.nulls.reserve(order.size());
  for (size_t row : order) {
    out.nulls.push_back(nulls[row]);
  }
  if (type == FeatureType::String) {
    out.texts.reserve(order.size());
    for (size_t row : order) {
      out.texts.push_back(texts[row]);
    }
  } else if (type == FeatureType::Float) {
    out.floats.reserve(order.size());
    for (size_t row : order) {
      out.floats.push_back(floats[row]);
    }
  } else {
    out.ints.reserve(order.size());
    for (size_t row : order) {
      out.ints.push_back(ints[row]);
    }
  }
  return out;
}

void ColumnValues::append_binary(std::string& out, size_t row) const {
  out.push_back(static_cast<char>(nulls[row]));
  if (nulls[row]) {
    return;
  }
  if (type == FeatureType::String) {
    uint64_t size = texts[row].size();
    out.append(reinterpret_cast<const char*>(&size), sizeof size);
    out += texts[row];
  } else if (type == FeatureType::Float) {
    out.append(reinterpret_cast<const char*>(&floats[row]), sizeof(double));
  } else {
    out.append(reinterpret_cast<const char*>(&ints[row]), sizeof(int64_t));
  }
}

RowBatch permute_rows(const RowBatch& batch, const std::vector<size_t>& order) {
  RowBatch out;
  for (const auto& column : batch.keys) {
    out.keys.push_back(column.permuted(order));
  }
  for (const auto& column : batch.features) {
    out.features.push_back(column.permuted(order));
  }
  out.times.reserve(order.size());
  out.lines.reserve(order.size());
  for (size_t row : order) {
    if (!batch.times.empty()) {
      out.times.push_back(batch.times[row]);
    }
    out.lines.push_back(batch.lines[row]);
  }
  out.ignored_columns = batch.ignored_columns;
  return out;
}

namespace {

// The common case, one int key: sort packed (key, time, row) triples, not row numbers through
// a comparator that looks the values up; of equal (key, time) keep the last row.
std::vector<size_t> sorted_int_key_rows(const RowBatch& batch, size_t& dropped) {
  struct Entry {
    int64_t key;
    int64_t time;
    size_t row;
  };
  std::vector<Entry> entries(batch.size());
  const ColumnValues& key = batch.keys[0];
  for (size_t row = 0; row < batch.size(); ++row) {
    entries[row] = {key.ints[row], batch.times.empty() ? 0 : batch.times[row], row};
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.key != b.key ? a.key < b.key : a.time != b.time ? a.time < b.time : a.row < b.row;
  });
  std::vector<size_t> order;
  order.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    bool superseded = i + 1 < entries.size() && entries[i + 1].key == entries[i].key &&
                      entries[i + 1].time == entries[i].time;
    if (!superseded) {
      order.push_back(entries[i].row);
    }
  }
  dropped = entries.size() - order.size();
  return order;
}

}  // namespace

std::vector<size_t> sorted_unique_rows(const RowBatch& batch, size_t& dropped) {
  if (batch.keys.size() == 1 && batch.keys[0].type == FeatureType::Int) {
    return sorted_int_key_rows(batch, dropped);  // keys are never null
  }
  std::vector<size_t> order(batch.size());
  std::iota(order.begin(), order.end(), size_t{0});
  auto identity_compare = [&batch](size_t a, size_t b) {
    for (const auto& key : batch.keys) {
      if (int c = key.compare(a, b)) {
        return c;
      }
    }
    if (!batch.times.empty() && batch.times[a] != batch.times[b]) {
      return batch.times[a] < batch.times[b] ? -1 : 1;
    }
    return 0;
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return identity_compare(a, b) < 0; });
  std::vector<size_t> unique;
  unique.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    // Of a run of equal identities keep the last: the latest in the file (stable sort).
    if (i + 1 < order.size() && identity_compare(order[i], order[i + 1]) == 0) {
      continue;
    }
    unique.push_back(order[i]);
  }
  dropped = order.size() - unique.size();
  return unique;
}

}  // namespace mlops
