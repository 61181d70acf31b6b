// The experiments table (`mlops runs --params --metrics`, like `dvc exp show`): one row per run,
// a column per field, runs selected by filters and sorted by a field. Every front end (the CLI's
// text, CSV and JSON, a web page) formats the same table.
//
// A field (a column, a filter's or the sort's subject) is one of
//   id, name, pipeline, status, cause, started_at, commit, note, tags
//   tag:KEY          a tag's value (also written tags.KEY)
//   params.KEY       a parameter of the run, nested keys joined by '.' (train.lr)
//   metrics.KEY      a metric the run recorded (when several stages record KEY, the value of the
//                    execution recorded last)
// A filter is FIELD OP VALUE with OP one of = != < <= > >= ~ (~: VALUE is a substring). `<`,
// `<=`, `>`, `>=` compare numbers and need a numeric VALUE; `=` and `!=` compare numbers when
// both sides are numbers (lr=0.1 matches 0.10), else text. A run without the field never
// matches. The sort is FIELD or -FIELD (descending); numbers before text, missing values last.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "store/metadata_store.hpp"
#include "util/error.hpp"

namespace mlops {

struct ExperimentFilter {
  std::string field;
  std::string op;  // = != < <= > >= ~
  std::string value;
};

// Usage saying what is wrong and the accepted forms when `text` is not a filter.
Result<ExperimentFilter> parse_experiment_filter(const std::string& text);
// Usage when `field` names no field (the forms above).
Status check_experiment_field(const std::string& field);

struct ExperimentQuery {
  std::optional<std::string> pipeline;
  std::optional<std::string> status;
  std::vector<std::string> filters;  // as parse_experiment_filter takes them
  std::optional<std::string> sort;   // FIELD or -FIELD; default: newest first
  std::vector<std::string> columns;  // empty: id, name, status, tags, then params and metrics
  bool params = false;               // with the default columns: every params.KEY
  bool metrics = false;              // with the default columns: every metrics.KEY
  int limit = 20;                    // at most this many rows (0: all)
};

struct ExperimentRow {
  RunRecord run;
  std::map<std::string, std::string> params;  // flattened; JSON text for non-strings
  std::map<std::string, double> metrics;
};

struct ExperimentTable {
  std::vector<std::string> columns;
  std::vector<ExperimentRow> rows;
  std::set<std::string> changed;  // params and metrics columns whose value is not the same in
                                  // every row
};

// A row's value of `field`; nothing when the run lacks it.
std::optional<std::string> experiment_cell(const ExperimentRow& row, const std::string& field);

// `runs` with their params and metrics (one query for all); Io when the store cannot be read.
Result<std::vector<ExperimentRow>> experiment_rows(MetadataStore& store,
                                                   std::vector<RunRecord> runs);

// Usage for a bad filter, sort or column; Io when the store cannot be read.
Result<ExperimentTable> experiment_table(MetadataStore& store, const ExperimentQuery& query);

}  // namespace mlops
