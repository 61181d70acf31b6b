// mlops models list|show|resolve|promote|rollback|history|tag: the model registry
// (docs/registry.md). The registry's rules live in app/models; this file turns the options into
// its requests and prints the answers as text or JSON (the field names are documented in
// docs/registry.md: scripts rely on them).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/models.hpp"
#include "app/models_json.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/text_table.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"
#include "util/wall_clock.hpp"

namespace mlops {
namespace {

using nlohmann::json;

json optional_json(const std::optional<std::string>& value) {
  return value ? json(*value) : json(nullptr);
}

int print_json(const json& document) {
  write_all(1, json_text(document, 2) + "\n");
  return k_exit_success;
}

std::string version_text(std::optional<int64_t> version) {
  return version ? fmt::format("v{}", *version) : "-";
}

std::string aliases_text(const ModelSummary& model) {
  std::vector<std::string> parts;
  for (const auto& [alias, version] : model.aliases) {
    parts.push_back(fmt::format("{}=v{}", alias, version));
  }
  return parts.empty() ? "-" : join(parts, ", ");
}

std::string tags_text(const std::vector<ModelTag>& tags) {
  std::vector<std::string> parts;
  for (const ModelTag& tag : tags) {
    parts.push_back(tag.key + "=" + tag.value);
  }
  return parts.empty() ? "-" : join(parts, ", ");
}

int models_list(Workspace& space, const ModelsCommand& command) {
  auto models = list_models(*space.store());
  if (!models.ok()) {
    return report_query_error(models.error());
  }
  if (command.query.json) {
    return print_json(model_list_json(*models));
  }
  TextTable table({"MODEL", "VERSIONS", "LATEST", "ALIASES", "TAGS"});
  for (const auto& model : *models) {
    table.add({model.name, std::to_string(model.versions), version_text(model.latest),
               aliases_text(model), tags_text(model.tags)});
  }
  write_all(1, table.empty() ? "no models registered yet\n" : table.render());
  return k_exit_success;
}

int models_show(Workspace& space, const ModelsCommand& command) {
  ShowModelRequest request{command.target, command.limit, std::nullopt};
  if (command.all) {
    request.limit.reset();
  }
  auto details = show_model(*space.store(), request);
  if (!details.ok()) {
    return report_query_error(details.error());
  }
  if (command.query.json) {
    return print_json(model_details_json(*details));
  }
  const ModelSummary& model = details->summary;
  std::string text = fmt::format(
      "model {}: {} version{}, latest {}, created {}\naliases: {}\ntags: {}\n", model.name,
      model.versions, model.versions == 1 ? "" : "s", version_text(model.latest), model.created_at,
      aliases_text(model), tags_text(model.tags));
  TextTable table({"VERSION", "CREATED", "DIGEST", "SIZE", "RUN", "GATE", "ALIASES", "TAGS"});
  for (const auto& version : details->versions) {
    const ModelVersionRecord& record = version.record;
    table.add({fmt::format("v{}", record.version), record.created_at, short_digest(record.digest),
               std::to_string(record.size), record.run_id.value_or("-"),
               version.gate ? version.gate->verdict : "-",
               version.aliases.empty() ? "-" : join(version.aliases, ", "),
               tags_text(version.tags)});
  }
  text += table.render();
  if (details->more) {
    text += "(older versions left out: --all, or --limit N)\n";
  }
  write_all(1, text);
  return k_exit_success;
}

int models_resolve(Workspace& space, const ModelsCommand& command) {
  auto reference = parse_model_reference(command.target, ReferenceForm::Version);
  if (!reference.ok()) {
    return report_query_error(reference.error());
  }
  auto version = resolve_model(*space.store(), *reference);
  if (!version.ok()) {
    return report_query_error(version.error());
  }
  std::optional<std::string> materialized;
  if (command.path) {
    auto path = materialize_model(space, *version, reference->label());
    if (!path.ok()) {
      return report_query_error(path.error());
    }
    materialized = *path;
  }
  if (command.query.json) {
    json document = model_version_json(*version);
    document["alias"] = optional_json(reference->alias);
    document["materialized"] = optional_json(materialized);
    return print_json(document);
  }
  write_all(1, (materialized ? *materialized : std::to_string(version->version)) + "\n");
  return k_exit_success;
}

int print_move(const AliasMove& move, bool as_json) {
  if (as_json) {
    return print_json(alias_move_json(move));
  }
  write_all(1, fmt::format("{}@{}: {} -> v{} ({}{})\n", move.model, move.alias,
                           version_text(move.from_version), move.to_version, move.action,
                           move.reason ? ": " + *move.reason : ""));
  return k_exit_success;
}

// --expect-current: a version (3, v3), or none/0 for "held by none".
Result<std::optional<int64_t>> expected_current(const std::optional<std::string>& text) {
  if (!text) {
    return std::optional<int64_t>();
  }
  if (*text == "none" || *text == "0") {
    return std::optional<int64_t>(0);
  }
  auto version = parse_model_version(*text);
  if (!version.ok()) {
    return Error(ErrorKind::Usage,
                 fmt::format("--expect-current {}: write the version the alias holds now (3 or "
                             "v3), or none when it should be held by none",
                             *text));
  }
  return std::optional(*version);
}

int models_promote(Workspace& space, const ModelsCommand& command) {
  auto version = parse_model_version(command.version);
  auto expected = expected_current(command.expect);
  if (!version.ok() || !expected.ok()) {
    return report_query_error(version.ok() ? expected.error() : version.error());
  }
  PromoteRequest request;
  request.model = command.target;
  request.version = *version;
  request.alias = command.alias.value_or("");
  request.expected_current = *expected;
  request.reason = command.reason;
  request.gate = command.force ? GateRequirement::Force : GateRequirement::Require;
  auto moved = promote_model(*space.store(), request, SystemWallClock());
  return moved.ok() ? print_move(*moved, command.query.json) : report_query_error(moved.error());
}

int models_rollback(Workspace& space, const ModelsCommand& command) {
  RollbackRequest request{command.target, command.alias.value_or(""), command.reason, ""};
  auto moved = rollback_model(*space.store(), request, SystemWallClock());
  return moved.ok() ? print_move(*moved, command.query.json) : report_query_error(moved.error());
}

int models_history(Workspace& space, const ModelsCommand& command) {
  auto history = model_history(*space.store(), command.target, command.alias);
  if (!history.ok()) {
    return report_query_error(history.error());
  }
  if (command.query.json) {
    return print_json(model_history_json(command.target, *history));
  }
  TextTable table({"TIME", "ALIAS", "MOVE", "ACTION", "ACTOR", "REASON", "GATE", "RUN"});
  for (const auto& move : *history) {
    table.add({move.at, move.alias,
               fmt::format("{} -> v{}", version_text(move.from_version), move.to_version),
               move.action, move.actor, move.reason.value_or("-"),
               move.gate_result ? std::to_string(*move.gate_result) : "-",
               move.run_id.value_or("-")});
  }
  write_all(1, table.empty() ? "no alias of this model was ever set\n" : table.render());
  return k_exit_success;
}

Result<TagRequest> tag_request(const ModelsCommand& command) {
  MLOPS_TRY(reference, parse_model_reference(command.target, ReferenceForm::ModelOrVersion));
  TagRequest request{reference->model, reference->version.value_or(0), {}, command.remove};
  for (const std::string& text : command.assignments) {
    MLOPS_TRY(tag, parse_tag_assignment(text));
    request.set.push_back(*tag);
  }
  return request;
}

int models_tag(Workspace& space, const ModelsCommand& command) {
  auto request = tag_request(command);
  if (!request.ok()) {
    return report_query_error(request.error());
  }
  auto tags = tag_model(*space.store(), *request);
  if (!tags.ok()) {
    return report_query_error(tags.error());
  }
  json version = request->version ? json(request->version) : json(nullptr);
  if (command.query.json) {
    return print_json(
        {{"model", request->model}, {"version", version}, {"tags", model_tags_json(*tags)}});
  }
  std::string owner =
      request->version ? fmt::format("{}@v{}", request->model, request->version) : request->model;
  write_all(1, fmt::format("tags of {}: {}\n", owner, tags_text(*tags)));
  return k_exit_success;
}

}  // namespace

int models_command(const ModelsCommand& command) {
  auto space = open_query_workspace_or_report(command.query);
  if (!space) {
    return k_exit_invalid;
  }
  if (command.action == "list") {
    return models_list(*space, command);
  }
  if (command.action == "show") {
    return models_show(*space, command);
  }
  if (command.action == "resolve") {
    return models_resolve(*space, command);
  }
  if (command.action == "promote") {
    return models_promote(*space, command);
  }
  if (command.action == "rollback") {
    return models_rollback(*space, command);
  }
  if (command.action == "history") {
    return models_history(*space, command);
  }
  return models_tag(*space, command);
}

}  // namespace mlops
