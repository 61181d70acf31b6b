// mlops export openlineage RUN: the run as OpenLineage 2-0-2 RunEvents, one JSON object a line:
// START and COMPLETE/FAIL/ABORT for the pipeline run, and the same for each stage execution
// (with a parent facet pointing at the pipeline run), each stage's inputs and outputs as datasets
// carrying a content-hash facet. Run ids are UUIDs derived from the mlops ids, so exporting twice
// gives the same events.
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "hash/digest.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

constexpr const char* k_schema_url =
    "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent";
constexpr const char* k_facet_schema_url =
    "https://openlineage.io/spec/facets/1-0-0/ContentHashDatasetFacet.json";
constexpr const char* k_parent_schema_url =
    "https://openlineage.io/spec/facets/1-0-0/ParentRunFacet.json";

std::string producer() {
  return std::string("urn:mlops:") + MLOPS_VERSION;
}

// An RFC 9562 version-8 (custom) UUID from the XXH3-128 digest of `name`.
std::string uuid_for(const std::string& name) {
  Digest digest = digest_bytes("mlops-openlineage-run:" + name);
  uint64_t high = (digest.high & ~0xF000ULL) | 0x8000ULL;
  uint64_t low = (digest.low & ~(0xC000ULL << 48)) | (0x8000ULL << 48);
  std::string hex = fmt::format("{:016x}{:016x}", high, low);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

std::string end_event_type(const std::string& status) {
  if (status == "succeeded") {
    return "COMPLETE";
  }
  if (status == "failed") {
    return "FAIL";
  }
  return "ABORT";  // cancelled, interrupted
}

nlohmann::json dataset(const std::string& space, const ArtifactRecord& artifact) {
  // A feature-group commit (fg://NAME/vN@C) is a dataset of the workspace's feature store, not
  // a file: its own namespace, the rest of the URI as its name.
  bool commit = artifact.path.starts_with("fg://");
  return {{"namespace", commit ? space + "/.mlops/fs" : space},
          {"name", commit ? artifact.path.substr(5) : artifact.path},
          {"facets",
           {{"contentHash",
             {{"_producer", producer()},
              {"_schemaURL", k_facet_schema_url},
              {"algorithm", "xxh3-128"},
              {"digest", artifact.digest},
              {"size", artifact.size}}}}}};
}

}  // namespace

int export_command(const ExportCommand& command) {
  auto opened = open_workspace_for_run(command.query, command.run);
  if (!opened) {
    return k_exit_invalid;
  }
  auto details = run_details(opened->store(), opened->run_id);
  if (!details.ok()) {
    write_all(2, "mlops: error: cannot read the run from the store\n");
    return k_exit_invalid;
  }
  const RunRecord& r = details->run;
  const auto& executions = details->executions;
  const auto& events = details->events;
  std::string space = fmt::format("file://{}{}", host_name(), opened->space.root().string());
  std::string run_uuid = uuid_for(r.id);
  nlohmann::json pipeline_job = {{"namespace", space}, {"name", r.pipeline}};

  std::string out;
  auto emit = [&](const std::string& type, const std::string& time, nlohmann::json run_part,
                  nlohmann::json job, nlohmann::json inputs, nlohmann::json outputs) {
    nlohmann::json event = {{"eventType", type},           {"eventTime", time},
                            {"producer", producer()},      {"schemaURL", k_schema_url},
                            {"run", std::move(run_part)},  {"job", std::move(job)},
                            {"inputs", std::move(inputs)}, {"outputs", std::move(outputs)}};
    out += json_text(event) + "\n";
  };
  nlohmann::json none = nlohmann::json::array();
  emit("START", r.started_at, {{"runId", run_uuid}}, pipeline_job, none, none);
  for (const auto& execution : executions) {
    nlohmann::json inputs = nlohmann::json::array();
    nlohmann::json outputs = nlohmann::json::array();
    for (const auto& event : events) {
      if (event.execution_id == execution.id) {
        (event.direction == "input" ? inputs : outputs).push_back(dataset(space, event.artifact));
      }
    }
    nlohmann::json stage_run = {{"runId", uuid_for(r.id + "/" + std::to_string(execution.id))},
                                {"facets",
                                 {{"parent",
                                   {{"_producer", producer()},
                                    {"_schemaURL", k_parent_schema_url},
                                    {"run", {{"runId", run_uuid}}},
                                    {"job", pipeline_job}}}}}};
    nlohmann::json job = {{"namespace", space}, {"name", r.pipeline + "." + execution.stage}};
    emit("START", execution.started_at, stage_run, job, inputs, none);
    if (execution.ended_at) {
      emit(end_event_type(execution.status), *execution.ended_at, stage_run, job, inputs, outputs);
    }
  }
  if (r.ended_at) {
    emit(end_event_type(r.status), *r.ended_at, {{"runId", run_uuid}}, pipeline_job, none, none);
  }
  write_all(1, out);
  return k_exit_success;
}

}  // namespace mlops
