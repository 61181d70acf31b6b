#include "app/gitignore.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "util/file_io.hpp"
#include "util/strings.hpp"

namespace mlops {

std::string gitignore_line(const std::string& path) {
  std::string line = "/";
  for (char c : path) {
    // gitignore patterns: these would glob, negate, comment or escape; a backslash quotes them.
    if (c == '\\' || c == '*' || c == '?' || c == '[' || c == '!' || c == '#') {
      line += '\\';
    }
    line += c;
  }
  // Trailing spaces are dropped by git unless quoted.
  size_t end = line.size();
  while (end > 1 && line[end - 1] == ' ') {
    --end;
  }
  std::string quoted = line.substr(0, end);
  for (size_t i = end; i < line.size(); ++i) {
    quoted += "\\ ";
  }
  while (quoted.size() > 1 && quoted.back() == '/') {
    quoted.pop_back();
  }
  return quoted;
}

Result<std::vector<std::string>> add_to_gitignore(const std::filesystem::path& workspace,
                                                  const std::vector<std::string>& lines,
                                                  const std::string& comment) {
  std::filesystem::path gitignore = workspace / ".gitignore";
  std::string text;
  if (auto existing = read_file(gitignore, size_t{4} << 20); existing.ok()) {
    text = std::move(*existing);
  } else if (existing.error().kind() != ErrorKind::NotFound) {
    return existing.error();
  }
  std::vector<std::string> present = split(text, '\n');
  for (auto& line : present) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
  }
  std::vector<std::string> missing;
  for (const auto& line : lines) {
    if (std::find(present.begin(), present.end(), line) == present.end() &&
        std::find(missing.begin(), missing.end(), line) == missing.end()) {
      missing.push_back(line);
    }
  }
  if (missing.empty()) {
    return missing;
  }
  if (!text.empty() && text.back() != '\n') {
    text += '\n';
  }
  text += "# " + comment + "\n" + join(missing, "\n") + "\n";
  Status written = write_file_atomic(gitignore, text);
  if (!written.ok()) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot write {}: {}", gitignore.string(), written.error().message()));
  }
  return missing;
}

std::vector<std::string> output_ignore_lines(const Pipeline& pipeline) {
  std::vector<std::string> lines;
  for (const auto& stage : pipeline.stages) {
    for (const auto& out : stage.outs) {
      const std::string& path = out.value;
      if (path.empty() || path == "." || path.starts_with(".mlops/") || path == ".mlops" ||
          path == ".gitignore") {
        continue;
      }
      lines.push_back(gitignore_line(path));
    }
  }
  return lines;
}

}  // namespace mlops
