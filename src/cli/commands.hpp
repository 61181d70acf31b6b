// The subcommands, as plain functions of plain option structs. app.cpp parses the command line
// (CLI11 stays in that one file) and calls these; each returns the process exit code.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mlops {

struct ParamOptions {
  std::vector<std::string> params;  // -p KEY=VALUE
  std::optional<std::filesystem::path> params_file;
};

struct CheckCommand {
  std::vector<std::filesystem::path> pipelines;
};
int check_command(const CheckCommand& command);

struct RunCommand {
  std::filesystem::path pipeline;
  ParamOptions params;
  size_t jobs = 0;  // 0: the number of cores
  std::vector<std::string> stages;
  std::vector<std::string> from;
  bool dry_run = false;
  bool keep_going = false;
  std::optional<std::filesystem::path> store;  // --store
  bool no_record = false;                      // --no-record
};
int run_command(const RunCommand& command);

struct GraphCommand {
  std::filesystem::path pipeline;
  ParamOptions params;
  std::string format = "dot";  // dot | mermaid | json
};
int graph_command(const GraphCommand& command);

}  // namespace mlops
