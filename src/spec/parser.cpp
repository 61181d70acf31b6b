#include "spec/parser.hpp"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "spec/builtin_stage.hpp"
#include "spec/executor_parser.hpp"
#include "spec/feature_store_parser.hpp"
#include "spec/gate_parser.hpp"
#include "spec/hook_parser.hpp"
#include "spec/plot_parser.hpp"
#include "spec/section_reader.hpp"
#include "spec/trigger_parser.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_pipeline_keys = {
    "version",   "name",        "description", "params",         "env",       "stages",
    "triggers",  "concurrency", "cache_link",  "feature_groups", "datasets",  "executor",
    "resources", "remote",      "on_failure",  "on_rejected",    "on_success"};
const std::vector<std::string> k_stage_keys = {
    "description", "run",      "cmd",        "needs",       "deps",    "outs",
    "metrics",     "env",      "workdir",    "timeout",     "retries", "retry_delay",
    "matrix",      "cache",    "always_run", "incremental", "uses",    "with",
    "gate",        "executor", "resources",  "params",      "plots"};

constexpr int k_max_retries = 100;
constexpr size_t k_max_matrix_combinations = 10000;

bool is_name_char(char c, bool allow_upper) {
  return std::islower(static_cast<unsigned char>(c)) ||
         std::isdigit(static_cast<unsigned char>(c)) || c == '_' || c == '-' ||
         (allow_upper && std::isupper(static_cast<unsigned char>(c)));
}

bool is_valid_name(std::string_view name, bool allow_upper) {
  if (name.empty() || name.size() > 64 || name[0] == '_' || name[0] == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [&](char c) { return is_name_char(c, allow_upper); });
}

void check_no_self_trigger(const PipelineSpec& spec, Diagnostics& diagnostics) {
  for (const auto& artifact : spec.triggers.artifact) {
    if (!spec.name.value.empty() && artifact.pipeline == spec.name.value) {
      diagnostics.error(artifact.mark,
                        fmt::format("the artifact trigger names this pipeline "
                                    "itself ('{}'); it would trigger itself for ever",
                                    artifact.pipeline));
    }
  }
}

// `remote: URL`: the default artifact remote (docs/remotes.md); a directory's absolute path,
// file://, ssh:// or s3://. Credentials never belong here: they come from the environment.
std::optional<LocatedString> parse_remote(const YamlNode& node, SectionReader& reader,
                                          Diagnostics& diagnostics) {
  auto url = reader.string(node, "remote");
  if (!url) {
    return std::nullopt;
  }
  const std::string& text = url->value;
  bool known = text.starts_with("/") || text.starts_with("file:///") ||
               text.starts_with("ssh://") || text.starts_with("s3://");
  if (!known) {
    diagnostics.error(node.mark,
                      fmt::format("'remote' must be a directory's absolute path, file:///path, "
                                  "ssh://[user@]host[:port]/path or s3://bucket[/prefix], not '{}'",
                                  text));
    return std::nullopt;
  }
  if (text.find('@') != std::string::npos && text.starts_with("s3://")) {
    diagnostics.error(node.mark,
                      "'remote' must not hold credentials: they come from the "
                      "environment or ~/.aws/credentials (docs/remotes.md)");
    return std::nullopt;
  }
  return url;
}

CacheLink parse_cache_link(const YamlNode& node, Diagnostics& diagnostics) {
  if (node.is_scalar() && node.type == ScalarType::String) {
    if (node.text == "copy") {
      return CacheLink::Copy;
    }
    if (node.text == "hardlink") {
      return CacheLink::Hardlink;
    }
  }
  diagnostics.error(node.mark,
                    fmt::format("'cache_link' must be copy or hardlink, not {}{}",
                                node.is_scalar() ? "'" + node.text + "'" : node.describe(),
                                did_you_mean(node.text, {"copy", "hardlink"})));
  return CacheLink::Copy;
}

