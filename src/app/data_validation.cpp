// `mlops data validate` and `mlops data suggest` as services (app/data_quality.hpp).
#include "app/data_quality.hpp"
#include "app/workspace.hpp"
#include "quality/rules_parser.hpp"
#include "quality/validation_json.hpp"
#include "quality/validator.hpp"
#include "store/sql_store.hpp"

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

// The history checks' metrics as the pipeline's accepted runs recorded them (metric_history reads
// succeeded executions only: a rejected or failed run never becomes a baseline).
Status load_history(const RuleSet& rules, const ValidateRequest& request, MetricHistory& history) {
  if (!request.history_pipeline || !store_exists(request.history_store)) {
    return Status::success();
  }
  std::unique_ptr<SqlStore> store;
  for (const CheckSpec& check : rules.checks) {
    if (check.kind != CheckKind::History || history.count(check.history.metric))
      continue;
    if (!store) {
      MLOPS_TRY(opened, SqlStore::open(request.history_store.string()));
      store = std::move(*opened);
    }
    MLOPS_TRY(records, store->metric_history(history_metric_key(check.history.metric),
                                             *request.history_pipeline));
    std::vector<double>& values = history[check.history.metric];
    for (const MetricRecord& record : *records)
      values.push_back(record.value);
  }
  return Status::success();
}

}  // namespace

Result<ValidateOutcome> validate_dataset(const ValidateRequest& request) {
  ValidateOutcome outcome;
  RulesLoad load = load_rules(request.rules);
  if (!load.rules) {
    outcome.diagnostics = std::move(load.diagnostics);
    return outcome;
  }
  MetricHistory history = request.history;
  MLOPS_CHECK(load_history(*load.rules, request, history));
  ValidationOptions options =
      validation_options(load.rules->input, request.read_overrides, std::move(history));
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
