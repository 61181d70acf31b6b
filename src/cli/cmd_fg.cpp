// mlops fg ...: feature groups (docs/feature-store.md). The store's rules live in features/ and
// app/feature_store; this file turns options into requests and prints text or JSON.
#include <chrono>
#include <cstdio>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/feature_group_views.hpp"
#include "app/feature_store.hpp"
#include "app/pipeline_loading.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/feature_store_support.hpp"
#include "cli/text_table.hpp"
#include "features/group_reads.hpp"
#include "features/values.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

using nlohmann::json;

std::string commit_line(const CommitRecord& c) {
  std::string line = fmt::format(
      "commit {}  {}  {:<6}  +{} ~{} -{}{}  {}", c.id, format_event_time(c.committed_at),
      c.operation, c.rows_inserted, c.rows_updated, c.rows_deleted,
      c.rows_dropped ? fmt::format(" ({} duplicate(s) dropped)", c.rows_dropped) : "",
      c.content_hash.substr(0, 12));
  if (!c.run_id.empty()) {
    line += fmt::format("  run {} stage {}", c.run_id, c.stage);
  }
  if (!c.source.empty()) {
    line += "  from " + c.source;
  }
  if (!c.validation.empty()) {
    line += "  (validation report attached)";
  }
  if (!c.message.empty()) {
    line += "\n    " + c.message;
  }
  return line;
}

// 30d, 36h, 90m or 45s: the largest unit that divides it.
std::string ttl_text(Milliseconds ttl) {
  int64_t seconds = ttl.count() / 1000;
  if (seconds > 0 && seconds % 86400 == 0) {
    return fmt::format("{}d", seconds / 86400);
  }
  return format_duration(ttl);
}

int fg_list(const FeatureStoreCli& cli) {
  std::vector<FeatureGroupListing> groups = list_feature_groups(cli.root());
  std::string text;
  for (const auto& group : groups) {
    text += group.error ? fmt::format("{} v{}  cannot be read: {}\n", group.name, group.version,
                                      *group.error)
                        : fmt::format("{} v{}  {} commit(s){}\n", group.name, group.version,
                                      group.latest_commit, group.online ? "  online" : "");
  }
  return cli.json ? print_json_value(feature_group_list_json(groups))
                  : (write_all(1, text.empty() ? "no feature groups\n" : text), 0);
}

int fg_write(const FeatureStoreCli& cli, const FeatureGroupCommand& command) {
  if (!command.file) {
    return cli.usage(command.action == "delete" ? "give the keys to delete: --keys FILE"
                                                : "give the file to insert");
  }
  GroupWriteRequest request{command.group,
                            command.version,
                            *command.file,
                            command.action == "delete",
                            command.rules,
                            command.policy,
                            {}};
  request.info.message = command.message;
  auto outcome = write_feature_group(cli.context(), request);
  if (!outcome.ok()) {
    return cli.error(outcome.error());
  }
  auto group = cli.open(command.group, command.version);
  if (!group) {
    return k_exit_invalid;
  }
  const FeatureGroupSpec& spec = (*group)->spec();
  json doc = {
      {"group", spec.name},
      {"version", spec.version},
      {"commit", outcome->commit ? feature_commit_json(spec, *outcome->commit) : json(nullptr)},
      {"rejected", outcome->rejected},
      {"ignored_columns", outcome->ignored_columns}};
  if (outcome->validated) {
    doc["validation"] = json::parse(outcome->validation_json, nullptr, false);
  }
  if (cli.json) {
    print_json_value(doc);
  } else {
    if (outcome->validated) {
      write_all(2, fmt::format("validation: {}\n", outcome->validation_summary));
    }
    if (!outcome->ignored_columns.empty()) {
      write_all(2, fmt::format("note: columns not in {} v{} were ignored: {}\n", spec.name,
                               spec.version, fmt::join(outcome->ignored_columns, ", ")));
    }
    write_all(1, outcome->rejected
                     ? fmt::format("rejected by validation (policy strict): nothing was committed "
                                   "to {} v{}\n",
                                   spec.name, spec.version)
                 : outcome->commit ? commit_line(*outcome->commit) + "\n"
                                   : std::string("nothing to commit\n"));
  }
  return outcome->rejected ? k_exit_rejected : k_exit_success;
}

