// Reading a rules file: text -> YAML tree (spec/yaml_tree.hpp) -> RuleSet, with every problem
// reported at once as a FILE:LINE:COL diagnostic in the style of pipeline files: unknown keys
// with "did you mean", wrong types ("'mostly' in column 'age' must be a number, not a string"),
// values out of range, regexes RE2 refuses, check ids used twice.
//
// The format is documented in docs/data-quality.md ("Rules") and published as
// schemas/rules.schema.json (draft-07, for editors); a test keeps the two in agreement.
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>
#include <vector>

#include "quality/rules.hpp"
#include "spec/diagnostic.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

inline constexpr int k_rules_format_version = 1;

// The checks of a parsed YAML tree. Every problem goes to `diagnostics` and parsing goes on, so
// one pass reports all of them; the result is meaningful only when `diagnostics` stayed empty.
RuleSet parse_rules(const YamlNode& root, Diagnostics& diagnostics);

struct RulesLoad {
  std::optional<RuleSet> rules;  // set exactly when `diagnostics` is empty
  std::vector<Diagnostic> diagnostics;
};

// Reads and parses the rules file `path` (at most 8 MiB, UTF-8: spec/yaml_limits.hpp). A file
// that cannot be read is one diagnostic without a position ("rules.yaml: error: cannot read ...").
RulesLoad load_rules(const std::filesystem::path& path);

// The same for text already in memory; `file` names it in diagnostics.
RulesLoad load_rules_text(std::string_view text, const std::string& file);

}  // namespace mlops
