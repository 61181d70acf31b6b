// mlops import dvc: a DVC project's dvc.yaml as an mlops pipeline (app/import_dvc.hpp).
#include <string>

#include <fmt/format.h>

#include "app/import_dvc.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "util/file_io.hpp"

namespace mlops {

int import_dvc_command(const ImportDvcCommand& command) {
  DvcImportRequest request;
  request.dvc_file = command.dvc_file;
  request.output =
      command.output == "-" ? std::nullopt : std::optional(std::filesystem::path(command.output));
  request.force = command.force;
  DvcImportOutcome outcome = import_dvc(request);
  const DvcConversion& conversion = outcome.conversion;
  if (!conversion.diagnostics.empty()) {
    std::string text;
    for (const Diagnostic& diagnostic : conversion.diagnostics) {
      text += render_diagnostic(diagnostic);
    }
    size_t count = conversion.diagnostics.size();
    write_all(2, text + fmt::format("mlops: {} error{} in {}; nothing was written\n", count,
                                    count == 1 ? "" : "s", command.dvc_file.string()));
    return k_exit_invalid;
  }
  if (outcome.error) {
    write_all(2, "mlops: error: " + outcome.error->message() + "\n");
    return exit_code_for(outcome.error->kind());
  }
  if (!request.output) {
    write_all(1, conversion.yaml);
  }
  std::string summary =
      request.output ? fmt::format("mlops: wrote {} ({} stage{}) from {}\n",
                                   outcome.written.string(), conversion.stages,
                                   conversion.stages == 1 ? "" : "s", command.dvc_file.string())
                     : "";
  if (!conversion.dropped.empty()) {
    summary += fmt::format(
        "mlops: {} thing{} in {} had no mlops equivalent (see the 'dvc:' "
        "comments):\n",
        conversion.dropped.size(), conversion.dropped.size() == 1 ? "" : "s",
        command.dvc_file.string());
    for (const std::string& dropped : conversion.dropped) {
      summary += "  " + dropped + "\n";
    }
  }
  write_all(2, summary);
  return k_exit_success;
}

}  // namespace mlops
