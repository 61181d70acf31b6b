#include "spec/gate_parser.hpp"

#include <map>

#include <fmt/format.h>

#include "spec/section_reader.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_gate_keys = {"model", "baseline", "on_missing_baseline", "checks",
                                              "on_pass"};
const std::vector<std::string> k_check_keys = {
    "metric", "direction", "min", "max", "min_delta", "min_rel_delta", "max_regression", "slices"};

bool is_model_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-';
}

void parse_check_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                       GateCheckSpec& check) {
  const std::string& k = key.text;
  if (k == "metric" || k == "slices") {
    auto text = reader.string(value, k);
    if (text && k == "slices" && text->value.empty()) {
      reader.diagnostics().error(value.mark, fmt::format("'slices'{} is empty: name the slices "
                                                         "to check, e.g. \"region=*\"",
                                                         reader.context()));
    } else if (text) {
      (k == "metric" ? check.metric : check.slices) = text->value;
    }
  } else if (k == "direction") {
    auto text = reader.string(value, k);
    if (text && text->value != "higher" && text->value != "lower") {
      reader.diagnostics().error(value.mark, fmt::format("'direction'{} must be higher or lower "
                                                         "(which way is better), not '{}'",
                                                         reader.context(), text->value));
      check.direction = "?";  // said above; not "needs a direction" again
    } else if (text) {
      check.direction = text->value;
    }
  } else if (k == "min" || k == "max" || k == "min_delta" || k == "min_rel_delta" ||
             k == "max_regression") {
    auto parsed = number(value, k, reader);
    (k == "min"             ? check.min
     : k == "max"           ? check.max
     : k == "min_delta"     ? check.min_delta
     : k == "min_rel_delta" ? check.min_rel_delta
                            : check.max_regression) = parsed;
  } else {
    reader.unknown_key(key, k_check_keys);
  }
}

void parse_checks(const YamlNode& node, SectionReader& reader, GateSpec& gate) {
  if (!node.is_sequence()) {
    reader.type_error(node, "checks", "a list of checks ({metric, direction, min, ...})");
    return;
  }
  for (const auto& item : node.items) {
    if (!item.is_map()) {
      reader.type_error(item, "checks item",
                        "a mapping such as {metric: auc, direction: higher, "
                        "min: 0.8}");
      continue;
    }
    GateCheckSpec check;
    check.mark = item.mark;
    for (const auto& [key, value] : item.entries) {
      parse_check_entry(key, value, reader, check);
    }
    Diagnostics& diagnostics = reader.diagnostics();
    if (check.metric.empty()) {
      diagnostics.error(item.mark, fmt::format("a gate check{} needs 'metric' (a key of the "
                                               "stage's metrics file)",
                                               reader.context()));
    } else if (check.direction.empty()) {
      diagnostics.error(item.mark, fmt::format("the gate check of '{}'{} needs 'direction: "
                                               "higher' or 'direction: lower' (which way is "
                                               "better)",
                                               check.metric, reader.context()));
    } else if (check.min && check.max && *check.min > *check.max) {
      diagnostics.error(item.mark,
                        fmt::format("the gate check of '{}'{} can never pass: min {} "
                                    "is above max {}",
                                    check.metric, reader.context(), *check.min, *check.max));
    } else if (!check.min && !check.max && !check.compares()) {
      diagnostics.error(item.mark, fmt::format("the gate check of '{}'{} checks nothing: add min, "
                                               "max, min_delta, min_rel_delta or max_regression",
                                               check.metric, reader.context()));
    }
    if (check.max_regression && *check.max_regression < 0) {
      diagnostics.error(item.mark, fmt::format("'max_regression' of '{}'{} must be >= 0 (the most "
                                               "the metric may get worse); use min_delta to ask "
                                               "for an improvement",
                                               check.metric, reader.context()));
    }
    gate.checks.push_back(std::move(check));
  }
}

void parse_on_pass(const YamlNode& node, SectionReader& reader, GateSpec& gate) {
  if (!node.is_map()) {
    reader.type_error(node, "on_pass", "a mapping such as {promote: champion}");
    return;
  }
  for (const auto& [key, value] : node.entries) {
    if (key.text != "promote") {
      reader.unknown_key(key, {"promote"});
    } else if (auto alias = reader.string(value, "promote")) {
      if (!is_valid_model_name(alias->value) || is_version_selector(alias->value)) {
        reader.diagnostics().error(value.mark, fmt::format("'{}' is not a valid alias (letters, "
                                                           "digits, _ . -; not v<number>)",
                                                           alias->value));
      }
      gate.promote = alias->value;
    }
  }
}

