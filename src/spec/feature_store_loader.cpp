#include "spec/feature_store_loader.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "spec/feature_store_parser.hpp"
#include "spec/yaml_tree.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

std::vector<std::string> names_of(const std::vector<FeatureGroupSpec>& groups) {
  std::vector<std::string> names;
  for (const auto& group : groups) {
    names.push_back(group.name);
  }
  return names;
}

std::vector<std::string> feature_names(const FeatureGroupSpec& group) {
  std::vector<std::string> names;
  for (const auto& feature : group.features) {
    names.push_back(feature.name);
  }
  return names;
}

void check_dataset_groups(const DatasetSpec& dataset, const PipelineSpec& spec,
                          Diagnostics& diagnostics) {
  for (const auto& part : dataset.groups) {
    const FeatureGroupSpec* group = find_feature_group(spec.feature_groups, part.group);
    if (!group) {
      diagnostics.error(part.mark,
                        fmt::format("dataset '{}' reads feature group '{}', which this pipeline "
                                    "does not declare under 'feature_groups'{}",
                                    dataset.name, part.group,
                                    did_you_mean(part.group, names_of(spec.feature_groups))));
      continue;
    }
    std::vector<std::string> known = feature_names(*group);
    for (size_t i = 0; i < part.features.size(); ++i) {
      const std::string& feature = part.features[i];
      if (std::find(known.begin(), known.end(), feature) == known.end()) {
        SourceMark mark = i < part.feature_marks.size() ? part.feature_marks[i] : part.mark;
        diagnostics.error(
            mark, fmt::format("dataset '{}' reads feature '{}' of feature group "
                              "'{}', which has no such feature{}",
                              dataset.name, feature, part.group, did_you_mean(feature, known)));
      }
    }
  }
}

void check_out_groups(const PipelineSpec& spec, Diagnostics& diagnostics) {
  for (const auto& stage : spec.stages) {
    for (size_t i = 0; i < stage.out_feature_groups.size(); ++i) {
      const std::string& group = stage.out_feature_groups[i];
      if (group.empty() || find_feature_group(spec.feature_groups, group)) {
        continue;
      }
      SourceMark mark = i < stage.out_feature_group_marks.size() ? stage.out_feature_group_marks[i]
                                                                 : stage.name.mark;
      diagnostics.error(mark, fmt::format("stage '{}' ingests '{}' into feature group '{}', "
                                          "which this pipeline does not declare under "
                                          "'feature_groups'{}",
                                          stage.name.value, stage.outs[i].value, group,
                                          did_you_mean(group, names_of(spec.feature_groups))));
    }
  }
}

// `${` is literal in a dataset stage's values: its paths and names are read by `mlops dataset
// create` as written, so they are never interpolated.
std::string literal(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '{') {
      out += '$';
    }
    out += text[i];
  }
  return out;
}

std::string group_definition(const FeatureGroupSpec& group) {
  std::vector<std::string> keys;
  for (const auto& key : group.primary_key) {
    keys.push_back(key.name + ":" + feature_type_name(key.type));
  }
  std::vector<std::string> features;
  for (const auto& feature : group.features) {
    features.push_back(feature.name + ":" + feature_type_name(feature.type) +
                       (feature.nullable ? "" : "!"));
  }
  return fmt::format("{}@v{}(keys={};time={};features={};ttl={};delay={})", group.name,
                     group.version, join(keys, ","), group.event_time, join(features, ","),
                     group.ttl ? std::to_string(group.ttl->count()) : "none", group.delay.count());
}

// One line that changes whenever anything the dataset's rows depend on changes.
std::string dataset_definition(const DatasetSpec& dataset, const PipelineSpec& spec) {
  std::vector<std::string> parts;
  for (const auto& part : dataset.groups) {
    const FeatureGroupSpec* group = find_feature_group(spec.feature_groups, part.group);
    parts.push_back(fmt::format("{}[{}]{}", group ? group_definition(*group) : part.group,
                                part.features.empty() ? "*" : join(part.features, ","),
                                part.as_of ? "@" + std::to_string(*part.as_of) : ""));
  }
  std::string split = "none";
  if (dataset.test_fraction) {
    split = fmt::format("test={},seed={}", *dataset.test_fraction, dataset.seed);
  } else if (dataset.test_from) {
    split = "test_from=" + *dataset.test_from;
  }
  return fmt::format(
      "spine={};event_time={};mode={};exclusive={};split={};compress={};"
      "groups={}",
      dataset.spine, dataset.event_time,
      dataset.mode == PitMode::KnownTime ? "known_time" : "event_time", dataset.exclusive, split,
      dataset.compress ? "zstd" : "none", join(parts, ";"));
}

StageSpec dataset_stage(const DatasetSpec& dataset, const PipelineSpec& spec,
                        const std::string& pipeline_path) {
  StageSpec stage;
  SourceMark mark = dataset.mark;
  stage.name = {dataset.name, mark};
  stage.uses = LocatedString{"dataset", mark};
  std::vector<std::string> groups;
  for (const auto& part : dataset.groups) {
    groups.push_back(part.group);
  }
  stage.description = fmt::format("dataset: {} joined onto {}", join(groups, ", "), dataset.spine);
  stage.cmd = std::vector<LocatedString>{{"mlops", mark},
                                         {"dataset", mark},
                                         {"create", mark},
                                         {dataset.name, mark},
                                         {"--pipeline=" + literal(pipeline_path), mark}};
  if (!dataset.spine.empty()) {
    stage.deps.push_back({literal(dataset.spine), dataset.spine_mark});
  }
  for (const auto& part : dataset.groups) {
    const FeatureGroupSpec* group = find_feature_group(spec.feature_groups, part.group);
    if (group && !part.as_of) {
      stage.deps.push_back({feature_group_head_path(group->name, group->version), part.mark});
    }
  }
  if (!dataset.out.empty()) {
    stage.outs.push_back({literal(dataset.out), dataset.out_mark});
    stage.out_types.push_back("dataset");
    stage.out_models.emplace_back();
    stage.out_feature_groups.emplace_back();
    stage.out_feature_group_marks.emplace_back();
  }
  for (size_t i = 0; i < dataset.needs.size(); ++i) {
    SourceMark need_mark = i < dataset.needs_marks.size() ? dataset.needs_marks[i] : mark;
    stage.needs.push_back({dataset.needs[i], need_mark});
  }
  stage.env.emplace_back(LocatedString{"MLOPS_DATASET_DEFINITION", mark},
                         LocatedString{literal(dataset_definition(dataset, spec)), mark});
  return stage;
}

