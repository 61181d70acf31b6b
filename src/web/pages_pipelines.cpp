#include "web/pages_pipelines.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "app/pipeline_loading.hpp"
#include "app/record_json.hpp"
#include "app/trigger_explain.hpp"
#include "app/trigger_views.hpp"
#include "triggers/trigger.hpp"
#include "util/wall_clock.hpp"
#include "web/pages_html.hpp"

namespace mlops::web {
namespace {

constexpr int k_next_times = 3;
// Pipelines known from the store are found among this many newest runs.
constexpr int k_runs_scanned = 2000;

// What the pages show of one pipeline.
struct PipelineView {
  std::string name;
  std::string file;  // workspace-relative; empty when known from the store only
  std::optional<Pipeline> pipeline;
  std::vector<std::pair<std::string, std::string>> triggers;  // (kind, key)
  std::vector<ScheduleTimes> schedules;
  std::optional<RunRecord> last_run;
  std::vector<std::string> errors;
};

std::vector<std::filesystem::path> pipeline_files(const std::filesystem::path& root) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const char* name : {"pipeline.yaml", "pipeline.yml"}) {
    if (std::filesystem::is_regular_file(root / name, error)) {
      files.push_back(root / name);
    }
  }
  std::vector<std::filesystem::path> listed;
  for (const auto& entry : std::filesystem::directory_iterator(root / "pipelines", error)) {
    auto extension = entry.path().extension();
    if (entry.is_regular_file(error) && (extension == ".yaml" || extension == ".yml")) {
      listed.push_back(entry.path());
    }
  }
  std::sort(listed.begin(), listed.end());
  files.insert(files.end(), listed.begin(), listed.end());
  return files;
}

PipelineView view_of_file(const std::filesystem::path& root, const std::filesystem::path& file) {
  PipelineView view;
  view.file = file.lexically_relative(root).string();
  LoadedPipeline loaded = load_checked_pipeline(file, LoadOptions{});
  if (!loaded.checked) {
    view.name = file.stem().string();
    view.errors.push_back(
        fmt::format("{} has errors; `mlops check {}` shows them", view.file, view.file));
    return view;
  }
  view.pipeline = std::move(loaded.checked->pipeline);
  view.name = view.pipeline->name;
  view.triggers = trigger_keys(view.pipeline->triggers);
  auto schedules = next_schedule_times(*view.pipeline, wall_now(), k_next_times);
  if (schedules.ok()) {
    view.schedules = std::move(*schedules);
  } else {
    view.errors.push_back(schedules.error().message());
  }
  return view;
}

// The workspace's pipeline files, then pipelines only the store's runs name; each with its
// newest run.
Result<std::vector<PipelineView>> pipeline_views(Workspace& workspace) {
  std::vector<PipelineView> views;
  std::set<std::string> names;
  for (const auto& file : pipeline_files(workspace.root())) {
    views.push_back(view_of_file(workspace.root(), file));
    names.insert(views.back().name);
  }
  MetadataStore* store = workspace.store();
  if (!store) {
    return views;
  }
  MLOPS_TRY(runs, store->list_runs(RunFilter{std::nullopt, std::nullopt, k_runs_scanned}));
  for (const auto& run : *runs) {  // newest first
    if (names.insert(run.pipeline).second) {
      PipelineView view;
      view.name = run.pipeline;
      views.push_back(std::move(view));
    }
    for (auto& view : views) {
      if (view.name == run.pipeline && !view.last_run) {
        view.last_run = run;
      }
    }
  }
  return views;
}

nlohmann::json view_json(const PipelineView& view) {
  nlohmann::json stages = nlohmann::json::array();
  if (view.pipeline) {
    for (const auto& stage : view.pipeline->stages) {
      stages.push_back(stage.name);
    }
  }
  nlohmann::json triggers = nlohmann::json::array();
  for (const auto& [kind, key] : view.triggers) {
    triggers.push_back({{"kind", kind}, {"key", key}});
  }
  return {{"name", view.name},
          {"file", view.file.empty() ? nlohmann::json() : nlohmann::json(view.file)},
          {"stages", stages},
          {"triggers", triggers},
          {"schedules", schedule_times_json(view.name, view.schedules)["schedules"]},
          {"last_run", view.last_run ? run_json(*view.last_run) : nlohmann::json()},
          {"errors", view.errors}};
}

std::string pipeline_path(const std::string& name) {
  return "/pipelines/" + html::segment(name);
}

std::string last_run_html(const Links& links, const PipelineView& view) {
  if (!view.last_run) {
    return "never run";
  }
  const RunRecord& run = *view.last_run;
  return html::link(links, "/runs/" + html::segment(run.id), run.name.value_or(run.id)) + " " +
         html::status_badge(run.status) + " " + html::text(run.started_at);
}

std::string triggers_html(const PipelineView& view) {
  std::vector<std::string> parts;
  for (const auto& [kind, key] : view.triggers) {
    parts.push_back(html::text(kind) + ": " + html::text(key));
  }
  std::string out;
  for (const auto& part : parts) {
    out += (out.empty() ? "" : "<br>") + part;
  }
  return out.empty() ? "-" : out;
}

std::string next_times_html(const PipelineView& view) {
  std::string out;
  for (const auto& schedule : view.schedules) {
    for (const auto& time : schedule.next) {
      out += (out.empty() ? "" : "<br>") + html::text(time.local);
    }
  }
  return out.empty() ? "-" : out;
}

