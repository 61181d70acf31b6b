#include "data/jsonl_reader.hpp"

#include <cstring>
#include <iterator>
#include <unordered_map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mlops {

namespace {

using json = nlohmann::json;

// Where a column's text is in the parser's arena, for the current line.
struct Span {
  size_t offset = 0;
  size_t size = 0;
  bool quoted = false;
  bool missing = true;
};

// Appends `text` as a JSON string: the escapes nlohmann's dump() writes, UTF-8 left as it is.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<int>(c));
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

std::string format_size(size_t bytes) {
  if (bytes >= (size_t{1} << 20) && bytes % (size_t{1} << 20) == 0) {
    return fmt::format("{} MiB", bytes >> 20);
  }
  return fmt::format("{} bytes", bytes);
}

// The parser's message without its "[json.exception.parse_error.101] " prefix, and with "at
// column N" for "at line 1, column N" (a line is the whole input).
std::string parse_reason(const std::string& what) {
  std::string_view reason = what;
  if (size_t bracket = reason.find("] "); bracket != std::string_view::npos) {
    reason.remove_prefix(bracket + 2);
  }
  constexpr std::string_view k_prefix = "parse error at line 1, ";
  if (reason.substr(0, k_prefix.size()) == k_prefix) {
    return fmt::format("invalid JSON at {}", reason.substr(k_prefix.size()));
  }
  return fmt::format("invalid JSON: {}", reason);
}

}  // namespace

// nlohmann's SAX interface (json::sax_parse): events for one line, written into spans of one
// reused arena. Depth 1 is the line's object; deeper values are written out as compact JSON.
struct JsonlReader::LineParser {
  std::vector<std::string> columns;
  std::unordered_map<std::string, size_t> index;  // column name → position in `columns`
  size_t max_columns = 0;

  std::string arena;
  std::vector<Span> spans;  // one per column
  size_t depth = 0;
  size_t slot = 0;   // the column of the current key of the line's object
  size_t guess = 0;  // the column expected next: lines usually repeat the previous key order
  size_t nested_start = 0;
  struct Container {
    bool array;
    size_t count;
  };
  std::vector<Container> nested;
  std::string problem;         // why the line is not a record
  bool too_many_keys = false;  // an error, not a malformed line

  void start_line() {
    arena.clear();
    spans.assign(columns.size(), Span{});
    depth = 0;
    guess = 0;
    nested.clear();
    problem.clear();
    too_many_keys = false;
  }

  bool not_an_object(const char* type) {
    problem = fmt::format("a JSON {}, not an object", type);
    return false;
  }

  // Before a value inside a nested container: the comma between array elements (an object's
  // comma is written before its key).
  void separate() {
    if (nested.back().array && nested.back().count++ > 0) {
      arena += ',';
    }
  }

  // A scalar value, already in JSON form when nested; `text` for the field otherwise.
  bool scalar(const char* type, std::string_view text, bool quoted) {
    if (depth == 0) {
      return not_an_object(type);
    }
    if (depth == 1) {
      spans[slot] = Span{arena.size(), text.size(), quoted, false};
      arena.append(text);
      return true;
    }
    separate();
    if (quoted) {
      append_json_string(arena, text);
    } else {
      arena.append(text);
    }
    return true;
  }

  bool null() {
    if (depth == 1) {
      spans[slot] = Span{};
      return true;
    }
    return scalar("null", "null", false);
  }
  bool boolean(bool value) { return scalar("boolean", value ? "true" : "false", false); }
  bool number_integer(json::number_integer_t value) {
    return scalar("number", fmt::format_int(value).c_str(), false);
  }
  bool number_unsigned(json::number_unsigned_t value) {
    return scalar("number", fmt::format_int(value).c_str(), false);
  }
  bool number_float(json::number_float_t, const std::string& text) {
    return scalar("number", text, false);
  }
  bool string(std::string& value) { return scalar("string", value, true); }
  bool binary(json::binary_t&) { return not_an_object("binary value"); }

  bool start_container(bool array) {
    if (depth == 0) {
      if (array) {
        return not_an_object("array");
      }
      depth = 1;
      return true;
    }
    if (depth == 1) {
      nested_start = arena.size();
    } else {
      separate();
    }
    arena += array ? '[' : '{';
    nested.push_back(Container{array, 0});
    ++depth;
    return true;
  }
  bool start_object(std::size_t) { return start_container(false); }
  bool start_array(std::size_t) { return start_container(true); }

  bool end_container(bool array) {
    if (--depth == 0) {
      return true;
    }
    arena += array ? ']' : '}';
    nested.pop_back();
    if (depth == 1) {
      spans[slot] = Span{nested_start, arena.size() - nested_start, false, false};
    }
    return true;
  }
  bool end_object() { return end_container(false); }
  bool end_array() { return end_container(true); }

