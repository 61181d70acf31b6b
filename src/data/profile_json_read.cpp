// parse_profile_json: a profile document back into a DatasetProfile, trusting nothing in it
// (data/profile_json.hpp). Parsed with simdjson (Debian's libsimdjson): a drift between two
// stored profiles of 1000 columns reads about 25 MB of JSON, which nlohmann's DOM took most of a
// second to build; simdjson validates it (UTF-8 included) at over 1 GB/s.
#include <fcntl.h>
#include <simdjson.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <set>

#include "data/byte_codec.hpp"
#include "data/profile_json.hpp"
#include "util/unique_fd.hpp"

#include <fmt/format.h>

namespace mlops {

using simdjson::dom::element;

namespace {

constexpr size_t k_max_columns = 100000;
constexpr uint64_t k_max_profile_bytes = uint64_t{1} << 30;
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

  std::optional<element> get(element object, const char* key, const std::string& where) {
    simdjson::dom::object members;
    if (object.get_object().get(members) != simdjson::SUCCESS) {
      fail(where, "expected an object");
      return std::nullopt;
    }
    element value;
    if (members.at_key(key).get(value) != simdjson::SUCCESS) {
      fail(join(where, key), "missing");
      return std::nullopt;
    }
    return value;
  }

  bool u64(element object, const char* key, const std::string& where, uint64_t& out) {
    std::optional<element> value = get(object, key, where);
    if (!value)
      return false;
    // Whole numbers only: 3.0 is not one, as nlohmann's is_number_unsigned decided before.
    if (!(value->is_int64() || value->is_uint64()) || value->get_uint64().get(out))
      return fail(join(where, key), "expected a whole number >= 0");
    return true;
  }

  bool f64(element object, const char* key, const std::string& where, double& out) {
    std::optional<element> value = get(object, key, where);
    if (!value)
      return false;
    if (value->get_double().get(out) != simdjson::SUCCESS)
      return fail(join(where, key), "expected a number");
    return true;
  }

  bool text_view(element object, const char* key, const std::string& where, std::string_view& out) {
    std::optional<element> value = get(object, key, where);
    if (!value)
      return false;
    if (value->get_string().get(out) != simdjson::SUCCESS)
      return fail(join(where, key), "expected a string");
    return true;
  }

  bool text(element object, const char* key, const std::string& where, std::string& out) {
    std::string_view view;
    if (!text_view(object, key, where, view))
      return false;
    out.assign(view);
    return true;
  }

  bool boolean(element object, const char* key, const std::string& where, bool& out) {
    std::optional<element> value = get(object, key, where);
    if (!value)
      return false;
    if (value->get_bool().get(out) != simdjson::SUCCESS)
      return fail(join(where, key), "expected true or false");
    return true;
  }

