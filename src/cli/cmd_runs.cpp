// mlops runs, mlops show: the list of runs and one run in full (app/queries' run_details).
#include <limits>

#include <fmt/format.h>

#include "app/experiments_json.hpp"
#include "app/record_json.hpp"
#include "app/run_labels.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/text_table.hpp"
#include "util/duration.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

std::string tags_text(const RunRecord& run) {
  std::string text;
  for (const auto& [key, value] : run.tags) {
    text += (text.empty() ? "" : ",") + printable(key) + "=" + printable(value);
  }
  return text.empty() ? "-" : text;
}

std::string commit_text(const RunRecord& run) {
  if (!run.git_commit) {
    return "-";
  }
  return run.git_commit->substr(0, 10) + (run.git_dirty.value_or(false) ? "+dirty" : "");
}

// Its name, tags and note (a note's lines indented under the first).
std::string show_labels(const RunRecord& r) {
  std::string text;
  if (r.name) {
    text += fmt::format("name      {}\n", printable(*r.name));
  }
  if (!r.tags.empty()) {
    text += fmt::format("tags      {}\n", tags_text(r));
  }
  if (r.note) {
    const std::string& note = *r.note;
    size_t start = 0;
    for (std::string prefix = "note      "; start <= note.size(); prefix = "          ") {
      size_t end = std::min(note.find('\n', start), note.size());
      std::string line = note.substr(start, end - start);
      if (line.ends_with('\r')) {
        line.pop_back();
      }
      text += prefix + printable(line) + "\n";
      start = end + 1;
    }
  }
  return text;
}

// The run itself: what, why, when, from which commit, by whom, with which params.
std::string show_header(const RunRecord& r) {
  std::string text;
  text += fmt::format("run       {}\npipeline  {} ({})\nstatus    {}\ncause     {}\n", r.id,
                      r.pipeline, r.pipeline_file, r.status, r.cause);
  // A triggered run says why in words (the rest of the detail is in --json).
  auto detail = nlohmann::json::parse(r.cause_detail.value_or(""), nullptr, false);
  if (detail.is_object() && detail.contains("reasons") && detail["reasons"].is_array()) {
    for (const auto& reason : detail["reasons"]) {
      text += fmt::format("          {}\n", reason.is_string() ? reason.get<std::string>() : "");
    }
  } else if (r.cause_detail) {
    text += fmt::format("          {}\n", *r.cause_detail);
  }
  text += fmt::format("started   {}\nended     {}\nduration  {}\n", r.started_at,
                      r.ended_at.value_or("-"), run_duration(r.started_at, r.ended_at));
  text += fmt::format(
      "git       {}{}\n",
      r.git_commit.value_or(r.git_branch ? "(no commits yet)" : "(not a git repository)"),
      r.git_branch ? " on " + *r.git_branch : "");
  if (r.git_dirty.value_or(false)) {
    text += "          (uncommitted changes to tracked files)\n";
  }
  text += fmt::format("by        {}@{}, mlops {}\nparams    {}\n", r.user, r.host, r.mlops_version,
                      r.params_json);
  return text + show_labels(r);
}

