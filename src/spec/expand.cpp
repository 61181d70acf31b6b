#include "spec/expand.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <unordered_map>

#include <fmt/format.h>

#include "spec/executor_parser.hpp"
#include "spec/gate_parser.hpp"
#include "spec/interpolate.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_namespaces = {"params", "matrix",   "run",
                                               "stage",  "pipeline", "models"};

// The options of the plot out `spec.outs[index]` (if it is one), for its expanded path.
void add_plot_options(const StageSpec& spec, size_t index, const std::string& path, Stage& stage) {
  for (const auto& [out_index, options] : spec.plots) {
    if (out_index == index) {
      stage.plots.push_back(options);
      stage.plots.back().path = path;
    }
  }
}

// Reports each (position, message) once: a template shared by many matrix combinations would
// otherwise repeat the same error for each.
class DedupReporter {
 public:
  explicit DedupReporter(Diagnostics& diagnostics) : m_diagnostics(diagnostics) {}
  void error(SourceMark mark, std::string message) {
    if (m_seen.insert({mark.line, mark.column, message}).second) {
      m_diagnostics.error(mark, std::move(message));
    }
  }
  Diagnostics& diagnostics() { return m_diagnostics; }

 private:
  Diagnostics& m_diagnostics;
  std::set<std::tuple<int, int, std::string>> m_seen;
};

enum class Field { Command, Path };

class StageExpander {
 public:
  StageExpander(const ExpandContext& context, DedupReporter& reporter)
      : m_context(context), m_reporter(reporter) {
    for (const auto& [name, value] : context.params) {
      m_param_names.push_back(name);
    }
  }

  Stage expand(const StageSpec& spec, size_t spec_index,
               const std::vector<std::pair<std::string, std::string>>& combination) {
    Stage stage;
    stage.base_name = spec.name.value;
    stage.spec_index = spec_index;
    stage.mark = spec.name.mark;
    stage.description = spec.description;
    stage.matrix_values = combination;
    stage.name = spec.name.value;
    if (!spec.matrix.empty()) {
      std::vector<std::string> parts;
      for (const auto& [key, value] : combination) {
        parts.push_back(key + "=" + value);
      }
      stage.name += "[" + join(parts, ",") + "]";
    }
    m_stage = &stage;
    if (spec.workdir) {
      auto dirs = paths({*spec.workdir}, "workdir");
      if (!dirs.empty()) {
        stage.workdir = dirs.front().value;
      }
    }

    if (spec.run) {
      stage.command_kind = CommandKind::Shell;
      stage.shell_command = interpolate(*spec.run, QuoteMode::Shell, Field::Command);
    } else if (spec.cmd) {
      stage.command_kind = CommandKind::Argv;
      for (const auto& item : *spec.cmd) {
        stage.argv.push_back(interpolate(item, QuoteMode::Raw, Field::Command));
      }
    }
    for (const auto& [key, value] : m_context.spec.env) {
      stage.env.emplace_back(key.value, interpolate(value, QuoteMode::Raw, Field::Command));
    }
    for (const auto& [key, value] : spec.env) {
      stage.env.emplace_back(key.value, interpolate(value, QuoteMode::Raw, Field::Command));
    }
    stage.deps = paths(spec.deps, "deps");
    // Kept parallel to outs even when a path is refused.
    auto at = [](const std::vector<std::string>& list, size_t i) {
      return i < list.size() ? list[i] : std::string();
    };
    for (size_t i = 0; i < spec.outs.size(); ++i) {
      for (auto& out : paths({spec.outs[i]}, "outs")) {
        add_plot_options(spec, i, out.value, stage);
        stage.outs.push_back(std::move(out));
        stage.out_types.push_back(at(spec.out_types, i));
        stage.out_models.push_back(at(spec.out_models, i));
        stage.out_feature_groups.push_back(at(spec.out_feature_groups, i));
      }
    }
    stage.metrics = paths(spec.metrics, "metrics");
    for (const auto& ref : stage.model_refs) {
      stage.deps.push_back({ref.path(), spec.name.mark});
    }
    stage.gate = spec.gate;
    note_params_read_from_environment(spec, stage);
    note_declared_params(spec, stage);
    stage.timeout = spec.timeout ? std::optional(spec.timeout->value) : std::nullopt;
    stage.retries = spec.retries;
    stage.cache = spec.cache;
    stage.always_run = spec.always_run;
    stage.incremental = spec.incremental;
    stage.retry_delay = spec.retry_delay;
    set_executor(spec, stage);
    if (spec.uses)
      stage.builtin = spec.uses->value;
    m_stage = nullptr;
    return stage;
  }

