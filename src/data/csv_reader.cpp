#include "data/csv_reader.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string_view>
#include <unordered_map>

#include <fmt/format.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace mlops {

namespace {

enum class Outcome { Record, Blank, NeedMore, End, TooManyColumns };

// Compared by address: the reader notes that its data ended inside quotes.
constexpr const char* k_unterminated_quote = "unterminated quoted field";

// What one call of Tokenizer::parse found at the start of the window.
struct Parsed {
  Outcome outcome = Outcome::End;
  size_t length = 0;      // bytes of the record (or blank line) with its line end
  uint64_t newlines = 0;  // LFs in those bytes
  const char* problem = nullptr;
  size_t problem_field = 0;
};

uint64_t count_newlines(const char* begin, const char* end) {
  uint64_t count = 0;
  while (begin < end) {
    const void* found = std::memchr(begin, '\n', static_cast<size_t>(end - begin));
    if (found == nullptr) {
      break;
    }
    ++count;
    begin = static_cast<const char*>(found) + 1;
  }
  return count;
}

std::string format_size(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) {
    return fmt::format("{} MiB", bytes >> 20);
  }
  return fmt::format("{} bytes", bytes);
}

std::string printable(char c) {
  if (c == '\t') {
    return "'\\t'";
  }
  if (c == '\n' || c == '\r' || c == '\0') {
    return fmt::format("byte {}", static_cast<int>(static_cast<unsigned char>(c)));
  }
  return fmt::format("'{}'", c);
}

}  // namespace

// Splits the window into records. Every scan relies on ByteInput's '\n' sentinel at the end of
// the window and the padding after it: a scan stops at the sentinel at the latest, and may load
// the 63 bytes after it.
//
// The fast path does not look for the end of each field from its start, which would chain every
// field's scan to the previous one's result (about 15 cycles a field): it finds the delimiters,
// LFs and quotes of 64 bytes at a time in a bit mask (SSE2) and walks the mask's set bits, so the
// work per field is a few independent instructions. A quote that opens a field switches to
// quoted_field (memchr for the closing quote) and the mask starts again after the field.
struct CsvReader::Tokenizer {
  char delimiter;
  char quote;
  bool quoting;
  std::unique_ptr<char[]> scratch;  // unescaped quoted fields of the current record
  size_t scratch_capacity = 0;
  size_t scratch_used = 0;
#if defined(__SSE2__)
  __m128i delimiter_bytes;
  __m128i newline_bytes;
  __m128i quote_bytes;
#endif
  std::array<uint8_t, 256> kinds{};  // 1: delimiter or LF; 2: the quote

  Tokenizer(char delimiter_char, char quote_char)
      : delimiter(delimiter_char), quote(quote_char), quoting(quote_char != '\0') {
#if defined(__SSE2__)
    delimiter_bytes = _mm_set1_epi8(delimiter);
    newline_bytes = _mm_set1_epi8('\n');
    // Without quoting, quotes are not structural: look for the delimiter twice instead.
    quote_bytes = _mm_set1_epi8(quoting ? quote : delimiter);
#endif
    kinds[static_cast<unsigned char>(delimiter)] = 1;
    kinds['\n'] = 1;
    if (quoting) {
      kinds[static_cast<unsigned char>(quote)] = 2;
    }
  }

  // Bit i set when p[i] is the delimiter, LF or (with quoting) the quote, for i in [0, 64).
  uint64_t structural_mask(const char* p) const {
    uint64_t mask = 0;
#if defined(__SSE2__)
    for (int i = 0; i < 4; ++i) {
      __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * i));
      __m128i hits = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, delimiter_bytes),
                                               _mm_cmpeq_epi8(bytes, newline_bytes)),
                                  _mm_cmpeq_epi8(bytes, quote_bytes));
      mask |= static_cast<uint64_t>(static_cast<uint32_t>(_mm_movemask_epi8(hits))) << (16 * i);
    }
#else
    for (int i = 0; i < 64; ++i) {
      mask |= static_cast<uint64_t>(kinds[static_cast<unsigned char>(p[i])] != 0) << i;
    }
