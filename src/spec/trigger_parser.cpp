#include "spec/trigger_parser.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>

#include <fmt/format.h>

#include "schedule/cron.hpp"
#include "schedule/zoned_schedule.hpp"
#include "spec/feature_store_parser.hpp"
#include "spec/metric_trigger_parser.hpp"
#include "spec/section_reader.hpp"
#include "util/glob.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_trigger_kinds = {"git",      "data",  "schedule",
                                                  "artifact", "drift", "metric"};
const std::vector<std::string> k_drift_keys = {"current",  "reference",   "every",    "settle",
                                               "cooldown", "min_rows",    "method",   "warn",
                                               "fail",     "drift_share", "critical", "ignore"};
const std::vector<std::string> k_drift_methods = {
    "psi", "js_divergence", "js_distance", "linf", "ks_d", "ks_d_robust", "wasserstein_norm"};

// Each kind is one mapping or a list of them; calls `parse` with each mapping.
template <typename Parse>
void for_each_trigger(const YamlNode& node, const std::string& kind, Diagnostics& diagnostics,
                      Parse parse) {
  auto one = [&](const YamlNode& item) {
    if (!item.is_map()) {
      diagnostics.error(item.mark, fmt::format("trigger '{}' must be a mapping (or a list of "
                                               "mappings), not {}",
                                               kind, item.describe()));
      return;
    }
    parse(item);
  };
  if (node.is_sequence()) {
    if (node.items.empty()) {
      diagnostics.error(node.mark, fmt::format("trigger '{}' is an empty list; remove it or "
                                               "add a trigger",
                                               kind));
    }
    for (const auto& item : node.items) {
      one(item);
    }
  } else {
    one(node);
  }
}

std::vector<LocatedString> glob_list(const YamlNode& node, std::string_view key,
                                     SectionReader& reader) {
  std::vector<LocatedString> globs;
  const YamlNode* list = &node;
  YamlNode single;
  if (node.is_scalar() && node.type == ScalarType::String) {
    single.kind = YamlNode::Kind::Sequence;
    single.items.push_back(node);
    list = &single;
  }
  for (auto& item : reader.string_list(*list, key)) {
    auto glob = Glob::parse(item.value);
    if (!glob.ok()) {
      reader.diagnostics().error(item.mark, glob.error().message());
      continue;
    }
    globs.push_back(std::move(item));
  }
  return globs;
}

bool relative_inside(const std::string& path) {
  if (path.empty() || path[0] == '/') {
    return false;
  }
  for (const auto& part : split(path, '/')) {
    if (part == "..") {
      return false;
    }
  }
  return true;
}

void parse_git(const YamlNode& body, SectionReader& reader, TriggerSpecs& out) {
  GitTriggerSpec git;
  git.mark = body.mark;
  for (const auto& [key, value] : body.entries) {
    if (key.text == "repo") {
      if (auto text = reader.string(value, "repo")) {
        if (!relative_inside(text->value)) {
          reader.diagnostics().error(value.mark,
                                     fmt::format("'repo' in the git trigger must be a directory "
                                                 "inside the workspace, not '{}'",
                                                 text->value));
        }
        git.repo = text->value;
      }
    } else if (key.text == "branch") {
      if (auto text = reader.string(value, "branch")) {
        if (text->value.empty() || text->value.find_first_of(" ~^:?*[\\") != std::string::npos) {
          reader.diagnostics().error(value.mark,
                                     fmt::format("'{}' is not a valid branch name", text->value));
        }
        git.branch = text->value;
      }
    } else if (key.text == "paths") {
      git.paths = glob_list(value, "paths", reader);
    } else {
      reader.unknown_key(key, {"repo", "branch", "paths"});
    }
  }
  out.git.push_back(std::move(git));
}

void parse_data(const YamlNode& body, SectionReader& reader, TriggerSpecs& out) {
  DataTriggerSpec data;
  data.mark = body.mark;
  bool has_paths = false;
  for (const auto& [key, value] : body.entries) {
    if (key.text == "paths") {
      has_paths = true;
      data.paths = glob_list(value, "paths", reader);
    } else if (key.text == "settle") {
      if (auto settle = reader.duration(value, "settle")) {
        data.settle = settle->value;
      }
    } else {
      reader.unknown_key(key, {"paths", "settle"});
    }
  }
  if (!has_paths) {
    reader.diagnostics().error(body.mark,
                               "the data trigger needs 'paths', such as "
                               "paths: [\"data/raw/**/*.csv\"]");
  }
  out.data.push_back(std::move(data));
}

