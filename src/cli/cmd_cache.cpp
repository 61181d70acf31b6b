// mlops cache verify: every cached object checked against its digest (app/cache_verify); this
// file says what was found. Exit 0 when all were good, 1 when some were bad (and quarantined).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/cache_verify.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {

int cache_verify_command(const CacheVerifyCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto stats = verify_cache(*space);
  if (!stats.ok()) {
    return report_query_error(stats.error());
  }
  if (command.query.json) {
    write_all(
        1, json_text(nlohmann::json{{"checked", stats->objects_checked}, {"bad", stats->problems}},
                     2) +
               "\n");
  } else {
    for (const auto& problem : stats->problems) {
      write_all(2, "mlops: error: " + problem + "\n");
    }
    write_all(1, fmt::format("checked {} cached object{}: {} bad{}\n", stats->objects_checked,
                             stats->objects_checked == 1 ? "" : "s", stats->problems.size(),
                             stats->problems.empty() ? "" : " (quarantined)"));
  }
  return stats->problems.empty() ? k_exit_success : k_exit_stage_failed;
}

}  // namespace mlops
