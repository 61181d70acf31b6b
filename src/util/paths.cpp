#include "util/paths.hpp"

#include <cctype>

namespace mlops {

std::optional<std::string> workspace_relative(const std::filesystem::path& workspace,
                                              std::string_view path) {
  if (path.empty()) {
    return std::nullopt;
  }
  std::filesystem::path given(path);
  std::filesystem::path absolute =
      given.is_absolute() ? given.lexically_normal() : (workspace / given).lexically_normal();
  std::filesystem::path relative = absolute.lexically_relative(workspace);
  if (relative.empty()) {
    return std::nullopt;
  }
  std::string text = relative.generic_string();
  if (text == ".." || text.starts_with("../")) {
    return std::nullopt;
  }
  // lexically_normal keeps a trailing separator as an empty last element ("a/b/").
  while (text.size() > 1 && text.back() == '/') {
    text.pop_back();
  }
  return text;
}

bool path_is_within(std::string_view inner, std::string_view outer) {
  if (outer == ".") {
    return true;
  }
  if (!inner.starts_with(outer)) {
    return false;
  }
  return inner.size() == outer.size() || inner[outer.size()] == '/';
}

std::string safe_file_name(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    bool keep = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '=' ||
                c == ',' || c == '+' || c == '-';
    out += keep ? c : '_';
  }
  return out;
}

}  // namespace mlops
