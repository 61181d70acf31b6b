#include "data/profile.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <unordered_map>
#include <utility>

#include "data/parallel_profile.hpp"
#include "hash/digest.hpp"

namespace mlops {

ColumnProfile::ColumnProfile(std::string column_name, const ProfileOptions& options)
    : name(std::move(column_name)),
      distinct(options.hll_precision),
      quantiles(options.kll_k),
      top(options.top_k_capacity) {}

uint64_t ColumnProfile::numeric_count() const {
  return type_counts[static_cast<int>(ValueType::Int)] +
         type_counts[static_cast<int>(ValueType::Float)];
}

std::string ColumnProfile::inferred_type() const {
  if (count == 0)
    return "null";
  auto share = [&](uint64_t n) {
    return static_cast<double>(n) >= 0.99 * static_cast<double>(count);
  };
  auto of = [&](ValueType type) { return type_counts[static_cast<int>(type)]; };
  if (share(numeric_count()))
    return of(ValueType::Float) > 0 ? "float" : "int";
  if (share(of(ValueType::Bool)))
    return "bool";
  if (share(of(ValueType::Date) + of(ValueType::DateTime))) {
    return of(ValueType::DateTime) > 0 ? "datetime" : "date";
  }
  return "string";
}

bool ColumnProfile::is_numeric() const {
  std::string type = inferred_type();
  return type == "int" || type == "float";
}

double ColumnProfile::null_fraction(uint64_t rows) const {
  return rows == 0 ? 0.0 : static_cast<double>(nulls) / static_cast<double>(rows);
}

const ColumnProfile* DatasetProfile::column(std::string_view name) const {
  for (const ColumnProfile& c : columns) {
    if (c.name == name)
      return &c;
  }
  return nullptr;
}

uint64_t DatasetProfile::duplicate_rows_estimate() const {
  double distinct = std::min(distinct_rows.estimate(), static_cast<double>(rows));
  return rows - static_cast<uint64_t>(std::llround(distinct));
}

namespace {

constexpr uint64_t k_null_hash = 0x6e756c6c6e756c6cULL;  // what a null contributes to a row hash

struct ExactEntry {
  std::string value;
  uint64_t count = 0;
  bool text = false;  // counted as a string, bool or date (what the SpaceSaving summary holds)
};

struct ColumnState {
  ColumnProfile profile;
  // Keyed by the value's hash64; the value is compared too, and a collision (or more distinct
  // values than the limit) ends exact counting for the column.
  std::unordered_map<uint64_t, ExactEntry> exact;

  ColumnState(std::string name, const ProfileOptions& options)
      : profile(std::move(name), options) {}
};

uint64_t code_points(std::string_view text) {
  uint64_t n = 0;
  for (char c : text)
    n += (static_cast<unsigned char>(c) & 0xc0) != 0x80;
  return n;
}

}  // namespace

struct Profiler::State {
  ProfileOptions options;
  size_t longest_null_token = 0;
  std::vector<ColumnState> columns;
  HyperLogLog distinct_rows;
  uint64_t rows = 0;

  explicit State(ProfileOptions o) : options(std::move(o)), distinct_rows(options.hll_precision) {
    for (const std::string& token : options.null_values) {
      longest_null_token = std::max(longest_null_token, token.size());
    }
  }

  bool is_null_token(std::string_view text) const {
    if (text.size() > longest_null_token)
      return false;
    for (const std::string& token : options.null_values) {
      if (text == token)
        return true;
    }
    return false;
  }

  void add_number(ColumnProfile& c, double value) {
    if (std::isnan(value)) {
      ++c.nan;
      return;
    }
    c.quantiles.update(value);
    if (std::isinf(value)) {
      ++c.infinities;
      return;
    }
    c.moments.add(value);
    c.zeros += value == 0;
    c.negatives += value < 0;
  }

  void add_text(ColumnProfile& c, std::string_view text) {
    uint64_t length = code_points(text);
    if (c.length_count == 0 || length < c.length_min)
      c.length_min = length;
    if (length > c.length_max)
      c.length_max = length;
    c.length_sum += length;
    ++c.length_count;
    // While the exact counts are kept they say everything the summary would; it is filled from
    // them when they are dropped (or at the end), which saves its cost on every column with few
    // distinct values.
    if (!c.exact_complete)
      c.top.add(text);
  }

  // The SpaceSaving summary fed with every text value the exact counts hold.
  static void fill_top(ColumnState& state) {
    for (const auto& [hash, entry] : state.exact) {
      if (entry.text)
        state.profile.top.add(entry.value, entry.count);
    }
  }