#endif
    return mask;
  }

  // The first delimiter or LF at or after `p` (quotes are ordinary bytes here).
  const char* find_stop(const char* p) const {
    while (kinds[static_cast<unsigned char>(*p)] != 1) {
      ++p;
    }
    return p;
  }

  // Appends `bytes` to the scratch buffer, which holds at least `window` bytes (a record's
  // unescaped fields are never longer than the record), so views into it stay valid.
  void append_scratch(std::string_view bytes, size_t window) {
    if (scratch_capacity < window) {
      scratch_capacity = std::max(window, 2 * scratch_capacity);
      scratch = std::make_unique<char[]>(scratch_capacity);
    }
    std::memcpy(scratch.get() + scratch_used, bytes.data(), bytes.size());
    scratch_used += bytes.size();
  }

  // The record's fields are written through a cursor into the record's vector, which keeps its
  // size from record to record and is cut to the field count when a record is complete: one
  // compare per field, where push_back (not inlined here) cost a third of the time.
  std::vector<FieldView>* fields = nullptr;
  FieldView* out = nullptr;
  FieldView* out_end = nullptr;
  size_t width = 0;  // the most fields a record had
  size_t max_columns = 0;

  void start_fields(std::vector<FieldView>& record_fields) {
    fields = &record_fields;
    if (fields->size() < width) {
      fields->resize(width);
    }
    out = fields->data();
    out_end = out + fields->size();
  }
  size_t field_number() const {
    return static_cast<size_t>(out - fields->data()) + 1;
  }
  // Makes room for one more field; false when the record would have more than max_columns.
  bool grow() {
    size_t count = static_cast<size_t>(out - fields->data());
    if (count >= max_columns) {
      return false;
    }
    fields->resize(std::min(max_columns, std::max<size_t>(16, 2 * count)));
    out = fields->data() + count;
    out_end = fields->data() + fields->size();
    return true;
  }
  void finish_fields() {
    size_t count = static_cast<size_t>(out - fields->data());
    fields->resize(count);
    width = std::max(width, count);
  }

  const char* quoted_field(const char* p, const char* begin, const char* end, bool at_end,
                           std::string_view& text, Parsed& parsed);
  const char* after_closing_quote(const char* p, const char* end, bool at_end,
                                  Parsed& parsed) const;
  Parsed parse(const char* begin, const char* end, bool at_end,
               std::vector<FieldView>& record_fields);
  Parsed end_record(const char* begin, const char* end, bool at_end, const char* stop,
                    FieldView last, Parsed& parsed);
};

namespace {

// A blank line (LF, or CRLF) at `begin`, or the end of the window.
Parsed blank_or_end(const char* begin, const char* end, bool at_end) {
  Parsed parsed;
  if (begin == end) {
    parsed.outcome = at_end ? Outcome::End : Outcome::NeedMore;
    return parsed;
  }
  bool lone_cr = *begin == '\r' && begin + 1 == end;  // CR, then the sentinel
  if (lone_cr && !at_end) {
    parsed.outcome = Outcome::NeedMore;
    return parsed;
  }
  parsed.outcome = Outcome::Blank;
  parsed.length = *begin == '\n' || lone_cr ? 1 : 2;
  parsed.newlines = lone_cr ? 0 : 1;
  return parsed;
}

}  // namespace

// `p` is just after the opening quote. Sets `text` to the field's unescaped text and returns
// where the field ends (its delimiter or LF, or the end of the data), or null when the window
// ends before the field is known to.
const char* CsvReader::Tokenizer::quoted_field(const char* p, const char* begin, const char* end,
                                               bool at_end, std::string_view& text,
                                               Parsed& parsed) {
  const char* segment = p;
  size_t scratch_start = scratch_used;
  bool copied = false;
  for (;;) {
    const char* q = static_cast<const char*>(std::memchr(p, quote, static_cast<size_t>(end - p)));
    if (q == nullptr) {
      if (!at_end) {
        return nullptr;
      }
      parsed.newlines += count_newlines(p, end);
      text = std::string_view(segment, static_cast<size_t>(end - segment));
      if (parsed.problem == nullptr) {
        parsed.problem = k_unterminated_quote;
        parsed.problem_field = field_number();
      }
      return end;
    }
    parsed.newlines += count_newlines(p, q);
    if (q + 1 == end && !at_end) {
      return nullptr;  // a doubled quote or a closing one: the next block says which
    }
    if (q[1] != quote) {  // the closing quote (at the window's end, q[1] is the sentinel)
      text = std::string_view(segment, static_cast<size_t>(q - segment));
      if (copied) {
        append_scratch(text, static_cast<size_t>(end - begin));
        text = std::string_view(scratch.get() + scratch_start, scratch_used - scratch_start);
      }
      return after_closing_quote(q + 1, end, at_end, parsed);
    }
    append_scratch(std::string_view(segment, static_cast<size_t>(q + 1 - segment)),
                   static_cast<size_t>(end - begin));
    copied = true;
    segment = p = q + 2;
  }
}

