// Shell completion scripts for bash, zsh and fish, generated from the command-line definition
// (app.cpp builds the CommandModel from CLI11), so they never fall behind the real options.
// Stage names for --stage, --from and --force-stage come from the pipeline file on the command
// line, through the hidden `mlops __stages FILE`.
#pragma once

#include <string>
#include <vector>

namespace mlops {

struct CommandModel {
  std::string name;  // "run", "check" (empty for mlops itself)
  std::string description;
  std::vector<std::string> options;        // "--jobs", "-j", ...
  std::vector<std::string> value_options;  // those of `options` that take a value
  std::vector<CommandModel> subcommands;
};

// Nothing when `shell` is not bash, zsh or fish.
std::string completion_script(const CommandModel& root, const std::string& shell);

// Every "SUBCOMMAND [SUBSUBCOMMAND] --option" pair, for the test that keeps docs/cli.md complete.
std::vector<std::string> command_paths(const CommandModel& root);

}  // namespace mlops
