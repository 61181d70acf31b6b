#include "quality/validator.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "quality/profile_checks.hpp"
#include "quality/row_checks.hpp"

namespace mlops {

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::Pass:
      return "pass";
    case Verdict::Fail:
      return "fail";
    case Verdict::Skipped:
      return "skipped";
  }
  return "?";
}

size_t ValidationReport::passed() const {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(), [](const CheckResult& c) {
    return c.verdict == Verdict::Pass;
  }));
}

size_t ValidationReport::skipped() const {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(), [](const CheckResult& c) {
    return c.verdict == Verdict::Skipped;
  }));
}

size_t ValidationReport::failed_errors() const {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(), [](const CheckResult& c) {
    return c.failed_at(CheckLevel::Error);
  }));
}

size_t ValidationReport::failed_warnings() const {
  return static_cast<size_t>(std::count_if(checks.begin(), checks.end(), [](const CheckResult& c) {
    return c.failed_at(CheckLevel::Warning);
  }));
}

bool ValidationReport::rejected(bool strict) const {
  return failed_errors() > 0 || (strict && failed_warnings() > 0);
}

void apply_input_spec(const InputSpec& input, ReadOptions& read, ProfileOptions& profile) {
  if (input.format) {
    read.format = *input.format == "csv"     ? DataFormat::Csv
                  : *input.format == "jsonl" ? DataFormat::JsonLines
                                             : DataFormat::Auto;
  }
  if (input.delimiter)
    read.delimiter = *input.delimiter;
  if (input.header)
    read.header = *input.header;
  if (input.null_values)
    profile.null_values = *input.null_values;
}

namespace {

// Everything that looks at each record besides the profiler.
struct Trackers {
  std::vector<RowCheck> rows;
  std::vector<UniqueTracker> uniques;
  std::vector<CorrelationTracker> correlations;

  void resolve(const std::vector<std::string>& columns) {
    for (RowCheck& check : rows)
      check.resolve(columns);
    for (UniqueTracker& check : uniques)
      check.resolve(columns);
    for (CorrelationTracker& check : correlations)
      check.resolve(columns);
  }

