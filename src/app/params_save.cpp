#include "app/params_save.hpp"

#include <map>

#include <fmt/format.h>

#include "spec/params_file.hpp"
#include "spec/yaml_limits.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"

namespace mlops {

Status save_set_params(const Pipeline& pipeline, const std::vector<std::string>& set_params) {
  std::map<std::string, std::string> edited;  // workspace-relative file -> its new text
  for (const auto& item : set_params) {
    size_t equals = item.find('=');
    std::string name = item.substr(0, equals);
    std::string value = equals == std::string::npos ? "" : item.substr(equals + 1);
    auto file = pipeline.param_file_of.find(name);
    if (file == pipeline.param_file_of.end()) {
      return Error(ErrorKind::Usage,
                   fmt::format("-S {}: --save-params writes params files, and '{}' is declared "
                               "in {} itself; edit it there, or run without --save-params",
                               name, name, pipeline.file.string()));
    }
    MLOPS_TRY(path, checked_write_path(pipeline.workspace, file->second, ErrorKind::Usage));
    if (!edited.count(file->second)) {
      MLOPS_TRY(text, read_file(*path, k_max_yaml_bytes));
      edited[file->second] = std::move(*text);
    }
    bool json = path->extension() == ".json";
    auto next = set_param_in_text(edited[file->second], name, value, json);
    if (!next.ok()) {
      return Error(ErrorKind::Usage, fmt::format("-S {}: cannot save it in {}: {}", name,
                                                 file->second, next.error().message()));
    }
    edited[file->second] = std::move(*next);
  }
  for (const auto& [file, text] : edited) {
    // A link inside the workspace (checked above) stays a link: the file it names is replaced.
    std::filesystem::path path = pipeline.workspace / file;
    std::error_code error;
    if (std::filesystem::is_symlink(path, error)) {
      path = std::filesystem::canonical(path, error);
      if (error) {
        return Error(ErrorKind::Io, fmt::format("cannot resolve {}: {}", file, error.message()));
      }
    }
    MLOPS_CHECK(write_file_atomic(path, text));
  }
  return {};
}

}  // namespace mlops