void parse_schedule(const YamlNode& body, SectionReader& reader, TriggerSpecs& out) {
  ScheduleTriggerSpec schedule;
  schedule.mark = body.mark;
  Diagnostics& diagnostics = reader.diagnostics();
  bool has_cron = false;
  for (const auto& [key, value] : body.entries) {
    if (key.text == "cron") {
      auto text = reader.string(value, "cron");
      has_cron = true;
      if (!text) {
        continue;
      }
      schedule.cron = text->value;
      if (auto cron = CronSchedule::parse(text->value); !cron.ok()) {
        diagnostics.error(value.mark, fmt::format("bad cron expression '{}': {}", text->value,
                                                  cron.error().message()));
      }
    } else if (key.text == "timezone") {
      auto text = reader.string(value, "timezone");
      if (!text) {
        continue;
      }
      schedule.timezone = text->value;
      if (auto zoned = ZonedSchedule::make("* * * * *", text->value); !zoned.ok()) {
        diagnostics.error(value.mark, zoned.error().message());
      }
    } else if (key.text == "catchup") {
      auto text = reader.string(value, "catchup");
      if (!text) {
        continue;
      }
      if (text->value == "none") {
        schedule.catchup = Catchup::None;
      } else if (text->value == "latest") {
        schedule.catchup = Catchup::Latest;
      } else if (text->value == "all") {
        schedule.catchup = Catchup::All;
      } else {
        diagnostics.error(
            value.mark, fmt::format("unknown catchup '{}'{}; use none, latest or all", text->value,
                                    did_you_mean(text->value, {"none", "latest", "all"})));
      }
    } else {
      reader.unknown_key(key, {"cron", "timezone", "catchup"});
    }
  }
  if (!has_cron) {
    diagnostics.error(body.mark, "the schedule trigger needs 'cron', such as cron: \"0 3 * * *\"");
  }
  out.schedule.push_back(std::move(schedule));
}

// An artifact trigger watches either a file another pipeline writes or a feature group.
void check_artifact_source(const YamlNode& body, Diagnostics& diagnostics) {
  bool has_pipeline = body.find("pipeline") != nullptr;
  bool has_path = body.find("path") != nullptr;
  if (body.find("feature_group")) {
    if (has_pipeline || has_path) {
      diagnostics.error(body.mark,
                        "the artifact trigger watches a feature group "
                        "('feature_group') or a file of another pipeline "
                        "('pipeline' and 'path'), not both");
    }
  } else if (!has_pipeline || !has_path) {
    diagnostics.error(body.mark,
                      "the artifact trigger needs 'pipeline' (the upstream pipeline's name) and "
                      "'path' (the file it writes), or 'feature_group'");
  }
}

// {pipeline: NAME, path: PATH}, or {feature_group: GROUP} (a group of this workspace, which may be
// declared by another pipeline: only its name is checked here).
void parse_artifact(const YamlNode& body, SectionReader& reader, TriggerSpecs& out) {
  ArtifactTriggerSpec artifact;
  artifact.mark = body.mark;
  for (const auto& [key, value] : body.entries) {
    if (key.text == "pipeline") {
      if (auto text = reader.string(value, "pipeline")) {
        artifact.pipeline = text->value;
        if (!is_valid_pipeline_name(text->value)) {
          reader.diagnostics().error(value.mark,
                                     fmt::format("'{}' is not a valid pipeline name", text->value));
        }
      }
    } else if (key.text == "path") {
      if (auto text = reader.string(value, "path")) {
        artifact.path = text->value;
        if (!relative_inside(text->value)) {
          reader.diagnostics().error(value.mark,
                                     fmt::format("'path' in the artifact trigger must be "
                                                 "relative to the workspace and inside it, not "
                                                 "'{}'",
                                                 text->value));
        }
      }
    } else if (key.text == "feature_group") {
      if (auto text = reader.string(value, "feature_group")) {
        artifact.feature_group = text->value;
        if (!is_valid_feature_group_name(text->value)) {
          reader.diagnostics().error(value.mark, fmt::format("'{}' is not a valid feature group "
                                                             "name",
                                                             text->value));
        }
      }
    } else {
      reader.unknown_key(key, {"pipeline", "path", "feature_group"});
    }
  }
  check_artifact_source(body, reader.diagnostics());
  out.artifact.push_back(std::move(artifact));
}

