// `mlops data validate` and `mlops data suggest` as services (app/data_quality.hpp).
#include "app/data_quality.hpp"
#include "quality/rules_parser.hpp"
#include "quality/validator.hpp"

namespace mlops {

namespace {

ValidationOptions validation_options(const InputSpec& rules_input, const InputSpec& overrides,
                                     MetricHistory history) {
  ValidationOptions options;
  apply_input_spec(rules_input, options.read, options.profile);
  apply_input_spec(overrides, options.read, options.profile);
  options.history = std::move(history);
  return options;
}

}  // namespace

Result<ValidateOutcome> validate_dataset(const ValidateRequest& request) {
  ValidateOutcome outcome;
  RulesLoad load = load_rules(request.rules);
  if (!load.rules) {
    outcome.diagnostics = std::move(load.diagnostics);
    return outcome;
  }
  ValidationOptions options =
      validation_options(load.rules->input, request.read_overrides, request.history);
  MLOPS_TRY(report, validate_file(request.data, request.data.string(), request.rules.string(),
                                  *load.rules, options));
  outcome.report = std::move(*report);
  return outcome;
}

Result<SuggestOutcome> suggest_dataset_rules(const SuggestRequest& request) {
  ValidationOptions options = validation_options({}, request.read_overrides, {});
  MLOPS_TRY(profile,
            profile_file(request.data, request.data.string(), options.read, options.profile));
  SuggestOutcome outcome;
  outcome.suggestion = suggest_rules(*profile, request.read_overrides);
  RuleSet rules = suggestion_rule_set(outcome.suggestion);
  MLOPS_TRY(report,
            validate_file(request.data, request.data.string(), "(suggested)", rules, options));
  drop_failed_suggestions(outcome.suggestion, *report);
  outcome.yaml = suggestion_yaml(outcome.suggestion);
  return outcome;
}

}  // namespace mlops