// The stages of `stages` with an out ingested into one of `groups`.
void add_ingest_needs(std::vector<Stage>& stages, size_t dataset_stage,
                      const DatasetSpec& dataset) {
  auto& needs = stages[dataset_stage].needs;
  for (size_t j = 0; j < stages.size(); ++j) {
    if (j == dataset_stage || std::find(needs.begin(), needs.end(), j) != needs.end()) {
      continue;
    }
    const auto& targets = stages[j].out_feature_groups;
    bool ingests = std::any_of(
        dataset.groups.begin(), dataset.groups.end(), [&](const DatasetGroupSpec& part) {
          return std::find(targets.begin(), targets.end(), part.group) != targets.end();
        });
    if (ingests) {
      needs.push_back(j);
    }
  }
}

}  // namespace

std::string pipeline_path_in_workspace(const std::filesystem::path& file,
                                       const std::filesystem::path& workspace) {
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(file, error);
  if (!error) {
    if (auto relative = workspace_relative(workspace, absolute.lexically_normal().string())) {
      return *relative;
    }
  }
  return file.lexically_normal().generic_string();
}

IncludedGroups load_feature_groups_file(PipelineSpec& spec,
                                        const std::filesystem::path& pipeline_file,
                                        const std::filesystem::path& workspace,
                                        Diagnostics& diagnostics,
                                        std::vector<Diagnostic>& file_errors) {
  IncludedGroups included;
  if (!spec.feature_groups_file) {
    return included;
  }
  const LocatedString& written = *spec.feature_groups_file;
  std::filesystem::path path = (pipeline_file.parent_path() / written.value).lexically_normal();
  std::error_code error;
  auto relative = workspace_relative(
      workspace, std::filesystem::absolute(path, error).lexically_normal().string());
  included.groups_known = false;
  if (error || !relative || !is_plain_relative_path(*relative)) {
    diagnostics.error(written.mark, fmt::format("the feature groups file '{}' is outside the "
                                                "workspace {}; it must be inside it",
                                                written.value, workspace.string()));
    return included;
  }
  included.path = *relative;
  auto text = read_file(path, k_max_yaml_bytes);
  if (!text.ok()) {
    diagnostics.error(written.mark, fmt::format("cannot read the feature groups file '{}': {}",
                                                path.generic_string(), text.error().message()));
    return included;
  }
  Diagnostics file_diagnostics(path.generic_string(), *text);
  auto root = parse_yaml(*text, file_diagnostics);
  if (root) {
    included.groups_known = true;
    parse_feature_groups_file(*root, file_diagnostics, spec.feature_groups);
  } else if (file_diagnostics.empty()) {
    file_diagnostics.error({},
                           "the feature groups file is empty; it needs a 'feature_groups' "
                           "mapping");
  }
  auto list = file_diagnostics.sorted();
  file_errors.insert(file_errors.end(), list.begin(), list.end());
  return included;
}

void check_feature_store(const PipelineSpec& spec, bool groups_known, Diagnostics& diagnostics) {
  for (const auto& dataset : spec.datasets) {
    auto stage = std::find_if(spec.stages.begin(), spec.stages.end(),
                              [&](const StageSpec& s) { return s.name.value == dataset.name; });
    if (stage != spec.stages.end()) {
      diagnostics.error(dataset.mark, fmt::format("dataset '{}' has the name of a stage (line "
                                                  "{}); a dataset runs as a stage of its own, so "
                                                  "give it another name",
                                                  dataset.name, stage->name.mark.line));
    }
    if (groups_known) {
      check_dataset_groups(dataset, spec, diagnostics);
    }
  }
  if (groups_known) {
    check_out_groups(spec, diagnostics);
  }
}

void add_dataset_stages(PipelineSpec& spec, const std::string& pipeline_path) {
  for (const auto& dataset : spec.datasets) {
    spec.stages.push_back(dataset_stage(dataset, spec, pipeline_path));
  }
}

void finish_dataset_stages(Pipeline& pipeline) {
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    if (pipeline.stages[i].builtin != "dataset") {
      continue;
    }
    if (const DatasetSpec* dataset = find_dataset(pipeline.datasets, pipeline.stages[i].name)) {
      add_ingest_needs(pipeline.stages, i, *dataset);
    }
  }
  for (auto& group : pipeline.feature_groups) {
    if (!group.rules.empty()) {
      if (auto relative = workspace_relative(pipeline.workspace, group.rules)) {
        group.rules = *relative;
      }
    }
  }
  for (auto& dataset : pipeline.datasets) {
    for (std::string* path : {&dataset.spine, &dataset.out}) {
      if (auto relative = workspace_relative(pipeline.workspace, *path)) {
        *path = *relative;
      }
    }
  }
}

}  // namespace mlops
