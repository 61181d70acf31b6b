// Loading a pipeline: file -> YAML tree -> PipelineSpec -> Pipeline, with every check that needs
// only the pipeline itself (keys, types, names, references, paths, conflicting outs). Graph
// checks (cycles) live in dag/. All problems come back at once, as diagnostics.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"

namespace mlops {

struct LoadOptions {
  std::vector<std::string> param_overrides;          // "KEY=VALUE", from -p/--param
  std::optional<std::filesystem::path> params_file;  // from --params-file
  std::string run_id = "RUN_ID";                     // what ${run.id} expands to
  std::vector<std::string> set_params;               // "KEY=VALUE", from -S/--set-param (after -p)
};

struct LoadResult {
  std::optional<Pipeline> pipeline;  // set exactly when `diagnostics` is empty
  std::vector<Diagnostic> diagnostics;
  // When there were errors but the YAML parsed: the pipeline as far as it expanded (stages with
  // errors may be missing or incomplete). Checks that need the whole pipeline, such as the
  // graph's cycle check, run on it so that they report together with the other errors.
  std::optional<Pipeline> partial;
};

LoadResult load_pipeline(const std::filesystem::path& file, const LoadOptions& options);

// The same for text already in memory; `file` names it in diagnostics. For tests and stdin.
LoadResult load_pipeline_text(std::string_view text, const std::filesystem::path& file,
                              const std::filesystem::path& workspace, const LoadOptions& options);

// The workspace of a pipeline file: the nearest ancestor directory holding `.mlops/`, else the
// nearest holding `.git`, else the file's own directory. Absolute and normal.
std::filesystem::path find_workspace(const std::filesystem::path& pipeline_file);

}  // namespace mlops
