// A pipeline file being written by a converter (`mlops import dvc`), and the YAML text for it.
//
// The draft holds only what a converter fills in; write_pipeline_yaml turns it into a pipeline
// file (docs/pipeline-format.md) with every value quoted as YAML needs, so that a stage name,
// command or path holding quotes, colons, `#` or line breaks reads back as the same text.
// Notes become `# ` comment lines above what they are about; their text is escaped so that it
// stays one comment line whatever it holds.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spec/pipeline.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

struct DraftStage {
  std::string name;
  std::vector<std::string> notes;  // comments above the stage
  std::optional<std::string> description;
  std::string run;      // a /bin/sh command
  std::string workdir;  // workspace-relative; empty: the workspace
  // A native matrix: key -> values (scalars, written with their YAML type).
  std::vector<std::pair<std::string, std::vector<YamlNode>>> matrix;
  std::vector<std::string> deps;
  std::vector<std::string> outs;
  std::vector<std::string> metrics;
  std::vector<PlotOptions> plots;  // written under `plots:`, a path alone when all else is default
  std::vector<std::string> params;
  bool always_run = false;
  bool incremental = false;
};

struct PipelineDraft {
  std::vector<std::string> header;  // comment lines at the top
  std::string name;
  std::vector<std::string> params_files;  // relative to the pipeline file's directory
  std::optional<YamlNode> params_values;  // a mapping of inline defaults
  std::vector<std::string> params_notes;  // comments above `params:`
  std::vector<DraftStage> stages;
};

std::string write_pipeline_yaml(const PipelineDraft& draft);

// `text` as a YAML scalar: plain when that reads back as the same string, else double-quoted
// with escapes (no line breaks in the result).
std::string yaml_string(std::string_view text);

// `text` as one comment line's content: control characters and line breaks escaped.
std::string yaml_comment_text(std::string_view text);

}  // namespace mlops
