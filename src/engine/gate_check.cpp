#include "engine/gate_check.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "util/glob.hpp"

namespace mlops {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();
constexpr double k_inf = std::numeric_limits<double>::infinity();
constexpr const char* k_slices_prefix = "slices.";

std::string show(double value) {
  return std::isnan(value) ? "NaN" : fmt::format("{:g}", value);
}

// A tolerance for comparing differences of metric values (see the header).
bool at_least(double difference, double bound, double a, double b) {
  double scale = std::max({1.0, std::fabs(a), std::fabs(b)});
  return difference >= bound - 1e-9 * scale;
}

// The keys a check applies to: the metric, or that metric of every slice the glob matches.
std::vector<std::pair<std::string, std::string>> check_targets(const GateCheckSpec& check,
                                                               const GateMetrics& candidate) {
  std::vector<std::pair<std::string, std::string>> targets;  // (key, slice)
  if (check.slices.empty()) {
    targets.emplace_back(check.metric, "");
    return targets;
  }
  std::string suffix = "." + check.metric;
  auto consider = [&](const std::string& key) {
    if (!key.starts_with(k_slices_prefix) || !key.ends_with(suffix) ||
        key.size() <= std::string_view(k_slices_prefix).size() + suffix.size()) {
      return;
    }
    std::string slice =
        key.substr(std::string_view(k_slices_prefix).size(),
                   key.size() - suffix.size() - std::string_view(k_slices_prefix).size());
    if (glob_segment_matches(check.slices, slice)) {
      targets.emplace_back(key, slice);
    }
  };
  for (const auto& [key, value] : candidate.values) {
    consider(key);
  }
  for (const auto& key : candidate.non_numeric) {
    consider(key);
  }
  std::sort(targets.begin(), targets.end());
  return targets;
}

// The candidate's value of `key`, or a failed result saying why there is none.
std::optional<double> candidate_value(const GateMetrics& candidate, const std::string& key,
                                      GateCheckResult& result) {
  auto it = candidate.values.find(key);
  if (it == candidate.values.end()) {
    result.kind = "value";
    result.verdict = "fail";
    result.message = candidate.non_numeric.count(key)
                         ? fmt::format("{} is not a number in the metrics file", key)
                         : fmt::format("{} is missing from the metrics file", key);
    return std::nullopt;
  }
  if (std::isnan(it->second)) {
    result.kind = "value";
    result.verdict = "fail";
    result.value = it->second;
    result.message = fmt::format("{} is NaN", key);
    return std::nullopt;
  }
  return it->second;
}

GateCheckResult bound_result(const std::string& key, const std::string& slice, const char* kind,
                             double value, double bound) {
  bool is_min = std::string_view(kind) == "min";
  bool pass = is_min ? value >= bound : value <= bound;
  GateCheckResult result{key, slice, kind, value, std::nullopt, bound, pass ? "pass" : "fail", ""};
  result.message =
      fmt::format("{} {} {} {} {}", key, show(value),
                  pass ? (is_min ? ">=" : "<=") : (is_min ? "<" : ">"), kind, show(bound));
  return result;
}

// One change check of `key` against the baseline's value.
GateCheckResult change_result(const GateCheckSpec& check, const std::string& key,
                              const std::string& slice, const char* kind, double threshold,
                              double value, double base) {
  bool higher = check.direction == "higher";
  double improvement = higher ? value - base : base - value;
  GateCheckResult result{key, slice, kind, value, base, threshold, "", ""};
  bool pass = false;
  std::string measured;
  std::string_view k = kind;
  if (k == "min_delta") {
    pass = at_least(improvement, threshold, value, base);
    measured = fmt::format("improvement {}", show(improvement));
  } else if (k == "max_regression") {
    pass = at_least(threshold + improvement, 0, value, base);  // regression <= threshold
    measured = fmt::format("regression {}", show(-improvement));
  } else {
    double relative = base != 0         ? improvement / std::fabs(base)
                      : improvement > 0 ? k_inf
                      : improvement < 0 ? -k_inf
                                        : 0.0;
    pass = std::isinf(relative) ? relative >= threshold
                                : at_least(relative, threshold, relative, threshold);
    measured =
        fmt::format("relative improvement {}{}", show(relative), base == 0 ? " (baseline 0)" : "");
  }
  result.verdict = pass ? "pass" : "fail";
  result.message = fmt::format("{} {} vs baseline {}: {} {} {} {}", key, show(value), show(base),
                               measured, pass ? "meets" : "misses", kind, show(threshold));
  return result;
}

void change_checks(const GateCheckSpec& check, const std::string& key, const std::string& slice,
                   double value, const GateBaseline& baseline, std::vector<GateCheckResult>& out) {
  std::vector<std::pair<const char*, double>> kinds;
  if (check.min_delta)
    kinds.emplace_back("min_delta", *check.min_delta);
  if (check.min_rel_delta)
    kinds.emplace_back("min_rel_delta", *check.min_rel_delta);
  if (check.max_regression)
    kinds.emplace_back("max_regression", *check.max_regression);
  for (const auto& [kind, threshold] : kinds) {
    GateCheckResult result{key, slice, kind, value, std::nullopt, threshold, "skipped", ""};
    if (baseline.candidate_is_baseline) {
      result.message = fmt::format("{}: the candidate is the baseline version", key);
    } else if (!baseline.exists) {
      result.message = fmt::format("{}: no baseline version", key);
    } else {
      std::optional<double> base;
      if (baseline.metrics) {
        auto it = baseline.metrics->values.find(key);
        if (it != baseline.metrics->values.end()) {
          base = it->second;
        }
      }
      if (!base || std::isnan(*base)) {
        result.verdict = "fail";
        result.message = fmt::format(
            "{}: the baseline version has {} value recorded by a gate "
            "(promoted with --force, or a metric it did not have)",
            key, base ? "a NaN" : "no");
      } else {
        result = change_result(check, key, slice, kind, threshold, value, *base);
      }
    }
    out.push_back(std::move(result));
  }
}

void run_check(const GateCheckSpec& check, const GateMetrics& candidate,
               const GateBaseline& baseline, std::vector<GateCheckResult>& out) {
  auto targets = check_targets(check, candidate);
  if (targets.empty()) {
    out.push_back(
        {check.metric, "", "slices", std::nullopt, std::nullopt, std::nullopt, "fail",
         fmt::format("no slice matches '{}' with a value of {}", check.slices, check.metric)});
    return;
  }
  for (const auto& [key, slice] : targets) {
    GateCheckResult missing{key, slice, "", std::nullopt, std::nullopt, std::nullopt, "", ""};
    auto value = candidate_value(candidate, key, missing);
    if (!value) {
      out.push_back(std::move(missing));
      continue;
    }
    if (check.min)
      out.push_back(bound_result(key, slice, "min", *value, *check.min));
    if (check.max)
      out.push_back(bound_result(key, slice, "max", *value, *check.max));
    if (check.compares()) {
      change_checks(check, key, slice, *value, baseline, out);
    }
  }
}

// Replaces bare NaN, Infinity and -Infinity outside strings by marker strings nlohmann reads.
std::string mark_non_finite(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size()) {
        out += text[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    std::string_view rest(text.data() + i, text.size() - i);
    if (c == '"') {
      in_string = true;
      out += c;
    } else if (rest.starts_with("NaN")) {
      out += "\"\\u0000NaN\"";
      i += 2;
    } else if (rest.starts_with("-Infinity")) {
      out += "\"\\u0000-Inf\"";
      i += 8;
    } else if (rest.starts_with("Infinity")) {
      out += "\"\\u0000Inf\"";
      i += 7;
    } else {
      out += c;
    }
  }
  return out;
}

void flatten(const nlohmann::json& node, const std::string& prefix, GateMetrics& out, int depth) {
  if (depth > 100) {
    return;
  }
  if (node.is_object() || node.is_array()) {
    size_t index = 0;
    for (auto it = node.begin(); it != node.end(); ++it, ++index) {
      std::string name = node.is_object() ? it.key() : std::to_string(index);
      flatten(*it, prefix.empty() ? name : prefix + "." + name, out, depth + 1);
    }
  } else if (node.is_number()) {
    out.values[prefix] = node.get<double>();
  } else if (node.is_boolean()) {
    out.values[prefix] = node.get<bool>() ? 1 : 0;
  } else if (node.is_string() && node.get_ref<const std::string&>().starts_with('\0')) {
    const std::string& marker = node.get_ref<const std::string&>();
    out.values[prefix] = marker == std::string("\0NaN", 4)   ? k_nan
                         : marker == std::string("\0Inf", 4) ? k_inf
                                                             : -k_inf;
  } else if (!prefix.empty()) {
    out.non_numeric.insert(prefix);
  }
}

}  // namespace

