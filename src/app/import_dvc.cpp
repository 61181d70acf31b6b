#include "app/import_dvc.hpp"

#include <cctype>
#include <filesystem>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "dag/graph.hpp"
#include "spec/loader.hpp"
#include "spec/yaml_limits.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"

namespace mlops {
namespace {

// The pipeline's name from its directory: [a-z0-9][a-z0-9_-]*, at most 64 characters.
std::string pipeline_name(const std::filesystem::path& directory) {
  std::string name;
  for (char c : directory.filename().string()) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = std::isalnum(static_cast<unsigned char>(lower)) || lower == '_' || lower == '-';
    name += ok && static_cast<unsigned char>(c) < 0x80 ? lower : '-';
  }
  while (!name.empty() && !std::isalnum(static_cast<unsigned char>(name[0]))) {
    name.erase(0, 1);
  }
  name = name.substr(0, 64);
  return name.empty() ? "dvc-pipeline" : name;
}

// The converted text checked as `mlops check` would (the spec's checks and the graph's cycle
// check): a conversion mlops refuses is a bug or a construct to report, never a file written.
Status check_converted(const std::string& text, const std::filesystem::path& file,
                       const std::filesystem::path& workspace) {
  LoadResult loaded = load_pipeline_text(text, file, workspace, {});
  std::vector<Diagnostic> diagnostics = loaded.diagnostics;
  if (loaded.pipeline) {
    Graph graph = Graph::build(*loaded.pipeline);
    if (auto cycle = graph.find_cycle()) {
      diagnostics.push_back(
          {file.string(), {}, *describe_cycle(*loaded.pipeline, graph, *cycle), {}});
    }
  }
  if (diagnostics.empty()) {
    return Status::success();
  }
  std::string message =
      "the converted pipeline does not pass mlops's checks; nothing was "
      "written (see it with -o -):\n";
  for (const Diagnostic& diagnostic : diagnostics) {
    message += render_diagnostic(diagnostic);
  }
  return Error(ErrorKind::InvalidSpec, message);
}

}  // namespace

DvcImportOutcome import_dvc(const DvcImportRequest& request) {
  DvcImportOutcome outcome;
  auto fail = [&](Error error) {
    outcome.error = std::move(error);
    return outcome;
  };
  std::error_code ec;
  // A FIFO or device would block the read or never end: only regular files are read.
  if (std::filesystem::exists(request.dvc_file, ec) &&
      !std::filesystem::is_regular_file(request.dvc_file, ec)) {
    return fail(Error(ErrorKind::Usage,
                      fmt::format("{} is not a regular file", request.dvc_file.string())));
  }
  auto text = read_file(request.dvc_file, k_max_yaml_bytes + 1);
  if (!text.ok()) {
    return fail(Error(text.error().kind(),
                      fmt::format("{}: {}", request.dvc_file.string(), text.error().message())));
  }
  std::filesystem::path dvc = std::filesystem::absolute(request.dvc_file).lexically_normal();
  std::filesystem::path file = request.output
                                   ? std::filesystem::absolute(*request.output).lexically_normal()
                                   : dvc.parent_path() / "pipeline.yaml";
  if (request.output && std::filesystem::is_directory(file, ec)) {
    return fail(Error(ErrorKind::Usage, fmt::format("{} is a directory", file.string())));
  }
  if (request.output && std::filesystem::exists(std::filesystem::symlink_status(file, ec)) &&
      !request.force) {
    return fail(Error(ErrorKind::Usage,
                      fmt::format("{} exists; --force overwrites it", request.output->string())));
  }
  DvcConvertContext context;
  context.file_name = request.dvc_file.string();
  context.workspace = find_workspace(file);
  auto dvc_dir = workspace_relative(context.workspace, dvc.parent_path().string());
  auto pipeline_dir = workspace_relative(context.workspace, file.parent_path().string());
  if (!dvc_dir || !pipeline_dir) {
    return fail(Error(ErrorKind::Usage, fmt::format("{} lies outside the workspace of {} ({})",
                                                    request.dvc_file.string(), file.string(),
                                                    context.workspace.string())));
  }
  context.dvc_dir = *dvc_dir;
  context.pipeline_dir = *pipeline_dir;
  context.pipeline_name = pipeline_name(file.parent_path());
  context.exists = [&](const std::string& relative) {
    std::error_code error;
    return std::filesystem::is_regular_file(context.workspace / relative, error);
  };
  outcome.conversion = convert_dvc(*text, context);
  if (!outcome.conversion.diagnostics.empty()) {
    return outcome;
  }
  if (Status checked = check_converted(outcome.conversion.yaml, file, context.workspace);
      !checked.ok()) {
    return fail(checked.error());
  }
  if (request.output) {
    if (Status written = write_file_atomic(file, outcome.conversion.yaml); !written.ok()) {
      return fail(written.error());
    }
    outcome.written = *request.output;
  }
  return outcome;
}

}  // namespace mlops
