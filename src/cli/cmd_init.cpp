// `mlops init [DIR]`: a workspace to start from.
#include <algorithm>

#include <fmt/format.h>

#include "app/gitignore.hpp"
#include "cli/commands.hpp"
#include "cli/embedded_schema.hpp"
#include "cli/exit_codes.hpp"
#include "util/file_io.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

constexpr const char* k_starter_pipeline =
    R"(# yaml-language-server: $schema=.mlops/pipeline.schema.json
#
# A pipeline is a DAG of stages; `mlops run pipeline.yaml` runs each stage's command as a
# subprocess, independent stages in parallel, and records every run in .mlops/store.db.
# `mlops check pipeline.yaml` reports mistakes; the format is in docs/pipeline-format.md of the
# mlops sources.
version: 1
name: starter

# Parameters: referenced as ${params.NAME}, overridden with `mlops run -p rows=50`.
params:
  rows: 100

stages:
  # A stage reads `deps` and writes `outs`; the graph follows from those paths (and `needs`).
  # A stage whose command, params and deps did not change since its last run is skipped.
  prepare:
    run: mkdir -p data && seq 1 ${params.rows} > data/numbers.txt
    outs: [data/numbers.txt]

  summarize:
    run: >-
      mkdir -p out &&
      awk '{ s += $1 } END { printf "{\"count\": %d, \"sum\": %d}\n", NR, s }'
      data/numbers.txt > out/metrics.json
    deps: [data/numbers.txt]
    metrics: [out/metrics.json]   # numbers here are recorded: `mlops metrics latest`

# Run it by itself when data lands or on a schedule (docs/triggers.md):
# triggers:
#   data: {paths: ["data/raw/**/*.csv"], settle: 30s}
#   schedule: {cron: "0 3 * * *", timezone: UTC}
)";

const std::vector<std::string> k_ignored = {".mlops/cache/",  ".mlops/logs/",
                                            ".mlops/locks/",  ".mlops/incremental/",
                                            ".mlops/models/", ".mlops/store.db*"};

}  // namespace

int init_command(const InitCommand& command) {
  std::filesystem::path dir = command.directory;
  std::error_code error;
  std::filesystem::create_directories(dir / ".mlops", error);
  if (error) {
    write_all(2, fmt::format("mlops: error: cannot create {}: {}; choose a directory you can "
                             "write to\n",
                             (dir / ".mlops").string(), error.message()));
    return k_exit_invalid;
  }
  std::vector<std::string> done;
  auto write_new = [&](const std::filesystem::path& path, std::string_view text,
                       const std::string& what) {
    if (std::filesystem::exists(path, error)) {
      done.push_back(fmt::format("kept     {} (it exists)", path.string()));
      return true;
    }
    Status written = write_file_atomic(path, text);
    if (!written.ok()) {
      write_all(2, fmt::format("mlops: error: cannot write {}: {}\n", path.string(),
                               written.error().message()));
      return false;
    }
    done.push_back(fmt::format("created  {} ({})", path.string(), what));
    return true;
  };
  // The schema is ours to keep current: always rewrite it.
  Status schema =
      write_file_atomic(dir / ".mlops/pipeline.schema.json", embedded_pipeline_schema());
  if (!schema.ok()) {
    write_all(2, fmt::format("mlops: error: {}\n", schema.error().message()));
    return k_exit_invalid;
  }
  done.push_back(fmt::format("wrote    {} (the JSON Schema editors validate against)",
                             (dir / ".mlops/pipeline.schema.json").string()));
  if (!write_new(dir / "pipeline.yaml", k_starter_pipeline, "a commented starter pipeline")) {
    return k_exit_invalid;
  }

  // .gitignore: add the lines that are missing, keep everything else; with the starter
  // pipeline's outs, so that `git add -A` never commits an output (--no-gitignore: none).
  if (!command.no_gitignore) {
    std::vector<std::string> lines = k_ignored;
    lines.push_back(gitignore_line("data/numbers.txt"));  // the starter pipeline's out
    auto added = add_to_gitignore(dir, lines,
                                  "mlops: cached outputs, logs, locks, the run history and "
                                  "the pipeline's outputs stay out of git");
    if (!added.ok()) {
      write_all(2, fmt::format("mlops: error: {}\n", added.error().message()));
      return k_exit_invalid;
    }
    if (!added->empty()) {
      done.push_back(
          fmt::format("updated  {} ({})", (dir / ".gitignore").string(), join(*added, " ")));
    }
  }
  std::string run = dir == "." ? "mlops run pipeline.yaml"
                               : fmt::format("mlops run {}", (dir / "pipeline.yaml").string());
  write_all(1, fmt::format("{}\nNext: {}\n", join(done, "\n"), run));
  return k_exit_success;
}

}  // namespace mlops
