#include "engine/model_steps.hpp"

#include <charconv>

#include <fmt/format.h>

#include "hash/digest.hpp"
#include "spec/gate_parser.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

// While stages run the recorder lets a write wait only briefly for another process's lock (it
// retries later); a gate's verdict cannot be put off, so its writes wait longer, then go back.
constexpr auto k_gate_write_wait = std::chrono::seconds(10);
constexpr auto k_run_write_wait = std::chrono::milliseconds(20);
constexpr size_t k_max_metrics_bytes = 16 << 20;

struct WriteWait {
  MetadataStore& store;
  explicit WriteWait(MetadataStore& s) : store(s) { store.set_write_wait(k_gate_write_wait); }
  ~WriteWait() { store.set_write_wait(k_run_write_wait); }
};

}  // namespace

ModelSteps::ModelSteps(const Pipeline& pipeline, MetadataStore& store, std::string run_id,
                       std::string actor, ModelMaterializer materializer)
    : m_pipeline(pipeline),
      m_store(store),
      m_run_id(std::move(run_id)),
      m_actor(std::move(actor)),
      m_materializer(std::move(materializer)) {}

Result<ModelVersionRecord> ModelSteps::register_path(const std::string& model,
                                                     const std::string& path,
                                                     const std::string& stage,
                                                     const std::optional<ArtifactVersion>& known) {
  ModelVersionRecord version;
  version.model = model;
  version.path = path;
  if (known && !known->digest.empty()) {
    version.digest = known->digest;
    version.size = known->size;
    version.kind = known->kind == "directory" ? "directory" : "file";
  } else {
    auto digest = digest_path(m_pipeline.workspace / path);
    if (!digest.ok()) {
      return Error(digest.error().kind(),
                   fmt::format("cannot register '{}' as a version of model '{}': {}", path, model,
                               digest.error().message()));
    }
    version.digest = digest->digest.hex();
    version.size = static_cast<int64_t>(digest->size);
    version.kind = digest->is_directory ? "directory" : "file";
  }
  version.run_id = m_run_id;
  version.pipeline = m_pipeline.name;
  version.stage = stage;
  version.created_at = now_utc_iso();
  WriteWait wait(m_store);
  MLOPS_TRY(registered, m_store.register_model_version(version));
  m_registered[model] = *registered;
  return *registered;
}

Status ModelSteps::register_outputs(size_t index, const StageReport& report) {
  const Stage& stage = m_pipeline.stages[index];
  for (size_t i = 0; i < stage.outs.size() && i < stage.out_models.size(); ++i) {
    if (stage.out_models[i].empty()) {
      continue;
    }
    std::optional<ArtifactVersion> known;
    for (const auto& output : report.outputs) {
      if (output.path == stage.outs[i].value) {
        known = output;
      }
    }
    MLOPS_TRY(version, register_path(stage.out_models[i], stage.outs[i].value, stage.name, known));
  }
  return Status::success();
}

// The version of `model` the pipeline's out holds now: registered by this run, or (its stage
// was not selected) the bytes in the workspace.
Result<ModelVersionRecord> ModelSteps::candidate_of(const std::string& model) {
  if (auto it = m_registered.find(model); it != m_registered.end()) {
    return it->second;
  }
  for (const auto& stage : m_pipeline.stages) {
    for (size_t i = 0; i < stage.outs.size() && i < stage.out_models.size(); ++i) {
      if (stage.out_models[i] == model) {
        return register_path(model, stage.outs[i].value, stage.name, std::nullopt);
      }
    }
  }
  return Error(ErrorKind::InvalidSpec,
               fmt::format("no stage of pipeline '{}' writes model '{}'", m_pipeline.name, model));
}

Result<GateOutcome> ModelSteps::judge_once(size_t index, const GateMetrics& metrics) {
  const Stage& stage = m_pipeline.stages[index];
  const GateSpec& gate = *stage.gate;
  MLOPS_TRY(candidate, candidate_of(gate.model));
  GateBaseline baseline;
  std::optional<ModelVersionRecord> holder;
  if (!gate.baseline.empty()) {
    MLOPS_TRY(resolved, m_store.resolve_alias(gate.model, gate.baseline));
    holder = *resolved;
  }
  if (holder) {
    baseline.exists = holder->version != candidate->version;
    baseline.candidate_is_baseline = holder->version == candidate->version;
    MLOPS_TRY(recorded, m_store.latest_gate_result(gate.model, holder->version));
    if (*recorded) {
      baseline.metrics = parse_gate_metrics_json((*recorded)->metrics_json);
    }
  }
  GateOutcome outcome = evaluate_gate(gate, metrics, baseline);
  outcome.stage = stage.name;
  outcome.candidate = candidate->version;
  if (holder) {
    outcome.baseline_version = holder->version;
  }
  GateResultRecord record{0,
                          gate.model,
                          candidate->version,
                          gate.baseline.empty() ? std::nullopt : std::optional(gate.baseline),
                          outcome.baseline_version,
                          outcome.verdict,
                          gate_checks_json(outcome.checks),
                          gate_metrics_json(metrics),
                          m_run_id,
                          stage.name,
                          now_utc_iso()};
  std::optional<AliasMoveRequest> promote;
  if (!gate.promote.empty() && outcome.passed()) {
    MLOPS_TRY(current, m_store.resolve_alias(gate.model, gate.promote));
    MLOPS_TRY(blocked, promotion_blocked(gate.model, gate.promote, candidate->version));
    if (*blocked) {
      outcome.not_promoted = **blocked;
    } else if (!*current || (*current)->version != candidate->version) {
      promote = AliasMoveRequest{gate.model,
                                 gate.promote,
                                 candidate->version,
                                 *current ? (*current)->version : 0,
                                 false,
                                 "gate",
                                 m_actor,
                                 record.created_at,
                                 fmt::format("gate of stage {} passed", stage.name),
                                 m_run_id};
      outcome.promoted = fmt::format("{}@{}", gate.model, gate.promote);
    }
  }
  WriteWait wait(m_store);
  MLOPS_TRY(id, m_store.record_gate(record, promote));
  outcome.gate_result_id = *id;
  return outcome;
}