void parse_gate_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                      GateSpec& gate) {
  const std::string& k = key.text;
  if (k == "model") {
    if (auto text = reader.string(value, k)) {
      gate.model = text->value;
      if (!is_valid_model_name(gate.model)) {
        reader.diagnostics().error(value.mark, fmt::format("'{}' is not a valid model name "
                                                           "(letters, digits, _ . -, at most 64)",
                                                           gate.model));
      }
    }
  } else if (k == "baseline") {
    if (auto text = reader.string(value, k)) {
      gate.baseline = text->value == "none" ? "" : text->value;
    }
  } else if (k == "on_missing_baseline") {
    auto text = reader.string(value, k);
    if (text && text->value != "pass" && text->value != "fail") {
      reader.diagnostics().error(value.mark, fmt::format("'on_missing_baseline'{} must be pass "
                                                         "or fail, not '{}'",
                                                         reader.context(), text->value));
    } else if (text) {
      gate.pass_without_baseline = text->value == "pass";
    }
  } else if (k == "checks") {
    parse_checks(value, reader, gate);
  } else if (k == "on_pass") {
    parse_on_pass(value, reader, gate);
  } else {
    reader.unknown_key(key, k_gate_keys);
  }
}

}  // namespace

bool is_valid_model_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!is_model_name_char(c)) {
      return false;
    }
  }
  return true;
}

bool is_version_selector(std::string_view selector) {
  return selector.size() > 1 && selector[0] == 'v' &&
         selector.find_first_not_of("0123456789", 1) == std::string_view::npos;
}

std::optional<GateSpec> parse_gate(const YamlNode& node, Diagnostics& diagnostics,
                                   const std::string& stage) {
  SectionReader reader(diagnostics, fmt::format(" in the gate of stage '{}'", stage));
  if (!node.is_map()) {
    reader.type_error(node, "gate",
                      "a mapping with model, checks and optionally baseline, "
                      "on_missing_baseline and on_pass");
    return std::nullopt;
  }
  GateSpec gate;
  gate.mark = node.mark;
  for (const auto& [key, value] : node.entries) {
    parse_gate_entry(key, value, reader, gate);
  }
  if (gate.model.empty()) {
    diagnostics.error(node.mark, fmt::format("the gate of stage '{}' needs 'model' (the model "
                                             "whose candidate version it judges)",
                                             stage));
  }
  if (gate.checks.empty()) {
    // TFX: "Do not validate model when there is no thresholds configured" -- a gate that checks
    // nothing would accept every model.
    diagnostics.error(node.mark, fmt::format("the gate of stage '{}' has no checks: it would "
                                             "accept every model; add 'checks' (e.g. {{metric: "
                                             "auc, direction: higher, min: 0.8}})",
                                             stage));
  }
  for (const auto& check : gate.checks) {
    if (gate.baseline.empty() && check.compares()) {
      diagnostics.error(check.mark, fmt::format("the gate check of '{}' in stage '{}' compares "
                                                "with a baseline, but the gate's baseline is "
                                                "none; name an alias (baseline: champion) or "
                                                "drop min_delta/min_rel_delta/max_regression",
                                                check.metric, stage));
    }
  }
  if (!gate.baseline.empty() &&
      (!is_valid_model_name(gate.baseline) || is_version_selector(gate.baseline))) {
    diagnostics.error(node.mark, fmt::format("the gate's baseline '{}' in stage '{}' is not a "
                                             "valid alias (or none)",
                                             gate.baseline, stage));
  }
  return gate;
}

void check_models(const PipelineSpec& spec, Diagnostics& diagnostics) {
  std::map<std::string, std::string> declared;  // model -> the stage whose out it is
  for (const auto& stage : spec.stages) {
    for (size_t i = 0; i < stage.out_models.size(); ++i) {
      const std::string& model = stage.out_models[i];
      if (model.empty()) {
        continue;
      }
      if (!stage.matrix.empty()) {
        diagnostics.error(stage.outs[i].mark,
                          fmt::format("stage '{}' has a matrix, so each combination would write "
                                      "a version of model '{}'; register the model in a stage "
                                      "without one (e.g. one that copies the chosen model)",
                                      stage.name.value, model));
      }
      auto [it, inserted] = declared.emplace(model, stage.name.value);
      if (!inserted) {
        diagnostics.error(stage.outs[i].mark,
                          fmt::format("model '{}' is already written by stage '{}'; a model has "
                                      "one out per pipeline",
                                      model, it->second));
      }
    }
  }
  for (const auto& stage : spec.stages) {
    if (!stage.gate || stage.gate->model.empty()) {
      continue;
    }
    if (!declared.count(stage.gate->model)) {
      diagnostics.error(stage.gate->mark,
                        fmt::format("the gate of stage '{}' judges model '{}', but no stage of "
                                    "this pipeline writes it: add {{path: ..., model: {}}} to "
                                    "the outs of the stage that trains it",
                                    stage.name.value, stage.gate->model, stage.gate->model));
    }
    if (stage.metrics.empty() && !stage.uses) {
      diagnostics.error(stage.gate->mark,
                        fmt::format("the gate of stage '{}' reads the stage's metrics file, but "
                                    "the stage has none: add 'metrics: [eval/metrics.json]'",
                                    stage.name.value));
    }
    if (!stage.matrix.empty()) {
      diagnostics.error(stage.gate->mark, fmt::format("stage '{}' has a matrix and a gate; a "
                                                      "gate judges one candidate: move it to a "
                                                      "stage without a matrix",
                                                      stage.name.value));
    }
  }
}

}  // namespace mlops
