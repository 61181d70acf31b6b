#include "spec/loader.hpp"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "spec/expand.hpp"
#include "spec/feature_store_loader.hpp"
#include "spec/gate_parser.hpp"
#include "spec/interpolate.hpp"
#include "spec/params_file.hpp"
#include "spec/parser.hpp"
#include "spec/yaml_tree.hpp"
#include "util/file_io.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

std::vector<std::string> param_names(const ParamMap& params) {
  std::vector<std::string> names;
  for (const auto& [name, value] : params) {
    names.push_back(name);
  }
  return names;
}

// Applies one override to `params`, which must already declare it: a typo in -p or a params
// file would otherwise be silently ignored.
bool apply_override(ParamMap& params, const std::vector<std::string>& groups,
                    const std::string& name, ParamValue value, std::string& error) {
  auto it = params.find(name);
  if (it == params.end()) {
    if (std::find(groups.begin(), groups.end(), name) != groups.end()) {
      error = fmt::format("'{}' is a group of parameters; set one of its values, such as {}.<name>",
                          name, name);
    } else {
      error = fmt::format(
          "unknown parameter '{}'{}; parameters must be declared under 'params' "
          "in the pipeline or in one of its params files",
          name, did_you_mean(name, param_names(params)));
    }
    return false;
  }
  it->second = std::move(value);
  return true;
}

void apply_params_file(const std::filesystem::path& path, const PipelineSpec& spec,
                       ParamMap& params, std::vector<Diagnostic>& out) {
  Diagnostics diagnostics(path.string(), "");
  auto text = read_file(path, k_max_yaml_bytes);
  if (!text.ok()) {
    diagnostics.error({}, text.error().message());
    out = diagnostics.sorted();
    return;
  }
  Diagnostics file_diagnostics(path.string(), *text);
  auto root = parse_yaml(*text, file_diagnostics);
  if (root) {
    std::vector<std::string> groups;
    ParamMap overrides = parse_params(*root, path.string(), file_diagnostics, &groups);
    for (auto& [name, value] : overrides) {
      std::string error;
      SourceMark mark = value.key_mark;
      if (!apply_override(params, spec.param_groups, name, std::move(value), error)) {
        file_diagnostics.error(mark, error);
      }
    }
  } else if (file_diagnostics.empty()) {
    file_diagnostics.error({}, "the params file is empty; write a mapping such as 'lr: 0.1'");
  }
  auto list = file_diagnostics.sorted();
  out.insert(out.end(), list.begin(), list.end());
}

// -p and -S (`flag`) override the same parameters: the pipeline's and its params files'.
void apply_command_line(const std::vector<std::string>& overrides, std::string_view flag,
                        const PipelineSpec& spec, ParamMap& params, std::vector<Diagnostic>& out) {
  for (const auto& item : overrides) {
    size_t equals = item.find('=');
    std::string error;
    if (equals == std::string::npos || equals == 0) {
      error = fmt::format("{} '{}': write KEY=VALUE, such as {} lr=0.05", flag, item, flag);
    } else {
      std::string name = item.substr(0, equals);
      std::string text = item.substr(equals + 1);
      ParamValue value{text, plain_scalar_type(text), {}, {}, "command line"};
      if (apply_override(params, spec.param_groups, name, std::move(value), error)) {
        continue;
      }
      error = fmt::format("{} {}: {}", flag, name, error);
    }
    out.push_back(Diagnostic{"command line", {}, error, {}});
  }
}

// Each parameter is exported as param_env_name(name); two names that map to one variable would
// make one of them unreachable, so they are refused.
void check_param_variables(const ParamMap& params, Diagnostics& diagnostics) {
  std::map<std::string, std::string> owner;
  for (const auto& [name, value] : params) {
    auto [it, inserted] = owner.emplace(param_env_name(name), name);
    if (!inserted) {
      diagnostics.error(value.key_mark,
                        fmt::format("parameters '{}' and '{}' would both be exported as ${}; "
                                    "rename one",
                                    it->second, name, it->first));
    }
  }
}

}  // namespace

