// Reading plots files into points (report/plots.hpp). Tables are read row by row into the
// columns the plot needs only, so a file of a million rows costs a few vectors of doubles.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "report/plots.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

// JSON rows cost a few hundred bytes each once parsed; CSV is read column by column.
constexpr size_t k_max_json_plot_bytes = 32u << 20;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

std::optional<double> parse_number(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
  }
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Splits CSV (RFC 4180: quoted fields, doubled quotes, CRLF) or TSV (tabs, no quoting) into
// rows, calling `row` for each; an unterminated quote is an error.
template <typename RowFn>
std::string split_table(std::string_view text, char separator, RowFn&& row) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        fields.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back() += c;
      }
    } else if (c == '"' && separator == ',' && fields.back().empty()) {
      quoted = true;
    } else if (c == separator) {
      fields.emplace_back();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
        ++i;
      }
      if (fields.size() > 1 || !fields[0].empty()) {
        row(fields);
      }
      fields.assign(1, std::string());
    } else {
      fields.back() += c;
    }
  }
  if (quoted) {
    return "a quoted field is not closed";
  }
  if (fields.size() > 1 || !fields[0].empty()) {
    row(fields);
  }
  return "";
}

// The columns a plot needs, gathered row by row.
struct ColumnPicker {
  ColumnPicker(const PlotOptions& o, PlotPoints& p) : options(o), points(p) {}
  const PlotOptions& options;
  PlotPoints& points;
  std::vector<std::string> header;
  std::vector<size_t> y_columns;
  size_t x_column = 0;
  bool x_numeric = true;
  size_t short_rows = 0;
  std::vector<std::string> actual, predicted;  // confusion only

  bool confusion() const { return options.kind == "confusion"; }
  std::string_view field(const std::vector<std::string>& row, size_t i) const {
    return i < row.size() ? std::string_view(row[i]) : std::string_view();
  }
};

std::optional<size_t> column_of(const std::vector<std::string>& header, const std::string& name) {
  auto it = std::find(header.begin(), header.end(), name);
  return it == header.end() ? std::nullopt : std::optional(size_t(it - header.begin()));
}

// The header's first fields for a message: a file of a million columns makes a short one.
std::string field_list(const std::vector<std::string>& header) {
  constexpr size_t k_listed = 20;
  if (header.size() <= k_listed) {
    return join(header, ", ");
  }
  std::vector<std::string> first(header.begin(), header.begin() + k_listed);
  return fmt::format("{}, ... ({} more)", join(first, ", "), header.size() - k_listed);
}

std::string no_field(const std::string& name, const std::vector<std::string>& header) {
  return fmt::format("no field '{}' (fields: {})", name, field_list(header));
}

// Without `y:`, every numeric field but x is a series, up to k_max_default_series: a file of a
// million numeric columns would otherwise make a page of a million lines.
void default_y_columns(ColumnPicker& picker, const std::vector<std::string>& sample) {
  size_t more = 0;
  for (size_t i = 0; i < picker.header.size(); ++i) {
    if (i == picker.x_column || !parse_number(picker.field(sample, i))) {
      continue;
    }
    if (picker.y_columns.size() < k_max_default_series) {
      picker.y_columns.push_back(i);
    } else {
      ++more;
    }
  }
  if (more > 0) {
    picker.points.notes.push_back(
        fmt::format("{} more numeric fields are not drawn (at most {} without 'y:'); name the "
                    "ones to draw with 'y:'",
                    more, k_max_default_series));
  }
}

