// dvc.yaml -> pipeline draft: one stage's keys, and matrix stages (app/dvc_converter.hpp).
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "app/dvc_converter.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

// A command list as one /bin/sh command: each runs only when the one before succeeded, as in
// DVC. A command that a following `&&` would change (several lines, a `#` that may start a
// comment, a trailing `&` or `\`) is wrapped in `{ ...\n}`.
std::string joined_commands(const std::vector<std::string>& commands) {
  std::string joined;
  for (const std::string& command : commands) {
    std::string_view trimmed = trim(command);
    bool simple = trimmed.find_first_of("\n#") == std::string_view::npos && !trimmed.empty() &&
                  trimmed.back() != '&' && trimmed.back() != '\\';
    joined += joined.empty() ? "" : " && ";
    joined += simple ? std::string(trimmed) : "{ " + command + "\n}";
  }
  return joined;
}

// `key: true|false`; nothing when absent.
std::optional<bool> flag_value(const YamlNode* node) {
  if (node == nullptr || node->is_null() || node->type != ScalarType::Bool) {
    return std::nullopt;
  }
  return std::tolower(static_cast<unsigned char>(node->text[0])) == 't';
}

}  // namespace

std::optional<std::string> DvcConverter::command(const YamlNode& cmd, const Locals& locals) {
  std::vector<std::string> commands;
  if (cmd.is_sequence()) {
    for (const YamlNode& item : cmd.items) {
      auto one = text(item, locals);
      if (!one) {
        return std::nullopt;
      }
      commands.push_back(*one);
    }
  } else if (auto one = text(cmd, locals)) {
    commands.push_back(*one);
  } else {
    return std::nullopt;
  }
  std::string run = commands.size() == 1 ? commands[0] : joined_commands(commands);
  if (trim(run).empty()) {
    error(cmd, "'cmd' is empty");
    return std::nullopt;
  }
  return run;
}

DraftStage* DvcConverter::stage(const std::string& name, const std::string& dvc_name,
                                const YamlNode& at, const YamlNode& body, Locals locals,
                                std::string_view skip_key, std::vector<std::string> notes) {
  std::vector<std::string> allowed = {"cmd",     "wdir",  "deps",   "outs",           "params",
                                      "metrics", "plots", "frozen", "always_changed", "desc",
                                      "meta",    "vars"};
  if (!skip_key.empty()) {
    allowed.emplace_back(skip_key);
  }
  if (!check_keys(body, allowed, fmt::format("stage '{}'", dvc_name))) {
    return nullptr;
  }
  if (!m_names.insert(name).second) {
    error(at, fmt::format("stage '{}' would be named '{}' in mlops, as another stage is", dvc_name,
                          name));
    return nullptr;
  }
  DraftStage stage;
  stage.name = name;
  stage.notes = std::move(notes);
  if (name != dvc_name) {
    stage.notes.push_back(fmt::format("dvc: stage '{}'", dvc_name));
  }
  if (const YamlNode* list = expect_list(body.find("vars"), "vars")) {
    vars(*list, stage.notes, name, &locals);
  }
  const YamlNode* cmd = body.find("cmd");
  std::optional<std::string> run = cmd ? command(*cmd, locals) : std::nullopt;
  if (cmd == nullptr) {
    error(at, fmt::format("stage '{}' has no 'cmd'", dvc_name));
  }
  if (!run) {
    return nullptr;
  }
  stage.run = *run;
  if (!stage_body(body, locals, stage)) {
    return nullptr;
  }
  m_draft.stages.push_back(std::move(stage));
  return &m_draft.stages.back();
}

// wdir, deps, params, outs, metrics, plots and the flags of a stage.
bool DvcConverter::stage_body(const YamlNode& body, const Locals& locals, DraftStage& stage) {
  std::string wdir;
  if (const YamlNode* node = body.find("wdir")) {
    auto written = text(*node, locals);
    auto workdir = written ? path(*node, locals, "") : std::nullopt;
    if (!workdir) {
      return false;
    }
    wdir = *written;
    stage.workdir = *workdir == "." ? "" : *workdir;
  } else if (m_context.dvc_dir != ".") {
    stage.workdir = m_context.dvc_dir;  // DVC runs a command beside its dvc.yaml
  }
  if (const YamlNode* list = expect_list(body.find("deps"), "deps")) {
    for (const YamlNode& item : list->items) {
      if (item.is_scalar() && item.text.find("://") != std::string::npos) {
        drop(stage.notes, stage.name,
             fmt::format("dep '{}' dropped: mlops deps are files in the workspace (fetch it "
                         "with a stage of its own)",
                         item.text));
      } else if (auto dep = path(item, locals, wdir)) {
        stage.deps.push_back(*dep);
      }
    }
  }
  if (const YamlNode* list = expect_list(body.find("params"), "params")) {
    stage_params(*list, locals, wdir, stage);
  }
  for (const char* kind : {"outs", "metrics", "plots"}) {
    if (const YamlNode* list = expect_list(body.find(kind), kind)) {
      outputs(*list, kind, locals, wdir, stage);
    }
  }
  return stage_flags(body, stage);
}