int fg_show(const FeatureStoreCli& cli, const FeatureGroupCommand& command) {
  auto group = cli.open(command.group, command.version);
  if (!group) {
    return k_exit_invalid;
  }
  const FeatureGroupSpec& spec = (*group)->spec();
  auto overview = feature_group_overview(**group, command.action == "commits" ? command.limit : 5);
  if (!overview.ok()) {
    return cli.error(overview.error());
  }
  json list = json::array();
  std::string text;
  for (const auto& commit : overview->commits) {
    list.push_back(feature_commit_json(spec, commit));
    text += commit_line(commit) + "\n";
  }
  if (command.action == "commits") {
    return cli.json ? print_json_value(list) : (write_all(1, text), 0);
  }
  json doc = feature_group_overview_json(**group, *overview);
  if (cli.json) {
    return print_json_value(doc);
  }
  std::string head = fmt::format("{} v{}  key ({})  event time {}  {}{}\n", spec.name, spec.version,
                                 fmt::join(key_names(spec), ", "), spec.event_time,
                                 spec.online ? "online" : "offline",
                                 spec.ttl ? "  ttl " + ttl_text(*spec.ttl) : "");
  for (const auto& feature : spec.features) {
    head += fmt::format("  {} {}\n", feature.name, feature_type_name(feature.type));
  }
  write_all(1, head + "recent commits:\n" + (text.empty() ? "  none\n" : text));
  return k_exit_success;
}

int fg_read(const FeatureStoreCli& cli, const FeatureGroupCommand& command) {
  auto group = cli.open(command.group, command.version);
  if (!group) {
    return k_exit_invalid;
  }
  bool changes = command.action == "changes";
  if (changes && command.since.empty()) {
    return cli.usage("give --since COMMIT|TIME (the last commit already read; 0 for all)");
  }
  auto first = resolve_commit(**group, changes ? command.since : command.as_of);
  auto until = resolve_commit(**group, command.until);
  if (!first.ok() || !until.ok()) {
    return cli.error(!first.ok() ? first.error() : until.error());
  }
  auto sink = cli.sink(command.output, false);
  if (!sink) {
    return k_exit_invalid;
  }
  TableFormat format =
      command.format == "jsonl" || cli.json ? TableFormat::JsonLines : TableFormat::Csv;
  const FeatureGroupSpec& spec = (*group)->spec();
  TableWriter writer(**sink, format,
                     changes ? change_columns(spec) : snapshot_columns(spec, command.history));
  Status read = changes ? read_changes(**group, *first, *until, writer)
                        : read_snapshot(**group, *first, command.history, writer);
  if (read.ok()) {
    read = writer.finish();
  }
  if (!read.ok()) {
    return cli.error(read.error());
  }
  if (command.output) {
    write_all(2, fmt::format("wrote {} row(s) to {}\n", writer.rows(), command.output->string()));
  }
  return k_exit_success;
}

