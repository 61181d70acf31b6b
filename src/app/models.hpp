// The model registry's application services (docs/registry.md): naming versions by reference
// (NAME@ALIAS, NAME@vN), listing and showing models, promoting and rolling back aliases, their
// history, tags, and making a version's bytes available in the workspace. Every front end (the
// CLI's `mlops models`, the run service's `${models.NAME@ALIAS}`) goes through these; nothing
// here prints.
//
// Names: a model name and an alias match [A-Za-z0-9][A-Za-z0-9_.-]{0,63}; an alias may not look
// like a version (v<digits>), which is how NAME@v3 stays unambiguous.
//
// Alias moves are compare-and-swap in the store (store/metadata_store.hpp: move_alias): a
// promote with `expected_current` and every rollback apply only if the alias is still held by
// the version they expect, else Conflict ("alias moved concurrently: ...").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/workspace.hpp"
#include "spec/gate_parser.hpp"  // is_valid_model_name, is_version_selector
#include "store/metadata_store.hpp"
#include "util/error.hpp"
#include "util/wall_clock.hpp"

namespace mlops {

// A version named by alias (NAME@ALIAS) or by number (NAME@vN); a bare NAME names the model.
struct ModelReference {
  std::string model;
  std::optional<std::string> alias;
  std::optional<int64_t> version;
  // What the reference says after '@': the alias, or "v<N>"; empty for a bare name.
  std::string label() const;
};

// A valid name that does not look like a version (v<digits>).
bool is_valid_alias(std::string_view alias);

// Usage errors naming the rule and the text, for a model name and an alias given by the user.
Status check_model_name(std::string_view name);
Status check_alias(std::string_view alias);

// Whether the reference must name a version or may name the model alone.
enum class ReferenceForm { Version, ModelOrVersion };

// Parses NAME@ALIAS or NAME@vN (and NAME alone with ReferenceForm::ModelOrVersion). Usage, saying
// what is wrong with `text` and how to write it, otherwise.
Result<ModelReference> parse_model_reference(std::string_view text, ReferenceForm form);

// A version number as the user writes it: "3" or "v3" (at least 1). Usage otherwise.
Result<int64_t> parse_model_version(std::string_view text);

// Who moves an alias: "$USER@host" (the login name when USER is unset).
std::string model_actor();

// The version a reference names. NotFound, naming what is missing and where to look, when the
// model, the alias or the version does not exist; Usage when `reference` names no version.
Result<ModelVersionRecord> resolve_model(MetadataStore& store, const ModelReference& reference);

// `models list`: every model, by name.
Result<std::vector<ModelSummary>> list_models(MetadataStore& store);

// One version as `models show` lists it: the aliases held by it, its tags and its newest gate
// verdict (of any gate; nothing when no gate judged it).
struct ModelVersionDetails {
  ModelVersionRecord record;
  std::vector<std::string> aliases;
  std::vector<ModelTag> tags;
  std::optional<GateResultRecord> gate;
};

struct ModelDetails {
  ModelSummary summary;
  std::vector<ModelVersionDetails> versions;  // newest first
  bool more = false;                          // older versions were left out (the limit)
};

struct ShowModelRequest {
  std::string name;
  std::optional<int> limit = 20;  // nothing: every version
  std::optional<int64_t> before;  // only versions numbered below this
};

// NotFound when there is no model `name`; Usage for a bad name or a limit below 1.
Result<ModelDetails> show_model(MetadataStore& store, const ShowModelRequest& request);

// Whether a promotion needs the version's newest gate result to be a pass.
enum class GateRequirement { Require, Force };

struct PromoteRequest {
  std::string model;
  int64_t version = 0;
  std::string alias;
  std::optional<int64_t> expected_current;  // 0: held by none
  std::optional<std::string> reason;
  GateRequirement gate = GateRequirement::Require;  // Force needs a reason
  std::string actor;                                // empty: model_actor()
};

// Moves `alias` to the version (action "promote", or "force" when the gate is overridden).
// Usage for bad names, --force without a reason, or a version without a passing gate result;
// NotFound for an unknown model or version; Conflict when `expected_current` no longer holds.
Result<AliasMove> promote_model(MetadataStore& store, const PromoteRequest& request,
                                const WallClock& clock);

struct RollbackRequest {
  std::string model;
  std::string alias;
  std::optional<std::string> reason;
  std::string actor;  // empty: model_actor()
};

// The version an alias held before its current one: its history replayed as a stack (promote,
// force and gate push the version moved to, rollback pops), the entry under the top. Nothing
// when there is none.
std::optional<int64_t> rollback_target(const std::vector<AliasMove>& history);

// Moves the alias back to rollback_target (action "rollback", no gate needed), as a
// compare-and-swap expecting the version on top of the stack. NotFound for an unknown model or
// an alias never set; Usage when there is nothing to roll back to; Conflict as for promote.
Result<AliasMove> rollback_model(MetadataStore& store, const RollbackRequest& request,
                                 const WallClock& clock);

// Moves of a model's aliases (of one alias when given), oldest first. NotFound for an unknown
// model; Usage for bad names.
Result<std::vector<AliasMove>> model_history(MetadataStore& store, const std::string& model,
                                             const std::optional<std::string>& alias);

struct TagRequest {
  std::string model;
  int64_t version = 0;  // 0: the model itself
  std::vector<ModelTag> set;
  std::vector<std::string> remove;
};

// "key=value" as a tag. Usage when there is no '=' or the key is empty or holds spaces.
Result<ModelTag> parse_tag_assignment(std::string_view text);

// Sets and removes tags (in that order) and returns the tags after. Usage when the request
// changes nothing or a key is bad; NotFound for an unknown model or version.
Result<std::vector<ModelTag>> tag_model(MetadataStore& store, const TagRequest& request);

// Where a version is materialized, relative to the workspace: .mlops/models/<model>@<label>.
std::string materialized_model_path(const std::string& model, const std::string& label);

// Makes the bytes of `version` available at materialized_model_path(version.model, label) and
// returns that path (workspace-relative). When the path already holds exactly these bytes it is
// left alone (the check reads the file only when the store's digest memo does not know its
// identity: a changed file, even with the same size and time, has a new ctime and is re-read).
// Otherwise the version is restored from the object cache, verified, through a temporary name
// renamed into place; when the cache lacks it but the workspace path recorded for the version
// still holds it, it is taken from there (stored in the cache, then restored). Paths read from
// the store are checked to stay inside the workspace (util/paths.hpp) before anything is read or
// written. Errors: Usage for a bad model name or label; NotFound when the bytes are neither in the
// cache nor in the workspace (the message names the model, version and digest, and says to re-run
// the pipeline that produced it); Corrupt when the cached object fails verification or a stored
// path leads outside the workspace; Io when writing fails. The workspace's store, when it has one,
// serves as the digest memo.
Result<std::string> materialize_model(Workspace& space, const ModelVersionRecord& version,
                                      const std::string& label);

}  // namespace mlops
