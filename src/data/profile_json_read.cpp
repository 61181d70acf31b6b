// parse_profile_json: a profile document back into a DatasetProfile, trusting nothing in it
// (data/profile_json.hpp).
#include <nlohmann/json.hpp>
#include <set>

#include "data/byte_codec.hpp"
#include "data/profile_json.hpp"

namespace mlops {

using nlohmann::json;

namespace {

constexpr size_t k_max_columns = 100000;
constexpr uint32_t k_max_exact_values_limit = 100000;

// Field access that remembers the first problem with the name of the field it was in.
class FieldReader {
 public:
  bool failed() const { return !m_problem.empty(); }
  const std::string& problem() const { return m_problem; }

  bool fail(const std::string& where, const std::string& what) {
    if (m_problem.empty())
      m_problem = where + ": " + what;
    return false;
  }

  const json* get(const json& object, const char* key, const std::string& where) {
    if (!object.is_object()) {
      fail(where, "expected an object");
      return nullptr;
    }
    auto it = object.find(key);
    if (it == object.end()) {
      fail(join(where, key), "missing");
      return nullptr;
    }
    return &*it;
  }

  bool u64(const json& object, const char* key, const std::string& where, uint64_t& out) {
    const json* value = get(object, key, where);
    if (value == nullptr)
      return false;
    if (!value->is_number_unsigned())
      return fail(join(where, key), "expected a whole number >= 0");
    out = value->get<uint64_t>();
    return true;
  }

  bool f64(const json& object, const char* key, const std::string& where, double& out) {
    const json* value = get(object, key, where);
    if (value == nullptr)
      return false;
    if (!value->is_number())
      return fail(join(where, key), "expected a number");
    out = value->get<double>();
    return true;
  }

  bool text(const json& object, const char* key, const std::string& where, std::string& out) {
    const json* value = get(object, key, where);
    if (value == nullptr)
      return false;
    if (!value->is_string())
      return fail(join(where, key), "expected a string");
    out = value->get<std::string>();
    return true;
  }

  bool boolean(const json& object, const char* key, const std::string& where, bool& out) {
    const json* value = get(object, key, where);
    if (value == nullptr)
      return false;
    if (!value->is_boolean())
      return fail(join(where, key), "expected true or false");
    out = value->get<bool>();
    return true;
  }

  template <class Sketch>
  bool sketch(const json& object, const char* key, const std::string& where, Sketch& out) {
    std::string encoded;
    if (!text(object, key, where, encoded))
      return false;
    std::optional<std::string> bytes = base64_decode(encoded);
    if (!bytes)
      return fail(join(where, key), "not base64");
    Result<Sketch> decoded = Sketch::deserialize(*bytes);
    if (!decoded.ok())
      return fail(join(where, key), decoded.error().message());
    out = std::move(decoded).value();
    return true;
  }

  static std::string join(const std::string& where, const char* key) {
    return where.empty() ? key : where + "." + key;
  }