 private:
  std::string interpolate(const LocatedString& text, QuoteMode mode, Field field) {
    std::vector<TemplateError> errors;
    std::string out = expand_references(
        text.value, mode,
        [&](const Reference& reference, std::string& error) {
          return lookup(reference, field, error);
        },
        errors);
    for (const auto& error : errors) {
      SourceMark mark = error.needle.empty()
                            ? text.mark
                            : m_reporter.diagnostics().find_after(text.mark, error.needle);
      m_reporter.error(mark, error.message);
    }
    return out;
  }

  // A command that reads $MLOPS_PARAM_X depends on parameter x as much as one that writes
  // ${params.x}: count it as used, so that the stage's fingerprint changes with the value.
  // The stage's executor and resources: its own keys over the pipeline's defaults. A built-in
  // stage (`uses:`) runs where it says only: it runs this mlops binary and opens the store.
  void set_executor(const StageSpec& spec, Stage& stage) {
    const PipelineSpec& pipeline = m_context.spec;
    if (spec.executor) {
      stage.executor = spec.executor->value;
    } else if (pipeline.executor && !spec.uses) {
      stage.executor = pipeline.executor->value;
    }
    stage.resources = merge_resources(pipeline.resources.value_or(JobResources{}),
                                      spec.resources.value_or(JobResources{}));
  }

  void note_params_read_from_environment(const StageSpec& spec, Stage& stage) {
    std::vector<const std::string*> texts;
    if (spec.run) {
      texts.push_back(&spec.run->value);
    }
    if (spec.cmd) {
      for (const auto& item : *spec.cmd) {
        texts.push_back(&item.value);
      }
    }
    for (const auto& [name, value] : m_context.params) {
      std::string variable = param_env_name(name);
      bool read = std::any_of(texts.begin(), texts.end(), [&](const std::string* text) {
        return mentions_variable(*text, variable);
      });
      auto& used = stage.params_used;
      if (read && std::find(used.begin(), used.end(), name) == used.end()) {
        used.push_back(name);
      }
    }
  }

  // `params: [train.lr, featurize]`: each name is a parameter, or a group standing for every
  // parameter under it (which may be none, for an empty mapping).
  void note_declared_params(const StageSpec& spec, Stage& stage) {
    auto& used = stage.params_used;
    auto use = [&](const std::string& name) {
      if (std::find(used.begin(), used.end(), name) == used.end()) {
        used.push_back(name);
      }
    };
    const auto& groups = m_context.spec.param_groups;
    for (const auto& declared : spec.params) {
      const std::string& name = declared.value;
      if (m_context.params.count(name)) {
        use(name);
        continue;
      }
      bool group = std::find(groups.begin(), groups.end(), name) != groups.end();
      std::string prefix = name + ".";
      for (auto it = m_context.params.lower_bound(prefix);
           it != m_context.params.end() && it->first.starts_with(prefix); ++it) {
        use(it->first);
        group = true;
      }
      if (!group) {
        m_reporter.error(declared.mark,
                         fmt::format("stage '{}' depends on parameter '{}', which neither "
                                     "'params' nor a params file declares{}",
                                     spec.name.value, name, did_you_mean(name, m_param_names)));
      }
    }
  }