// `p` is just after a closing quote: a delimiter, a line end or the end of the data must follow.
// Anything else makes the record malformed; the field then runs on to the next delimiter or LF,
// so the record ends where Python's csv module would end it.
const char* CsvReader::Tokenizer::after_closing_quote(const char* p, const char* end, bool at_end,
                                                      Parsed& parsed) const {
  if (*p == delimiter || *p == '\n') {
    return p;  // at the window's end *p is the sentinel, and the data ends there (at_end)
  }
  if (*p == '\r' && p[1] == '\n') {
    if (p + 1 == end && !at_end) {
      return nullptr;
    }
    return p + 1;
  }
  if (parsed.problem == nullptr) {
    parsed.problem = "text after the closing quote";
    parsed.problem_field = field_number();
  }
  return find_stop(p);
}

// Parses the record (or blank line) at the start of [begin, end) into `record_fields`. NeedMore
// when it may continue past `end` and more data may follow (`at_end` false): the caller fills
// and calls again from the same start.
Parsed CsvReader::Tokenizer::parse(const char* begin, const char* end, bool at_end,
                                   std::vector<FieldView>& record_fields) {
  if (begin == end || *begin == '\n' || (*begin == '\r' && begin[1] == '\n')) {
    return blank_or_end(begin, end, at_end);
  }
  Parsed parsed;
  start_fields(record_fields);
  scratch_used = 0;
  const char* p = begin;  // where the current field starts
  const char* chunk = p;  // bit i of `mask` is chunk[i]
  uint64_t mask = structural_mask(chunk);
  for (;;) {
    while (mask == 0) {
      chunk += 64;
      mask = structural_mask(chunk);
    }
    const char* stop = chunk + __builtin_ctzll(mask);
    mask &= mask - 1;
    std::string_view text;
    bool quoted = *stop == quote && quoting;
    if (!quoted) {
      text = std::string_view(p, static_cast<size_t>(stop - p));
    } else if (stop != p) {
      continue;  // a quote inside an unquoted field is an ordinary byte
    } else if ((stop = quoted_field(p + 1, begin, end, at_end, text, parsed)) == nullptr) {
      parsed.outcome = Outcome::NeedMore;
      return parsed;
    }
    if (out == out_end && !grow()) {
      parsed.outcome = Outcome::TooManyColumns;
      return parsed;
    }
    if (*stop == delimiter) {
      *out++ = FieldView{text, quoted, false};
      p = stop + 1;
      if (quoted) {
        chunk = p;
        mask = structural_mask(chunk);
      }
      continue;
    }
    return end_record(begin, end, at_end, stop, FieldView{text, quoted, false}, parsed);
  }
}

// The last field, `last`, ends at `stop` (an LF, or the end of the window).
Parsed CsvReader::Tokenizer::end_record(const char* begin, const char* end, bool at_end,
                                        const char* stop, FieldView last, Parsed& parsed) {
  if (!last.quoted && !last.text.empty() && last.text.back() == '\r') {
    last.text.remove_suffix(1);  // CRLF (or a CR at the end of the file)
  }
  *out++ = last;
  if (stop == end && !at_end) {
    parsed.outcome = Outcome::NeedMore;
    return parsed;
  }
  finish_fields();
  parsed.outcome = Outcome::Record;
  parsed.length = static_cast<size_t>(stop - begin) + (stop == end ? 0 : 1);
  parsed.newlines += stop == end ? 0 : 1;
  return parsed;
}

CsvReader::CsvReader(ByteInput input, const ReadOptions& options, const CsvLimits& limits)
    : m_input(std::move(input)),
      m_limits(limits),
      m_header(options.header),
      m_tokenizer(std::make_unique<Tokenizer>(options.delimiter == 0 ? ',' : options.delimiter,
                                              options.quote)) {
  m_tokenizer->max_columns = limits.max_columns;
}

CsvReader::~CsvReader() = default;

Result<std::unique_ptr<CsvReader>> CsvReader::open(const std::filesystem::path& path,
                                                   const ReadOptions& options,
                                                   const CsvLimits& limits, uint64_t limit) {
  char delimiter = options.delimiter == 0 ? ',' : options.delimiter;
  for (char c : {delimiter, options.quote}) {
    if (c == '\n' || c == '\r') {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("{}: {} cannot be a delimiter or a quote: it ends lines",
                               path.string(), printable(c)));
    }
  }
  if (delimiter == options.quote) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}: the delimiter and the quote are both {}; choose different ones",
                             path.string(), printable(delimiter)));
  }
  MLOPS_TRY(input, ByteInput::open(path, limits.block_size, limit));
  std::unique_ptr<CsvReader> reader(new CsvReader(std::move(*input), options, limits));
  MLOPS_CHECK(reader->start());
  return reader;
}

Result<std::unique_ptr<CsvReader>> CsvReader::open_part(const std::filesystem::path& path,
                                                        const ReadOptions& options,
                                                        std::vector<std::string> columns,
                                                        uint64_t begin, uint64_t end,
                                                        const CsvLimits& limits) {
  MLOPS_TRY(input, ByteInput::open_part(path, begin, end, limits.block_size));
  std::unique_ptr<CsvReader> reader(new CsvReader(std::move(*input), options, limits));
  reader->m_columns = std::move(columns);
  return reader;
}