std::vector<MatrixAxis> parse_matrix(const YamlNode& node, SectionReader& reader) {
  std::vector<MatrixAxis> axes;
  Diagnostics& diagnostics = reader.diagnostics();
  if (!node.is_map() || node.entries.empty()) {
    reader.type_error(node, "matrix", "a non-empty mapping of names to lists of values");
    return axes;
  }
  size_t combinations = 1;
  for (const auto& [key, value] : node.entries) {
    if (!is_valid_identifier(key.text)) {
      diagnostics.error(key.mark, fmt::format("'{}' is not a valid matrix name (use letters, "
                                              "digits and _, not starting with a digit)",
                                              key.text));
      continue;
    }
    if (!value.is_sequence() || value.items.empty()) {
      reader.type_error(value, "matrix." + key.text, "a non-empty list of values");
      continue;
    }
    MatrixAxis axis{{key.text, key.mark}, {}};
    for (const auto& item : value.items) {
      auto text = reader.scalar(item, "matrix." + key.text + " item");
      if (!text) {
        continue;
      }
      if (text->value.empty() || text->value.find_first_of(",=[]\n") != std::string::npos) {
        diagnostics.error(item.mark, fmt::format("matrix value '{}' may not be empty or contain "
                                                 "',', '=', '[', ']' or a newline: it becomes "
                                                 "part of the stage name",
                                                 text->value));
        continue;
      }
      axis.values.push_back(std::move(*text));
    }
    combinations *= std::max<size_t>(1, axis.values.size());
    if (combinations > k_max_matrix_combinations) {
      diagnostics.error(node.mark, fmt::format("the matrix{} has more than {} combinations",
                                               reader.context(), k_max_matrix_combinations));
      return {};
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

// One `{path: P, type: KIND, model: NAME, feature_group: GROUP}` item of `outs`.
struct OutItem {
  std::optional<LocatedString> path;
  std::string type;
  std::string model;
  std::string feature_group;
  SourceMark feature_group_mark;
};

void parse_out_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                     OutItem& out) {
  static const std::vector<std::string> k_kinds(std::begin(k_artifact_kinds),
                                                std::end(k_artifact_kinds));
  Diagnostics& diagnostics = reader.diagnostics();
  if (key.text == "model") {
    auto text = reader.string(value, "outs model");
    if (text && !is_valid_model_name(text->value)) {
      diagnostics.error(value.mark, fmt::format("'{}' is not a valid model name (letters, digits, "
                                                "_ . -, starting with a letter or digit, at most "
                                                "64)",
                                                text->value));
    } else if (text) {
      out.model = text->value;
    }
  } else if (key.text == "feature_group") {
    auto text = reader.string(value, "outs feature_group");
    if (text && !is_valid_feature_group_name(text->value)) {
      diagnostics.error(value.mark,
                        fmt::format("'{}' is not a valid feature group name", text->value));
    } else if (text) {
      out.feature_group = text->value;
      out.feature_group_mark = value.mark;
    }
  } else if (key.text == "path") {
    out.path = reader.list_item(value, "outs");
  } else if (key.text == "type") {
    auto text = reader.string(value, "outs type");
    if (text && std::find(k_kinds.begin(), k_kinds.end(), text->value) == k_kinds.end()) {
      diagnostics.error(value.mark,
                        fmt::format("unknown out type '{}'{}; use one of {}", text->value,
                                    did_you_mean(text->value, k_kinds), join(k_kinds, ", ")));
    } else if (text) {
      out.type = text->value;
    }
  } else {
    reader.unknown_key(key, {"path", "type", "model", "feature_group"});
  }
}

// outs: a list whose items are paths, or {path: P, type: KIND, model: NAME} to say what the path
// is (model: each new content is a new version of that model in the registry), or {path: P,
// feature_group: GROUP} (the file is ingested into the group when the stage succeeds).
void parse_outs(const YamlNode& node, SectionReader& reader, StageSpec& stage) {
  if (!node.is_sequence()) {
    reader.type_error(node, "outs", "a list of paths or {path, type} mappings");
    return;
  }
  for (const auto& item : node.items) {
    OutItem out;
    if (!item.is_map()) {
      out.path = reader.list_item(item, "outs");
    } else {
      for (const auto& [key, value] : item.entries) {
        parse_out_entry(key, value, reader, out);
      }
      if (!out.path) {
        reader.diagnostics().error(item.mark, "an out written as a mapping needs 'path'");
      }
      if (item.find("model") && item.find("feature_group")) {
        reader.diagnostics().error(item.mark,
                                   "an out is a version of a model ('model') or "
                                   "ingested into a feature group ('feature_group'), "
                                   "not both");
      }
    }
    if (!out.path) {
      continue;
    }
    stage.outs.push_back(std::move(*out.path));
    stage.out_types.push_back(out.model.empty() || !out.type.empty() ? out.type : "model");
    stage.out_models.resize(stage.outs.size() - 1);
    stage.out_models.push_back(out.model);
    stage.out_feature_groups.resize(stage.outs.size() - 1);
    stage.out_feature_groups.push_back(out.feature_group);
    stage.out_feature_group_marks.resize(stage.outs.size() - 1);
    stage.out_feature_group_marks.push_back(out.feature_group_mark);
  }
}

void parse_cmd(const YamlNode& value, SectionReader& reader, StageSpec& stage) {
  stage.cmd.emplace();
  if (!value.is_sequence() || value.items.empty()) {
    reader.type_error(value, "cmd", "a non-empty list of arguments");
    return;
  }
  for (const auto& item : value.items) {
    if (auto text = reader.scalar(item, "cmd item")) {
      stage.cmd->push_back(std::move(*text));
    }
  }
}

void parse_retries(const YamlNode& value, SectionReader& reader, StageSpec& stage) {
  if (!value.is_scalar() || value.type != ScalarType::Int) {
    reader.type_error(value, "retries", "an integer");
    return;
  }
  long long retries = std::strtoll(value.text.c_str(), nullptr, 0);
  if (retries < 0 || retries > k_max_retries) {
    reader.diagnostics().error(value.mark, fmt::format("'retries' in stage '{}' must be between 0 "
                                                       "and {}",
                                                       stage.name.value, k_max_retries));
  } else {
    stage.retries = static_cast<int>(retries);
  }
}

// cache, always_run and incremental: YAML booleans.
void parse_stage_flag(const std::string& key, const YamlNode& value, SectionReader& reader,
                      StageSpec& stage) {
  if (!value.is_scalar() || value.type != ScalarType::Bool) {
    reader.type_error(value, key, "true or false");
    return;
  }
  bool flag = value.text == "true" || value.text == "True" || value.text == "TRUE";
  (key == "cache"        ? stage.cache
   : key == "always_run" ? stage.always_run
                         : stage.incremental) = flag;
}

// One `key: value` of a stage's mapping, checked and stored in `stage`.
void parse_stage_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                       StageSpec& stage) {
  const std::string& k = key.text;
  Diagnostics& diagnostics = reader.diagnostics();
  if (k == "description") {
    if (auto text = reader.string(value, k)) {
      stage.description = text->value;
    }
  } else if (k == "run") {
    stage.run = reader.string(value, k);
    if (stage.run && trim(stage.run->value).empty()) {
      diagnostics.error(value.mark, fmt::format("'run' in stage '{}' is empty", stage.name.value));
    }
  } else if (k == "cmd") {
    parse_cmd(value, reader, stage);
  } else if (k == "needs") {
    stage.needs = reader.string_list(value, k);
  } else if (k == "deps") {
    stage.deps = reader.string_list(value, k);
  } else if (k == "outs") {
    parse_outs(value, reader, stage);
  } else if (k == "metrics") {
    stage.metrics = reader.string_list(value, k);
  } else if (k == "plots") {
    parse_plots(value, reader, stage);
  } else if (k == "env") {
    stage.env = reader.env(value);
  } else if (k == "workdir") {
    stage.workdir = reader.string(value, k);
  } else if (k == "timeout") {
    stage.timeout = reader.duration(value, k);
    if (stage.timeout && stage.timeout->value.count() == 0) {
      diagnostics.error(value.mark, fmt::format("'timeout' in stage '{}' must be longer than "
                                                "0 (leave it out for no timeout)",
                                                stage.name.value));
    }
  } else if (k == "retries") {
    parse_retries(value, reader, stage);
  } else if (k == "retry_delay") {
    if (auto delay = reader.duration(value, k)) {
      stage.retry_delay = delay->value;
    }
  } else if (k == "matrix") {
    stage.matrix = parse_matrix(value, reader);
  } else if (k == "cache" || k == "always_run" || k == "incremental") {
    parse_stage_flag(k, value, reader, stage);
  } else if (k == "uses") {
    stage.uses = reader.string(value, k);
  } else if (k == "with") {
    parse_builtin_with(value, diagnostics, stage);
  } else if (k == "gate") {
    stage.gate = parse_gate(value, diagnostics, stage.name.value);
  } else if (k == "executor") {
    stage.executor = parse_executor(value, diagnostics, reader.context());
  } else if (k == "resources") {
    stage.resources = parse_resources(value, diagnostics, reader.context());
  } else if (k == "params") {
    stage.params = reader.string_list(value, k);
  } else {
    reader.unknown_key(key, k_stage_keys);
  }
}

StageSpec parse_stage(const YamlNode& name, const YamlNode& body, Diagnostics& diagnostics) {
  StageSpec stage;
  stage.name = {name.text, name.mark};
  if (!is_valid_stage_name(name.text)) {
    diagnostics.error(name.mark,
                      fmt::format("'{}' is not a valid stage name (use letters, digits, _ and -, "
                                  "starting with a letter or digit, at most 64 characters)",
                                  name.text));
  }
  SectionReader reader(diagnostics, fmt::format(" in stage '{}'", name.text));
  if (!body.is_map()) {
    diagnostics.error(body.is_null() ? name.mark : body.mark,
                      fmt::format("stage '{}' must be a mapping with a 'run' or 'cmd' key, not {}",
                                  name.text, body.describe()));
    return stage;
  }
  for (const auto& [key, value] : body.entries) {
    parse_stage_entry(key, value, reader, stage);
  }
  if (stage.uses) {
    expand_builtin_stage(stage, diagnostics);
    return stage;
  }
  if (const YamlNode* with = body.find("with")) {
    diagnostics.error(with->mark, fmt::format("'with' in stage '{}' gives arguments to a built-in "
                                              "stage; add 'uses: profile|validate|drift'",
                                              name.text));
  }
  if (stage.run && stage.cmd) {
    diagnostics.error(body.find("cmd") ? body.mark : name.mark,
                      fmt::format("stage '{}' has both 'run' and 'cmd'; keep one", name.text));
  } else if (!stage.run && !stage.cmd) {
    diagnostics.error(name.mark, fmt::format("stage '{}' has no command: add 'run' (a shell "
                                             "command) or 'cmd' (an argument list)",
                                             name.text));
  }
  return stage;
}

void parse_stages(const YamlNode& value, SectionReader& reader, PipelineSpec& spec) {
  if (!value.is_map()) {
    reader.type_error(value, "stages", "a mapping of stage names to stages");
    return;
  }
  if (value.entries.empty()) {
    reader.diagnostics().error(value.mark,
                               "the pipeline has no stages; add at least one under 'stages'");
  }
  spec.stages.reserve(value.entries.size());
  for (const auto& [name, body] : value.entries) {
    spec.stages.push_back(parse_stage(name, body, reader.diagnostics()));
  }
}

void flatten_params(const YamlNode& node, const std::string& prefix, const std::string& origin,
                    Diagnostics& diagnostics, ParamMap& out, std::vector<std::string>* groups) {
  for (const auto& [key, value] : node.entries) {
    if (!is_valid_param_name(key.text)) {
      diagnostics.error(key.mark, fmt::format("'{}' is not a valid parameter name (use letters, "
                                              "digits, _ and -, starting with a letter or _)",
                                              key.text));
      continue;
    }
    std::string name = prefix.empty() ? key.text : prefix + "." + key.text;
    if (value.is_map()) {
      if (groups) {
        groups->push_back(name);
      }
      flatten_params(value, name, origin, diagnostics, out, groups);
    } else if (value.is_sequence()) {
      diagnostics.error(value.mark, fmt::format("parameter '{}' is a list; parameters are "
                                                "strings, numbers, booleans or mappings of them",
                                                name));
    } else {
      out[name] = ParamValue{value.text, value.type, value.mark, key.mark, origin};
    }
  }
}

// `params:` is either the values themselves, or, when it has a `file` key, params files and
// optional inline defaults: {file: F | [F, ...], values: {...}}. An inline parameter named
// `file` is then written under `values`.
void parse_params_section(const YamlNode& value, SectionReader& reader, PipelineSpec& spec) {
  Diagnostics& diagnostics = reader.diagnostics();
  const YamlNode* file = value.is_map() ? value.find("file") : nullptr;
  if (!file) {
    spec.params = parse_params(value, "", diagnostics, &spec.param_groups);
    return;
  }
  static const std::vector<std::string> keys = {"file", "values"};
  for (const auto& [key, entry] : value.entries) {
    if (key.text == "file" && entry.is_scalar()) {
      if (auto name = reader.list_item(entry, "params.file")) {
        spec.params_files.push_back(std::move(*name));
      }
    } else if (key.text == "file") {
      spec.params_files = reader.string_list(entry, "params.file");
      if (entry.is_sequence() && entry.items.empty()) {
        diagnostics.error(entry.mark,
                          "'params.file' lists no file; name one, such as "
                          "'file: params.yaml'");
      }
    } else if (key.text == "values") {
      spec.params = parse_params(entry, "", diagnostics, &spec.param_groups);
    } else {
      diagnostics.error(key.mark, fmt::format("unknown key '{}' in 'params' with a 'file'{}; "
                                              "put inline parameters under 'values:'",
                                              key.text, did_you_mean(key.text, keys)));
    }
  }
}

}  // namespace

