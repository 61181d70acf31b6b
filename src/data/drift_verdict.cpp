// compute_drift: the measures of every shared column and the verdicts a DriftPolicy gives them
// (data/drift.hpp).
#include "data/drift.hpp"

namespace mlops {

namespace {

void judge(ColumnDrift& d, const DriftPolicy& policy, uint64_t min_rows) {
  const ColumnDriftPolicy* own = nullptr;
  if (auto it = policy.columns.find(d.column); it != policy.columns.end())
    own = &it->second;
  d.method = own && own->method ? *own->method : policy.method;
  d.warn = own && own->warn ? *own->warn : policy.warn;
  d.fail = own && own->fail ? *own->fail : policy.fail;
  d.critical = own && own->critical;
  // A numeric-only method on a categorical column falls back to the policy's, then to PSI.
  std::optional<double> value = d.measure(d.method);
  if (!value) {
    d.method = d.measure(policy.method) ? policy.method : DriftMethod::Psi;
    value = d.measure(d.method);
  }
  d.value = value.value_or(0.0);
  if (own && own->ignore) {
    d.status = DriftStatus::Ignored;
  } else if (d.reference_count < min_rows || d.current_count < min_rows) {
    d.status = DriftStatus::Insufficient;
  } else if (d.value >= d.fail) {
    d.status = DriftStatus::Drift;
  } else if (d.value >= d.warn) {
    d.status = DriftStatus::Warn;
  } else {
    d.status = DriftStatus::Ok;
  }
}

}  // namespace

DriftReport compute_drift(const DatasetProfile& reference, const DatasetProfile& current,
                          const DriftPolicy& policy) {
  DriftReport report;
  for (const ColumnProfile& r : reference.columns) {
    const ColumnProfile* c = current.column(r.name);
    if (c == nullptr) {
      report.missing_columns.push_back(r.name);
      continue;
    }
    ColumnDrift d = compare_columns(r, reference.rows, *c, current.rows, policy.epsilon);
    judge(d, policy, policy.min_rows);
    if (d.status != DriftStatus::Ignored && d.status != DriftStatus::Insufficient) {
      ++report.evaluated;
    }
    if (d.status == DriftStatus::Drift) {
      ++report.drifted;
      if (d.critical)
        report.critical_drift = true;
    }
    if (d.status == DriftStatus::Warn)
      ++report.warned;
    report.columns.push_back(std::move(d));
  }
  for (const ColumnProfile& c : current.columns) {
    if (reference.column(c.name) == nullptr)
      report.new_columns.push_back(c.name);
  }
  report.share = report.evaluated == 0
                     ? 0.0
                     : static_cast<double>(report.drifted) / static_cast<double>(report.evaluated);
  report.dataset_drift =
      report.critical_drift || (report.evaluated > 0 && report.share >= policy.drift_share);
  return report;
}

}  // namespace mlops
