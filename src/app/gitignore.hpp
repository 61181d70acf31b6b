// Keeping outputs out of git (issue 17): `mlops init` and the first run of a pipeline add the
// pipeline's declared outs to the workspace's .gitignore, so that `git add -A` never commits a
// model or a dataset (the cache and a remote keep them). Metrics files are not ignored: teams
// commit them to see numbers in reviews. Never prints.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "spec/pipeline.hpp"
#include "util/error.hpp"

namespace mlops {

// The .gitignore line for a workspace-relative path: anchored at the workspace (a leading /;
// no trailing /, so that it covers the path whether it is a file or a directory), gitignore's
// special characters escaped.
std::string gitignore_line(const std::string& path);

// Adds `lines` that `workspace`/.gitignore lacks, after a `# comment` line, keeping everything
// else (written atomically). The lines added.
Result<std::vector<std::string>> add_to_gitignore(const std::filesystem::path& workspace,
                                                  const std::vector<std::string>& lines,
                                                  const std::string& comment);

// The lines for `pipeline`'s outs (not its metrics files, nor anything under .mlops/).
std::vector<std::string> output_ignore_lines(const Pipeline& pipeline);

}  // namespace mlops