  static bool mentions_variable(std::string_view text, std::string_view variable) {
    for (size_t at = text.find(variable); at != std::string_view::npos;
         at = text.find(variable, at + 1)) {
      size_t end = at + variable.size();
      bool whole = end == text.size() ||
                   !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '_');
      if (whole) {
        return true;
      }
    }
    return false;
  }

  std::optional<std::string> lookup(const Reference& reference, Field field, std::string& error) {
    const std::string& space = reference.space;
    const std::string& name = reference.name;
    if (space == "params") {
      auto it = m_context.params.find(name);
      if (it != m_context.params.end()) {
        auto& used = m_stage->params_used;
        if (std::find(used.begin(), used.end(), name) == used.end()) {
          used.push_back(name);
        }
        return it->second.text;
      }
      const auto& groups = m_context.spec.param_groups;
      if (std::find(groups.begin(), groups.end(), name) != groups.end()) {
        error = fmt::format(
            "'{}' is a group of parameters; reference one of its values, such as "
            "${{params.{}.<name>}}",
            reference.text, name);
      } else {
        error = fmt::format("unknown parameter '{}' in '{}'{}", name, reference.text,
                            did_you_mean(name, m_param_names));
      }
      return std::nullopt;
    }
    if (space == "matrix") {
      std::vector<std::string> keys;
      for (const auto& [key, value] : m_stage->matrix_values) {
        if (key == name) {
          return value;
        }
        keys.push_back(key);
      }
      error = keys.empty() ? fmt::format("'{}': stage '{}' has no matrix", reference.text,
                                         m_stage->base_name)
                           : fmt::format("unknown matrix key '{}' in '{}'{}", name, reference.text,
                                         did_you_mean(name, keys));
      return std::nullopt;
    }
    if (space == "run" && name == "id") {
      if (field == Field::Path) {
        error = fmt::format("'{}' may not appear in a path: paths must be the same in every run",
                            reference.text);
        return std::nullopt;
      }
      return m_context.run_id;
    }
    if (space == "stage" && name == "name") {
      return m_stage->name;
    }
    if (space == "pipeline" && name == "name") {
      return m_context.spec.name.value;
    }
    if (space == "models") {
      return model_reference(reference, field, error);
    }
    if (space == "run" || space == "stage" || space == "pipeline") {
      error = fmt::format("unknown reference '{}': {} has only '{}'", reference.text, space,
                          space == "run" ? "id" : "name");
      return std::nullopt;
    }
    error = fmt::format(
        "unknown reference '{}': the namespaces are params, matrix, run, stage, "
        "pipeline and models{}",
        reference.text, did_you_mean(space, k_namespaces));
    return std::nullopt;
  }

  // ${models.NAME@ALIAS} (or @vN): the path, from the stage's workdir, where the version's
  // bytes are materialized before the stage runs.
  std::optional<std::string> model_reference(const Reference& reference, Field field,
                                             std::string& error) {
    size_t at = reference.name.find('@');
    std::string model = reference.name.substr(0, at);
    std::string selector = at == std::string::npos ? "" : reference.name.substr(at + 1);
    if (!is_valid_model_name(model) || !is_valid_model_name(selector)) {
      error = fmt::format(
          "'{}' is not a model reference: write ${{models.NAME@ALIAS}} (such as "
          "${{models.churn@champion}}) or ${{models.NAME@vN}}",
          reference.text);
      return std::nullopt;
    }
    if (field == Field::Path) {
      error = fmt::format(
          "'{}' may not appear in a path; use it in the command (the stage then "
          "reads the model's bytes, and runs again when the alias moves)",
          reference.text);
      return std::nullopt;
    }
    ModelRef ref{model, selector};
    auto& refs = m_stage->model_refs;
    if (std::none_of(refs.begin(), refs.end(), [&](const ModelRef& other) {
          return other.model == ref.model && other.selector == ref.selector;
        })) {
      refs.push_back(ref);
    }
    return std::filesystem::path(ref.path()).lexically_relative(m_stage->workdir).string();
  }

  std::vector<LocatedString> paths(const std::vector<LocatedString>& items, const char* field) {
    std::vector<LocatedString> out;
    for (const auto& item : items) {
      std::string expanded = interpolate(item, QuoteMode::Raw, Field::Path);
      // The file itself is checked to be UTF-8; a value from -p or a params file is not.
      if (!is_valid_utf8(expanded)) {
        m_reporter.error(item.mark, fmt::format("{} path '{}' is not valid UTF-8 once expanded; "
                                                "paths must be UTF-8",
                                                field, item.value));
        continue;
      }
      auto relative = workspace_relative(m_context.workspace, expanded);
      if (!relative) {
        m_reporter.error(item.mark, fmt::format("{} path '{}' is outside the workspace {}; "
                                                "paths must stay inside it",
                                                field, expanded, m_context.workspace.string()));
        continue;
      }
      std::string_view kind = field;
      if (kind != "deps" && kind != "workdir") {
        if (*relative == ".") {
          m_reporter.error(item.mark, fmt::format("{} path '{}' is the whole workspace; name the "
                                                  "files or directories the stage writes",
                                                  field, expanded));
          continue;
        }
        if (path_is_within(*relative, ".mlops") || path_is_within(*relative, ".git")) {
          m_reporter.error(
              item.mark,
              fmt::format("{} path '{}' is inside {}, which mlops and git "
                          "own; write somewhere else",
                          field, expanded, relative->starts_with(".git") ? ".git" : ".mlops"));
          continue;
        }
        if (leaves_workspace_through_link(*relative)) {
          m_reporter.error(item.mark, fmt::format("{} path '{}' leads outside the workspace "
                                                  "through a symbolic link",
                                                  field, expanded));
          continue;
        }
      }
      out.push_back({*relative, item.mark});
    }
    return out;
  }

  // Outputs are written, so a symlinked directory on the way must not lead out of the workspace.
  bool leaves_workspace_through_link(const std::string& relative) {
    return m_links.link_leading_out(relative).has_value();
  }

  const ExpandContext& m_context;
  DedupReporter& m_reporter;
  WorkspaceLinkCheck m_links{m_context.workspace};
  std::vector<std::string> m_param_names;
  Stage* m_stage = nullptr;
};

