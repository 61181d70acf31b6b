// mlops data profile FILE and mlops data drift --reference R --current C: adapters over
// app/data_quality.hpp that print a summary (or the JSON document) and map a drift verdict to
// exit code 3.
#include <fmt/format.h>

#include <cmath>

#include "app/data_quality.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/text_table.hpp"
#include "data/profile_json.hpp"
#include "util/file_io.hpp"

namespace mlops {

namespace {

Result<DataReadRequest> read_request(const DataReadOptions& options) {
  DataReadRequest request;
  if (options.format == "csv") {
    request.read.format = DataFormat::Csv;
  } else if (options.format == "jsonl") {
    request.read.format = DataFormat::JsonLines;
  } else if (options.format != "auto") {
    return Error(ErrorKind::Usage,
                 fmt::format("--format {}: expected auto, csv or jsonl", options.format));
  }
  if (options.delimiter == "tab" || options.delimiter == "\\t") {
    request.read.delimiter = '\t';
  } else if (options.delimiter.size() == 1) {
    request.read.delimiter = options.delimiter[0];
  } else if (!options.delimiter.empty()) {
    return Error(ErrorKind::Usage,
                 fmt::format("--delimiter '{}': expected one character or tab", options.delimiter));
  }
  request.read.header = !options.no_header;
  if (options.no_default_nulls)
    request.profile.null_values.clear();
  for (const std::string& token : options.null_values) {
    request.profile.null_values.push_back(token);
  }
  return request;
}

std::string short_number(double value) {
  if (std::isnan(value))
    return "nan";
  return fmt::format("{:.6g}", value);
}

std::string percent(double fraction) {
  return fmt::format("{:.1f}%", fraction * 100);
}

std::string top_values(const ColumnProfile& c, uint64_t rows) {
  std::string text;
  for (const FrequentItem& item : c.top.top(3)) {
    if (!text.empty())
      text += ", ";
    std::string value = item.value.size() > 20 ? item.value.substr(0, 19) + "…" : item.value;
    text += fmt::format("{} ({})", value, percent(rows ? double(item.count) / rows : 0));
  }
  return text;
}

std::string profile_summary(const DatasetProfile& p) {
  std::string out =
      fmt::format("{}: {} rows, {} columns, {} malformed rows, ~{} duplicate rows\n", p.source,
                  p.rows, p.columns.size(), p.malformed_rows, p.duplicate_rows_estimate());
  for (const MalformedRow& row : p.malformed_sample) {
    out += fmt::format("  line {}: {}\n", row.line, row.reason);
  }
  TextTable table({"column", "type", "nulls", "distinct", "min", "mean", "stddev", "max", "top"});
  for (const ColumnProfile& c : p.columns) {
    bool numeric = c.moments.count > 0;
    table.add({c.name, c.inferred_type(), percent(c.null_fraction(p.rows)),
               fmt::format("~{}", std::llround(c.distinct.estimate())),
               numeric ? short_number(c.moments.min) : "",
               numeric ? short_number(c.moments.mean) : "",
               numeric ? short_number(c.moments.stddev()) : "",
               numeric ? short_number(c.moments.max) : "", top_values(c, p.rows)});
  }
  return out + table.render();
}

}  // namespace

int data_profile_command(const DataProfileCommand& command) {
  Result<DataReadRequest> request = read_request(command.read);
  if (!request.ok())
    return report_query_error(request.error());
  request->threads = command.threads;
  Result<DatasetProfile> profile = load_or_profile(command.file, *request);
  if (!profile.ok())
    return report_query_error(profile.error());
  std::string document = profile_to_json(*profile);
  if (command.output) {
    Status written = write_file_atomic(*command.output, document);
    if (!written.ok())
      return report_query_error(written.error());
  }
  if (command.metrics_out) {
    Status written = write_file_atomic(*command.metrics_out, profile_metrics_json(*profile));
    if (!written.ok())
      return report_query_error(written.error());
  }
  write_all(1, command.json ? document : profile_summary(*profile));
  return k_exit_success;
}

namespace {

Result<DriftPolicy> drift_policy(const DataDriftCommand& command) {
  DriftPolicy policy;
  std::optional<DriftMethod> method = parse_drift_method(command.method);
  if (!method) {
    return Error(ErrorKind::Usage,
                 fmt::format("--method {}: expected psi, js_divergence, js_distance, linf, ks_d, "
                             "ks_d_robust or wasserstein_norm",
                             command.method));
  }
  policy.method = *method;
  if (command.warn)
    policy.warn = *command.warn;
  if (command.fail)
    policy.fail = *command.fail;
  if (!command.fail && command.warn && policy.fail < policy.warn)
    policy.fail = policy.warn;
  if (policy.warn > policy.fail) {
    return Error(ErrorKind::Usage,
                 fmt::format("--warn {} is above --fail {}", policy.warn, policy.fail));
  }
  if (command.min_rows)
    policy.min_rows = *command.min_rows;
  if (command.drift_share)
    policy.drift_share = *command.drift_share;
  for (const std::string& column : command.critical)
    policy.columns[column].critical = true;
  for (const std::string& column : command.ignore)
    policy.columns[column].ignore = true;
  return policy;
}

std::string measure_text(const std::optional<double>& value) {
  return value ? short_number(*value) : "-";
}

std::string drift_summary(const DriftOutcome& outcome) {
  const DriftReport& r = outcome.report;
  TextTable table({"column", "kind", "status", "method", "value", "psi", "js_dist", "linf", "ks_d",
                   "wass_norm", "null_delta"});
  for (const ColumnDrift& d : r.columns) {
    table.add({d.column, d.numeric ? "numeric" : "categorical",
               std::string(drift_status_name(d.status)) + (d.critical ? " (critical)" : ""),
               drift_method_name(d.method), short_number(d.value), short_number(d.psi),
               short_number(d.js_distance), short_number(d.linf), measure_text(d.ks_d),
               measure_text(d.wasserstein_norm), short_number(d.null_fraction_delta)});
  }
  std::string out =
      fmt::format("{} ({} rows) -> {} ({} rows)\n", outcome.sides.reference,
                  outcome.sides.reference_rows, outcome.sides.current, outcome.sides.current_rows);
  out += table.render();
  for (const std::string& c : r.missing_columns)
    out += fmt::format("column '{}' is missing\n", c);
  for (const std::string& c : r.new_columns)
    out += fmt::format("column '{}' is new\n", c);
  out += fmt::format("dataset: {} ({} of {} evaluated columns drifted, share {:.2f}{})\n",
                     r.dataset_drift ? "DRIFT" : "no drift", r.drifted, r.evaluated, r.share,
                     r.critical_drift ? "; a critical column drifted" : "");
  return out;
}

}  // namespace

int data_drift_command(const DataDriftCommand& command) {
  Result<DataReadRequest> read = read_request(command.read);
  if (!read.ok())
    return report_query_error(read.error());
  Result<DriftPolicy> policy = drift_policy(command);
  if (!policy.ok())
    return report_query_error(policy.error());
  DriftRequest request{
      .reference = command.reference, .current = command.current, .read = *read, .policy = *policy};
  Result<DriftOutcome> outcome = compare_datasets(request);
  if (!outcome.ok())
    return report_query_error(outcome.error());
  if (command.output) {
    Status written = write_file_atomic(*command.output, outcome->json);
    if (!written.ok())
      return report_query_error(written.error());
  }
  if (command.metrics_out) {
    Status written = write_file_atomic(*command.metrics_out, drift_metrics_json(outcome->report));
    if (!written.ok())
      return report_query_error(written.error());
  }
  write_all(1, command.json ? outcome->json : drift_summary(*outcome));
  if (outcome->report.dataset_drift && !command.report_only)
    return k_exit_rejected;
  return k_exit_success;
}

}  // namespace mlops