  void add_exact(ColumnState& state, uint64_t hash, std::string_view text, bool is_text) {
    ColumnProfile& c = state.profile;
    if (!c.exact_complete)
      return;
    auto it = state.exact.find(hash);
    if (it != state.exact.end()) {
      if (it->second.value == text) {
        ++it->second.count;
        return;
      }
    } else if (state.exact.size() < options.exact_values_limit) {
      state.exact.emplace(hash, ExactEntry{std::string(text), 1, is_text});
      return;
    }
    // Too many distinct values, or a hash collision: from here on the summary counts. This
    // value was not counted anywhere yet.
    fill_top(state);
    if (is_text)
      c.top.add(text);
    c.exact_complete = false;
    state.exact.clear();
  }

  uint64_t add_field(ColumnState& state, const FieldView& field) {
    ColumnProfile& c = state.profile;
    if (field.missing || is_null_token(field.text)) {
      ++c.nulls;
      return k_null_hash;
    }
    ++c.count;
    uint64_t hash = hash64(field.text);
    c.distinct.add_hash(hash);
    TypedValue typed =
        (options.quoted_is_string && field.quoted) ? TypedValue{} : classify_value(field.text);
    ++c.type_counts[static_cast<int>(typed.type)];
    bool is_text = typed.type != ValueType::Int && typed.type != ValueType::Float;
    if (is_text) {
      add_text(c, field.text);
    } else {
      add_number(c, typed.number);
    }
    add_exact(state, hash, field.text, is_text);
    return hash;
  }

  void grow(const std::vector<std::string>& names) {
    while (columns.size() < names.size()) {
      columns.emplace_back(names[columns.size()], options);
      columns.back().profile.nulls = rows;  // missing from every record before this one
    }
  }
};

Profiler::Profiler(ProfileOptions options) : m_state(std::make_unique<State>(std::move(options))) {}

Profiler::~Profiler() = default;

void Profiler::add(const Record& record, const std::vector<std::string>& columns) {
  State& s = *m_state;
  if (columns.size() > s.columns.size())
    s.grow(columns);
  uint64_t row_hash = 0x9e3779b97f4a7c15ULL;
  size_t present = std::min(record.fields.size(), s.columns.size());
  for (size_t i = 0; i < present; ++i) {
    uint64_t h = s.add_field(s.columns[i], record.fields[i]);
    row_hash = (row_hash ^ h) * 0xff51afd7ed558ccdULL + i;
  }
  for (size_t i = present; i < s.columns.size(); ++i) {
    ++s.columns[i].profile.nulls;  // JSON Lines: a key this record does not have
    row_hash = (row_hash ^ k_null_hash) * 0xff51afd7ed558ccdULL + i;
  }
  s.distinct_rows.add_hash(row_hash ^ (row_hash >> 29));
  ++s.rows;
}

DatasetProfile Profiler::finish(const RecordSource& source, std::string source_name,
                                std::string format) {
  State& s = *m_state;
  s.grow(source.columns());
  DatasetProfile profile{.source = std::move(source_name),
                         .format = std::move(format),
                         .bytes = source.bytes_read(),
                         .rows = s.rows,
                         .malformed_rows = source.malformed_count(),
                         .malformed_sample = source.malformed_sample(),
                         .distinct_rows = s.distinct_rows,
                         .options = s.options,
                         .columns = {}};
  profile.columns.reserve(s.columns.size());
  for (ColumnState& state : s.columns) {
    if (state.profile.exact_complete) {
      State::fill_top(state);
      for (auto& [hash, entry] : state.exact) {
        state.profile.exact_values.emplace(std::move(entry.value), entry.count);
      }
    }
    state.exact.clear();
    profile.columns.push_back(std::move(state.profile));
  }
  s.columns.clear();
  return profile;
}

Result<DatasetProfile> profile_file(const std::filesystem::path& path, std::string source_name,
                                    const ReadOptions& read_options, const ProfileOptions& options,
                                    unsigned threads) {
  if (threads > 1) {
    if (std::optional<DatasetProfile> parts =
            profile_in_parts(path, source_name, read_options, options, threads)) {
      return std::move(*parts);
    }
  }
  MLOPS_TRY(source, open_records(path, read_options));
  ProfileOptions effective = options;
  bool jsonl = read_options.format == DataFormat::JsonLines ||
               (read_options.format == DataFormat::Auto && is_json_lines_name(path));
  if (jsonl)
    effective.quoted_is_string = true;
  Profiler profiler(effective);
  Record record;
  while (true) {
    MLOPS_TRY(more, (*source)->next(record));
    if (!more.value())
      break;
    profiler.add(record, (*source)->columns());
  }
  return profiler.finish(**source, std::move(source_name), jsonl ? "jsonl" : "csv");
}

}  // namespace mlops