  void check(const Record& record, const NullTokens& nulls) {
    for (RowCheck& check : rows)
      check.check(record, nulls);
    for (UniqueTracker& check : uniques)
      check.check(record, nulls);
    for (CorrelationTracker& check : correlations)
      check.check(record, nulls);
  }
};

Result<Trackers> make_trackers(const RuleSet& rules, bool quoted_is_string,
                               size_t unique_max_bytes) {
  Trackers trackers;
  for (const CheckSpec& spec : rules.checks) {
    if (spec.row_level()) {
      MLOPS_TRY(check, RowCheck::make(spec, quoted_is_string));
      trackers.rows.push_back(std::move(*check));
    } else if (spec.kind == CheckKind::Unique) {
      trackers.uniques.emplace_back(spec, unique_max_bytes);
    } else if (spec.kind == CheckKind::Correlation) {
      trackers.correlations.emplace_back(spec);
    }
  }
  return trackers;
}

std::string percent(double fraction) {
  return fmt::format("{:.2f}%", std::floor(fraction * 10000) / 100);
}

CheckResult row_result(RowCheck& check) {
  CheckResult r;
  r.spec = check.spec();
  r.threshold = r.spec.bounds;
  r.expected = describe_condition(r.spec);
  r.evaluated = check.evaluated();
  r.failed = check.failed();
  r.failing_rows = std::move(check.failing_rows());
  double fraction = r.evaluated == 0 ? 1.0
                                     : static_cast<double>(r.evaluated - r.failed) /
                                           static_cast<double>(r.evaluated);
  r.measured = fraction;
  r.verdict = fraction + 1e-12 >= r.spec.mostly ? Verdict::Pass : Verdict::Fail;
  if (r.evaluated == 0) {
    r.summary = r.expected + ": no values to check";
  } else if (r.failed == 0) {
    r.summary = fmt::format("{}: all {} values pass", r.expected, r.evaluated);
  } else {
    r.summary = fmt::format("{}: {} of {} values fail ({} pass, {:g}% required)", r.expected,
                            r.failed, r.evaluated, percent(fraction), r.spec.mostly * 100);
  }
  return r;
}

CheckResult unique_result(UniqueTracker& tracker) {
  CheckResult r;
  r.spec = tracker.spec();
  r.expected = describe_condition(r.spec);
  r.threshold.max = 0;
  r.evaluated = tracker.keys();
  r.failed = tracker.repeats();
  r.failing_rows = std::move(tracker.failing_rows());
  r.measured = static_cast<double>(tracker.repeats());
  r.measured_text = "repeated keys";
  if (tracker.overflowed()) {
    double keys = static_cast<double>(tracker.keys());
    double distinct = std::min(tracker.distinct_estimate(), keys);
    double tolerance = 3 * 1.04 / std::sqrt(std::ldexp(1.0, tracker.precision()));
    r.approximate = true;
    if (tracker.repeats() == 0)
      r.measured = std::round(keys - distinct);
    r.verdict = tracker.repeats() == 0 && distinct >= keys * (1 - tolerance) ? Verdict::Pass
                                                                             : Verdict::Fail;
    r.note = fmt::format(
        "more than {} keys: exact checking stopped at line {} (its memory cap); "
        "the rest is judged from a HyperLogLog estimate of {} distinct keys, "
        "which cannot see repeats below about {:.0f}% of the rows",
        tracker.capacity_keys(), tracker.overflow_line(), format_measure(std::round(distinct)),
        tolerance * 100);
  } else {
    r.verdict = tracker.repeats() == 0 ? Verdict::Pass : Verdict::Fail;
  }
  summarize(r);
  return r;
}

CheckResult correlation_result(const CorrelationTracker& tracker) {
  CheckResult r;
  r.spec = tracker.spec();
  r.threshold = r.spec.bounds;
  r.expected = describe_condition(r.spec);
  r.evaluated = tracker.pairs();
  std::optional<double> value = tracker.correlation();
  r.measured = value;
  r.verdict = value && r.threshold.contains(*value) ? Verdict::Pass : Verdict::Fail;
  if (!value) {
    r.note = fmt::format(
        "undefined: {} rows hold numbers in both columns, and it needs at least "
        "2 with neither column constant",
        tracker.pairs());
  }
  summarize(r);
  return r;
}

std::vector<CheckResult> collect_results(const RuleSet& rules, Trackers& trackers,
                                         const DatasetProfile& profile,
                                         const MetricHistory& history) {
  std::vector<CheckResult> results;
  size_t row = 0, unique = 0, correlation = 0;
  for (const CheckSpec& spec : rules.checks) {
    const std::string* missing =
        spec.kind == CheckKind::History ? nullptr : first_missing_column(spec, profile);
    if (spec.row_level()) {
      RowCheck& check = trackers.rows[row++];
      results.push_back(missing ? missing_column_result(spec, *missing, profile)
                                : row_result(check));
    } else if (spec.kind == CheckKind::Unique) {
      UniqueTracker& tracker = trackers.uniques[unique++];
      results.push_back(missing ? missing_column_result(spec, *missing, profile)
                                : unique_result(tracker));
    } else if (spec.kind == CheckKind::Correlation) {
      const CorrelationTracker& tracker = trackers.correlations[correlation++];
      results.push_back(missing ? missing_column_result(spec, *missing, profile)
                                : correlation_result(tracker));
    } else {
      results.push_back(decide_profile_check(spec, profile, history));
    }
  }
  return results;
}

}  // namespace

Result<ValidationReport> validate_file(const std::filesystem::path& path, std::string source_name,
                                       std::string rules_name, const RuleSet& rules,
                                       const ValidationOptions& options) {
  MLOPS_TRY(opened, open_records(path, options.read));
  RecordSource& source = **opened;
  bool jsonl = options.read.format == DataFormat::JsonLines ||
               (options.read.format == DataFormat::Auto && is_json_lines_name(path));
  ProfileOptions profile_options = options.profile;
  if (jsonl)
    profile_options.quoted_is_string = true;
  MLOPS_TRY(trackers,
            make_trackers(rules, profile_options.quoted_is_string, options.unique_max_bytes));
  NullTokens nulls(profile_options.null_values);
  Profiler profiler(profile_options);
  trackers->resolve(source.columns());
  size_t known_columns = source.columns().size();
  Record record;
  while (true) {
    MLOPS_TRY(more, source.next(record));
    if (!*more)
      break;
    const std::vector<std::string>& columns = source.columns();
    if (columns.size() != known_columns) {
      trackers->resolve(columns);
      known_columns = columns.size();
    }
    profiler.add(record, columns);
    trackers->check(record, nulls);
  }
  ValidationReport report;
  report.source = source_name;
  report.rules_file = std::move(rules_name);
  report.profile = profiler.finish(source, std::move(source_name), jsonl ? "jsonl" : "csv");
  report.checks = collect_results(rules, *trackers, report.profile, options.history);
  return report;
}

}  // namespace mlops