Status CsvReader::start() {
  while (m_input.window().size() < 3 && !m_input.at_end()) {
    MLOPS_TRY(more, m_input.fill());
  }
  if (m_input.window().substr(0, 3) == "\xEF\xBB\xBF") {
    m_input.consume(3);
  }
  m_bytes_read = m_input.bytes_read();
  return m_header ? take_header() : take_first_record();
}

Status CsvReader::take_header() {
  const std::string& file = m_input.path().string();
  Record header;
  MLOPS_TRY(raw, read_record(header));
  if (!raw->found) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}: empty file, expected a header row", file));
  }
  if (raw->problem != nullptr) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}:{}: malformed header row: field {}: {}", file, header.line,
                             raw->problem_field, raw->problem));
  }
  std::unordered_map<std::string_view, size_t> seen;
  m_columns.reserve(header.fields.size());
  for (const FieldView& field : header.fields) {
    m_columns.emplace_back(field.text.empty() ? fmt::format("column_{}", m_columns.size() + 1)
                                              : std::string(field.text));
  }
  for (size_t i = 0; i < m_columns.size(); ++i) {
    auto [it, added] = seen.emplace(m_columns[i], i);
    if (!added) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("{}:{}: duplicate column '{}' (columns {} and {}); rename one", file,
                               header.line, m_columns[i], it->second + 1, i + 1));
    }
  }
  return Status::success();
}

// Without a header the first well-formed record fixes the column count and is kept for next().
Status CsvReader::take_first_record() {
  for (;;) {
    MLOPS_TRY(raw, read_record(m_first));
    if (!raw->found) {
      return Status::success();
    }
    if (raw->problem != nullptr) {
      note_malformed(m_first.line, fmt::format("field {}: {}", raw->problem_field, raw->problem));
      continue;
    }
    for (size_t i = 0; i < m_first.fields.size(); ++i) {
      m_columns.push_back(fmt::format("column_{}", i + 1));
    }
    m_has_first = true;
    return Status::success();
  }
}

Result<CsvReader::RawRecord> CsvReader::read_record(Record& record) {
  for (;;) {
    std::string_view window = m_input.window();
    const char* begin = window.data();
    Parsed parsed =
        m_tokenizer->parse(begin, begin + window.size(), m_input.at_end(), record.fields);
    switch (parsed.outcome) {
      case Outcome::Blank:
        m_input.consume(parsed.length);
        m_line += parsed.newlines;
        continue;
      case Outcome::End:
        return RawRecord{};
      case Outcome::TooManyColumns:
        return limit_error(fmt::format("more than {} fields in a record", m_limits.max_columns),
                           "check that the delimiter is right");
      case Outcome::NeedMore: {
        if (window.size() > m_limits.max_record_bytes) {
          return record_too_long();
        }
        MLOPS_TRY(more, m_input.fill());
        m_bytes_read = m_input.bytes_read();
        continue;  // at the end of the data, parse again knowing it
      }
      case Outcome::Record:
        break;
    }
    if (parsed.length > m_limits.max_record_bytes) {
      return record_too_long();
    }
    record.line = m_line;
    m_line += parsed.newlines;
    m_input.consume(parsed.length);
    if (parsed.problem == k_unterminated_quote)
      m_ended_in_quotes = true;
    return RawRecord{true, parsed.problem, parsed.problem_field};
  }
}

Error CsvReader::record_too_long() const {
  return limit_error(fmt::format("a record longer than {}", format_size(m_limits.max_record_bytes)),
                     "a quote left open runs on to the end of the file: check the quoting from "
                     "this line on");
}

Error CsvReader::limit_error(const std::string& what, const char* hint) const {
  return Error(ErrorKind::InvalidSpec, fmt::format("{}:{}: {}, the reader's limit; {}",
                                                   m_input.path().string(), m_line, what, hint));
}

Result<bool> CsvReader::next(Record& record) {
  if (m_has_first) {
    m_has_first = false;
    record.line = m_first.line;
    record.fields.swap(m_first.fields);
    return true;
  }
  for (;;) {
    MLOPS_TRY(raw, read_record(record));
    if (!raw->found) {
      return false;
    }
    if (raw->problem != nullptr) {
      note_malformed(record.line, fmt::format("field {}: {}", raw->problem_field, raw->problem));
    } else if (record.fields.size() != m_columns.size()) {
      note_malformed(record.line,
                     fmt::format("{} field{}, expected {}", record.fields.size(),
                                 record.fields.size() == 1 ? "" : "s", m_columns.size()));
    } else {
      return true;
    }
  }
}

}  // namespace mlops
