#include "spec/yaml_tree.hpp"

#include <algorithm>
#include <istream>
#include <streambuf>
#include <unordered_map>

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/parser.h>

namespace mlops {
namespace {

SourceMark to_mark(const YAML::Mark& mark) {
  // yaml-cpp's marks are 0-based.
  return {mark.line + 1, mark.column + 1};
}

// Thrown by the tree builder when a file holds more values than k_max_yaml_nodes.
struct TooManyNodes {
  YAML::Mark mark;
};

// Thrown by LookaheadLimit when the scanner reads too far past the last value it delivered.
struct TooFarAhead {
  size_t from;
};

// The text for yaml-cpp's scanner, handed out a few KiB at a time. The scanner queues every
// token it cannot place yet (in a flow collection, each could still become a mapping key), so
// a file of anchors `[&a &a &a ...` queues millions of tokens (about 85 bytes each) before the
// parser sees the first. No file needs the scanner to run more than k_max_yaml_lookahead bytes
// ahead of the last node delivered, so reading further is refused, which bounds that queue.
class LookaheadLimit final : public std::streambuf {
 public:
  explicit LookaheadLimit(std::string_view text) : m_text(text) {}

  // A node that starts at `offset` was delivered.
  void delivered(size_t offset) { m_delivered = std::max(m_delivered, offset); }

 protected:
  int_type underflow() override {
    size_t start = m_served;
    if (start >= m_text.size()) {
      return traits_type::eof();
    }
    if (start > m_delivered + k_max_yaml_lookahead) {
      throw TooFarAhead{m_delivered};
    }
    m_served = std::min(m_text.size(), start + 4096);
    char* begin = const_cast<char*>(m_text.data()) + start;  // never written through
    setg(begin, begin, const_cast<char*>(m_text.data()) + m_served);
    return traits_type::to_int_type(*begin);
  }

 private:
  std::string_view m_text;
  size_t m_served = 0;
  size_t m_delivered = 0;
};

// Builds a YamlNode tree from parser events. Containers under construction sit on a stack; a map
// collects keys and values alternately in `items` and pairs them up when it ends.
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view text, LookaheadLimit& input, Diagnostics& diagnostics)
      : m_text(text), m_lines(text), m_input(input), m_diagnostics(diagnostics) {}

