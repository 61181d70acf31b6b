// mlops report RUN [-o FILE]: writes the HTML page of a run. The data is gathered by
// app/report_data and rendered by report/html_report; this file names the output and says where
// it went.
#include <fmt/format.h>

#include "app/report_data.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "report/html_report.hpp"
#include "util/file_io.hpp"
#include "util/time_format.hpp"

namespace mlops {

int report_command(const ReportCommand& command) {
  auto opened = open_workspace_for_run(command.query, command.run);
  if (!opened) {
    return k_exit_invalid;
  }
  const std::string& id = opened->run_id;
  auto data = gather_report_data(opened->space, id);
  if (!data.ok()) {
    return report_query_error(data.error());
  }
  std::filesystem::path output =
      command.output ? *command.output : std::filesystem::path("mlops-report-" + id + ".html");
  std::string html =
      html_report(*data, fmt::format("mlops {} at {}", MLOPS_VERSION, now_utc_iso()));
  std::error_code error;
  if (output.has_parent_path()) {
    std::filesystem::create_directories(output.parent_path(), error);
  }
  Status written = write_file_atomic(output, html);
  if (!written.ok()) {
    write_all(2, fmt::format("mlops: error: cannot write the report {}: {}\n", output.string(),
                             written.error().message()));
    return k_exit_invalid;
  }
  write_all(1, fmt::format("wrote {} (run {} of {}, {} KiB)\n", output.string(), id,
                           data->run.pipeline, (html.size() + 1023) / 1024));
  return k_exit_success;
}

}  // namespace mlops
