// `mlops data suggest FILE`: a starting rules file, from a profile of the data, by Deequ's
// default suggestion rules (awslabs/deequ suggestions/ConstraintSuggestionRunner.scala,
// Rules.DEFAULT, plus its UniqueIfApproximatelyUniqueRule):
// - CompleteIfCompleteRule: a column without nulls gets `not_null: true`;
// - RetainCompletenessRule: a column 20-100 % complete gets `completeness: L`, L the lower bound of
//   the 95 % Wilson interval of its completeness (rounded down to 4 places);
// - RetainTypeRule: a column whose every value is an int, a float, a bool, a date or a datetime
//   gets that `type`;
// - CategoricalRangeRule: a column whose values are all known (at most 120 distinct) with
//   distinct / values <= 0.1 gets `in_set` of them (not for floats or bools);
// - NonNegativeNumbersRule: a numeric column whose minimum is >= 0 gets `min: 0`;
// - UniqueIfApproximatelyUniqueRule: a complete column with |1 - distinct / rows| <= 0.08 gets
//   `unique: true`.
// And for the dataset: `rows: {min: 1}`, the columns it has as `required`, and `malformed_rows:
// {max: 0}` when it had none. Each check carries a comment saying why it was suggested.
//
// A suggestion is then validated against the same data (the app layer does that), and the
// checks that fail are dropped (a column approximately but not exactly unique), so the file
// written always accepts the data it was suggested from.
#pragma once

#include <string>
#include <vector>

#include "data/profile.hpp"
#include "quality/rules.hpp"
#include "quality/validation.hpp"

namespace mlops {

struct SuggestedCheck {
  CheckSpec spec;
  std::string reason;  // the comment written above it
};

struct RuleSuggestion {
  InputSpec input;  // written as `input:` when any field is set
  std::string source;
  uint64_t rows = 0;
  std::vector<std::string> columns;
  std::vector<SuggestedCheck> checks;
  std::vector<std::string> dropped;  // "columns.id.unique: 3 repeated keys on this data"
};

RuleSuggestion suggest_rules(const DatasetProfile& profile, const InputSpec& input);

// The suggestion as a rule set, to validate it.
RuleSet suggestion_rule_set(const RuleSuggestion& suggestion);

// Drops the checks that did not pass in `report` (a validation of suggestion_rule_set).
void drop_failed_suggestions(RuleSuggestion& suggestion, const ValidationReport& report);

// The rules file: YAML with a comment above each check.
std::string suggestion_yaml(const RuleSuggestion& suggestion);

// `text` as a YAML scalar: plain when that reads back as the same string, else double-quoted.
std::string yaml_scalar(std::string_view text);

}  // namespace mlops
