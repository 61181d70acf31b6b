#include "spec/builtin_stage.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {

namespace {

enum class ArgKind {
  Positional,  // the value right after the subcommand
  Option,      // --flag VALUE
  Options,     // --flag VALUE for each item of a list
  FalseFlag,   // a boolean; false adds --flag (header: false → --no-header)
  TrueFlag,    // a boolean; true adds --flag
};

enum class ArgRole { None, Dep, Out };

struct BuiltinArg {
  const char* name;
  ArgKind kind;
  const char* flag;
  ArgRole role = ArgRole::None;
  bool required = false;
  const char* default_file = nullptr;  // outs: the file in the reports directory
  const char* out_type = "";
};

struct BuiltinKind {
  const char* name;
  std::vector<BuiltinArg> args;
};

const std::vector<BuiltinArg> k_read_args = {
    {"format", ArgKind::Option, "--format"},
    {"delimiter", ArgKind::Option, "--delimiter"},
    {"header", ArgKind::FalseFlag, "--no-header"},
    {"null_values", ArgKind::Options, "--null-value"},
};

std::vector<BuiltinArg> with_read_args(std::vector<BuiltinArg> args) {
  args.insert(args.end(), k_read_args.begin(), k_read_args.end());
  return args;
}

const std::vector<BuiltinKind>& builtin_kinds() {
  static const std::vector<BuiltinKind> kinds = {
      {"profile",
       with_read_args({
           {"data", ArgKind::Positional, "", ArgRole::Dep, true},
           {"output", ArgKind::Option, "--output", ArgRole::Out, false, "profile.json", "profile"},
           {"threads", ArgKind::Option, "--threads"},
       })},
      {"validate",
       with_read_args({
           {"data", ArgKind::Positional, "", ArgRole::Dep, true},
           {"rules", ArgKind::Option, "--rules", ArgRole::Dep, true},
           {"output", ArgKind::Option, "--output", ArgRole::Out, false, "validation.json",
            "validation"},
           {"junit", ArgKind::Option, "--junit", ArgRole::Out, false, "validation.junit.xml"},
           {"strict", ArgKind::TrueFlag, "--strict"},
       })},
      {"drift",
       with_read_args({
           {"reference", ArgKind::Option, "--reference", ArgRole::Dep, true},
           {"current", ArgKind::Option, "--current", ArgRole::Dep, true},
           {"output", ArgKind::Option, "--output", ArgRole::Out, false, "drift.json", "drift"},
           {"method", ArgKind::Option, "--method"},
           {"warn", ArgKind::Option, "--warn"},
           {"fail", ArgKind::Option, "--fail"},
           {"min_rows", ArgKind::Option, "--min-rows"},
           {"drift_share", ArgKind::Option, "--drift-share"},
           {"critical", ArgKind::Options, "--critical"},
           {"ignore", ArgKind::Options, "--ignore"},
           {"report_only", ArgKind::TrueFlag, "--report-only"},
       })},
  };
  return kinds;
}

const std::vector<LocatedString>* find_with(const StageSpec& stage, std::string_view name) {
  for (const auto& [key, values] : stage.with) {
    if (key.value == name)
      return &values;
  }
  return nullptr;
}

bool check_with_keys(const StageSpec& stage, const BuiltinKind& kind, Diagnostics& diagnostics) {
  std::vector<std::string> known = {"reports"};
  for (const BuiltinArg& arg : kind.args)
    known.push_back(arg.name);
  bool ok = true;
  for (const auto& [key, values] : stage.with) {
    if (std::find(known.begin(), known.end(), key.value) == known.end()) {
      diagnostics.error(key.mark, fmt::format("unknown argument '{}' of 'uses: {}' in stage "
                                              "'{}'{}; it takes {}",
                                              key.value, kind.name, stage.name.value,
                                              did_you_mean(key.value, known), join(known, ", ")));
      ok = false;
    }
  }
  for (const BuiltinArg& arg : kind.args) {
    if (arg.required && find_with(stage, arg.name) == nullptr) {
      diagnostics.error(stage.uses->mark, fmt::format("'uses: {}' in stage '{}' needs 'with: {{{}: "
                                                      "...}}'",
                                                      kind.name, stage.name.value, arg.name));
      ok = false;
    }
  }
  return ok;
}

bool is_true(const LocatedString& value) {
  return value.value == "true" || value.value == "True" || value.value == "TRUE";
}

// The directory of the stage's default report files: with.reports, else reports/<stage>.
std::optional<LocatedString> reports_dir(const StageSpec& stage, Diagnostics& diagnostics) {
  if (const auto* reports = find_with(stage, "reports")) {
    if (reports->size() != 1) {
      diagnostics.error(stage.with_mark, "'reports' takes one directory");
      return std::nullopt;
    }
    return reports->front();
  }
  return LocatedString{"reports/" + stage.name.value, stage.uses->mark};
}

// Options go as one word, --flag=VALUE, and the positional data file after `--` at the end: a
// value (from a param, say) that starts with '-' is never read as an option.
void add_arg(const BuiltinArg& arg, const std::vector<LocatedString>& values, StageSpec& stage,
             std::vector<LocatedString>& argv, std::vector<LocatedString>& positional,
             Diagnostics& diagnostics) {
  bool list = arg.kind == ArgKind::Options;
  if (values.empty())
    return;  // its items were reported as they were read
  if (!list && values.size() != 1) {
    diagnostics.error(stage.with_mark, fmt::format("'{}' of stage '{}' takes one value, not a list",
                                                   arg.name, stage.name.value));
    return;
  }
  for (const LocatedString& value : values) {
    switch (arg.kind) {
      case ArgKind::Positional:
        positional.push_back(value);
        break;
      case ArgKind::Option:
      case ArgKind::Options:
        argv.push_back({std::string(arg.flag) + "=" + value.value, value.mark});
        break;
      case ArgKind::FalseFlag:
        if (!is_true(value))
          argv.push_back({arg.flag, value.mark});
        break;
      case ArgKind::TrueFlag:
        if (is_true(value))
          argv.push_back({arg.flag, value.mark});
        break;
    }
    if (arg.role == ArgRole::Dep)
      stage.deps.push_back(value);
    if (arg.role == ArgRole::Out) {
      stage.outs.push_back(value);
      stage.out_types.emplace_back(arg.out_type);
    }
  }
}

}  // namespace

