// Params files: the YAML or JSON files a pipeline names under `params: {file: ...}`
// (docs/pipeline-format.md, "Params files"), read at every load of the pipeline, and the
// in-place edit behind `mlops run -S KEY=VALUE --save-params`.
//
// A params file is a mapping; nested mappings are flattened to dotted names ("train.lr"). Unlike
// the pipeline's own `params:`, nothing in it is an error except bad YAML: keys that are not
// parameter names (spaces, dots) are skipped, since other tools keep their settings in the same
// file, and a list is one parameter whose text is the list as compact JSON (`[1, "a"]`).
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"
#include "util/error.hpp"

namespace mlops {

// Flattens the params file's tree `root` into `out` (values replace those already there: later
// files win over earlier ones and over the pipeline's inline values), with `origin` on each
// value. Names of nested mappings are appended to `groups`. A root that is not a mapping is
// reported to `diagnostics`.
void read_params_tree(const YamlNode& root, const std::string& origin, Diagnostics& diagnostics,
                      ParamMap& out, std::vector<std::string>& groups);

// Where the pipeline's params files are and what each declared, for the loader.
struct ParamsFilesRead {
  std::vector<std::string> files;              // workspace-relative, in the pipeline's order
  std::map<std::string, std::string> file_of;  // parameter -> the file it was last read from
  std::vector<std::string> groups;             // dotted names of nested mappings
};

// Reads each file of spec.params_files (relative to the pipeline file's directory) into
// `params`. A file outside the workspace, reached through a symbolic link leading out of it,
// missing or unreadable is reported to `diagnostics` at its name in the pipeline; problems in a
// file's contents (YAML syntax) are appended to `file_errors` under the file's own name.
ParamsFilesRead read_params_files(const PipelineSpec& spec,
                                  const std::filesystem::path& pipeline_file,
                                  const std::filesystem::path& workspace, ParamMap& params,
                                  Diagnostics& diagnostics, std::vector<Diagnostic>& file_errors);

// The text of params file `text` with parameter `name`'s scalar replaced by `value`, everything
// else (comments, order, quoting of other values) kept byte for byte. `value` is written plain
// when YAML (and JSON, for a .json file: `json`) reads it back as the same text, else quoted as
// a JSON string. Fails (InvalidSpec) when `name` is not a scalar of the file, or when the
// edited text does not read back with exactly that one value changed.
Result<std::string> set_param_in_text(std::string_view text, const std::string& name,
                                      const std::string& value, bool json);

}  // namespace mlops
