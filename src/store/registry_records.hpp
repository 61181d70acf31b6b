// The model registry's records (docs/registry.md): models, their integer versions, aliases with
// an append-only history, tags, and the gate results that allow a promotion. Also the record of
// each metric-trigger evaluation. MetadataStore (metadata_store.hpp) reads and writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace mlops {

// One version of a model: a content-addressed artifact (path and digest, as in `artifacts`) and
// the run and stage that wrote it. Versions are integers per model, allocated from the model's
// counter in the write transaction that creates them; the same bytes are one version.
struct ModelVersionRecord {
  std::string model;
  int64_t version = 0;
  std::string path;  // workspace-relative
  std::string kind;  // file or directory
  std::string digest;
  int64_t size = 0;
  std::optional<std::string> run_id;
  std::optional<std::string> pipeline;
  std::optional<std::string> stage;
  std::string created_at;
  bool created = false;  // register_model_version: a new version (not bytes seen before)
};

struct ModelTag {
  std::string key;
  std::string value;
};

struct ModelSummary {
  std::string name;
  int64_t versions = 0;
  std::optional<int64_t> latest;
  std::vector<std::pair<std::string, int64_t>> aliases;  // by alias
  std::vector<ModelTag> tags;                            // of the model itself, by key
  std::string created_at;
};

// The outcome of one gate (the "blessing"): the candidate, the baseline it was compared with,
// each check with its numbers (JSON), and the metric values the gate read (JSON object: later
// gates compare with them when this version is their baseline).
struct GateResultRecord {
  int64_t id = 0;
  std::string model;
  int64_t version = 0;
  std::optional<std::string> baseline_alias;
  std::optional<int64_t> baseline_version;
  std::string verdict;  // passed | failed | passed_without_baseline
  std::string checks_json = "[]";
  std::string metrics_json = "{}";
  std::optional<std::string> run_id;
  std::optional<std::string> stage;
  std::string created_at;
  bool passed() const { return verdict != "failed"; }
};

// A move of an alias, asked for (AliasMoveRequest) or recorded (AliasMove).
struct AliasMoveRequest {
  std::string model;
  std::string alias;
  int64_t version = 0;
  // Compare-and-swap: the move applies only if the alias is held by this version (0: by none).
  // Nothing: move whatever holds it.
  std::optional<int64_t> expected_current;
  // Refuse a version whose newest gate result is not a pass (promote without --force).
  bool require_passing_gate = true;
  std::string action = "promote";  // promote | force | rollback | gate
  std::string actor;
  std::string at;
  std::optional<std::string> reason;
  std::optional<std::string> run_id;
};

struct AliasMove {
  int64_t id = 0;
  std::string model;
  std::string alias;
  std::optional<int64_t> from_version;
  int64_t to_version = 0;
  std::string action;
  std::string actor;
  std::string at;
  std::optional<std::string> reason;
  std::optional<int64_t> gate_result;
  std::optional<std::string> run_id;
};

// One evaluation of a metric trigger: the state before and after, and why (JSON: the readings
// in the window, the aggregate, the condition).
struct TriggerEvaluation {
  int64_t id = 0;
  std::string pipeline;
  std::string trigger_key;
  std::string at;
  std::string state_before;
  std::string state_after;
  std::string detail_json = "{}";
  std::optional<std::string> run_id;
};

}  // namespace mlops