// Every combination of a matrix, first key varying slowest; one empty combination without one.
std::vector<std::vector<std::pair<std::string, std::string>>> combinations(
    const std::vector<MatrixAxis>& matrix) {
  std::vector<std::vector<std::pair<std::string, std::string>>> out{{}};
  for (const auto& axis : matrix) {
    std::vector<std::vector<std::pair<std::string, std::string>>> next;
    for (const auto& prefix : out) {
      for (const auto& value : axis.values) {
        auto combination = prefix;
        combination.emplace_back(axis.key.value, value.value);
        next.push_back(std::move(combination));
      }
    }
    out = std::move(next);
  }
  return out;
}

// A stage that reads ${models.M@A} runs after the stages of this pipeline whose gate may move A
// of M: it reads the version the gate promoted in this run.
void add_model_needs(std::vector<Stage>& stages) {
  for (size_t i = 0; i < stages.size(); ++i) {
    for (const auto& ref : stages[i].model_refs) {
      for (size_t j = 0; j < stages.size(); ++j) {
        const auto& gate = stages[j].gate;
        auto& needs = stages[i].needs;
        if (j != i && gate && gate->model == ref.model && gate->promote == ref.selector &&
            std::find(needs.begin(), needs.end(), j) == needs.end()) {
          needs.push_back(j);
        }
      }
    }
  }
}