  bool key(std::string& name) {
    if (depth > 1) {
      if (nested.back().count++ > 0) {
        arena += ',';
      }
      append_json_string(arena, name);
      arena += ':';
      return true;
    }
    return take_column(name);
  }

  bool take_column(const std::string& name) {
    if (guess < columns.size() && columns[guess] == name) {
      slot = guess;
    } else if (auto found = index.find(name); found != index.end()) {
      slot = found->second;
    } else if (columns.size() >= max_columns) {
      too_many_keys = true;
      return false;
    } else {
      slot = columns.size();
      columns.push_back(name);
      index.emplace(name, slot);
      spans.emplace_back();
    }
    guess = slot + 1;
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const json::exception& error) {
    problem = parse_reason(error.what());
    return false;
  }

  // Parses `line` into `record`: false with `problem` set when it is not a JSON object.
  bool parse(std::string_view line, Record& record) {
    size_t known = columns.size();
    start_line();
    bool parsed = false;
    try {
      parsed = json::sax_parse(line.data(), line.data() + line.size(), this);
    } catch (const json::exception& error) {
      problem = parse_reason(error.what());
    }
    if (!parsed) {
      for (size_t i = known; i < columns.size(); ++i) {
        index.erase(columns[i]);
      }
      columns.resize(known);
      return false;
    }
    record.fields.resize(columns.size());
    for (size_t i = 0; i < columns.size(); ++i) {
      const Span& span = spans[i];
      record.fields[i] = FieldView{std::string_view(arena).substr(span.offset, span.size),
                                   span.quoted, span.missing};
    }
    return true;
  }
};

JsonlReader::JsonlReader(ByteInput input, const JsonlLimits& limits)
    : m_input(std::move(input)), m_limits(limits), m_parser(std::make_unique<LineParser>()) {
  m_parser->max_columns = limits.max_columns;
}

JsonlReader::~JsonlReader() = default;

const std::vector<std::string>& JsonlReader::columns() const {
  return m_parser->columns;
}

Result<std::unique_ptr<JsonlReader>> JsonlReader::open(const std::filesystem::path& path,
                                                       const JsonlLimits& limits) {
  MLOPS_TRY(input, ByteInput::open(path, limits.block_size));
  std::unique_ptr<JsonlReader> reader(new JsonlReader(std::move(*input), limits));
  ByteInput& bytes = reader->m_input;
  while (bytes.window().size() < 3 && !bytes.at_end()) {
    MLOPS_TRY(more, bytes.fill());
  }
  if (bytes.window().substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.consume(3);
  }
  reader->m_bytes_read = bytes.bytes_read();
  return reader;
}

Result<bool> JsonlReader::next_line(std::string_view& line, uint64_t& number) {
  for (;;) {
    std::string_view window = m_input.window();
    const void* found = std::memchr(window.data() + m_scanned, '\n', window.size() - m_scanned);
    size_t length = found != nullptr
                        ? static_cast<size_t>(static_cast<const char*>(found) - window.data())
                        : window.size();
    if (length > m_limits.max_line_bytes) {
      return Error(
          ErrorKind::InvalidSpec,
          fmt::format("{}:{}: a line longer than {}, the reader's limit; is this a "
                      "JSON Lines file?",
                      m_input.path().string(), m_line, format_size(m_limits.max_line_bytes)));
    }
    if (found != nullptr || (m_input.at_end() && !window.empty())) {
      line = window.substr(0, length);
      if (!line.empty() && line.back() == '\r') {
        line.remove_suffix(1);
      }
      m_input.consume(found != nullptr ? length + 1 : length);
      m_scanned = 0;
      number = m_line++;
      return true;
    }
    if (m_input.at_end()) {
      return false;
    }
    m_scanned = window.size();
    MLOPS_TRY(more, m_input.fill());
    m_bytes_read = m_input.bytes_read();
  }
}

Result<bool> JsonlReader::next(Record& record) {
  for (;;) {
    std::string_view line;
    uint64_t number = 0;
    MLOPS_TRY(found, next_line(line, number));
    if (!*found) {
      return false;
    }
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      continue;
    }
    if (m_parser->parse(line, record)) {
      record.line = number;
      return true;
    }
    if (m_parser->too_many_keys) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("{}:{}: more than {} distinct keys in the file, the reader's limit; "
                               "is this a table of records?",
                               m_input.path().string(), number, m_limits.max_columns));
    }
    note_malformed(number, m_parser->problem);
  }
}

}  // namespace mlops
