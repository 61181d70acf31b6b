#include "util/paths.hpp"

#include <algorithm>
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

namespace {

// Where a symbolic link leads, canonical as far as it exists. Links are followed by hand, so a
// dangling one (or a chain ending in one) still names the place a write would create; nothing
// when there are too many levels or an error.
std::optional<std::string> link_target(std::filesystem::path path) {
  std::error_code error;
  for (int level = 0; level < 40; ++level) {
    auto status = std::filesystem::symlink_status(path, error);
    if (!std::filesystem::is_symlink(status)) {  // not there (yet) counts as not a link
      error.clear();
      auto canonical = std::filesystem::weakly_canonical(path, error);
      return error ? std::nullopt : std::optional(canonical.generic_string());
    }
    auto link = std::filesystem::read_symlink(path, error);
    if (error) {
      return std::nullopt;
    }
    path = link.is_absolute() ? link : path.parent_path() / link;
  }
  return std::nullopt;
}

}  // namespace

WorkspaceLinkCheck::WorkspaceLinkCheck(std::filesystem::path workspace)
    : m_workspace(std::move(workspace)) {}

std::optional<std::string> WorkspaceLinkCheck::link_leading_out(std::string_view relative) {
  std::filesystem::path current = m_workspace;
  size_t start = 0;
  while (start <= relative.size()) {
    size_t end = std::min(relative.find('/', start), relative.size());
    bool last = end == relative.size();
    std::string prefix(relative.substr(0, end));
    current /= std::string(relative.substr(start, end - start));
    start = end + 1;
    if (!last && m_safe_dirs.count(prefix)) {
      continue;
    }
    std::error_code error;
    auto status = std::filesystem::symlink_status(current, error);
    if (error || !std::filesystem::exists(status)) {
      return std::nullopt;  // nothing below exists yet: it will be created inside
    }
    if (std::filesystem::is_symlink(status)) {
      if (!m_root) {
        m_root = std::filesystem::weakly_canonical(m_workspace, error).generic_string();
      }
      auto target = link_target(current);
      if (!target || !path_is_within(*target, *m_root)) {
        return prefix;
      }
    }
    if (!last) {
      m_safe_dirs.insert(std::move(prefix));
    }
  }
  return std::nullopt;
}

Result<std::filesystem::path> checked_write_path(const std::filesystem::path& workspace,
                                                 std::string_view relative, ErrorKind kind) {
  if (!is_plain_relative_path(relative)) {
    return Error(kind, "'" + std::string(relative) +
                           "' is not a plain path inside the workspace (absolute, '..', empty "
                           "parts or not UTF-8); refusing to write there");
  }
  if (auto link = WorkspaceLinkCheck(workspace).link_leading_out(relative)) {
    return Error(kind, "'" + *link +
                           "' is a symbolic link leading outside the workspace; refusing to "
                           "write through it");
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