// Chooses the columns from the header; false (with points.error set) when a named one is absent.
bool choose_columns(ColumnPicker& picker, const std::vector<std::string>& sample) {
  const PlotOptions& options = picker.options;
  const auto& header = picker.header;
  if (picker.confusion()) {
    std::string actual = options.x.empty() ? "actual" : options.x;
    std::string predicted = options.y.empty() ? "predicted" : options.y[0];
    auto a = column_of(header, actual), p = column_of(header, predicted);
    if (!a || !p) {
      picker.points.error = no_field(a ? predicted : actual, header);
      return false;
    }
    picker.x_column = *a;
    picker.y_columns = {*p};
    return true;
  }
  if (header.empty()) {
    picker.points.error = "no fields";
    return false;
  }
  auto x = options.x.empty() ? std::optional<size_t>(0) : column_of(header, options.x);
  if (!x) {
    picker.points.error = no_field(options.x, header);
    return false;
  }
  picker.x_column = *x;
  picker.points.x_field = header[*x];
  for (const auto& name : options.y) {
    auto y = column_of(header, name);
    if (!y) {
      picker.points.error = no_field(name, header);
      return false;
    }
    picker.y_columns.push_back(*y);
  }
  if (options.y.empty()) {
    default_y_columns(picker, sample);
  }
  if (picker.y_columns.empty()) {
    picker.points.error =
        fmt::format("no numeric field besides '{}' to draw (fields: {}); name one with 'y:'",
                    header[*x], field_list(header));
    return false;
  }
  for (size_t column : picker.y_columns) {
    picker.points.y_fields.push_back(header[column]);
  }
  picker.points.y.resize(picker.y_columns.size());
  return true;
}

void add_row(ColumnPicker& picker, const std::vector<std::string>& row) {
  if (row.size() < picker.header.size()) {
    ++picker.short_rows;
  }
  if (picker.confusion()) {
    picker.actual.emplace_back(picker.field(row, picker.x_column));
    picker.predicted.emplace_back(picker.field(row, picker.y_columns[0]));
    return;
  }
  auto x = parse_number(picker.field(row, picker.x_column));
  picker.x_numeric = picker.x_numeric && x.has_value();
  picker.points.x.push_back(x.value_or(k_nan));
  for (size_t i = 0; i < picker.y_columns.size(); ++i) {
    auto y = parse_number(picker.field(row, picker.y_columns[i]));
    picker.points.y[i].push_back(y && std::isfinite(*y) ? *y : k_nan);
  }
}

void count_confusion(ColumnPicker& picker) {
  std::set<std::string> classes(picker.actual.begin(), picker.actual.end());
  classes.insert(picker.predicted.begin(), picker.predicted.end());
  PlotPoints& points = picker.points;
  points.classes.assign(classes.begin(), classes.end());
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < points.classes.size(); ++i) {
    index[points.classes[i]] = i;
  }
  points.counts.assign(points.classes.size(), std::vector<int64_t>(points.classes.size(), 0));
  for (size_t i = 0; i < picker.actual.size(); ++i) {
    ++points.counts[index[picker.actual[i]]][index[picker.predicted[i]]];
  }
  if (points.classes.size() > 100) {
    points.error = fmt::format("{} classes; a confusion matrix is drawn for at most 100",
                               points.classes.size());
  }
}

// After the last row: the x axis falls back to row numbers, and what was skipped is noted.
void finish(ColumnPicker& picker) {
  PlotPoints& points = picker.points;
  if (picker.short_rows > 0) {
    points.notes.push_back(
        fmt::format("{} rows have fewer fields than the header; their missing "
                    "values are skipped",
                    picker.short_rows));
  }
  if (picker.confusion()) {
    count_confusion(picker);
    if (picker.actual.empty()) {
      points.error = "no rows";
    }
    return;
  }
  if (points.x.empty()) {
    points.error = "no rows";
    return;
  }
  if (!picker.x_numeric) {
    points.notes.push_back(
        fmt::format("'{}' is not numeric in every row; x is the row number", points.x_field));
    for (size_t i = 0; i < points.x.size(); ++i) {
      points.x[i] = static_cast<double>(i);
    }
    points.x_field.clear();
  }
  size_t drawable = 0;
  for (size_t s = 0; s < points.y.size(); ++s) {
    size_t skipped = 0;
    for (size_t i = 0; i < points.y[s].size(); ++i) {
      bool finite = std::isfinite(points.y[s][i]) && std::isfinite(points.x[i]);
      skipped += finite ? 0 : 1;
      drawable += finite ? 1 : 0;
    }
    if (skipped > 0) {
      points.notes.push_back(
          fmt::format("'{}': {} values are missing, not numbers, or not finite "
                      "(NaN, inf); they are skipped",
                      points.y_fields[s], skipped));
    }
  }
  if (drawable == 0) {
    points.error = "no point has finite numbers for x and y";
  }
}