std::string GateOutcome::summary() const {
  std::vector<std::string> failed;
  for (const auto& check : checks) {
    if (check.verdict == "fail") {
      failed.push_back(check.message);
    }
  }
  std::string head = fmt::format("model {} v{} {}", model, candidate,
                                 passed() ? "accepted" : "rejected by the gate");
  if (!passed()) {
    return head + ": " + fmt::format("{}", fmt::join(failed, "; "));
  }
  std::string how = verdict == "passed_without_baseline"
                        ? fmt::format(" without a baseline ({} holds no version)", baseline_alias)
                    : baseline_version
                        ? fmt::format(" against {} v{}", baseline_alias, *baseline_version)
                        : "";
  return head + how + (promoted ? fmt::format("; now {}", *promoted) : "") +
         (not_promoted ? "; " + *not_promoted : "") +
         (repeated_from ? fmt::format(" (the verdict of run {}, up to date)", *repeated_from) : "");
}

GateOutcome evaluate_gate(const GateSpec& gate, const GateMetrics& candidate,
                          const GateBaseline& baseline) {
  GateOutcome outcome;
  outcome.model = gate.model;
  outcome.baseline_alias = gate.baseline;
  for (const auto& check : gate.checks) {
    run_check(check, candidate, baseline, outcome.checks);
  }
  bool failed = std::any_of(outcome.checks.begin(), outcome.checks.end(),
                            [](const GateCheckResult& c) { return c.verdict == "fail"; });
  bool compared = std::any_of(gate.checks.begin(), gate.checks.end(),
                              [](const GateCheckSpec& c) { return c.compares(); });
  if (!failed && compared && !baseline.exists && !baseline.candidate_is_baseline &&
      !gate.pass_without_baseline) {
    for (auto& check : outcome.checks) {
      if (check.verdict == "skipped") {
        check.verdict = "fail";
        check.message += " (on_missing_baseline: fail)";
      }
    }
    failed = true;
  }
  outcome.verdict = failed ? "failed"
                    : compared && !baseline.exists && !baseline.candidate_is_baseline
                        ? "passed_without_baseline"
                        : "passed";
  return outcome;
}