 private:
  std::string m_problem;
};

bool read_options(FieldReader& r, const json& doc, ProfileOptions& o) {
  const json* options = r.get(doc, "options", "");
  if (options == nullptr)
    return false;
  const json* nulls = r.get(*options, "null_values", "options");
  if (nulls == nullptr)
    return false;
  if (!nulls->is_array() || nulls->size() > 1000) {
    return r.fail("options.null_values", "expected a list of at most 1000 strings");
  }
  o.null_values.clear();
  for (const json& token : *nulls) {
    if (!token.is_string())
      return r.fail("options.null_values", "expected strings");
    o.null_values.push_back(token.get<std::string>());
  }
  uint64_t k = 0, precision = 0, capacity = 0, reported = 0, limit = 0;
  if (!r.u64(*options, "kll_k", "options", k) ||
      !r.u64(*options, "hll_precision", "options", precision) ||
      !r.u64(*options, "top_k_capacity", "options", capacity) ||
      !r.u64(*options, "top_k_reported", "options", reported) ||
      !r.u64(*options, "exact_values_limit", "options", limit) ||
      !r.boolean(*options, "quoted_is_string", "options", o.quoted_is_string)) {
    return false;
  }
  if (k < 8 || k > 65535)
    return r.fail("options.kll_k", "out of range 8..65535");
  if (precision < 4 || precision > 18)
    return r.fail("options.hll_precision", "out of range 4..18");
  if (capacity < 1 || capacity > 1000000)
    return r.fail("options.top_k_capacity", "out of range");
  if (reported > capacity)
    return r.fail("options.top_k_reported", "more than top_k_capacity");
  if (limit > k_max_exact_values_limit)
    return r.fail("options.exact_values_limit", "too large");
  o.kll_k = static_cast<uint16_t>(k);
  o.hll_precision = static_cast<uint8_t>(precision);
  o.top_k_capacity = static_cast<uint32_t>(capacity);
  o.top_k_reported = static_cast<uint32_t>(reported);
  o.exact_values_limit = static_cast<uint32_t>(limit);
  return true;
}

bool read_counts(FieldReader& r, const json& col, const std::string& where, ColumnProfile& c) {
  if (!r.u64(col, "count", where, c.count) || !r.u64(col, "nulls", where, c.nulls) ||
      !r.u64(col, "zeros", where, c.zeros) || !r.u64(col, "nan", where, c.nan) ||
      !r.u64(col, "infinities", where, c.infinities)) {
    return false;
  }
  const json* types = r.get(col, "types", where);
  if (types == nullptr)
    return false;
  uint64_t total = 0;
  for (int t = 0; t < k_value_type_count; ++t) {
    if (!r.u64(*types, value_type_name(static_cast<ValueType>(t)), where + ".types",
               c.type_counts[t])) {
      return false;
    }
    total += c.type_counts[t];
  }
  if (total != c.count)
    return r.fail(where + ".types", "do not add up to count");
  const json* numeric = col.find("numeric") != col.end() ? &col["numeric"] : nullptr;
  if (numeric != nullptr && !r.u64(*numeric, "negatives", where + ".numeric", c.negatives)) {
    return false;
  }
  return true;
}

bool read_moments(FieldReader& r, const json& sketches, const std::string& where, Moments& m) {
  const json* moments = r.get(sketches, "moments", where);
  if (moments == nullptr)
    return false;
  std::string at = where + ".moments";
  return r.u64(*moments, "count", at, m.count) && r.f64(*moments, "sum", at, m.sum) &&
         r.f64(*moments, "min", at, m.min) && r.f64(*moments, "max", at, m.max) &&
         r.f64(*moments, "mean", at, m.mean) && r.f64(*moments, "m2", at, m.m2) &&
         r.f64(*moments, "m3", at, m.m3) && r.f64(*moments, "m4", at, m.m4);
}

bool read_sketches(FieldReader& r, const json& col, const std::string& where, ColumnProfile& c) {
  const json* sketches = r.get(col, "sketches", where);
  if (sketches == nullptr)
    return false;
  std::string at = where + ".sketches";
  if (!r.sketch(*sketches, "hll", at, c.distinct) || !r.sketch(*sketches, "kll", at, c.quantiles) ||
      !r.sketch(*sketches, "top", at, c.top) || !read_moments(r, *sketches, at, c.moments)) {
    return false;
  }
  const json* length = r.get(*sketches, "length", at);
  if (length == nullptr)
    return false;
  at += ".length";
  return r.u64(*length, "count", at, c.length_count) && r.u64(*length, "min", at, c.length_min) &&
         r.u64(*length, "max", at, c.length_max) && r.u64(*length, "sum", at, c.length_sum);
}

bool read_values(FieldReader& r, const json& col, const std::string& where, ColumnProfile& c,
                 uint32_t limit) {
  if (!r.boolean(col, "values_complete", where, c.exact_complete))
    return false;
  if (!c.exact_complete)
    return true;
  const json* values = r.get(col, "values", where);
  if (values == nullptr)
    return false;
  if (!values->is_object() || values->size() > limit) {
    return r.fail(where + ".values", "expected an object of at most exact_values_limit values");
  }
  uint64_t total = 0;
  for (const auto& [value, count] : values->items()) {
    if (!count.is_number_unsigned())
      return r.fail(where + ".values", "expected counts");
    c.exact_values.emplace(value, count.get<uint64_t>());
    total += count.get<uint64_t>();
  }
  if (total != c.count)
    return r.fail(where + ".values", "do not add up to count");
  return true;
}

// The sketches must agree with the counts, or a merge or a drift would compute nonsense.
bool check_column(FieldReader& r, const ColumnProfile& c, const std::string& where, uint64_t rows,
                  const ProfileOptions& o) {
  if (c.count + c.nulls != rows)
    return r.fail(where, "count + nulls is not the row count");
  if (c.distinct.precision() != o.hll_precision)
    return r.fail(where, "HLL precision differs");
  if (c.quantiles.count() + c.nan != c.numeric_count()) {
    return r.fail(where, "the KLL sketch does not hold the column's numbers");
  }
  if (c.moments.count + c.infinities + c.nan != c.numeric_count()) {
    return r.fail(where, "the moments do not hold the column's finite numbers");
  }
  if (c.length_count + c.numeric_count() != c.count) {
    return r.fail(where, "the length counts do not match the non-numeric values");
  }
  return true;
}

bool read_column(FieldReader& r, const json& col, size_t index, const DatasetProfile& profile,
                 ColumnProfile& c) {
  std::string where = "columns[" + std::to_string(index) + "]";
  return r.text(col, "name", where, c.name) && read_counts(r, col, where, c) &&
         read_sketches(r, col, where, c) &&
         read_values(r, col, where, c, profile.options.exact_values_limit) &&
         check_column(r, c, where, profile.rows, profile.options);
}

bool read_malformed(FieldReader& r, const json& doc, DatasetProfile& p) {
  if (!r.u64(doc, "malformed_rows", "", p.malformed_rows))
    return false;
  const json* sample = r.get(doc, "malformed_sample", "");
  if (sample == nullptr)
    return false;
  if (!sample->is_array() || sample->size() > RecordSource::k_malformed_sample) {
    return r.fail("malformed_sample", "expected a list of at most 20 rows");
  }
  for (const json& row : *sample) {
    MalformedRow m;
    if (!r.u64(row, "line", "malformed_sample", m.line) ||
        !r.text(row, "reason", "malformed_sample", m.reason)) {
      return false;
    }
    p.malformed_sample.push_back(std::move(m));
  }
  return true;
}

bool read_document(FieldReader& r, const json& doc, DatasetProfile& p) {
  std::string schema;
  if (!r.text(doc, "schema", "", schema))
    return false;
  if (schema != k_profile_schema_id) {
    return r.fail("schema", "'" + schema + "' is not " + std::string(k_profile_schema_id));
  }
  if (!r.text(doc, "source", "", p.source) || !r.text(doc, "format", "", p.format) ||
      !r.u64(doc, "bytes", "", p.bytes) || !r.u64(doc, "rows", "", p.rows) ||
      !read_malformed(r, doc, p) || !read_options(r, doc, p.options)) {
    return false;
  }
  const json* sketches = r.get(doc, "sketches", "");
  if (sketches == nullptr || !r.sketch(*sketches, "distinct_rows", "sketches", p.distinct_rows)) {
    return false;
  }
  const json* columns = r.get(doc, "columns", "");
  if (columns == nullptr)
    return false;
  if (!columns->is_array() || columns->size() > k_max_columns) {
    return r.fail("columns", "expected a list of at most 100000 columns");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < columns->size(); ++i) {
    ColumnProfile column("", p.options);
    if (!read_column(r, (*columns)[i], i, p, column))
      return false;
    if (!names.insert(column.name).second) {
      return r.fail("columns[" + std::to_string(i) + "].name", "'" + column.name + "' repeats");
    }
    p.columns.push_back(std::move(column));
  }
  return true;
}

}  // namespace

Result<DatasetProfile> parse_profile_json(std::string_view text, std::string_view origin) {
  json doc = json::parse(text, nullptr, false);
  if (doc.is_discarded()) {
    return Error(ErrorKind::Corrupt, std::string(origin) + ": not a JSON document");
  }
  DatasetProfile profile;
  FieldReader reader;
  if (!read_document(reader, doc, profile)) {
    return Error(ErrorKind::Corrupt,
                 std::string(origin) + ": not a usable profile (" + reader.problem() + ")");
  }
  return profile;
}

}  // namespace mlops