Result<Page> pipelines_page(const PageRequest& request) {
  MLOPS_TRY(views, pipeline_views(request.workspace));
  Page page;
  page.title = "Pipelines";
  page.api = {{"pipelines", nlohmann::json::array()}};
  page.body = "<h1>Pipelines</h1>\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& view : *views) {
    page.api["pipelines"].push_back(view_json(view));
    rows.push_back({html::link(request.links, pipeline_path(view.name), view.name),
                    html::text(view.file.empty() ? "-" : view.file),
                    view.pipeline ? std::to_string(view.pipeline->stages.size()) : "-",
                    triggers_html(view), next_times_html(view),
                    last_run_html(request.links, view)});
  }
  if (rows.empty()) {
    page.body += html::empty_state(
        "no pipelines yet: write pipeline.yaml (or pipelines/*.yaml) and `mlops run` it; see "
        "docs/triggers.md for triggers");
    return page;
  }
  page.body += html::table({"pipeline", "file", "stages", "triggers", "next scheduled", "last run"},
                           rows, "pipelines");
  return page;
}

std::string explain_html(const TriggerExplanation& explanation) {
  std::vector<std::vector<std::string>> rows;
  for (const auto& line : explanation.triggers) {
    std::string state = line.kind == "metric" ? line.state.value_or("ARMED") + ": " + line.now
                        : line.updated_at     ? "state last moved " + *line.updated_at
                                              : std::string("never checked");
    rows.push_back({html::text(line.kind), html::text(line.key), html::text(state),
                    html::text(line.run_id.value_or("-"))});
  }
  return "<h2>Triggers</h2>\n" +
         html::table({"kind", "watches", "state", "last run started"}, rows, "triggers");
}

std::string schedules_html(const PipelineView& view) {
  if (view.schedules.empty()) {
    return "";
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& schedule : view.schedules) {
    std::string times;
    for (const auto& time : schedule.next) {
      times += (times.empty() ? "" : "<br>") + html::text(time.local);
    }
    rows.push_back({html::text(schedule.cron), html::text(schedule.timezone),
                    html::text(schedule.catchup), times.empty() ? "-" : times});
  }
  return "<h2>Next scheduled times</h2>\n" +
         html::table({"cron", "time zone", "catchup", "next"}, rows, "schedules");
}

std::string detail_html(const PageRequest& request, const PipelineView& view,
                        const std::optional<TriggerExplanation>& explanation) {
  std::string body = fmt::format(
      "<h1>Pipeline {}</h1>\n<p>file {}; last run: {}</p>\n", html::text(view.name),
      html::text(view.file.empty() ? "-" : view.file), last_run_html(request.links, view));
  for (const auto& error : view.errors) {
    body += "<p class=\"error\">" + html::text(error) + "</p>\n";
  }
  if (view.pipeline) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& stage : view.pipeline->stages) {
      rows.push_back({html::text(stage.name)});
    }
    body += "<h2>Stages</h2>\n" + html::table({"stage"}, rows, "stages");
  }
  if (explanation) {
    body += explain_html(*explanation);
  } else if (!view.triggers.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& [kind, key] : view.triggers) {
      rows.push_back({html::text(kind), html::text(key), "never checked", "-"});
    }
    body += "<h2>Triggers</h2>\n" +
            html::table({"kind", "watches", "state", "last run started"}, rows, "triggers");
  } else if (view.pipeline) {
    body += "<h2>Triggers</h2>\n" +
            html::empty_state("no triggers: this pipeline runs when you run it (docs/triggers.md)");
  }
  return body + schedules_html(view);
}

Result<Page> pipeline_page(const PageRequest& request) {
  const std::string& name = request.params.at("name");
  MLOPS_TRY(views, pipeline_views(request.workspace));
  auto view = std::find_if(views->begin(), views->end(),
                           [&](const PipelineView& candidate) { return candidate.name == name; });
  if (view == views->end()) {
    return html::error_page(404, "No such pipeline",
                            "no pipeline '" + name + "' in this workspace or its store");
  }
  std::optional<TriggerExplanation> explanation;
  if (view->pipeline && !view->triggers.empty() && request.workspace.store()) {
    auto explained =
        explain_triggers(*view->pipeline, request.workspace.store_path(), SystemWallClock(), 10);
    if (explained.ok()) {
      explanation = std::move(*explained);
    } else {
      view->errors.push_back(explained.error().message());
    }
  }
  Page page;
  page.title = "Pipeline " + view->name;
  page.api = view_json(*view);
  page.api["explain"] = explanation ? trigger_explanation_json(*explanation) : nlohmann::json();
  page.body = detail_html(request, *view, explanation);
  return page;
}

Result<std::vector<std::string>> pipeline_paths(Workspace& workspace) {
  MLOPS_TRY(views, pipeline_views(workspace));
  std::vector<std::string> paths{"/pipelines"};
  for (const auto& view : *views) {
    paths.push_back(pipeline_path(view.name));
  }
  return paths;
}

}  // namespace

std::vector<Route> pipelines_routes() {
  return {
      {"/pipelines", "Pipelines", pipelines_page,
       [](Workspace&) {
         return Result<std::vector<std::string>>(std::vector<std::string>{"/pipelines"});
       }},
      {"/pipelines/{name}", "", pipeline_page, pipeline_paths},
  };
}

}  // namespace mlops::web
