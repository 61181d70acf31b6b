#include "app/checkout.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "app/cache_lock.hpp"
#include "app/queries.hpp"
#include "engine/output_cache.hpp"
#include "util/paths.hpp"
#include "util/time_format.hpp"

namespace mlops {
namespace {

bool selected(const std::string& path, const std::vector<std::string>& wanted) {
  if (wanted.empty()) {
    return true;
  }
  return std::any_of(wanted.begin(), wanted.end(), [&](const std::string& w) {
    return path_is_within(path, w) || path_is_within(w, path);
  });
}

// The versions the request names, and how to describe where they come from.
Result<std::vector<ArtifactVersion>> versions_wanted(MetadataStore& store,
                                                     const CheckoutRequest& request,
                                                     std::string& source) {
  if (request.as_of) {
    auto time = normalise_checkout_time(*request.as_of);
    if (!time) {
      return Error(ErrorKind::Usage, fmt::format("--as-of {}: not a date or date-time; write "
                                                 "2026-11-24 or 2026-11-24T17:30:00Z (UTC)",
                                                 *request.as_of));
    }
    source = "as of " + *time;
    return store.outputs_as_of(*time);
  }
  if (!request.run) {
    return Error(ErrorKind::Usage, "name a run (mlops checkout RUN [PATH...]) or use --as-of TIME");
  }
  MLOPS_TRY(id, resolve_run(store, *request.run));
  source = "from run " + *id;
  return store.outputs_of_run(*id);
}

// Overwriting is safe only if what is there is itself a recorded version.
bool recorded(MetadataStore& store, const std::string& path, const std::string& digest) {
  auto history = store.artifact_history(path);
  return history.ok() &&
         std::any_of(history->begin(), history->end(),
                     [&](const ArtifactRecord& artifact) { return artifact.digest == digest; });
}

// Restores each version; a corrupt object (quarantined by the cache) is reported and the others
// go on, any other failure stops the checkout.
void restore_all(Workspace& space, const std::vector<const ArtifactVersion*>& todo,
                 CheckoutResult& result) {
  for (const ArtifactVersion* version : todo) {
    Status restored =
        space.objects().restore(version->digest, is_directory_version(space.objects(), *version),
                                space.root() / version->path);
    if (!restored.ok() && restored.error().kind() == ErrorKind::Corrupt) {
      result.rejected.push_back({version->path, restored.error().message()});
      continue;
    }
    if (!restored.ok()) {
      result.restore_error = restored.error();
      break;
    }
    result.restored.push_back({version->path, version->digest});
  }
}

}  // namespace

std::optional<std::string> normalise_checkout_time(const std::string& text) {
  if (text.size() == 10 && parse_utc_iso(text + "T23:59:59.999Z")) {
    return text + "T23:59:59.999Z";
  }
  for (const std::string& candidate : {text, text + ":00"}) {
    if (auto time = parse_utc_iso(candidate)) {
      return format_utc_iso(*time);
    }
  }
  return std::nullopt;
}

Result<CheckoutResult> checkout(Workspace& space, const CheckoutRequest& request) {
  MetadataStore& store = *space.store();
  CheckoutResult result;
  MLOPS_TRY(versions, versions_wanted(store, request, result.source));
  MLOPS_TRY(lock, acquire_cache_use(space));
  std::vector<const ArtifactVersion*> todo;
  for (const auto& version : *versions) {
    if (!selected(version.path, request.paths)) {
      continue;
    }
    // The path comes from the store: check it before reading or writing anything there.
    auto target = checked_write_path(space.root(), version.path, ErrorKind::Corrupt);
    if (!target.ok()) {
      result.rejected.push_back({version.path, target.error().message()});
      continue;
    }
    auto current = digest_path(*target);
    if (current.ok() && current->digest.hex() == version.digest) {
      result.unchanged.push_back(version.path);
      continue;
    }
    if (!space.objects().has(version.digest, is_directory_version(space.objects(), version))) {
      result.not_in_cache.push_back(version.path);
      continue;
    }
    if (current.ok() && request.unrecorded == UnrecordedContent::Keep &&
        !recorded(store, version.path, current->digest.hex())) {
      result.refused.push_back(version.path);
      continue;
    }
    todo.push_back(&version);
  }
  if (!result.refused.empty()) {
    return result;
  }
  restore_all(space, todo, result);
  return result;
}

}  // namespace mlops
