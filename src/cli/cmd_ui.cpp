// mlops ui: the web UI (web/server.hpp), or with --export its pages as a static site
// (web/export.hpp).
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"
#include "web/export.hpp"
#include "web/routes.hpp"
#include "web/server.hpp"

namespace mlops {
namespace {

void warn(const std::string& message) {
  write_all(2, fmt::format("mlops ui: warning: {}\n", message));
}

int export_static_site(Workspace& space, const std::filesystem::path& dir) {
  web::Site site(space, web::all_routes());
  auto summary = web::export_site(site, dir, warn);
  if (!summary.ok()) {
    return report_query_error(summary.error());
  }
  write_all(1, fmt::format("mlops ui: wrote {} pages to {}\n", summary->pages, dir.string()));
  return k_exit_success;
}

}  // namespace

int ui_command(const UiCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  if (command.export_dir) {
    return export_static_site(*space, *command.export_dir);
  }
  web::UiOptions options;
  options.host = command.host.value_or("127.0.0.1");
  options.port = command.port;
  web::UiEvents events{
      [](const std::string& url) {
        write_all(1, fmt::format("mlops ui: serving {} (read-only; Ctrl-C stops)\n", url));
      },
      warn,
      [](const std::string& message) { write_all(2, fmt::format("mlops ui: {}\n", message)); }};
  auto signal = web::serve_ui(*space, options, events);
  if (!signal.ok()) {
    return report_query_error(signal.error());
  }
  return *signal > 0 ? k_exit_signal_base + *signal : k_exit_success;
}

}  // namespace mlops
