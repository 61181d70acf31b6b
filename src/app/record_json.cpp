#include "app/record_json.hpp"

namespace mlops {
namespace {

template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

}  // namespace

nlohmann::json run_json(const RunRecord& run) {
  nlohmann::json params = nlohmann::json::parse(run.params_json, nullptr, false);
  return {{"id", run.id},
          {"pipeline", run.pipeline},
          {"pipeline_file", run.pipeline_file},
          {"pipeline_hash", run.pipeline_hash},
          {"status", run.status},
          {"cause", run.cause},
          {"cause_detail", optional_json(run.cause_detail)},
          {"params", params.is_discarded() ? nlohmann::json::object() : params},
          {"git",
           {{"commit", optional_json(run.git_commit)},
            {"branch", optional_json(run.git_branch)},
            {"dirty", optional_json(run.git_dirty)}}},
          {"host", run.host},
          {"user", run.user},
          {"mlops_version", run.mlops_version},
          {"started_at", run.started_at},
          {"ended_at", optional_json(run.ended_at)},
          {"name", optional_json(run.name)},
          {"note", optional_json(run.note)},
          {"tags", run.tags}};
}

nlohmann::json execution_json(const ExecutionRecord& execution) {
  return {{"id", execution.id},
          {"run", execution.run_id},
          {"stage", execution.stage},
          {"attempt", execution.attempt},
          {"status", execution.status},
          {"command", execution.command},
          {"exit_code", optional_json(execution.exit_code)},
          {"signal", optional_json(execution.signal)},
          {"message", optional_json(execution.message)},
          {"started_at", execution.started_at},
          {"ended_at", optional_json(execution.ended_at)},
          {"log", optional_json(execution.log_path)},
          {"fingerprint", optional_json(execution.fingerprint)},
          {"cached", execution.cached}};
}

nlohmann::json artifact_json(const ArtifactRecord& artifact) {
  return {{"id", artifact.id},
          {"path", artifact.path},
          {"kind", artifact.kind},
          {"digest", artifact.digest},
          {"size", artifact.size},
          {"created_at", artifact.created_at},
          {"produced_by", artifact.producer
                              ? nlohmann::json{{"execution", *artifact.producer},
                                               {"run", optional_json(artifact.producer_run)},
                                               {"stage", optional_json(artifact.producer_stage)}}
                              : nlohmann::json(nullptr)},
          {"reused_in", artifact.reused_in}};
}

}  // namespace mlops