  std::optional<YamlNode> take_root() { return std::move(m_root); }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t) override {
    count(mark);
    YamlNode node;
    node.mark = to_mark(mark);
    node.type = ScalarType::Null;
    add(std::move(node));
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    count(mark);
    // Expanding aliases is how "billion laughs" files blow up; pipelines do not need them.
    m_diagnostics.error(to_mark(mark),
                        "YAML aliases (*name) are not supported in pipeline files; write the "
                        "value out in full");
    // A placeholder string, so the alias is the only error reported for this value.
    YamlNode node;
    node.mark = to_mark(mark);
    node.type = ScalarType::String;
    node.text = "*alias";
    add(std::move(node));
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                const std::string& value) override {
    count(mark);
    YamlNode node;
    node.mark = to_mark(mark);
    node.text = value;
    if (tag != "?") {
      check_quote_closed(node.mark);
    }
    if (tag == "?") {
      node.type = plain_scalar_type(value);
    } else if (tag == "!" || tag == "tag:yaml.org,2002:str") {
      node.type = ScalarType::String;
    } else {
      check_tag(mark, tag);
      node.type = ScalarType::String;
    }
    add(std::move(node));
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    check_tag(mark, tag);
    count(mark);
    YamlNode node;
    node.kind = YamlNode::Kind::Sequence;
    node.mark = to_mark(mark);
    m_stack.push_back(std::move(node));
  }

  void OnSequenceEnd() override {
    YamlNode node = std::move(m_stack.back());
    m_stack.pop_back();
    add(std::move(node));
  }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    check_tag(mark, tag);
    count(mark);
    YamlNode node;
    node.kind = YamlNode::Kind::Map;
    node.mark = to_mark(mark);
    m_stack.push_back(std::move(node));
  }

  void OnMapEnd() override {
    YamlNode node = std::move(m_stack.back());
    m_stack.pop_back();
    std::unordered_map<std::string, SourceMark> seen;
    seen.reserve(node.items.size() / 2);
    node.entries.reserve(node.items.size() / 2);
    for (size_t i = 0; i + 1 < node.items.size(); i += 2) {
      YamlNode& key = node.items[i];
      if (!key.is_scalar() || key.is_null()) {
        m_diagnostics.error(key.mark, "mapping keys must be plain names, not " + key.describe());
        continue;
      }
      auto [it, inserted] = seen.emplace(key.text, key.mark);
      if (!inserted) {
        m_diagnostics.error(key.mark, fmt::format("duplicate key '{}' (first defined at line {})",
                                                  key.text, it->second.line));
        continue;
      }
      node.entries.push_back({std::move(key), std::move(node.items[i + 1])});
    }
    node.items.clear();
    add(std::move(node));
  }

 private:
  // The builder's memory grows with the number of values; refuse before it grows without bound.
  void count(const YAML::Mark& mark) {
    m_input.delivered(static_cast<size_t>(std::max(mark.pos, 0)));
    if (++m_nodes > k_max_yaml_nodes) {
      throw TooManyNodes{mark};
    }
  }

  // yaml-cpp ends a quoted scalar that is never closed at the end of the file, silently taking
  // the rest of the file into it: `run: "echo hi` followed by more stages.
  void check_quote_closed(SourceMark mark) {
    size_t open = m_lines.offset_of(mark);
    if (open < m_text.size() && (m_text[open] == '"' || m_text[open] == '\'') &&
        !quoted_scalar_end(m_text, open)) {
      m_diagnostics.error(mark, "this quoted string is never closed: the file ends inside it");
    }
  }

  void check_tag(const YAML::Mark& mark, const std::string& tag) {
    if (!tag.empty() && tag != "?" && tag != "!" && tag != "tag:yaml.org,2002:str" &&
        tag != "tag:yaml.org,2002:map" && tag != "tag:yaml.org,2002:seq") {
      m_diagnostics.error(to_mark(mark),
                          fmt::format("YAML tag '{}' is not supported; remove it", tag));
    }
  }

  void add(YamlNode node) {
    if (m_stack.empty()) {
      m_root = std::move(node);
    } else {
      m_stack.back().items.push_back(std::move(node));
    }
  }

  std::string_view m_text;
  LineOffsets m_lines;
  LookaheadLimit& m_input;
  Diagnostics& m_diagnostics;
  size_t m_nodes = 0;
  std::vector<YamlNode> m_stack;
  std::optional<YamlNode> m_root;
};

}  // namespace

namespace {

bool all_of_class(std::string_view text, bool (*in_class)(char)) {
  if (text.empty()) {
    return false;
  }
  for (char c : text) {
    if (!in_class(c)) {
      return false;
    }
  }
  return true;
}

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_octal(char c) {
  return c >= '0' && c <= '7';
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

std::string_view without_sign(std::string_view text) {
  if (!text.empty() && (text[0] == '-' || text[0] == '+')) {
    text.remove_prefix(1);
  }
  return text;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool is_core_float(std::string_view text) {
  text = without_sign(text);
  size_t i = 0;
  size_t integer_digits = 0;
  while (i < text.size() && is_digit(text[i])) {
    ++i;
    ++integer_digits;
  }
  size_t fraction_digits = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      ++i;
      ++fraction_digits;
    }
    if (integer_digits == 0 && fraction_digits == 0) {
      return false;
    }
  } else if (integer_digits == 0) {
    return false;
  }
  if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
    return all_of_class(without_sign(text.substr(i + 1)), is_digit);
  }
  return i == text.size();
}

}  // namespace

