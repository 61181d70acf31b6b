// mlops diff RUN1 RUN2: what differs between two runs: outputs, params, metrics, git commit.
// The comparison is app/queries' diff_runs; this file formats it.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/text_table.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

// A value as shown: "-" where the run lacks it, outputs by their short digest.
std::string shown(const RunDifference& difference, const std::optional<std::string>& value) {
  if (!value) {
    return "-";
  }
  return difference.kind == "output" ? short_digest(*value) : *value;
}

}  // namespace

int diff_command(const DiffCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto diff = diff_runs(*space->store(), command.first, command.second);
  if (!diff.ok()) {
    return report_query_error(diff.error());
  }
  if (command.query.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& row : diff->differences) {
      list.push_back({{"kind", row.kind},
                      {"name", row.name},
                      {"before", shown(row, row.before)},
                      {"after", shown(row, row.after)}});
    }
    write_all(
        1,
        json_text(nlohmann::json{{"runs", {diff->first, diff->second}}, {"differences", list}}, 2) +
            "\n");
    return k_exit_success;
  }
  if (diff->differences.empty()) {
    write_all(1, fmt::format("runs {} and {} do not differ in outputs, params, metrics or "
                             "commit\n",
                             diff->first, diff->second));
    return k_exit_success;
  }
  TextTable table({"", "NAME", diff->first, diff->second});
  for (const auto& row : diff->differences) {
    table.add({row.kind, row.name, shown(row, row.before), shown(row, row.after)});
  }
  write_all(1, table.render());
  return k_exit_success;
}

}  // namespace mlops
