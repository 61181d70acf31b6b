#include "app/models.hpp"

#include "spec/gate_parser.hpp"

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include <fmt/format.h>

#include "util/time_format.hpp"

namespace mlops {
namespace {

constexpr const char* k_name_rule =
    "a letter or digit, then up to 63 letters, digits, '_', '.' or '-'";

// v<digits>: the number, else nothing (also for numbers that overflow).
std::optional<int64_t> version_label(std::string_view text) {
  if (text.size() < 2 || text[0] != 'v') {
    return std::nullopt;
  }
  int64_t number = 0;
  auto [end, error] = std::from_chars(text.data() + 1, text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return number;
}

std::string current_time(const WallClock& clock) {
  return format_utc_iso(clock.now());
}

std::string actor_or_default(const std::string& actor) {
  return actor.empty() ? model_actor() : actor;
}

// Adds what to do to a Conflict from the store, which says only what it found.
Error explain_conflict(const Error& error, const std::string& model, const std::string& alias) {
  if (error.kind() != ErrorKind::Conflict) {
    return error;
  }
  return Error(ErrorKind::Conflict,
               fmt::format("{}; see `mlops models history {} --alias {}` and try again with "
                           "--expect-current set to the version that holds it now",
                           error.message(), model, alias));
}

Error unknown_model(const std::string& name) {
  return Error(ErrorKind::NotFound, fmt::format("no model named '{}' in the store; `mlops models "
                                                "list` shows the models there are",
                                                name));
}

Status require_model(MetadataStore& store, const std::string& name) {
  MLOPS_CHECK(check_model_name(name));
  MLOPS_TRY(model, store.find_model(name));
  return *model ? Status::success() : Status(unknown_model(name));
}

Status require_version(MetadataStore& store, const std::string& name, int64_t version) {
  MLOPS_TRY(found, store.find_model_version(name, version));
  if (!*found) {
    return Error(ErrorKind::NotFound,
                 fmt::format("model '{}' has no version {}; `mlops models show {}` lists its "
                             "versions",
                             name, version, name));
  }
  return Status::success();
}

}  // namespace

std::string ModelReference::label() const {
  if (alias) {
    return *alias;
  }
  return version ? fmt::format("v{}", *version) : std::string();
}

bool is_valid_alias(std::string_view alias) {
  return is_valid_model_name(alias) && !is_version_selector(alias);
}

Status check_model_name(std::string_view name) {
  if (is_valid_model_name(name)) {
    return Status::success();
  }
  return Error(ErrorKind::Usage,
               fmt::format("'{}' is not a model name: write {}", name, k_name_rule));
}

Status check_alias(std::string_view alias) {
  if (version_label(alias)) {
    return Error(ErrorKind::Usage,
                 fmt::format("'{}' cannot be an alias: v<digits> names a version (NAME@v3); "
                             "choose a name such as champion or staging",
                             alias));
  }
  if (!is_valid_alias(alias)) {
    return Error(ErrorKind::Usage,
                 fmt::format("'{}' is not an alias: write {}", alias, k_name_rule));
  }
  return Status::success();
}

Result<ModelReference> parse_model_reference(std::string_view text, ReferenceForm form) {
  size_t at = text.find('@');
  ModelReference reference;
  reference.model = std::string(text.substr(0, at));
  MLOPS_CHECK(check_model_name(reference.model));
  if (at == std::string_view::npos) {
    if (form == ReferenceForm::ModelOrVersion) {
      return reference;
    }
    return Error(ErrorKind::Usage,
                 fmt::format("'{}' names no version: write {}@ALIAS (such as {}@champion) or "
                             "{}@vN (such as {}@v3)",
                             text, text, text, text, text));
  }
  std::string_view label = text.substr(at + 1);
  if (auto number = version_label(label)) {
    if (*number < 1) {
      return Error(ErrorKind::Usage, fmt::format("'{}': versions are numbered from 1 (write {}@v1)",
                                                 text, reference.model));
    }
    reference.version = *number;
    return reference;
  }
  if (form == ReferenceForm::ModelOrVersion) {
    return Error(ErrorKind::Usage,
                 fmt::format("'{}': name the model ({}) or one version by number ({}@v3), "
                             "not an alias",
                             text, reference.model, reference.model));
  }
  if (label.empty()) {
    return Error(ErrorKind::Usage, fmt::format("'{}' has nothing after '@': write {}@ALIAS or "
                                               "{}@vN",
                                               text, reference.model, reference.model));
  }
  MLOPS_CHECK(check_alias(label));
  reference.alias = std::string(label);
  return reference;
}

Result<int64_t> parse_model_version(std::string_view text) {
  std::string_view digits = text.starts_with('v') ? text.substr(1) : text;
  int64_t number = 0;
  auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), number);
  if (digits.empty() || error != std::errc() || end != digits.data() + digits.size() ||
      number < 1) {
    return Error(
        ErrorKind::Usage,
        fmt::format("'{}' is not a version: write a number from 1, such as 3 or v3", text));
  }
  return number;
}