ScalarType plain_scalar_type(std::string_view text) {
  // YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    return ScalarType::Null;
  }
  if (text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
      text == "FALSE") {
    return ScalarType::Bool;
  }
  if (all_of_class(without_sign(text), is_digit) ||
      (text.starts_with("0o") && all_of_class(text.substr(2), is_octal)) ||
      (text.starts_with("0x") && all_of_class(text.substr(2), is_hex))) {
    return ScalarType::Int;
  }
  std::string_view unsigned_text = without_sign(text);
  if (is_core_float(text) || unsigned_text == ".inf" || unsigned_text == ".Inf" ||
      unsigned_text == ".INF" || text == ".nan" || text == ".NaN" || text == ".NAN") {
    return ScalarType::Float;
  }
  return ScalarType::String;
}

const char* scalar_type_name(ScalarType type) {
  switch (type) {
    case ScalarType::Null:
      return "null";
    case ScalarType::Bool:
      return "a boolean";
    case ScalarType::Int:
      return "an integer";
    case ScalarType::Float:
      return "a number";
    case ScalarType::String:
      return "a string";
  }
  return "a value";
}

std::string YamlNode::describe() const {
  switch (kind) {
    case Kind::Map:
      return "a mapping";
    case Kind::Sequence:
      return "a list";
    case Kind::Scalar:
      return scalar_type_name(type);
  }
  return "a value";
}

const YamlNode* YamlNode::find(std::string_view key) const {
  for (const auto& [k, v] : entries) {
    if (k.text == key) {
      return &v;
    }
  }
  return nullptr;
}

std::optional<YamlNode> parse_yaml(std::string_view text, Diagnostics& diagnostics) {
  if (!check_yaml_input_limits(text, diagnostics)) {
    return std::nullopt;
  }
  LookaheadLimit input(text);
  std::istream stream(&input);
  try {
    YAML::Parser parser(stream);
    TreeBuilder builder(text, input, diagnostics);
    if (!parser.HandleNextDocument(builder)) {
      return std::nullopt;
    }
    std::optional<YamlNode> root = builder.take_root();
    TreeBuilder extra(text, input, diagnostics);
    if (parser.HandleNextDocument(extra)) {
      auto second = extra.take_root();
      diagnostics.error(second ? second->mark : SourceMark{},
                        "a pipeline file holds one YAML document, but a second one starts here; "
                        "remove the '---' separator or split the file");
    }
    return root;
  } catch (const TooFarAhead& error) {
    diagnostics.error(mark_of_offset(text, error.from),
                      fmt::format("the YAML parser would have to read more than {} MiB past this "
                                  "point to place the next value (a huge flow collection or "
                                  "value); pipeline files are small",
                                  k_max_yaml_lookahead / (1024 * 1024)));
    return std::nullopt;
  } catch (const TooManyNodes& error) {
    diagnostics.error(
        to_mark(error.mark),
        fmt::format("more than {} values in one file; pipeline files are small", k_max_yaml_nodes));
    return std::nullopt;
  } catch (const YAML::Exception& error) {
    std::string message = "invalid YAML: " + error.msg;
    // The commonest cause: ${...} unquoted inside a {...} flow mapping, where '}' ends the map.
    size_t line_start = 0;
    for (int line = 0; line < error.mark.line && line_start != std::string_view::npos; ++line) {
      line_start = text.find('\n', line_start);
      line_start = line_start == std::string_view::npos ? line_start : line_start + 1;
    }
    if (line_start != std::string_view::npos &&
        text.substr(line_start, text.find('\n', line_start) - line_start).find("${") !=
            std::string_view::npos &&
        error.msg.find("flow") != std::string::npos) {
      message += " (a value holding ${...} inside a {...} mapping must be quoted)";
    }
    diagnostics.error(to_mark(error.mark), message);
    return std::nullopt;
  }
}

}  // namespace mlops