  template <class Sketch>
  bool sketch(element object, const char* key, const std::string& where, Sketch& out) {
    std::string_view encoded;
    if (!text_view(object, key, where, encoded))
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

  bool skip_distinct = false;  // ProfileParts::WithoutDistinct

  static std::string join(const std::string& where, const char* key) {
    return where.empty() ? key : where + "." + key;
  }

 private:
  std::string m_problem;
};

bool read_options(FieldReader& r, element doc, ProfileOptions& o) {
  std::optional<element> options = r.get(doc, "options", "");
  if (!options)
    return false;
  std::optional<element> nulls = r.get(*options, "null_values", "options");
  if (!nulls)
    return false;
  simdjson::dom::array list;
  if (nulls->get_array().get(list) != simdjson::SUCCESS || list.size() > 1000) {
    return r.fail("options.null_values", "expected a list of at most 1000 strings");
  }
  o.null_values.clear();
  for (element token : list) {
    std::string_view value;
    if (token.get_string().get(value) != simdjson::SUCCESS)
      return r.fail("options.null_values", "expected strings");
    o.null_values.emplace_back(value);
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

bool read_counts(FieldReader& r, element col, const std::string& where, ColumnProfile& c) {
  if (!r.u64(col, "count", where, c.count) || !r.u64(col, "nulls", where, c.nulls) ||
      !r.u64(col, "zeros", where, c.zeros) || !r.u64(col, "nan", where, c.nan) ||
      !r.u64(col, "infinities", where, c.infinities)) {
    return false;
  }
  std::optional<element> types = r.get(col, "types", where);
  if (!types)
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
  element numeric;
  if (col["numeric"].get(numeric) == simdjson::SUCCESS &&
      !r.u64(numeric, "negatives", where + ".numeric", c.negatives)) {
    return false;
  }
  return true;
}

bool read_moments(FieldReader& r, element sketches, const std::string& where, Moments& m) {
  std::optional<element> moments = r.get(sketches, "moments", where);
  if (!moments)
    return false;
  std::string at = where + ".moments";
  return r.u64(*moments, "count", at, m.count) && r.f64(*moments, "sum", at, m.sum) &&
         r.f64(*moments, "min", at, m.min) && r.f64(*moments, "max", at, m.max) &&
         r.f64(*moments, "mean", at, m.mean) && r.f64(*moments, "m2", at, m.m2) &&
         r.f64(*moments, "m3", at, m.m3) && r.f64(*moments, "m4", at, m.m4);
}

bool read_sketches(FieldReader& r, element col, const std::string& where, ColumnProfile& c) {
  std::optional<element> sketches = r.get(col, "sketches", where);
  if (!sketches)
    return false;
  std::string at = where + ".sketches";
  std::string_view unread;
  bool distinct = r.skip_distinct ? r.text_view(*sketches, "hll", at, unread)
                                  : r.sketch(*sketches, "hll", at, c.distinct);
  if (!distinct || !r.sketch(*sketches, "kll", at, c.quantiles) ||
      !r.sketch(*sketches, "top", at, c.top) || !read_moments(r, *sketches, at, c.moments)) {
    return false;
  }
  std::optional<element> length = r.get(*sketches, "length", at);
  if (!length)
    return false;
  at += ".length";
  return r.u64(*length, "count", at, c.length_count) && r.u64(*length, "min", at, c.length_min) &&
         r.u64(*length, "max", at, c.length_max) && r.u64(*length, "sum", at, c.length_sum);
}

bool read_values(FieldReader& r, element col, const std::string& where, ColumnProfile& c,
                 uint32_t limit) {
  if (!r.boolean(col, "values_complete", where, c.exact_complete))
    return false;
  if (!c.exact_complete)
    return true;
  std::optional<element> values = r.get(col, "values", where);
  if (!values)
    return false;
  simdjson::dom::object members;
  if (values->get_object().get(members) != simdjson::SUCCESS || members.size() > limit) {
    return r.fail(where + ".values", "expected an object of at most exact_values_limit values");
  }
  uint64_t total = 0;
  for (simdjson::dom::key_value_pair member : members) {
    uint64_t count = 0;
    if (!(member.value.is_int64() || member.value.is_uint64()) ||
        member.value.get_uint64().get(count) != simdjson::SUCCESS) {
      return r.fail(where + ".values", "expected counts");
    }
    c.exact_values.emplace(member.key, count);
    total += count;
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

bool read_column(FieldReader& r, element col, size_t index, const DatasetProfile& profile,
                 ColumnProfile& c) {
  std::string where = "columns[" + std::to_string(index) + "]";
  return r.text(col, "name", where, c.name) && read_counts(r, col, where, c) &&
         read_sketches(r, col, where, c) &&
         read_values(r, col, where, c, profile.options.exact_values_limit) &&
         check_column(r, c, where, profile.rows, profile.options);
}

bool read_malformed(FieldReader& r, element doc, DatasetProfile& p) {
  if (!r.u64(doc, "malformed_rows", "", p.malformed_rows))
    return false;
  std::optional<element> sample = r.get(doc, "malformed_sample", "");
  if (!sample)
    return false;
  simdjson::dom::array rows;
  if (sample->get_array().get(rows) != simdjson::SUCCESS ||
      rows.size() > RecordSource::k_malformed_sample) {
    return r.fail("malformed_sample", "expected a list of at most 20 rows");
  }
  for (element row : rows) {
    MalformedRow m;
    if (!r.u64(row, "line", "malformed_sample", m.line) ||
        !r.text(row, "reason", "malformed_sample", m.reason)) {
      return false;
    }
    p.malformed_sample.push_back(std::move(m));
  }
  return true;
}

bool read_document(FieldReader& r, element doc, DatasetProfile& p) {
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
  std::optional<element> sketches = r.get(doc, "sketches", "");
  if (!sketches || !r.sketch(*sketches, "distinct_rows", "sketches", p.distinct_rows)) {
    return false;
  }
  std::optional<element> columns = r.get(doc, "columns", "");
  if (!columns)
    return false;
  simdjson::dom::array list;
  if (columns->get_array().get(list) != simdjson::SUCCESS || list.size() > k_max_columns) {
    return r.fail("columns", "expected a list of at most 100000 columns");
  }
  std::set<std::string> names;
  size_t i = 0;
  for (element entry : list) {
    ColumnProfile column("", p.options);
    if (!read_column(r, entry, i, p, column))
      return false;
    if (!names.insert(column.name).second) {
      return r.fail("columns[" + std::to_string(i) + "].name", "'" + column.name + "' repeats");
    }
    p.columns.push_back(std::move(column));
    ++i;
  }
  return true;
}

}  // namespace

namespace {

// One parser per thread, kept between documents: a drift reads two profiles, and a second
// parse into the buffers of the first saves allocating (and faulting in) them again.
simdjson::dom::parser& thread_parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

// Anonymous memory with every page mapped up front (MAP_POPULATE), zero-filled.
struct MappedBuffer {
  explicit MappedBuffer(size_t bytes) : size(bytes) {
    void* p = ::mmap(nullptr, size, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    data = p == MAP_FAILED ? nullptr : static_cast<char*>(p);
  }
  ~MappedBuffer() {
    if (data)
      ::munmap(data, size);
  }
  MappedBuffer(const MappedBuffer&) = delete;
  MappedBuffer& operator=(const MappedBuffer&) = delete;
  char* data = nullptr;
  size_t size;
};

Result<DatasetProfile> read_parsed(simdjson::simdjson_result<element> parsed,
                                   std::string_view origin, ProfileParts parts) {
  element doc;
  if (parsed.get(doc) != simdjson::SUCCESS) {
    return Error(ErrorKind::Corrupt, std::string(origin) + ": not a JSON document");
  }
  DatasetProfile profile;
  FieldReader reader;
  reader.skip_distinct = parts == ProfileParts::WithoutDistinct;
  if (!read_document(reader, doc, profile)) {
    return Error(ErrorKind::Corrupt,
                 std::string(origin) + ": not a usable profile (" + reader.problem() + ")");
  }
  return profile;
}

}  // namespace

Result<DatasetProfile> parse_profile_json(std::string_view text, std::string_view origin) {
  // parse() copies the text into a padded buffer (simdjson reads up to 64 bytes past the end).
  return read_parsed(thread_parser().parse(text.data(), text.size()), origin, ProfileParts::All);
}

Result<DatasetProfile> read_profile_json(const std::filesystem::path& path, std::string_view origin,
                                         ProfileParts parts) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!fd.valid() || ::fstat(fd.get(), &info) != 0) {
    int err = errno;
    return Error(err == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
                 fmt::format("cannot read {}: {}", path.string(), std::strerror(err)));
  }
  if (!S_ISREG(info.st_mode) || static_cast<uint64_t>(info.st_size) > k_max_profile_bytes) {
    return Error(ErrorKind::Io,
                 fmt::format("{} is not a regular file of at most 1 GiB", path.string()));
  }
  // The buffer is mapped with its pages populated at once: on this project's VMs a page fault
  // costs tens of microseconds, and faulting in 12 MB a page at a time took longer than parsing.
  size_t size = static_cast<size_t>(info.st_size);
  MappedBuffer text(size + simdjson::SIMDJSON_PADDING);
  if (!text.data) {
    return Error(ErrorKind::Io, fmt::format("cannot read {}: out of memory", path.string()));
  }
  size_t used = 0;
  while (used < size) {
    ssize_t n = ::read(fd.get(), text.data + used, size - used);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot read {}: {}", path.string(),
                               n == 0 ? "it shrank while read" : std::strerror(errno)));
    }
    used += static_cast<size_t>(n);
  }
  // The padding past `size` is zeros, as simdjson requires.
  return read_parsed(thread_parser().parse(text.data, size, false), origin, parts);
}

}  // namespace mlops