bool is_valid_pipeline_name(std::string_view name) {
  return is_valid_name(name, false);
}
bool is_valid_stage_name(std::string_view name) {
  return is_valid_name(name, true);
}

bool is_valid_identifier(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool is_valid_param_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) || name[0] == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

ParamMap parse_params(const YamlNode& node, const std::string& origin, Diagnostics& diagnostics,
                      std::vector<std::string>* groups) {
  ParamMap params;
  if (!node.is_map()) {
    diagnostics.error(node.mark, fmt::format("params must be a mapping of names to values, not {}",
                                             node.describe()));
    return params;
  }
  flatten_params(node, "", origin, diagnostics, params, groups);
  return params;
}

PipelineSpec parse_pipeline_spec(const YamlNode& root, Diagnostics& diagnostics) {
  PipelineSpec spec;
  if (!root.is_map()) {
    diagnostics.error(root.mark, fmt::format("a pipeline file must be a mapping with 'version', "
                                             "'name' and 'stages', not {}",
                                             root.describe()));
    return spec;
  }
  SectionReader reader(diagnostics, "");
  for (const auto& [key, value] : root.entries) {
    const std::string& k = key.text;
    if (k == "version") {
      if (!value.is_scalar() || value.type != ScalarType::Int) {
        reader.type_error(value, k, "the integer 1");
      } else if (value.text != "1") {
        diagnostics.error(value.mark, fmt::format("unsupported pipeline format version {}; this "
                                                  "mlops reads version {}",
                                                  value.text, k_pipeline_format_version));
      } else {
        spec.version = 1;
      }
    } else if (k == "name") {
      if (auto name = reader.string(value, k)) {
        spec.name = *name;
        if (!is_valid_pipeline_name(name->value)) {
          diagnostics.error(value.mark, fmt::format("'{}' is not a valid pipeline name (use "
                                                    "lowercase letters, digits, _ and -, "
                                                    "starting with a letter or digit, at most "
                                                    "64 characters)",
                                                    name->value));
        }
      }
    } else if (k == "description") {
      if (auto text = reader.string(value, k)) {
        spec.description = text->value;
      }
    } else if (k == "params") {
      parse_params_section(value, reader, spec);
    } else if (k == "env") {
      spec.env = reader.env(value);
    } else if (k == "stages") {
      parse_stages(value, reader, spec);
    } else if (k == "triggers") {
      spec.triggers = parse_triggers(value, diagnostics);
    } else if (k == "concurrency") {
      spec.concurrency = parse_concurrency(value, diagnostics);
    } else if (k == "cache_link") {
      spec.cache_link = parse_cache_link(value, diagnostics);
    } else if (k == "remote") {
      spec.remote = parse_remote(value, reader, diagnostics);
    } else if (k == "feature_groups") {
      parse_feature_groups_key(value, diagnostics, spec);
    } else if (k == "datasets") {
      spec.datasets = parse_datasets(value, diagnostics);
    } else if (k == "executor") {
      spec.executor = parse_executor(value, diagnostics, "");
    } else if (k == "resources") {
      spec.resources = parse_resources(value, diagnostics, "");
    } else if (k == "on_failure" || k == "on_rejected" || k == "on_success") {
      parse_hook(key, value, diagnostics, spec.hooks);
    } else {
      reader.unknown_key(key, k_pipeline_keys);
    }
  }
  check_no_self_trigger(spec, diagnostics);
  const char* required[][2] = {{"version", "add 'version: 1' at the top"},
                               {"name", "add 'name: my-pipeline'"},
                               {"stages", "add a 'stages' mapping with at least one stage"}};
  for (const auto& [key, hint] : required) {
    if (!root.find(key)) {
      diagnostics.error(root.mark, fmt::format("missing required key '{}' ({})", key, hint));
    }
  }
  return spec;
}

}  // namespace mlops
