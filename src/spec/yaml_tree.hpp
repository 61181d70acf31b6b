// A YAML document as a plain tree that remembers where every node came from.
//
// yaml-cpp's own Node type silently accepts duplicate keys and shares aliased nodes by
// reference (see PITFALLS.md), and it cannot tell a quoted "1" from a plain 1. We therefore
// build our own tree from yaml-cpp's event parser: duplicate keys and aliases are reported as
// diagnostics, and each scalar records whether it was quoted, so that its type (string, number,
// boolean, null) follows the YAML 1.2 core schema the way JSON Schema validators see it.
// yaml-cpp appears only in yaml_tree.cpp.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/yaml_limits.hpp"

namespace mlops {

enum class ScalarType { Null, Bool, Int, Float, String };

// The YAML 1.2 core-schema type of a plain (unquoted) scalar's text.
ScalarType plain_scalar_type(std::string_view text);

const char* scalar_type_name(ScalarType type);

struct YamlMapEntry;

struct YamlNode {
  enum class Kind { Scalar, Sequence, Map };

  Kind kind = Kind::Scalar;
  SourceMark mark;
  // Scalars: the text, and its type (quoted scalars are always strings; `key:` with no value and
  // `~` are Null).
  std::string text;
  ScalarType type = ScalarType::Null;
  std::vector<YamlNode> items;        // Sequence
  std::vector<YamlMapEntry> entries;  // Map, in file order

  bool is_map() const { return kind == Kind::Map; }
  bool is_sequence() const { return kind == Kind::Sequence; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_null() const { return kind == Kind::Scalar && type == ScalarType::Null; }
  // "a mapping", "a list", "a string", "a number", ... for "expected X, got Y" messages.
  std::string describe() const;
  // The value for `key` in a map, or null.
  const YamlNode* find(std::string_view key) const;
};

// A key and its value. Not a std::pair: a pair of a type that is still incomplete (inside
// YamlNode) is undefined, and clang's libFuzzer build refuses it.
struct YamlMapEntry {
  YamlNode first;   // the key (a scalar)
  YamlNode second;  // the value
};

// Parses exactly one YAML document. Syntax errors, duplicate keys, aliases, tags other than
// !!str, keys that are not scalars, a quoted scalar the file ends inside and a second document
// are reported to `diagnostics`; the result is empty when the text is not usable at all (a
// syntax error, an empty file, or a file over the limits of yaml_limits.hpp: too large, not
// UTF-8, nested too deep, or more than k_max_yaml_nodes values).
std::optional<YamlNode> parse_yaml(std::string_view text, Diagnostics& diagnostics);

}  // namespace mlops