bool DvcConverter::stage_flags(const YamlNode& body, DraftStage& stage) {
  for (const char* key : {"frozen", "always_changed"}) {
    const YamlNode* node = body.find(key);
    if (node != nullptr && !flag_value(node)) {
      error(*node, fmt::format("'{}' is true or false, not {}", key, node->describe()));
      return false;
    }
  }
  if (flag_value(body.find("frozen")).value_or(false)) {
    drop(stage.notes, stage.name,
         "frozen: true dropped: mlops has no frozen stages, so this one runs like the others "
         "(name the stages to run: mlops run pipeline.yaml STAGE...)");
  }
  stage.always_run = flag_value(body.find("always_changed")).value_or(false);
  if (const YamlNode* desc = body.find("desc"); desc && desc->is_scalar() && !desc->is_null()) {
    stage.description = desc->text;
  }
  if (body.find("meta") != nullptr) {
    drop(stage.notes, stage.name, "meta dropped: no mlops equivalent");
  }
  return true;
}

void DvcConverter::stage_params(const YamlNode& list, const Locals& locals, const std::string& wdir,
                                DraftStage& stage) {
  std::string in_wdir = wdir.empty() ? "" : wdir + "/";
  for (const YamlNode& item : list.items) {
    if (item.is_scalar() && !item.is_null()) {
      auto key = text(item, locals);
      if (key && add_params_file(item, in_wdir + "params.yaml")) {
        stage.params.push_back(*key);
      }
      continue;
    }
    if (!item.is_map()) {
      error(item,
            fmt::format("each of 'params' is a key or {{FILE: [keys]}}, not {}", item.describe()));
      continue;
    }
    for (const YamlMapEntry& entry : item.entries) {
      const YamlNode& keys = entry.second;
      if (!keys.is_null() && !keys.is_sequence()) {
        error(keys, fmt::format("the keys of params file '{}' are a list", entry.first.text));
        continue;
      }
      bool readable =
          !keys.items.empty() && add_params_file(entry.first, in_wdir + entry.first.text);
      if (!readable) {
        if (auto file = path(entry.first, locals, wdir)) {
          stage.deps.push_back(*file);
          drop(stage.notes, stage.name,
               fmt::format("params {}: '{}' is a dep instead, so any change to it reruns the "
                           "stage",
                           keys.items.empty() ? "of a whole file" : "file mlops cannot read",
                           *file));
        }
        continue;
      }
      for (const YamlNode& key : keys.items) {
        if (auto name = text(key, locals)) {
          stage.params.push_back(*name);
        }
      }
    }
  }
}

}  // namespace mlops

