#include "util/paths.hpp"

#include <cctype>
#include <cstdint>

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

namespace {

// Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool is_valid_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    size_t length = byte < 0x80           ? 1
                    : (byte >> 5) == 0x6  ? 2
                    : (byte >> 4) == 0xE  ? 3
                    : (byte >> 3) == 0x1E ? 4
                                          : 0;
    if (length == 0 || i + length > text.size()) {
      return false;
    }
    uint32_t code = length == 1 ? byte : byte & (0x7F >> length);
    for (size_t k = 1; k < length; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) {
        return false;
      }
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr uint32_t k_smallest[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < k_smallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

}  // namespace

bool is_plain_relative_path(std::string_view relative) {
  if (relative.empty() || relative.front() == '/' ||
      relative.find('\0') != std::string_view::npos || !is_valid_utf8(relative)) {
    return false;
  }
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = relative.find('/', start);
    if (end == std::string_view::npos) {
      end = relative.size();
    }
    std::string_view part = relative.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
    start = end + 1;
  }
  return true;
}

Result<std::filesystem::path> checked_write_path(const std::filesystem::path& workspace,
                                                 std::string_view relative, ErrorKind kind) {
  if (!is_plain_relative_path(relative)) {
    return Error(kind, "'" + std::string(relative) +
                           "' is not a plain path inside the workspace (absolute, '..', empty "
                           "parts or not UTF-8); refusing to write there");
  }
  std::filesystem::path current = workspace;
  std::optional<std::string> root;  // canonical, once a link is met
  for (const auto& part : std::filesystem::path(relative)) {
    current /= part;
    std::error_code error;
    auto status = std::filesystem::symlink_status(current, error);
    if (error || !std::filesystem::exists(status)) {
      break;  // nothing below exists yet: it will be created inside
    }
    if (!std::filesystem::is_symlink(status)) {
      continue;
    }
    if (!root) {
      root = std::filesystem::weakly_canonical(workspace, error).generic_string();
    }
    auto target = std::filesystem::weakly_canonical(current, error);
    if (error || !path_is_within(target.generic_string(), *root)) {
      return Error(kind, "'" + current.lexically_relative(workspace).generic_string() +
                             "' is a symbolic link leading outside the workspace; refusing to "
                             "write through it");
    }
  }
  return workspace / std::filesystem::path(relative);
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