std::string model_actor() {
  const char* user = std::getenv("USER");
  std::string name = user && *user ? user : "";
  if (name.empty()) {
    const passwd* entry = ::getpwuid(::geteuid());
    name = entry ? entry->pw_name : std::to_string(::geteuid());
  }
  return name + "@" + host_name();
}

Result<ModelVersionRecord> resolve_model(MetadataStore& store, const ModelReference& reference) {
  if (!reference.alias && !reference.version) {
    return Error(ErrorKind::Usage, fmt::format("'{}' names no version: write {}@ALIAS or {}@vN",
                                               reference.model, reference.model, reference.model));
  }
  std::optional<ModelVersionRecord> found;
  if (reference.alias) {
    MLOPS_TRY(version, store.resolve_alias(reference.model, *reference.alias));
    found = std::move(*version);
  } else {
    MLOPS_TRY(version, store.find_model_version(reference.model, *reference.version));
    found = std::move(*version);
  }
  if (found) {
    return *found;
  }
  MLOPS_CHECK(require_model(store, reference.model));
  return Error(ErrorKind::NotFound,
               fmt::format("model '{}' has no {} '{}'; `mlops models show {}` lists its versions "
                           "and aliases",
                           reference.model, reference.alias ? "alias" : "version",
                           reference.label(), reference.model));
}

Result<std::vector<ModelSummary>> list_models(MetadataStore& store) {
  return store.list_models();
}

Result<ModelDetails> show_model(MetadataStore& store, const ShowModelRequest& request) {
  if (request.limit && *request.limit < 1) {
    return Error(ErrorKind::Usage, fmt::format("--limit {}: show at least 1 version (or use "
                                               "--all)",
                                               *request.limit));
  }
  MLOPS_CHECK(check_model_name(request.name));
  MLOPS_TRY(summary, store.find_model(request.name));
  if (!*summary) {
    return unknown_model(request.name);
  }
  ModelDetails details;
  details.summary = std::move(**summary);
  // One more than asked tells whether there are older versions, without counting them.
  int wanted = request.limit ? *request.limit + 1 : INT32_MAX;
  MLOPS_TRY(versions, store.model_versions(request.name, wanted, request.before));
  if (request.limit && static_cast<int>(versions->size()) > *request.limit) {
    versions->pop_back();
    details.more = true;
  }
  for (auto& record : *versions) {
    ModelVersionDetails version;
    for (const auto& [alias, held] : details.summary.aliases) {
      if (held == record.version) {
        version.aliases.push_back(alias);
      }
    }
    MLOPS_TRY(tags, store.model_tags(request.name, record.version));
    MLOPS_TRY(gate, store.latest_gate_result(request.name, record.version));
    version.tags = std::move(*tags);
    version.gate = std::move(*gate);
    version.record = std::move(record);
    details.versions.push_back(std::move(version));
  }
  return details;
}

Result<AliasMove> promote_model(MetadataStore& store, const PromoteRequest& request,
                                const WallClock& clock) {
  MLOPS_CHECK(check_model_name(request.model));
  MLOPS_CHECK(check_alias(request.alias));
  bool force = request.gate == GateRequirement::Force;
  if (force && (!request.reason || request.reason->empty())) {
    return Error(ErrorKind::Usage,
                 fmt::format("--force promotes {} v{} to {} without a passing gate: say why with "
                             "--reason TEXT (it is kept in the alias's history)",
                             request.model, request.version, request.alias));
  }
  MLOPS_CHECK(require_model(store, request.model));
  MLOPS_CHECK(require_version(store, request.model, request.version));
  AliasMoveRequest move;
  move.model = request.model;
  move.alias = request.alias;
  move.version = request.version;
  move.expected_current = request.expected_current;
  move.require_passing_gate = !force;
  move.action = force ? "force" : "promote";
  move.actor = actor_or_default(request.actor);
  move.at = current_time(clock);
  move.reason = request.reason;
  auto moved = store.move_alias(move);
  if (!moved.ok()) {
    return explain_conflict(moved.error(), request.model, request.alias);
  }
  return *moved;
}

