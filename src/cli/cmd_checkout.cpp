// mlops checkout RUN [PATH...] | --as-of TIME [PATH...]: put past versions back in the workspace.
// What to restore and the restore itself are app/checkout's; this file reads the arguments and
// says what happened.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "app/checkout.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {
namespace {

// RUN [PATH...], or PATH... with --as-of.
CheckoutRequest checkout_request(const CheckoutCommand& command) {
  CheckoutRequest request;
  request.as_of = command.as_of;
  auto paths = command.args.begin();
  if (!command.as_of && paths != command.args.end()) {
    request.run = *paths++;
  }
  for (; paths != command.args.end(); ++paths) {
    request.paths.push_back(workspace_path_argument(*paths));
  }
  request.unrecorded = command.force ? UnrecordedContent::Overwrite : UnrecordedContent::Keep;
  return request;
}

int print_checkout_json(const CheckoutResult& result) {
  nlohmann::json restored = nlohmann::json::array();
  for (const auto& version : result.restored) {
    restored.push_back({{"path", version.path}, {"digest", version.digest}});
  }
  nlohmann::json rejected = nlohmann::json::array();
  for (const auto& path : result.rejected) {
    rejected.push_back({{"path", path.path}, {"reason", path.reason}});
  }
  write_all(1, json_text(nlohmann::json{{"restored", restored},
                                        {"not_in_cache", result.not_in_cache},
                                        {"rejected", rejected}},
                         2) +
                   "\n");
  return result.not_in_cache.empty() && result.rejected.empty() ? k_exit_success
                                                                : k_exit_stage_failed;
}

}  // namespace

int checkout_command(const CheckoutCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  auto result = checkout(*space, checkout_request(command));
  if (!result.ok()) {
    return report_query_error(result.error());
  }
  if (!result->refused.empty()) {
    write_all(2, fmt::format("mlops: error: these files hold changes that no run recorded: {}; "
                             "commit or copy them, or use --force to overwrite them\n",
                             fmt::join(result->refused, ", ")));
    return k_exit_invalid;
  }
  for (const auto& path : result->rejected) {
    write_all(2, fmt::format("mlops: error: not restored {}: {}\n", path.path, path.reason));
  }
  if (!command.query.json) {
    for (const auto& version : result->restored) {
      write_all(1, fmt::format("restored {} ({})\n", version.path, short_digest(version.digest)));
    }
  }
  if (result->restore_error) {
    return report_query_error(*result->restore_error);
  }
  if (command.query.json) {
    return print_checkout_json(*result);
  }
  if (!result->not_in_cache.empty()) {
    write_all(2, fmt::format("mlops: warning: not in the cache (removed by gc, or written with "
                             "cache: false): {}\n",
                             fmt::join(result->not_in_cache, ", ")));
  }
  size_t count = result->restored.size();
  write_all(1, fmt::format("checked out {} version{} {}\n", count, count == 1 ? "" : "s",
                           result->source));
  return result->not_in_cache.empty() && result->rejected.empty() ? k_exit_success
                                                                  : k_exit_stage_failed;
}

}  // namespace mlops