// Its stage executions, the artifacts they read and wrote, and their metrics.
std::string show_tables(const RunDetails& details) {
  std::string text;
  TextTable stages({"STAGE", "ATTEMPT", "STATUS", "DURATION", "EXIT", "LOG"});
  for (const auto& execution : details.executions) {
    std::string exit = execution.exit_code ? std::to_string(*execution.exit_code)
                       : execution.signal  ? "signal " + std::to_string(*execution.signal)
                                           : "-";
    stages.add({execution.stage, std::to_string(execution.attempt),
                execution.cached ? "cached" : execution.status,
                run_duration(execution.started_at, execution.ended_at), exit,
                execution.log_path.value_or("-")});
  }
  text += "\n" + stages.render();
  TextTable artifacts({"STAGE", "", "PATH", "DIGEST", "SIZE", "KIND"});
  for (const auto& event : details.events) {
    artifacts.add({printable(event.stage), event.direction == "input" ? "in" : "out",
                   printable(event.artifact.path), short_digest(event.artifact.digest),
                   artifact_size(event.artifact.kind, event.artifact.size), event.artifact.kind});
  }
  if (!artifacts.empty()) {
    text += "\n" + artifacts.render();
  }
  TextTable metric_table({"STAGE", "METRIC", "VALUE"});
  for (const auto& metric : details.metrics) {
    metric_table.add({printable(metric.stage), printable(metric.key), format_number(metric.value)});
  }
  if (!metric_table.empty()) {
    text += "\n" + metric_table.render();
  }
  TextTable hooks({"HOOK", "STATUS", "DURATION", "EXIT", "LOG"});
  for (const auto& hook : details.hooks) {
    hooks.add(
        {printable(hook.hook), printable(hook.status),
         format_duration(Milliseconds(hook.duration_ms)),
         hook.exit_code ? std::to_string(*hook.exit_code) : printable(hook.message.value_or("-")),
         printable(hook.log_path.value_or("-"))});
  }
  if (!hooks.empty()) {
    text += "\n" + hooks.render();
  }
  return text;
}

}  // namespace

int runs_command(const RunsCommand& command) {
  if (is_experiments_query(command)) {
    return experiments_command(command);
  }
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  int limit = command.limit == 0 ? std::numeric_limits<int>::max() : command.limit;
  auto runs = space->store()->list_runs({command.pipeline, command.status, limit});
  if (!runs.ok()) {
    return report_query_error(runs.error());
  }
  if (command.query.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& run : *runs) {
      list.push_back(run_json(run));
    }
    write_all(1, json_text(list, 2) + "\n");
    return k_exit_success;
  }
  TextTable table(
      {"RUN", "NAME", "PIPELINE", "STATUS", "CAUSE", "STARTED", "DURATION", "COMMIT", "TAGS"});
  for (const auto& run : *runs) {
    table.add({run.id, printable(run.name.value_or("-")), run.pipeline, run.status, run.cause,
               run.started_at, run_duration(run.started_at, run.ended_at), commit_text(run),
               tags_text(run)});
  }
  write_all(1, table.empty() ? "no runs\n" : table.render());
  return k_exit_success;
}

int show_command(const ShowCommand& command) {
  auto opened = open_workspace_for_run(command.query, command.run);
  if (!opened) {
    return k_exit_invalid;
  }
  auto details = run_details(opened->store(), opened->run_id);
  if (!details.ok()) {
    return report_query_error(details.error());
  }
  if (command.query.json) {
    write_all(1, json_text(run_details_json(*details), 2) + "\n");
    return k_exit_success;
  }
  write_all(1, show_header(details->run) + show_tables(*details));
  return k_exit_success;
}

int runs_tag_command(const RunsTagCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto id = change_run_tags(*space->store(), {command.run, command.tags, command.remove});
  if (!id.ok()) {
    return report_query_error(id.error());
  }
  auto run = space->store()->find_run(*id);
  if (!run.ok() || !run->has_value()) {
    return report_query_error(run.ok() ? Error(ErrorKind::NotFound, "no run " + *id) : run.error());
  }
  if (command.query.json) {
    write_all(1, json_text(run_json(**run), 2) + "\n");
  } else {
    write_all(1, fmt::format("{}  {}\n", *id, tags_text(**run)));
  }
  return k_exit_success;
}

int runs_note_command(const RunsNoteCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto id = change_run_note(*space->store(), command.run, command.text);
  if (!id.ok()) {
    return report_query_error(id.error());
  }
  if (command.query.json) {
    write_all(1, json_text(nlohmann::json{{"id", *id}, {"note", command.text}}, 2) + "\n");
  } else {
    write_all(1, fmt::format("{}  note {}\n", *id, command.text.empty() ? "removed" : "set"));
  }
  return k_exit_success;
}

}  // namespace mlops
