// `plots:` of a stage (docs/pipeline-format.md, "Plots"): files of points a stage writes, drawn by
// `mlops plots` and `mlops report`. Each plot is also an out of kind "plots", so it is cached,
// restored, fingerprinted and recorded like any other out.
#pragma once

#include "spec/diagnostic.hpp"
#include "spec/pipeline.hpp"
#include "spec/section_reader.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

// A list whose items are paths (`- eval/roc.csv`) or mappings {path, x, y, title, template,
// x_label, y_label}. Appends each plot's path to `stage.outs` (type "plots") and its options to
// `stage.plots`; everything wrong is a diagnostic at its FILE:LINE:COL (unknown keys, a
// template other than linear/scatter/confusion, a path that is not .csv, .tsv or .json, an
// empty or non-string field name).
void parse_plots(const YamlNode& node, SectionReader& reader, StageSpec& stage);

}  // namespace mlops