int fg_stats(const FeatureStoreCli& cli, const FeatureGroupCommand& command) {
  auto group = cli.open(command.group, command.version);
  if (!group) {
    return k_exit_invalid;
  }
  auto commit = resolve_commit(**group, command.commit.value_or("latest"));
  if (!commit.ok()) {
    return cli.error(commit.error());
  }
  if (*commit == 0) {
    return cli.error(
        Error(ErrorKind::NotFound, fmt::format("feature group {} has no commit {}", command.group,
                                               command.commit.value_or("yet"))));
  }
  auto stats = (*group)->commit_stats(*commit);
  if (!stats.ok()) {
    return cli.error(stats.error());
  }
  json doc = feature_stats_json(command.group, *commit, *stats);
  std::vector<std::vector<std::string>> rows;
  for (const auto& [feature, text] : *stats) {
    const json& values = doc["features"][feature];
    auto number = [&](const char* key) {
      return values.contains(key) ? fmt::format("{:.6g}", values[key].get<double>()) : "-";
    };
    rows.push_back({feature, std::to_string(values.value("count", 0)),
                    std::to_string(values.value("nulls", 0)), number("min"), number("max"),
                    number("mean"), number("stddev"), std::to_string(values.value("distinct", 0))});
  }
  if (cli.json) {
    return print_json_value(doc);
  }
  write_all(
      1, fmt::format("statistics of commit {} of {}:\n", *commit, command.group) +
             format_table({"feature", "count", "nulls", "min", "max", "mean", "stddev", "distinct"},
                          rows));
  return k_exit_success;
}

int fg_get(const FeatureStoreCli& cli, const FeatureGroupCommand& command) {
  auto group = cli.open(command.group, command.version);
  if (!group) {
    return k_exit_invalid;
  }
  int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  auto value = get_online(**group, command.keys, now);
  if (!value.ok()) {
    return cli.error(value.error());
  }
  const FeatureGroupSpec& spec = (*group)->spec();
  json features = json::object();
  std::string text = fmt::format("{}", value->status);
  for (size_t f = 0; f < value->values.size(); ++f) {
    const auto& v = value->values[f];
    features[spec.features[f].name] = v ? json(*v) : json(nullptr);
    text += fmt::format("  {}={}", spec.features[f].name, v ? *v : "null");
  }
  if (cli.json) {
    return print_json_value(
        {{"group", spec.name},
         {"key", command.keys},
         {"status", value->status},
         {"event_time",
          value->event_time ? json(format_event_time(*value->event_time)) : json(nullptr)},
         {"commit", value->commit ? json(*value->commit) : json(nullptr)},
         {"features", features}});
  }
  if (value->event_time) {
    text += fmt::format("  (event time {}, commit {})", format_event_time(*value->event_time),
                        *value->commit);
  }
  write_all(1, text + "\n");
  return k_exit_success;
}

int fg_compact(const FeatureStoreCli& cli, const FeatureGroupCommand& command) {
  if (!command.keep_from) {
    return cli.usage("give --keep-from COMMIT: the oldest commit time travel must still reach");
  }
  auto group = cli.open(command.group, command.version);
  if (!group) {
    return k_exit_invalid;
  }
  auto dropped = (*group)->compact(*command.keep_from);
  if (!dropped.ok()) {
    return cli.error(dropped.error());
  }
  if (cli.json) {
    return print_json_value(
        {{"group", command.group}, {"keep_from", *command.keep_from}, {"rows_dropped", *dropped}});
  }
  write_all(1, fmt::format("dropped {} row version(s); commits before {} can no longer be "
                           "read\n",
                           *dropped, *command.keep_from));
  return k_exit_success;
}

}  // namespace

int feature_group_command(const FeatureGroupCommand& command) {
  FeatureStoreCli cli(command.pipeline, command.json);
  if (!cli.ready()) {
    return k_exit_invalid;
  }
  const std::string& action = command.action;
  if (action == "list") {
    return fg_list(cli);
  }
  if (action == "create") {
    auto group = cli.open(command.group, command.version, GroupAccess::Write);
    if (!group) {
      return k_exit_invalid;
    }
    return fg_show(cli, command);
  }
  if (action == "insert" || action == "delete") {
    return fg_write(cli, command);
  }
  if (action == "show" || action == "commits") {
    return fg_show(cli, command);
  }
  if (action == "read" || action == "changes") {
    return fg_read(cli, command);
  }
  if (action == "stats") {
    return fg_stats(cli, command);
  }
  if (action == "get") {
    return fg_get(cli, command);
  }
  return fg_compact(cli, command);
}

}  // namespace mlops