Result<GateMetrics> read_gate_metrics(const std::vector<std::string>& texts,
                                      const std::vector<std::string>& names) {
  GateMetrics metrics;
  for (size_t i = 0; i < texts.size(); ++i) {
    std::string name = i < names.size() ? "'" + names[i] + "'" : "the metrics file";
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(mark_non_finite(texts[i]));
    } catch (const nlohmann::json::parse_error& e) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("{} is not JSON (at byte {}); the stage must write a JSON object "
                               "such as {{\"auc\": 0.91}}",
                               name, e.byte));
    }
    flatten(parsed, "", metrics, 0);
  }
  return metrics;
}

std::string gate_metrics_json(const GateMetrics& metrics) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : metrics.values) {
    out[key] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
  }
  return out.dump();
}

GateMetrics parse_gate_metrics_json(const std::string& json) {
  GateMetrics metrics;
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_object()) {
    return metrics;
  }
  for (auto it = parsed.begin(); it != parsed.end(); ++it) {
    if (it->is_number()) {
      metrics.values[it.key()] = it->get<double>();
    } else if (it->is_null()) {
      metrics.values[it.key()] = k_nan;
    }
  }
  return metrics;
}

std::vector<GateCheckResult> parse_gate_checks_json(const std::string& json) {
  std::vector<GateCheckResult> checks;
  auto parsed = nlohmann::json::parse(json, nullptr, false);
  if (!parsed.is_array()) {
    return checks;
  }
  auto text = [](const nlohmann::json& item, const char* key) {
    auto it = item.find(key);
    return it != item.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  auto number = [](const nlohmann::json& item, const char* key) -> std::optional<double> {
    auto it = item.find(key);
    return it != item.end() && it->is_number() ? std::optional(it->get<double>()) : std::nullopt;
  };
  for (const auto& item : parsed) {
    if (!item.is_object()) {
      continue;
    }
    checks.push_back({text(item, "metric"), text(item, "slice"), text(item, "kind"),
                      number(item, "value"), number(item, "baseline"), number(item, "threshold"),
                      text(item, "verdict"), text(item, "message")});
  }
  return checks;
}

std::vector<std::vector<std::string>> gate_check_rows(const std::vector<GateCheckResult>& checks) {
  auto number = [](const std::optional<double>& value) {
    return value ? show(*value) : std::string("–");
  };
  std::vector<std::vector<std::string>> rows;
  for (const auto& check : checks) {
    rows.push_back({check.metric, check.kind, number(check.value), number(check.baseline),
                    number(check.threshold), check.verdict});
  }
  return rows;
}

std::string gate_checks_json(const std::vector<GateCheckResult>& checks) {
  nlohmann::json out = nlohmann::json::array();
  auto number = [](const std::optional<double>& value) {
    return value && std::isfinite(*value) ? nlohmann::json(*value) : nlohmann::json(nullptr);
  };
  for (const auto& check : checks) {
    out.push_back({{"metric", check.metric},
                   {"slice", check.slice},
                   {"kind", check.kind},
                   {"value", number(check.value)},
                   {"baseline", number(check.baseline)},
                   {"threshold", number(check.threshold)},
                   {"verdict", check.verdict},
                   {"message", check.message}});
  }
  return out.dump();
}

}  // namespace mlops