// reference: PATH, or {pipeline: NAME, path: PATH}.
void parse_drift_reference(const YamlNode& value, SectionReader& reader, DriftTriggerSpec& drift) {
  std::optional<LocatedString> path;
  if (value.is_map()) {
    for (const auto& [key, item] : value.entries) {
      if (key.text == "pipeline") {
        if (auto text = reader.string(item, "pipeline"))
          drift.reference_pipeline = text->value;
      } else if (key.text == "path") {
        path = reader.string(item, "path");
      } else {
        reader.unknown_key(key, {"pipeline", "path"});
      }
    }
    if (!path || drift.reference_pipeline.empty()) {
      reader.diagnostics().error(value.mark,
                                 "'reference' as a mapping needs 'pipeline' and "
                                 "'path' (the data that pipeline's runs read)");
    }
  } else {
    path = reader.string(value, "reference");
  }
  if (!path)
    return;
  if (!relative_inside(path->value)) {
    reader.diagnostics().error(path->mark, fmt::format("'reference' in the drift trigger must be "
                                                       "relative to the workspace and inside it, "
                                                       "not '{}'",
                                                       path->value));
  }
  drift.reference = path->value;
}

void parse_drift_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                       DriftTriggerSpec& drift) {
  const std::string& k = key.text;
  if (k == "current") {
    drift.current = glob_list(value, "current", reader);
  } else if (k == "reference") {
    parse_drift_reference(value, reader, drift);
  } else if (k == "every" || k == "settle" || k == "cooldown") {
    if (auto duration = reader.duration(value, k)) {
      if (k == "every") {
        drift.every = duration->value;
      } else {
        (k == "settle" ? drift.settle : drift.cooldown) = duration->value;
      }
    }
  } else if (k == "min_rows") {
    uint64_t rows = 0;
    const std::string& text = value.text;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), rows);
    if (!value.is_scalar() || value.type != ScalarType::Int || error != std::errc() ||
        end != text.data() + text.size()) {
      reader.type_error(value, k, "a whole number >= 0");
    } else {
      drift.min_rows = rows;
    }
  } else if (k == "method") {
    if (auto text = reader.string(value, k)) {
      if (std::find(k_drift_methods.begin(), k_drift_methods.end(), text->value) ==
          k_drift_methods.end()) {
        reader.diagnostics().error(
            value.mark,
            fmt::format("unknown drift method '{}'{}; use one of {}", text->value,
                        did_you_mean(text->value, k_drift_methods), join(k_drift_methods, ", ")));
      }
      drift.method = text->value;
    }
  } else if (k == "warn" || k == "fail" || k == "drift_share") {
    (k == "warn"   ? drift.warn
     : k == "fail" ? drift.fail
                   : drift.drift_share) = number(value, k, reader);
  } else if (k == "critical" || k == "ignore") {
    for (const auto& item : reader.string_list(value, k)) {
      (k == "critical" ? drift.critical : drift.ignore).push_back(item.value);
    }
  } else {
    reader.unknown_key(key, k_drift_keys);
  }
}

void parse_drift(const YamlNode& body, SectionReader& reader, TriggerSpecs& out) {
  DriftTriggerSpec drift;
  drift.mark = body.mark;
  for (const auto& [key, value] : body.entries) {
    parse_drift_entry(key, value, reader, drift);
  }
  if (drift.current.empty() || drift.reference.empty()) {
    reader.diagnostics().error(body.mark,
                               "the drift trigger needs 'current' (globs of the data to watch) "
                               "and 'reference' (a data file, a profile, or {pipeline, path})");
  }
  out.drift.push_back(std::move(drift));
}

}  // namespace