void resolve_needs(const ExpandContext& context, std::vector<Stage>& stages,
                   DedupReporter& reporter) {
  std::unordered_map<std::string, std::vector<size_t>> by_name;
  std::vector<std::string> names;
  for (size_t i = 0; i < stages.size(); ++i) {
    by_name[stages[i].name].push_back(i);
    if (stages[i].name != stages[i].base_name) {
      auto& group = by_name[stages[i].base_name];
      if (group.empty()) {
        names.push_back(stages[i].base_name);
      }
      group.push_back(i);
    } else {
      names.push_back(stages[i].name);
    }
  }
  for (auto& stage : stages) {
    const StageSpec& spec = context.spec.stages[stage.spec_index];
    for (const auto& need : spec.needs) {
      auto it = by_name.find(need.value);
      if (it == by_name.end()) {
        reporter.error(need.mark,
                       fmt::format("stage '{}' needs '{}', which is not a stage of "
                                   "this pipeline{}",
                                   spec.name.value, need.value, did_you_mean(need.value, names)));
        continue;
      }
      if (need.value == stage.base_name || need.value == stage.name) {
        reporter.error(need.mark, fmt::format("stage '{}' needs itself", spec.name.value));
        continue;
      }
      for (size_t index : it->second) {
        if (std::find(stage.needs.begin(), stage.needs.end(), index) == stage.needs.end()) {
          stage.needs.push_back(index);
        }
      }
    }
  }
  add_model_needs(stages);
}

}  // namespace

std::vector<Stage> expand_stages(const ExpandContext& context, Diagnostics& diagnostics) {
  DedupReporter reporter(diagnostics);
  StageExpander expander(context, reporter);
  std::vector<Stage> stages;
  stages.reserve(context.spec.stages.size());  // at least: moving stages costs at 10,000
  for (size_t i = 0; i < context.spec.stages.size(); ++i) {
    const StageSpec& spec = context.spec.stages[i];
    for (const auto& combination : combinations(spec.matrix)) {
      stages.push_back(expander.expand(spec, i, combination));
    }
  }
  resolve_needs(context, stages, reporter);
  return stages;
}

void check_outputs(const std::vector<Stage>& stages, Diagnostics& diagnostics) {
  struct Writer {
    size_t stage;
    SourceMark mark;
  };
  std::map<std::string, Writer> written;  // ordered, to find paths inside a written directory
  DedupReporter reporter(diagnostics);
  for (size_t i = 0; i < stages.size(); ++i) {
    std::vector<const LocatedString*> outputs;
    for (const auto& out : stages[i].outs) {
      outputs.push_back(&out);
    }
    for (const auto& metric : stages[i].metrics) {
      outputs.push_back(&metric);
    }
    for (const LocatedString* out : outputs) {
      auto [it, inserted] = written.emplace(out->value, Writer{i, out->mark});
      if (!inserted) {
        const Stage& other = stages[it->second.stage];
        reporter.error(out->mark,
                       other.name == stages[i].name
                           ? fmt::format("stage '{}' lists '{}' twice", stages[i].name, out->value)
                           : fmt::format("stages '{}' and '{}' both write '{}'; each path must "
                                         "have one writer (a matrix stage needs "
                                         "${{matrix.*}} in its outs)",
                                         other.name, stages[i].name, out->value));
      }
    }
  }
  // A path written inside a directory another stage writes: check every ancestor.
  for (const auto& [path, writer] : written) {
    size_t slash = path.rfind('/');
    while (slash != std::string::npos) {
      auto parent = written.find(path.substr(0, slash));
      if (parent != written.end()) {
        reporter.error(writer.mark, fmt::format("'{}' (written by '{}') is inside '{}' (written "
                                                "by '{}'); outputs may not overlap",
                                                path, stages[writer.stage].name, parent->first,
                                                stages[parent->second.stage].name));
        break;
      }
      slash = path.rfind('/', slash - 1);
      if (slash == 0) {
        break;
      }
    }
  }
  for (const auto& stage : stages) {
    for (const auto& dep : stage.deps) {
      for (const auto& out : stage.outs) {
        if (path_is_within(dep.value, out.value) || path_is_within(out.value, dep.value)) {
          reporter.error(dep.mark, fmt::format("stage '{}' reads '{}' and also writes '{}'; a "
                                               "stage may not read its own output",
                                               stage.name, dep.value, out.value));
        }
      }
    }
  }
}

}  // namespace mlops
