#include "web/export.hpp"

#include <unistd.h>

#include <fmt/format.h>

#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "web/url.hpp"

namespace mlops::web {
namespace {

constexpr const char* k_marker = ".mlops-ui-export";

// Refuses a DIR that holds anything but a previous export.
Status check_destination(const std::filesystem::path& dir) {
  if (dir.empty()) {
    return Error(ErrorKind::Usage, "--export needs a directory: name a new or empty one");
  }
  std::error_code error;
  if (!std::filesystem::exists(std::filesystem::symlink_status(dir, error))) {
    return Status::success();
  }
  if (!std::filesystem::is_directory(std::filesystem::symlink_status(dir, error))) {
    return Error(ErrorKind::Usage, fmt::format("{} exists and is not a directory: name a new or "
                                               "empty directory, or a previous export",
                                               dir.string()));
  }
  if (std::filesystem::is_empty(dir, error) || std::filesystem::exists(dir / k_marker, error)) {
    return Status::success();
  }
  return Error(ErrorKind::Usage,
               fmt::format("{} is a directory with files that no `mlops ui --export` wrote (no {} "
                           "in it): name a new or empty directory",
                           dir.string(), k_marker));
}

// `relative` ("runs/a b.html" from an encoded target) checked segment by segment, or nothing.
std::optional<std::filesystem::path> safe_relative(const std::string& encoded) {
  auto parsed = parse_target("/" + encoded);
  if (!parsed || parsed->segments.empty()) {
    return std::nullopt;
  }
  std::filesystem::path path;
  for (const std::string& segment : parsed->segments) {
    if (segment.starts_with('.')) {
      return std::nullopt;
    }
    path /= segment;
  }
  return path;
}

Status write_page(const std::filesystem::path& root, const std::filesystem::path& relative,
                  const std::string& text) {
  std::filesystem::path path = root / relative;
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", path.parent_path().string(), error.message()));
  }
  return write_file_atomic(path, text);
}

// Writes the page at `target` and its JSON; false (and a warning) when it has no safe file name.
Result<bool> export_page(Site& site, const std::filesystem::path& root, const std::string& target,
                         const std::function<void(const std::string&)>& warn) {
  std::string file = export_file(target);
  auto relative = safe_relative(file);
  if (!relative) {
    warn(fmt::format("not exported: {} cannot be a file name", target));
    return false;
  }
  size_t depth = std::count(file.begin(), file.end(), '/');
  std::string up;
  for (size_t i = 0; i < depth; ++i) {
    up += "../";
  }
  Links links{true, up};
  MLOPS_TRY(page, site.render(target, links));
  MLOPS_CHECK(write_page(root, *relative, site.document(*page, links, "")));
  std::filesystem::path json = std::filesystem::path("api") / *relative;
  json.replace_extension(".json");
  MLOPS_CHECK(write_page(root, json, json_text(page->api, 2) + "\n"));
  return true;
}

}  // namespace

Result<ExportSummary> export_site(Site& site, const std::filesystem::path& dir,
                                  const std::function<void(const std::string&)>& warn) {
  MLOPS_CHECK(check_destination(dir));
  std::filesystem::path absolute = std::filesystem::absolute(dir).lexically_normal();
  if (absolute.filename().empty()) {
    absolute = absolute.parent_path();
  }
  std::filesystem::path temp =
      absolute.parent_path() / fmt::format(".{}.tmp-{}", absolute.filename().string(), ::getpid());
  std::error_code error;
  std::filesystem::remove_all(temp, error);
  ExportSummary summary;
  auto fail = [&](const Error& cause) {
    std::filesystem::remove_all(temp, error);
    return cause;
  };
  for (const Route& route : site.routes()) {
    if (!route.export_list) {
      continue;
    }
    auto targets = [&] {
      std::lock_guard lock(site.store_mutex());
      return route.export_list(site.workspace());
    }();
    if (!targets.ok()) {
      return fail(targets.error());
    }
    for (const std::string& target : *targets) {
      auto written = export_page(site, temp, target, warn);
      if (!written.ok()) {
        return fail(written.error());
      }
      ++(*written ? summary.pages : summary.skipped);
    }
  }
  if (Status marked = write_page(temp, k_marker, "written by mlops ui --export\n"); !marked.ok()) {
    return fail(marked.error());
  }
  // Swap: the old export (or empty directory) aside, the new one in, the old one removed.
  std::filesystem::path old = temp.string() + ".old";
  std::filesystem::remove_all(old, error);
  if (std::filesystem::exists(absolute, error)) {
    std::filesystem::rename(absolute, old, error);
    if (error) {
      return fail(Error(ErrorKind::Io,
                        fmt::format("cannot replace {}: {}", absolute.string(), error.message())));
    }
  }
  std::filesystem::rename(temp, absolute, error);
  if (error) {
    return fail(Error(ErrorKind::Io, fmt::format("cannot move the export to {}: {}",
                                                 absolute.string(), error.message())));
  }
  std::filesystem::remove_all(old, error);
  return summary;
}

}  // namespace mlops::web