std::optional<int64_t> rollback_target(const std::vector<AliasMove>& history) {
  std::vector<int64_t> stack;
  for (const AliasMove& move : history) {
    if (move.action == "rollback") {
      if (!stack.empty()) {
        stack.pop_back();
      }
      // A rollback recorded by another tool to a version not under the top still holds it.
      if (stack.empty() || stack.back() != move.to_version) {
        stack.push_back(move.to_version);
      }
      continue;
    }
    stack.push_back(move.to_version);
  }
  if (stack.size() < 2) {
    return std::nullopt;
  }
  return stack[stack.size() - 2];
}

Result<AliasMove> rollback_model(MetadataStore& store, const RollbackRequest& request,
                                 const WallClock& clock) {
  MLOPS_CHECK(check_alias(request.alias));
  MLOPS_TRY(history, model_history(store, request.model, request.alias));
  if (history->empty()) {
    return Error(ErrorKind::NotFound,
                 fmt::format("model '{}' has no alias '{}': nothing to roll back (`mlops models "
                             "show {}` lists its aliases)",
                             request.model, request.alias, request.model));
  }
  std::optional<int64_t> target = rollback_target(*history);
  int64_t current = history->back().to_version;
  if (!target) {
    return Error(ErrorKind::Usage,
                 fmt::format("{}@{} has held only v{}: there is no earlier version to roll back "
                             "to; promote one with `mlops models promote {} VERSION --alias {}`",
                             request.model, request.alias, current, request.model, request.alias));
  }
  AliasMoveRequest move;
  move.model = request.model;
  move.alias = request.alias;
  move.version = *target;
  move.expected_current = current;
  move.require_passing_gate = false;
  move.action = "rollback";
  move.actor = actor_or_default(request.actor);
  move.at = current_time(clock);
  move.reason = request.reason;
  auto moved = store.move_alias(move);
  if (!moved.ok()) {
    return explain_conflict(moved.error(), request.model, request.alias);
  }
  return *moved;
}

Result<std::vector<AliasMove>> model_history(MetadataStore& store, const std::string& model,
                                             const std::optional<std::string>& alias) {
  if (alias) {
    MLOPS_CHECK(check_alias(*alias));
  }
  MLOPS_CHECK(require_model(store, model));
  return store.alias_history(model, alias);
}

Result<ModelTag> parse_tag_assignment(std::string_view text) {
  size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    return Error(ErrorKind::Usage,
                 fmt::format("'{}' is not a tag: write KEY=VALUE (such as owner=risk-team); "
                             "remove one with --remove KEY",
                             text));
  }
  std::string key(text.substr(0, equals));
  if (key.find_first_of(" \t\n") != std::string::npos) {
    return Error(
        ErrorKind::Usage,
        fmt::format("tag key '{}' holds a space: write KEY=VALUE with a one-word key", key));
  }
  return ModelTag{key, std::string(text.substr(equals + 1))};
}

Result<std::vector<ModelTag>> tag_model(MetadataStore& store, const TagRequest& request) {
  if (request.set.empty() && request.remove.empty()) {
    return Error(ErrorKind::Usage,
                 fmt::format("nothing to tag: give KEY=VALUE to set a tag of {}, or --remove KEY",
                             request.model));
  }
  MLOPS_CHECK(require_model(store, request.model));
  if (request.version != 0) {
    MLOPS_CHECK(require_version(store, request.model, request.version));
  }
  for (const ModelTag& tag : request.set) {
    MLOPS_CHECK(store.set_model_tag(request.model, request.version, tag.key, tag.value));
  }
  for (const std::string& key : request.remove) {
    MLOPS_CHECK(store.set_model_tag(request.model, request.version, key, std::nullopt));
  }
  return store.model_tags(request.model, request.version);
}

}  // namespace mlops