PlotPoints read_table(std::string_view text, char separator, const PlotOptions& options) {
  PlotPoints points;
  ColumnPicker picker(options, points);
  bool started = false, failed = false;
  std::vector<std::string> pending_header;
  std::string error = split_table(text, separator, [&](const std::vector<std::string>& row) {
    if (failed) {
      return;
    }
    if (pending_header.empty() && !started) {
      pending_header = row;
      pending_header.back() = std::string(trim(pending_header.back()));
      return;
    }
    if (!started) {
      picker.header = pending_header;
      started = true;
      if (!choose_columns(picker, row)) {
        failed = true;
        return;
      }
    }
    add_row(picker, row);
  });
  if (!error.empty()) {
    points = PlotPoints{};
    points.error = error;
  } else if (!failed) {
    finish(picker);
  }
  return points;
}

const nlohmann::ordered_json* find_rows(const nlohmann::ordered_json& document) {
  auto is_rows = [](const nlohmann::ordered_json& value) {
    return value.is_array() && !value.empty() &&
           std::all_of(value.begin(), value.end(), [](const auto& row) { return row.is_object(); });
  };
  if (is_rows(document)) {
    return &document;
  }
  if (document.is_object()) {
    for (const auto& [key, value] : document.items()) {
      if (is_rows(value)) {
        return &value;
      }
    }
  }
  return nullptr;
}

std::string cell_text(const nlohmann::ordered_json& value) {
  if (value.is_string()) {
    return value.get<std::string>();
  }
  if (value.is_number() || value.is_boolean()) {
    return value.dump();
  }
  return "";
}

// JSON: a list of objects, or an object holding one such list (dvc's {"roc": [{...}, ...]}).
// Rows become a table whose header is the union of the objects' keys in first-seen order.
PlotPoints read_json_points(std::string_view text, const PlotOptions& options) {
  PlotPoints points;
  if (text.size() > k_max_json_plot_bytes) {
    points.error = fmt::format("a JSON plots file is drawn up to {} MiB; write larger ones as CSV",
                               k_max_json_plot_bytes >> 20);
    return points;
  }
  auto document = nlohmann::ordered_json::parse(text, nullptr, false);
  if (document.is_discarded()) {
    points.error = "not valid JSON";
    return points;
  }
  const nlohmann::ordered_json* rows = find_rows(document);
  if (rows == nullptr) {
    points.error = "no list of objects (write [{\"x\": 1, \"y\": 2}, ...] or {\"name\": [...]})";
    return points;
  }
  ColumnPicker picker(options, points);
  std::map<std::string, size_t> seen;
  for (const auto& row : *rows) {
    for (const auto& [key, value] : row.items()) {
      if (seen.emplace(key, picker.header.size()).second) {
        picker.header.push_back(key);
      }
    }
  }
  std::vector<std::string> cells(picker.header.size());
  auto to_cells = [&](const nlohmann::ordered_json& row) {
    std::fill(cells.begin(), cells.end(), std::string());
    for (const auto& [key, value] : row.items()) {
      cells[seen[key]] = cell_text(value);
    }
  };
  to_cells((*rows)[0]);
  if (!choose_columns(picker, cells)) {
    return points;
  }
  for (const auto& row : *rows) {
    to_cells(row);
    add_row(picker, cells);
  }
  finish(picker);
  return points;
}

}  // namespace

PlotPoints read_plot_points(std::string_view bytes, const std::string& path,
                            const PlotOptions& options) {
  PlotPoints points;
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    points.error = "the file is empty";
    return points;
  }
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.ends_with(".json")) {
    return read_json_points(bytes, options);
  }
  return read_table(bytes, lower.ends_with(".tsv") ? '\t' : ',', options);
}

}  // namespace mlops
