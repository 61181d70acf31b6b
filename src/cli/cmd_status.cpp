// mlops status PIPELINE: for every stage, whether a run would run it and why, in words.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cache/object_store.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/pipeline_loading.hpp"
#include "cli/store_access.hpp"
#include "cli/text_table.hpp"
#include "engine/output_cache.hpp"
#include "engine/store_digest_memo.hpp"
#include "util/file_io.hpp"

namespace mlops {

int status_command(const StatusCommand& command) {
  LoadOptions load{command.params.params, command.params.params_file, "RUN_ID"};
  auto checked = load_checked_pipeline(command.pipeline, load);
  if (!checked) {
    return k_exit_invalid;
  }
  const Pipeline& pipeline = checked->pipeline;
  std::filesystem::path store_path = resolve_store_path(command.query.store, pipeline.workspace);
  std::error_code error;
  bool has_store = std::filesystem::exists(store_path, error);
  std::unique_ptr<SqliteStore> store;
  if (has_store) {
    store = open_store_or_report(store_path);
    if (!store) {
      return k_exit_invalid;
    }
  }
  ObjectStore objects(pipeline.workspace / ".mlops" / "cache");
  std::optional<StoreDigestMemo> memo;
  std::optional<OutputCache> cache;
  if (store) {
    memo.emplace(*store);
    OutputCacheOptions options;
    options.dry_run = true;
    cache.emplace(*store, objects, *memo, pipeline, options);
  }

  struct Row {
    std::string stage;
    std::string action;  // run | restore | skip
    std::string reason;
  };
  std::vector<Row> rows(pipeline.stages.size());
  std::vector<bool> will_run(pipeline.stages.size(), false);
  for (size_t index : checked->graph.topological_order()) {
    const Stage& stage = pipeline.stages[index];
    Row& row = rows[index];
    row.stage = stage.name;
    std::vector<std::string> running_upstream;
    for (size_t up : checked->graph.upstream(index)) {
      if (will_run[up]) {
        running_upstream.push_back(pipeline.stages[up].name);
      }
    }
    if (!running_upstream.empty()) {
      row.action = "run";
      row.reason = "upstream " + running_upstream.front() + " will run";
      will_run[index] = true;
      continue;
    }
    if (!cache) {
      row.action = "run";
      row.reason = "never ran";
      will_run[index] = true;
      continue;
    }
    StageReport report;
    CacheAction action = cache->decide(index, report);
    if (action == CacheAction::UpToDate) {
      row.action = "skip";
      row.reason = "up to date";
    } else if (action == CacheAction::Restore) {
      row.action = "restore";
      row.reason = report.note;
    } else {
      row.action = "run";
      std::string why = cache->explain(index, report);
      row.reason = why.empty() ? report.note : why;
      will_run[index] = true;
    }
  }

  bool all_current =
      std::all_of(rows.begin(), rows.end(), [](const Row& row) { return row.action == "skip"; });
  if (command.query.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& row : rows) {
      list.push_back({{"stage", row.stage}, {"action", row.action}, {"reason", row.reason}});
    }
    write_all(
        1,
        nlohmann::json{{"pipeline", pipeline.name}, {"up_to_date", all_current}, {"stages", list}}
                .dump(2) +
            "\n");
  } else {
    TextTable table({"STAGE", "", "WHY"});
    for (const auto& row : rows) {
      std::string verdict = row.action == "skip"      ? "up to date"
                            : row.action == "restore" ? "would restore"
                                                      : "would run";
      table.add({row.stage, verdict, row.action == "skip" ? "" : row.reason});
    }
    write_all(1, table.render());
  }
  return all_current ? k_exit_success : k_exit_stage_failed;
}

}  // namespace mlops
