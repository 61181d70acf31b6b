// `mlops import dvc`: a DVC project's dvc.yaml converted into an mlops pipeline file
// (docs/migrating-from-dvc.md says what maps to what).
//
// convert_dvc is the pure conversion (dvc.yaml text -> pipeline text, with a `# dvc:` comment
// for everything that has no mlops equivalent); import_dvc reads the file, checks the result as
// `mlops check` would, and writes it atomically. Neither prints.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spec/diagnostic.hpp"
#include "util/error.hpp"

namespace mlops {

// Where the dvc.yaml and the pipeline file lie, for rebasing DVC's paths (relative to the
// dvc.yaml's directory and a stage's wdir) onto mlops's (relative to the workspace; params files
// relative to the pipeline file's directory).
struct DvcConvertContext {
  std::string file_name = "dvc.yaml";          // names the dvc.yaml in diagnostics
  std::filesystem::path workspace;             // absolute and normal
  std::string dvc_dir = ".";                   // the dvc.yaml's directory, workspace-relative
  std::string pipeline_dir = ".";              // the pipeline file's directory, workspace-relative
  std::string pipeline_name = "dvc-pipeline";  // [a-z0-9][a-z0-9_-]*
  // Whether a workspace-relative path exists (the default params.yaml is used when it does).
  std::function<bool(const std::string&)> exists = [](const std::string&) { return false; };
};

struct DvcConversion {
  std::string yaml;                     // the pipeline; empty when there were errors
  std::vector<Diagnostic> diagnostics;  // errors in the dvc.yaml, FILE:LINE:COL
  std::vector<std::string> dropped;     // what had no equivalent (each also a comment)
  size_t stages = 0;                    // stages written (a native matrix counts once)
};

DvcConversion convert_dvc(std::string_view text, const DvcConvertContext& context);

struct DvcImportRequest {
  std::filesystem::path dvc_file = "dvc.yaml";
  // The pipeline file to write; nothing: only return the text (`-o -`), with paths written
  // for a pipeline file beside the dvc.yaml.
  std::optional<std::filesystem::path> output = std::filesystem::path("pipeline.yaml");
  bool force = false;  // overwrite an existing output
};

struct DvcImportOutcome {
  DvcConversion conversion;       // diagnostics set: errors in the dvc.yaml, nothing written
  std::optional<Error> error;     // anything else that stopped the import; nothing written
  std::filesystem::path written;  // the pipeline file, when one was written
};

// NotFound (no dvc.yaml), Usage (the output exists without `force`, or is a directory),
// InvalidSpec (the converted pipeline fails mlops's checks: the message holds them), Io.
DvcImportOutcome import_dvc(const DvcImportRequest& request);

}  // namespace mlops