Result<std::optional<std::string>> ModelSteps::promotion_blocked(const std::string& model,
                                                                 const std::string& alias,
                                                                 int64_t version) {
  MLOPS_TRY(history, m_store.alias_history(model, alias));
  for (auto it = history->rbegin(); it != history->rend(); ++it) {
    if (it->action == "rollback" && it->from_version == version) {
      return std::optional(
          fmt::format("not promoted: {} was rolled back from v{} at {} ({}); "
                      "promote it by hand (mlops models promote {} {} --alias "
                      "{}) to undo that",
                      alias, version, it->at, it->actor, model, version, alias));
    }
    if (it->to_version == version && it->action != "rollback") {
      break;  // promoted again after the rollback: no longer blocked
    }
  }
  return std::optional<std::string>();
}

Result<std::optional<GateOutcome>> ModelSteps::recorded_verdict(size_t index) {
  const Stage& stage = m_pipeline.stages[index];
  const GateSpec& gate = *stage.gate;
  MLOPS_TRY(candidate, candidate_of(gate.model));
  MLOPS_TRY(recorded, m_store.latest_gate_result(gate.model, candidate->version));
  if (!*recorded || (*recorded)->stage != stage.name) {
    return std::optional<GateOutcome>();
  }
  GateOutcome outcome;
  outcome.stage = stage.name;
  outcome.model = gate.model;
  outcome.candidate = candidate->version;
  outcome.baseline_alias = (*recorded)->baseline_alias.value_or("");
  outcome.baseline_version = (*recorded)->baseline_version;
  outcome.verdict = (*recorded)->verdict;
  outcome.checks = parse_gate_checks_json((*recorded)->checks_json);
  outcome.gate_result_id = (*recorded)->id;
  outcome.repeated_from = (*recorded)->run_id;
  return std::optional(std::move(outcome));
}

Result<GateOutcome> ModelSteps::judge(size_t index, bool up_to_date) {
  const Stage& stage = m_pipeline.stages[index];
  if (up_to_date) {
    MLOPS_TRY(recorded, recorded_verdict(index));
    if (*recorded) {
      return std::move(**recorded);
    }
  }
  std::vector<std::string> texts;
  std::vector<std::string> names;
  for (const auto& path : stage.metrics) {
    names.push_back(path.value);
    auto text = read_file(m_pipeline.workspace / path.value, k_max_metrics_bytes);
    if (!text.ok()) {
      return Error(text.error().kind(), fmt::format("the gate cannot read the metrics file "
                                                    "'{}': {}",
                                                    path.value, text.error().message()));
    }
    texts.push_back(std::move(*text));
  }
  auto metrics = read_gate_metrics(texts, names);
  if (!metrics.ok()) {
    return Error(ErrorKind::InvalidSpec, fmt::format("the gate of stage '{}' cannot read its "
                                                     "metrics: {}",
                                                     stage.name, metrics.error().message()));
  }
  // The alias may move between reading the baseline and promoting (another run's gate, a
  // `models promote`): the compare-and-swap refuses, and the gate judges again once.
  auto outcome = judge_once(index, *metrics);
  if (!outcome.ok() && outcome.error().kind() == ErrorKind::Conflict) {
    outcome = judge_once(index, *metrics);
  }
  return outcome;
}

Status ModelSteps::prepare(size_t index) {
  const Stage& stage = m_pipeline.stages[index];
  for (const auto& ref : stage.model_refs) {
    std::optional<ModelVersionRecord> version;
    if (is_version_selector(ref.selector)) {
      int64_t number = 0;
      std::string_view digits = std::string_view(ref.selector).substr(1);
      std::from_chars(digits.data(), digits.data() + digits.size(), number);
      MLOPS_TRY(found, m_store.find_model_version(ref.model, number));
      version = *found;
    } else {
      MLOPS_TRY(found, m_store.resolve_alias(ref.model, ref.selector));
      version = *found;
    }
    if (!version) {
      return Error(ErrorKind::NotFound,
                   fmt::format("${{models.{}@{}}}: {}; promote a version (mlops models promote "
                               "{} VERSION --alias {}) or run the pipeline whose gate does",
                               ref.model, ref.selector,
                               is_version_selector(ref.selector)
                                   ? fmt::format("model '{}' has no version {}", ref.model,
                                                 ref.selector.substr(1))
                                   : fmt::format("no version of model '{}' holds alias '{}'",
                                                 ref.model, ref.selector),
                               ref.model, ref.selector));
    }
    if (!m_materializer) {
      return Error(ErrorKind::Internal, "no model materializer");
    }
    MLOPS_CHECK(m_materializer(*version, ref));
  }
  return Status::success();
}

}  // namespace mlops