namespace mlops {

// outs, metrics and plots: each a path or {PATH: {options}}. mlops reads JSON metrics only and
// draws CSV, TSV and JSON plots only: other metrics and plots files are kept as outs, with a note.
void DvcConverter::outputs(const YamlNode& list, std::string_view kind, const Locals& locals,
                           const std::string& wdir, DraftStage& stage) {
  for (const YamlNode& item : list.items) {
    const YamlNode* path_node = &item;
    const YamlNode* options = nullptr;
    if (item.is_map() && item.entries.size() == 1) {
      path_node = &item.entries[0].first;
      options = &item.entries[0].second;
    } else if (!item.is_scalar() || item.is_null()) {
      error(item, fmt::format("each of '{}' is a path or {{PATH: {{options}}}}, not {}", kind,
                              item.describe()));
      continue;
    }
    auto out = path(*path_node, locals, wdir);
    if (!out) {
      continue;
    }
    bool drawable = kind == "plots" && (ends_with(*out, ".csv") || ends_with(*out, ".tsv") ||
                                        ends_with(*out, ".json"));
    if (kind == "metrics" && ends_with(*out, ".json")) {
      stage.metrics.push_back(*out);
    } else if (drawable) {
      stage.plots.push_back(PlotOptions{});
      stage.plots.back().path = *out;
    } else {
      stage.outs.push_back(*out);
    }
    if (kind == "metrics" && !ends_with(*out, ".json")) {
      drop(stage.notes, stage.name,
           fmt::format("metrics file '{}' is an out: mlops reads JSON metrics files only", *out));
    } else if (kind == "plots" && !drawable) {
      drop(stage.notes, stage.name,
           fmt::format("plots '{}' is an out: mlops draws .csv, .tsv and .json files only", *out));
    }
    if (options != nullptr && !options->is_null()) {
      if (!options->is_map()) {
        error(*options, fmt::format("the options of '{}' are a mapping", path_node->text));
        continue;
      }
      output_options(*options, kind, *out, stage, drawable ? &stage.plots.back() : nullptr);
    }
  }
}

void DvcConverter::output_options(const YamlNode& options, std::string_view kind,
                                  const std::string& path, DraftStage& stage, PlotOptions* plot) {
  std::vector<std::string> ignored;
  for (const YamlMapEntry& option : options.entries) {
    const std::string& key = option.first.text;
    std::optional<bool> value = flag_value(&option.second);
    if (plot != nullptr && plot_option(option, *plot, stage)) {
      continue;
    }
    if ((key == "cache" || key == "persist") && !value) {
      error(option.second,
            fmt::format("'{}' is true or false, not {}", key, option.second.describe()));
    } else if (key == "cache" && !*value && kind == "metrics" && ends_with(path, ".json")) {
      stage.notes.push_back(
          fmt::format("dvc: cache: false on '{}': mlops keeps a copy in its "
                      "cache too, and never adds metrics files to .gitignore",
                      path));
    } else if (key == "cache" && !*value) {
      drop(stage.notes, stage.name,
           fmt::format("cache: false on '{}' dropped: mlops keeps every output in its cache, "
                       "and adds it to .gitignore on the first run (remove it from there to "
                       "keep it in git)",
                       path));
    } else if (key == "persist" && *value) {
      stage.incremental = true;
      stage.notes.push_back(
          fmt::format("dvc: persist: true on '{}': the stage is incremental, so mlops leaves "
                      "its outs in place when it runs",
                      path));
    } else if (key != "cache" && key != "persist") {
      ignored.push_back(key);
    }
  }
  if (!ignored.empty()) {
    drop(
        stage.notes, stage.name,
        fmt::format("{} on {} '{}' dropped: no mlops equivalent", join(ignored, ", "), kind, path));
  }
}

// DVC's plot options as mlops's `plots:` keys. DVC's templates without an mlops one of the same
// kind are drawn as the nearest (noted); a value that is not a plain string is dropped (noted).
bool DvcConverter::plot_option(const YamlMapEntry& option, PlotOptions& plot, DraftStage& stage) {
  const std::string& key = option.first.text;
  static const std::vector<std::string> k_keys = {"x",        "y",       "title",
                                                  "template", "x_label", "y_label"};
  if (std::find(k_keys.begin(), k_keys.end(), key) == k_keys.end()) {
    return false;
  }
  const YamlNode& value = option.second;
  if (!value.is_scalar() || value.is_null() || value.text.empty() ||
      value.text.find("${") != std::string::npos) {
    drop(stage.notes, stage.name,
         fmt::format("{} of plots '{}' dropped: mlops import takes a plain string there", key,
                     plot.path));
    return true;
  }
  const std::string& text = value.text;
  if (key == "x") {
    plot.x = text;
  } else if (key == "y") {
    plot.y = {text};
  } else if (key == "title") {
    plot.title = text;
  } else if (key == "x_label") {
    plot.x_label = text;
  } else if (key == "y_label") {
    plot.y_label = text;
  } else if (text == "linear" || text == "scatter" || text == "confusion") {
    plot.kind = text;
  } else {
    plot.kind = text.rfind("confusion", 0) == 0 ? "confusion" : "linear";
    stage.notes.push_back(
        fmt::format("dvc: template {} of plots '{}' is drawn as {}", text, plot.path, plot.kind));
  }
  return true;
}

}  // namespace mlops
