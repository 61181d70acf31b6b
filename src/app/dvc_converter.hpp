// The converter behind convert_dvc (app/import_dvc.hpp), shared by dvc_convert.cpp (values,
// references, paths) and dvc_stages.cpp (the file, stages, foreach and matrix). Internal to app/.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/import_dvc.hpp"
#include "app/pipeline_draft.hpp"
#include "spec/diagnostic.hpp"
#include "spec/yaml_tree.hpp"

namespace mlops {

// What `${item}`, `${key}` and a stage's `vars` stand for while one stage is converted.
struct Locals {
  std::vector<std::pair<std::string, YamlNode>> values;  // name -> value, substituted as text
  bool matrix_item = false;  // a native matrix: ${item.K} is ${matrix.K}
};

class DvcConverter {
 public:
  DvcConverter(std::string_view text, const DvcConvertContext& context);
  DvcConversion convert(std::string_view text);

 private:
  void error(const YamlNode& node, std::string message);
  // Notes `what` (a comment above the stage or file) and lists it in the outcome's `dropped`.
  void drop(std::vector<std::string>& notes, const std::string& where, std::string what);
  bool check_keys(const YamlNode& map, const std::vector<std::string>& allowed,
                  std::string_view what);
  const YamlNode* expect_list(const YamlNode* node, std::string_view key);

  std::optional<std::string> reference(const YamlNode& node, std::string_view inner,
                                       const Locals& locals);
  std::optional<std::string> text(const YamlNode& node, const Locals& locals);
  std::optional<std::string> path(const YamlNode& node, const Locals& locals,
                                  const std::string& wdir);
  bool add_params_file(const YamlNode& at, const std::string& dvc_relative);

  void top_level(const YamlNode& root);
  void vars(const YamlNode& list, std::vector<std::string>& notes, const std::string& where,
            Locals* locals);
  void stages(const YamlNode& stages);
  void foreach_stage(const YamlMapEntry& entry);
  void matrix_stage(const YamlMapEntry& entry);
  bool native_matrix(const YamlNode& matrix);
  // Converts one stage (a foreach item, a matrix, or a plain stage) and adds it to the draft;
  // nothing when it had errors.
  DraftStage* stage(const std::string& name, const std::string& dvc_name, const YamlNode& at,
                    const YamlNode& body, Locals locals, std::string_view skip_key,
                    std::vector<std::string> notes);
  bool stage_body(const YamlNode& body, const Locals& locals, DraftStage& stage);
  bool stage_flags(const YamlNode& body, DraftStage& stage);
  std::optional<std::string> command(const YamlNode& cmd, const Locals& locals);
  void stage_params(const YamlNode& list, const Locals& locals, const std::string& wdir,
                    DraftStage& stage);
  void outputs(const YamlNode& list, std::string_view kind, const Locals& locals,
               const std::string& wdir, DraftStage& stage);
  void output_options(const YamlNode& options, std::string_view kind, const std::string& path,
                      DraftStage& stage, PlotOptions* plot);
  // x, y, title, template, x_label, y_label of a plots file; false when `option` is none of them.
  bool plot_option(const YamlMapEntry& option, PlotOptions& plot, DraftStage& stage);

  Diagnostics m_diagnostics;
  const DvcConvertContext& m_context;
  PipelineDraft m_draft;
  std::vector<std::string> m_dropped;
  std::set<std::string> m_names;            // stage names written
  const YamlNode* m_uses_params = nullptr;  // the first `${name}` read from params
  size_t m_stage_count = 0;
};

}  // namespace mlops