std::filesystem::path find_workspace(const std::filesystem::path& pipeline_file) {
  std::filesystem::path start = std::filesystem::absolute(pipeline_file).lexically_normal();
  start = start.parent_path();
  for (const char* marker : {".mlops", ".git"}) {
    for (std::filesystem::path dir = start;; dir = dir.parent_path()) {
      std::error_code error;
      if (std::filesystem::exists(dir / marker, error)) {
        return dir;
      }
      if (dir == dir.parent_path()) {
        break;
      }
    }
  }
  return start;
}

LoadResult load_pipeline(const std::filesystem::path& file, const LoadOptions& options) {
  auto text = read_file(file, k_max_yaml_bytes);
  if (!text.ok()) {
    std::string hint = text.error().kind() == ErrorKind::NotFound ? "; check the path" : "";
    LoadResult result;
    result.diagnostics.push_back({file.string(), {}, text.error().message() + hint, {}});
    return result;
  }
  return load_pipeline_text(*text, file, find_workspace(file), options);
}

LoadResult load_pipeline_text(std::string_view text, const std::filesystem::path& file,
                              const std::filesystem::path& workspace, const LoadOptions& options) {
  LoadResult result;
  Diagnostics diagnostics(file.string(), text);
  auto root = parse_yaml(text, diagnostics);
  if (!root) {
    if (diagnostics.empty()) {
      diagnostics.error({},
                        "the pipeline file is empty; it needs 'version: 1', a 'name' and "
                        "'stages'");
    }
    result.diagnostics = diagnostics.sorted();
    return result;
  }
  PipelineSpec spec = parse_pipeline_spec(*root, diagnostics);
  std::vector<Diagnostic> included_errors;
  IncludedGroups included =
      load_feature_groups_file(spec, file, workspace, diagnostics, included_errors);
  check_feature_store(spec, included.groups_known, diagnostics);
  check_param_variables(spec.params, diagnostics);
  for (auto& [name, value] : spec.params) {
    value.origin = file.string();
  }

  ParamMap params = spec.params;
  ParamsFilesRead files =
      read_params_files(spec, file, workspace, params, diagnostics, included_errors);
  spec.param_groups.insert(spec.param_groups.end(), files.groups.begin(), files.groups.end());
  std::vector<Diagnostic> override_errors;
  if (options.params_file) {
    apply_params_file(*options.params_file, spec, params, override_errors);
  }
  apply_command_line(options.param_overrides, "-p", spec, params, override_errors);
  apply_command_line(options.set_params, "-S", spec, params, override_errors);

  Pipeline pipeline;
  pipeline.file = file;
  pipeline.source_text = std::string(text);
  pipeline.workspace = workspace;
  pipeline.name = spec.name.value;
  pipeline.description = spec.description;
  pipeline.triggers = spec.triggers;
  pipeline.concurrency = spec.concurrency;
  pipeline.cache_link = spec.cache_link;
  pipeline.hooks = spec.hooks;
  if (spec.remote) {
    pipeline.remote = spec.remote->value;
  }
  pipeline.feature_groups = spec.feature_groups;
  pipeline.feature_groups_file = included.path;
  pipeline.datasets = spec.datasets;
  add_dataset_stages(spec, pipeline_path_in_workspace(file, workspace));
  // Expansion works on whatever parsed, so one pass reports reference and path errors too.
  ExpandContext context{spec, params, pipeline.workspace, options.run_id};
  pipeline.stages = expand_stages(context, diagnostics);
  finish_dataset_stages(pipeline);
  check_outputs(pipeline.stages, diagnostics);
  check_models(spec, diagnostics);
  pipeline.params = std::move(params);
  pipeline.params_files = std::move(files.files);
  pipeline.param_file_of = std::move(files.file_of);

  result.diagnostics = diagnostics.sorted();
  result.diagnostics.insert(result.diagnostics.end(), included_errors.begin(),
                            included_errors.end());
  result.diagnostics.insert(result.diagnostics.end(), override_errors.begin(),
                            override_errors.end());
  if (result.diagnostics.empty()) {
    result.pipeline = std::move(pipeline);
  } else {
    result.partial = std::move(pipeline);
  }
  return result;
}

}  // namespace mlops