// One kind of trigger: `KIND: {...}` or `KIND: [{...}, ...]`.
static void parse_trigger_entry(const YamlNode& key, const YamlNode& value,
                                Diagnostics& diagnostics, TriggerSpecs& triggers) {
  SectionReader reader(diagnostics, fmt::format(" in the {} trigger", key.text));
  if (key.text == "git") {
    for_each_trigger(value, key.text, diagnostics,
                     [&](const YamlNode& body) { parse_git(body, reader, triggers); });
  } else if (key.text == "data") {
    for_each_trigger(value, key.text, diagnostics,
                     [&](const YamlNode& body) { parse_data(body, reader, triggers); });
  } else if (key.text == "schedule") {
    for_each_trigger(value, key.text, diagnostics,
                     [&](const YamlNode& body) { parse_schedule(body, reader, triggers); });
  } else if (key.text == "artifact") {
    for_each_trigger(value, key.text, diagnostics,
                     [&](const YamlNode& body) { parse_artifact(body, reader, triggers); });
  } else if (key.text == "drift") {
    for_each_trigger(value, key.text, diagnostics,
                     [&](const YamlNode& body) { parse_drift(body, reader, triggers); });
  } else if (key.text == "metric") {
    for_each_trigger(value, key.text, diagnostics,
                     [&](const YamlNode& body) { parse_metric_trigger(body, reader, triggers); });
  } else {
    diagnostics.error(key.mark, fmt::format("unknown trigger '{}'{}; use git, data, schedule, "
                                            "artifact, drift or metric",
                                            key.text, did_you_mean(key.text, k_trigger_kinds)));
  }
}

TriggerSpecs parse_triggers(const YamlNode& node, Diagnostics& diagnostics) {
  TriggerSpecs triggers;
  if (node.is_sequence()) {
    // A list of one-kind mappings (`- metric: {...}`), the same as the mapping of those kinds.
    for (const auto& item : node.items) {
      if (!item.is_map() || item.entries.size() != 1) {
        diagnostics.error(
            item.mark,
            fmt::format("each item of a 'triggers' list must be a mapping "
                        "with one kind, such as '- metric: {{...}}', not "
                        "{}",
                        item.is_map() ? fmt::format("a mapping with {} keys", item.entries.size())
                                      : item.describe()));
        continue;
      }
      parse_trigger_entry(item.entries[0].first, item.entries[0].second, diagnostics, triggers);
    }
    return triggers;
  }
  if (!node.is_map()) {
    diagnostics.error(node.mark, fmt::format("'triggers' must be a mapping with git, data, "
                                             "schedule, artifact, drift or metric (or a list of "
                                             "such one-kind mappings), not {}",
                                             node.describe()));
    return triggers;
  }
  for (const auto& [key, value] : node.entries) {
    parse_trigger_entry(key, value, diagnostics, triggers);
  }
  return triggers;
}

Concurrency parse_concurrency(const YamlNode& node, Diagnostics& diagnostics) {
  if (node.is_scalar() && node.type == ScalarType::String) {
    if (node.text == "forbid") {
      return Concurrency::Forbid;
    }
    if (node.text == "queue") {
      return Concurrency::Queue;
    }
    if (node.text == "replace") {
      return Concurrency::Replace;
    }
  }
  diagnostics.error(node.mark,
                    fmt::format("'concurrency' must be forbid, queue or replace, not "
                                "{}{}",
                                node.is_scalar() ? "'" + node.text + "'" : node.describe(),
                                did_you_mean(node.text, {"forbid", "queue", "replace"})));
  return Concurrency::Queue;
}

const char* concurrency_name(Concurrency concurrency) {
  switch (concurrency) {
    case Concurrency::Forbid:
      return "forbid";
    case Concurrency::Queue:
      return "queue";
    case Concurrency::Replace:
      return "replace";
  }
  return "queue";
}

const char* catchup_name(Catchup catchup) {
  switch (catchup) {
    case Catchup::None:
      return "none";
    case Catchup::Latest:
      return "latest";
    case Catchup::All:
      return "all";
  }
  return "latest";
}

}  // namespace mlops