void parse_builtin_with(const YamlNode& node, Diagnostics& diagnostics, StageSpec& stage) {
  stage.with_mark = node.mark;
  if (!node.is_map()) {
    diagnostics.error(node.mark, fmt::format("'with' in stage '{}' must be a mapping of "
                                             "arguments, not {}",
                                             stage.name.value, node.describe()));
    return;
  }
  for (const auto& [key, value] : node.entries) {
    std::vector<LocatedString> values;
    const std::vector<YamlNode> single = {value};
    for (const YamlNode& item : value.is_sequence() ? value.items : single) {
      if (!item.is_scalar() || item.is_null()) {
        diagnostics.error(item.mark, fmt::format("'{}' in stage '{}' must be a string, number, "
                                                 "boolean or a list of them, not {}",
                                                 key.text, stage.name.value, item.describe()));
        continue;
      }
      values.push_back({item.text, item.mark});
    }
    stage.with.emplace_back(LocatedString{key.text, key.mark}, std::move(values));
  }
}

void expand_builtin_stage(StageSpec& stage, Diagnostics& diagnostics) {
  const std::string& name = stage.uses->value;
  const auto& kinds = builtin_kinds();
  auto kind = std::find_if(kinds.begin(), kinds.end(),
                           [&](const BuiltinKind& k) { return name == k.name; });
  if (kind == kinds.end()) {
    std::vector<std::string> known(std::begin(k_builtin_stage_kinds),
                                   std::end(k_builtin_stage_kinds));
    diagnostics.error(
        stage.uses->mark,
        fmt::format("unknown built-in stage 'uses: {}' in stage '{}'{}; use one of {}", name,
                    stage.name.value, did_you_mean(name, known), join(known, ", ")));
    return;
  }
  if (stage.run || stage.cmd) {
    diagnostics.error(stage.uses->mark, fmt::format("stage '{}' has 'uses' and a command; a "
                                                    "built-in stage has no 'run' or 'cmd'",
                                                    stage.name.value));
    return;
  }
  if (!check_with_keys(stage, *kind, diagnostics))
    return;
  auto dir = reports_dir(stage, diagnostics);
  if (!dir)
    return;
  if (!stage.matrix.empty() && find_with(stage, "reports") == nullptr) {
    diagnostics.error(stage.uses->mark,
                      fmt::format("stage '{}' has a matrix: give 'with: {{reports: DIR}}' with "
                                  "${{matrix...}} in it, so its combinations write apart",
                                  stage.name.value));
    return;
  }
  std::vector<LocatedString> argv = {
      {"mlops", stage.uses->mark}, {"data", stage.uses->mark}, {kind->name, stage.uses->mark}};
  std::vector<LocatedString> positional;
  for (const BuiltinArg& arg : kind->args) {
    if (const auto* values = find_with(stage, arg.name)) {
      add_arg(arg, *values, stage, argv, positional, diagnostics);
    } else if (arg.default_file != nullptr) {
      add_arg(arg, {{dir->value + "/" + arg.default_file, dir->mark}}, stage, argv, positional,
              diagnostics);
    }
  }
  LocatedString metrics{dir->value + "/metrics.json", dir->mark};
  argv.push_back({"--metrics-out=" + metrics.value, dir->mark});
  stage.metrics.push_back(metrics);
  argv.push_back({"--", stage.uses->mark});
  argv.insert(argv.end(), positional.begin(), positional.end());
  stage.cmd = std::move(argv);
}

}  // namespace mlops
