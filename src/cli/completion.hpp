// Shell completion scripts for bash, zsh and fish, generated from the command-line definition
// (app.cpp builds the CommandModel from CLI11), so they never fall behind the real options.
// Stage names for --stage, --from and --force-stage come from the pipeline file on the command
// line, through the hidden `mlops __stages FILE`.
#pragma once

#include <string>
#include <vector>

namespace mlops {

// One option or positional argument with its help text, as the man page (man_page.hpp) shows it.
struct OptionHelp {
  std::string names;  // "-j, --jobs"; a positional's name: "pipeline"
  std::string value;  // what it takes: "INT", "KEY=VALUE"; empty for a flag
  std::string description;
  bool positional = false;
  bool required = false;
  bool repeatable = false;
};

struct CommandModel {
  std::string name;  // "run", "check" (empty for mlops itself)
  std::string description;
  std::string footer;                      // the text `--help` prints after the options
  std::vector<std::string> options;        // "--jobs", "-j", ...
  std::vector<std::string> value_options;  // those of `options` that take a value
  std::vector<OptionHelp> help;            // every visible option and positional, as defined
  std::vector<CommandModel> subcommands;
};

// Nothing when `shell` is not bash, zsh or fish.
std::string completion_script(const CommandModel& root, const std::string& shell);

// Every "SUBCOMMAND [SUBSUBCOMMAND] --option" pair, for the test that keeps docs/cli.md complete.
std::vector<std::string> command_paths(const CommandModel& root);

}  // namespace mlops
