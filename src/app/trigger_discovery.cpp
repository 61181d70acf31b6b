// Which pipelines a trigger command works on, in which order, and the watcher's read-only look.
#include <algorithm>
#include <map>
#include <set>

#include "app/trigger_service.hpp"
#include "app/workspace.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

bool has_triggers_key(const std::filesystem::path& path) {
  // A cheap look for the key; the real parse comes later and reports errors properly.
  auto text = read_file(path, 8 * 1024 * 1024);
  return text.ok() &&
         (text->starts_with("triggers:") || text->find("\ntriggers:") != std::string::npos);
}

// The pipelines (by name) that ingest into feature group `group` through a stage's out.
std::set<std::string> group_writers(
    const std::vector<std::pair<std::filesystem::path, Pipeline>>& pipelines,
    const std::string& group) {
  std::set<std::string> writers;
  for (const auto& [file, pipeline] : pipelines) {
    for (const auto& stage : pipeline.stages) {
      if (std::find(stage.out_feature_groups.begin(), stage.out_feature_groups.end(), group) !=
          stage.out_feature_groups.end()) {
        writers.insert(pipeline.name);
      }
    }
  }
  return writers;
}

// The pipelines a pipeline's artifact triggers wait for: the upstream pipeline it names, or
// those that ingest into the feature group it names.
std::set<std::string> upstreams_of(
    const Pipeline& pipeline, const std::vector<std::pair<std::filesystem::path, Pipeline>>& all) {
  std::set<std::string> upstreams;
  for (const auto& artifact : pipeline.triggers.artifact) {
    if (!artifact.feature_group.empty()) {
      for (const auto& writer : group_writers(all, artifact.feature_group)) {
        if (writer != pipeline.name) {
          upstreams.insert(writer);
        }
      }
    } else {
      upstreams.insert(artifact.pipeline);
    }
  }
  return upstreams;
}

std::vector<std::pair<std::filesystem::path, Pipeline>> order_by_artifacts(
    std::vector<std::pair<std::filesystem::path, Pipeline>> pipelines) {
  std::vector<std::pair<std::filesystem::path, Pipeline>> ordered;
  std::set<std::string> done;
  std::set<std::string> present;
  std::map<std::string, std::set<std::string>> upstreams;
  for (const auto& [file, pipeline] : pipelines) {
    present.insert(pipeline.name);
    upstreams[pipeline.name] = upstreams_of(pipeline, pipelines);
  }
  // Repeatedly take the first pipeline whose upstreams (among those here) are done; a cycle
  // falls back to file order.
  while (!pipelines.empty()) {
    auto ready = std::find_if(pipelines.begin(), pipelines.end(), [&](const auto& entry) {
      const auto& needed = upstreams[entry.second.name];
      return std::all_of(needed.begin(), needed.end(), [&](const std::string& upstream) {
        return !present.count(upstream) || done.count(upstream);
      });
    });
    if (ready == pipelines.end()) {
      ready = pipelines.begin();
    }
    done.insert(ready->second.name);
    ordered.push_back(std::move(*ready));
    pipelines.erase(ready);
  }
  return ordered;
}

}  // namespace

std::vector<std::filesystem::path> discover_triggered_pipelines() {
  std::filesystem::path workspace = current_workspace();
  std::vector<std::filesystem::path> candidates;
  for (const char* name : {"pipeline.yaml", "pipeline.yml"}) {
    if (std::filesystem::is_regular_file(workspace / name)) {
      candidates.push_back(workspace / name);
    }
  }
  std::error_code error;
  std::vector<std::filesystem::path> listed;
  for (const auto& entry : std::filesystem::directory_iterator(workspace / "pipelines", error)) {
    auto extension = entry.path().extension();
    if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml")) {
      listed.push_back(entry.path());
    }
  }
  std::sort(listed.begin(), listed.end());
  candidates.insert(candidates.end(), listed.begin(), listed.end());
  std::vector<std::filesystem::path> found;
  for (const auto& path : candidates) {
    if (has_triggers_key(path)) {
      found.push_back(path.lexically_relative(std::filesystem::current_path()));
    }
  }
  return found;
}

TriggeredPipelines load_triggered_pipelines(std::vector<std::filesystem::path> files) {
  TriggeredPipelines result;
  if (files.empty()) {
    files = discover_triggered_pipelines();
    result.none_found = files.empty();
  }
  std::vector<std::pair<std::filesystem::path, Pipeline>> loaded;
  for (const auto& file : files) {
    LoadedPipeline one = load_checked_pipeline(file, LoadOptions{});
    if (!one.checked) {
      result.invalid.push_back(std::move(one));
      continue;
    }
    loaded.emplace_back(file, std::move(one.checked->pipeline));
  }
  result.pipelines = order_by_artifacts(std::move(loaded));
  return result;
}

Peek peek_pipeline_triggers(const Pipeline& pipeline,
                            const std::optional<std::filesystem::path>& store,
                            const WallClock& clock) {
  Peek peek;
  std::filesystem::path store_path = resolve_store_path(store, pipeline.workspace);
  if (!store_exists(store_path)) {
    peek.act = true;  // a first look records where each trigger starts from
    return peek;
  }
  auto opened = SqlStore::open(store_path.string());
  if (!opened.ok()) {
    peek.errors.push_back(without_password(opened.error().message(), store_path.string()));
    return peek;
  }
  TriggerContext context{**opened,
                         pipeline.name,
                         pipeline.workspace,
                         clock.now(),
                         std::chrono::system_clock::now(),
                         cached_objects(pipeline.workspace)};
  PipelineEvaluation evaluation = evaluate_triggers(pipeline.triggers, context);
  peek.act = evaluation.fires() || !evaluation.quiet_advances().empty();
  peek.wake_at = evaluation.wake_at();
  peek.errors = evaluation.errors();
  return peek;
}

}  // namespace mlops
