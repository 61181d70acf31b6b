#include "app/lock_file.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cache/fingerprint.hpp"
#include "hash/digest.hpp"
#include "remote/remote.hpp"
#include "spec/feature_store_loader.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"

namespace mlops {
namespace {

constexpr size_t k_max_lock_bytes = 64 * 1024 * 1024;

bool is_metrics_path(const Stage& stage, const std::string& path) {
  return std::any_of(stage.metrics.begin(), stage.metrics.end(),
                     [&](const LocatedString& metric) { return metric.value == path; });
}

bool is_declared_output(const Stage& stage, const std::string& path) {
  return is_metrics_path(stage, path) ||
         std::any_of(stage.outs.begin(), stage.outs.end(),
                     [&](const LocatedString& out) { return out.value == path; });
}

nlohmann::ordered_json outputs_json(const std::vector<LockedOutput>& outputs) {
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const LockedOutput& output : outputs) {
    nlohmann::ordered_json entry = {{"path", output.path},
                                    {"kind", output.kind},
                                    {"digest", output.digest},
                                    {"size", output.size}};
    if (output.directory) {
      entry["directory"] = true;
    }
    list.push_back(std::move(entry));
  }
  return list;
}

bool by_path(const LockedOutput& a, const LockedOutput& b) {
  return a.path < b.path;
}

// One locked stage from the store: the newest succeeded execution with `fingerprint`.
Result<LockedStage> lock_stage(MetadataStore& store, const ObjectStore& objects,
                               const Pipeline& pipeline, const Stage& stage,
                               const std::string& fingerprint) {
  LockedStage locked{stage.name, fingerprint, false, {}, {}};
  if (fingerprint.empty()) {
    return locked;
  }
  MLOPS_TRY(found, store.find_cached_execution(pipeline.name, stage.name, fingerprint));
  if (!found->has_value()) {
    return locked;
  }
  locked.current = true;
  for (const ArtifactVersion& version : (*found)->outputs) {
    bool directory = version.kind == "directory" ||
                     (version.kind != "file" && objects.has(version.digest, true));
    LockedOutput output{version.path, version.kind, version.digest, version.size, directory};
    (is_metrics_path(stage, version.path) ? locked.metrics : locked.outs).push_back(output);
  }
  std::sort(locked.outs.begin(), locked.outs.end(), by_path);
  std::sort(locked.metrics.begin(), locked.metrics.end(), by_path);
  return locked;
}

std::string lock_name(const Pipeline& pipeline) {
  return lock_path_for(pipeline.file).filename().string();
}

Error invalid_lock(const Pipeline& pipeline, const std::string& problem) {
  return Error(ErrorKind::InvalidSpec,
               fmt::format("{}: {}; the lock file is damaged or was edited: write it again with "
                           "`mlops lock` (or restore it from git)",
                           lock_path_for(pipeline.file).string(), problem));
}

}  // namespace

std::filesystem::path lock_path_for(const std::filesystem::path& pipeline_file) {
  std::filesystem::path lock = pipeline_file;
  if (lock.extension() == ".lock") {
    return lock += ".lock";
  }
  return lock.replace_extension(".lock");
}

std::vector<std::string> current_fingerprints(const Pipeline& pipeline) {
  std::vector<std::string> fingerprints;
  for (const Stage& stage : pipeline.stages) {
    if (!stage.cache) {
      fingerprints.emplace_back();
      continue;
    }
    std::map<std::string, std::string> deps;
    for (const LocatedString& dep : stage.deps) {
      if (auto digest = digest_path(pipeline.workspace / dep.value); digest.ok()) {
        deps[dep.value] = digest->digest.hex();
      }
    }
    fingerprints.push_back(stage_fingerprint(stage, pipeline.params, deps));
  }
  return fingerprints;
}

Result<LockFile> build_lock(Workspace& space, const CheckedPipeline& checked) {
  const Pipeline& pipeline = checked.pipeline;
  MetadataStore* store = space.store();
  if (store == nullptr) {
    return Error(ErrorKind::Usage,
                 "`mlops lock` reads what runs recorded, and this workspace has no store yet: "
                 "run the pipeline first (`mlops run --lock` runs it and writes the lock)");
  }
  LockFile lock;
  lock.pipeline_file = pipeline_path_in_workspace(pipeline.file, pipeline.workspace);
  lock.pipeline = pipeline.name;
  std::vector<std::string> fingerprints = current_fingerprints(pipeline);
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    MLOPS_TRY(stage,
              lock_stage(*store, space.objects(), pipeline, pipeline.stages[i], fingerprints[i]));
    lock.stages.push_back(std::move(*stage));
  }
  std::sort(lock.stages.begin(), lock.stages.end(),
            [](const LockedStage& a, const LockedStage& b) { return a.name < b.name; });
  return lock;
}

std::string lock_text(const LockFile& lock) {
  nlohmann::ordered_json root;
  root["lock_version"] = lock.version;
  root["pipeline"] = lock.pipeline;
  root["pipeline_file"] = lock.pipeline_file;
  nlohmann::ordered_json stages = nlohmann::ordered_json::object();
  for (const LockedStage& stage : lock.stages) {
    nlohmann::ordered_json entry;
    entry["fingerprint"] = stage.fingerprint;
    entry["current"] = stage.current;
    entry["outs"] = outputs_json(stage.outs);
    entry["metrics"] = outputs_json(stage.metrics);
    stages[stage.name] = std::move(entry);
  }
  root["stages"] = std::move(stages);
  return root.dump(2) + "\n";
}

Result<LockFile> write_lock(Workspace& space, const CheckedPipeline& checked) {
  MLOPS_TRY(lock, build_lock(space, checked));
  MLOPS_CHECK(write_file_atomic(lock_path_for(checked.pipeline.file), lock_text(*lock)));
  return std::move(*lock);
}

namespace {

// One output of a locked stage, checked: a declared out or metric of `stage`, a plain path, a
// digest, a known kind.
Result<LockedOutput> read_output(const Pipeline& pipeline, const Stage& stage,
                                 const nlohmann::json& item) {
  if (!item.is_object() || !item.contains("path") || !item["path"].is_string() ||
      !item.contains("digest") || !item["digest"].is_string() || !item.contains("kind") ||
      !item["kind"].is_string()) {
    return invalid_lock(pipeline, fmt::format("an output of stage '{}' is not "
                                              "{{path, kind, digest, size}}",
                                              stage.name));
  }
  LockedOutput output{item["path"], item["kind"], item["digest"], 0, false};
  if (item.contains("size") && item["size"].is_number_integer()) {
    output.size = item["size"].get<int64_t>();
  }
  output.directory = item.value("directory", nlohmann::json(false)) == true;
  if (!is_plain_relative_path(output.path) || !is_declared_output(stage, output.path)) {
    return invalid_lock(pipeline, fmt::format("stage '{}' lists '{}', which is not one of its "
                                              "outs or metrics (paths must stay in the workspace)",
                                              stage.name, output.path));
  }
  if (!Digest::from_hex(output.digest).ok() || output.digest.size() != 32) {
    return invalid_lock(
        pipeline, fmt::format("'{}' has a malformed digest '{}'", output.path, output.digest));
  }
  static const std::set<std::string> kinds(std::begin(k_artifact_kinds),
                                           std::end(k_artifact_kinds));
  if (!kinds.contains(output.kind)) {
    return invalid_lock(pipeline,
                        fmt::format("'{}' has an unknown kind '{}'", output.path, output.kind));
  }
  return output;
}

Result<LockedStage> read_stage(const Pipeline& pipeline, const std::string& name,
                               const nlohmann::json& entry) {
  auto stage = std::find_if(pipeline.stages.begin(), pipeline.stages.end(),
                            [&](const Stage& s) { return s.name == name; });
  if (stage == pipeline.stages.end()) {
    return invalid_lock(pipeline, fmt::format("stage '{}' is not in the pipeline", name));
  }
  if (!entry.is_object() || !entry.value("fingerprint", nlohmann::json()).is_string()) {
    return invalid_lock(pipeline, fmt::format("stage '{}' has no fingerprint", name));
  }
  const nlohmann::json current = entry.value("current", nlohmann::json(false));
  if (!current.is_boolean()) {
    return invalid_lock(pipeline,
                        fmt::format("'current' of stage '{}' is not true or false", name));
  }
  LockedStage locked{name, entry["fingerprint"], current.get<bool>(), {}, {}};
  for (const char* key : {"outs", "metrics"}) {
    const nlohmann::json list = entry.value(key, nlohmann::json::array());
    if (!list.is_array()) {
      return invalid_lock(pipeline, fmt::format("'{}' of stage '{}' is not a list", key, name));
    }
    for (const auto& item : list) {
      MLOPS_TRY(output, read_output(pipeline, *stage, item));
      (key == std::string("outs") ? locked.outs : locked.metrics).push_back(std::move(*output));
    }
  }
  return locked;
}

}  // namespace

Result<LockFile> read_lock(const Pipeline& pipeline) {
  std::filesystem::path path = lock_path_for(pipeline.file);
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) {
    return Error(ErrorKind::NotFound, fmt::format("{} not found; write it with `mlops lock {}`",
                                                  path.string(), pipeline.file.string()));
  }
  MLOPS_TRY(text, read_file(path, k_max_lock_bytes));
  nlohmann::json root = nlohmann::json::parse(*text, nullptr, false);
  if (root.is_discarded() || !root.is_object()) {
    return invalid_lock(pipeline, "it is not a JSON object");
  }
  if (root.value("lock_version", nlohmann::json()) != k_lock_format_version) {
    return invalid_lock(pipeline, fmt::format("unsupported lock_version (this mlops reads {})",
                                              k_lock_format_version));
  }
  LockFile lock;
  lock.pipeline = root.value("pipeline", nlohmann::json("")).is_string()
                      ? root.value("pipeline", std::string())
                      : std::string();
  const nlohmann::json file = root.value("pipeline_file", nlohmann::json());
  lock.pipeline_file = file.is_string() ? file.get<std::string>() : std::string();
  const nlohmann::json stages = root.value("stages", nlohmann::json());
  if (!stages.is_object()) {
    return invalid_lock(pipeline, "'stages' is not a mapping");
  }
  for (const auto& [name, entry] : stages.items()) {
    MLOPS_TRY(stage, read_stage(pipeline, name, entry));
    lock.stages.push_back(std::move(*stage));
  }
  return lock;
}

namespace {

const LockedStage* find_locked(const LockFile& lock, const std::string& name) {
  for (const LockedStage& stage : lock.stages) {
    if (stage.name == name) {
      return &stage;
    }
  }
  return nullptr;
}

// Why `stage` is not current per the lock, or nothing when it is (its own facts only).
std::optional<std::string> stale_reason(const Pipeline& pipeline, const LockedStage* locked,
                                        const std::string& fingerprint, const std::string& file) {
  if (locked == nullptr) {
    return fmt::format("not in {}", file);
  }
  if (fingerprint.empty()) {
    return std::string("never cached (cache: false)");
  }
  if (!locked->current) {
    return fmt::format("had not run as it is when {} was written", file);
  }
  if (locked->fingerprint != fingerprint) {
    return fmt::format("command, params or deps changed since {}", file);
  }
  for (const auto* outputs : {&locked->outs, &locked->metrics}) {
    for (const LockedOutput& output : *outputs) {
      auto digest = digest_path(pipeline.workspace / output.path);
      if (!digest.ok()) {
        return fmt::format("{} is missing (`mlops pull --lock` fetches it)", output.path);
      }
      if (digest->digest.hex() != output.digest) {
        return fmt::format("{} differs from {}", output.path, file);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

Plan plan_from_lock(const CheckedPipeline& checked, const LockFile& lock) {
  const Pipeline& pipeline = checked.pipeline;
  const std::string file = lock_name(pipeline);
  std::vector<std::string> fingerprints = current_fingerprints(pipeline);
  Plan plan;
  plan.stages.resize(pipeline.stages.size());
  std::vector<bool> stale(pipeline.stages.size(), false);
  for (size_t index : checked.graph.topological_order()) {
    const Stage& stage = pipeline.stages[index];
    PlannedStage& row = plan.stages[index];
    row.stage = stage.name;
    // An upstream stage that is not current comes first: it explains a changed fingerprint.
    std::optional<std::string> reason;
    for (size_t up : checked.graph.upstream(index)) {
      if (!reason && stale[up]) {
        reason = fmt::format("upstream {} is not current", pipeline.stages[up].name);
      }
    }
    if (!reason) {
      reason = stale_reason(pipeline, find_locked(lock, stage.name), fingerprints[index], file);
    }
    stale[index] = reason.has_value();
    row.action = reason ? PlannedAction::Run : PlannedAction::Skip;
    row.reason = reason.value_or(fmt::format("current per {}", file));
  }
  return plan;
}

namespace {

// Writes each locked output whose path is missing (checked: inside the workspace, no link
// leading out) from the object cache, verified; sorts the others into unchanged and kept.
Status restore_locked(Workspace& space, const LockFile& lock, LockPullResult& result) {
  for (const LockedStage& stage : lock.stages) {
    for (const auto* outputs : {&stage.outs, &stage.metrics}) {
      for (const LockedOutput& output : *outputs) {
        MLOPS_TRY(target, checked_write_path(space.root(), output.path, ErrorKind::InvalidSpec));
        std::error_code error;
        if (std::filesystem::symlink_status(*target, error).type() !=
            std::filesystem::file_type::not_found) {
          auto digest = digest_path(*target);
          bool same = digest.ok() && digest->digest.hex() == output.digest;
          (same ? result.unchanged : result.kept).push_back(output.path);
          continue;
        }
        MLOPS_CHECK(space.objects().restore(output.digest, output.directory, *target));
        result.restored.push_back(output.path);
      }
    }
  }
  return Status::success();
}

}  // namespace

Result<LockPullResult> pull_lock(Workspace& space, const CheckedPipeline& checked,
                                 const LockPullRequest& request) {
  MLOPS_TRY(lock, read_lock(checked.pipeline));
  // Every path is checked before anything is fetched: a tampered file changes nothing.
  for (const LockedStage& stage : lock->stages) {
    for (const auto* outputs : {&stage.outs, &stage.metrics}) {
      for (const LockedOutput& output : *outputs) {
        MLOPS_TRY(target, checked_write_path(space.root(), output.path, ErrorKind::InvalidSpec));
      }
    }
  }
  LockPullResult result;
  std::set<std::pair<std::string, bool>> versions;
  for (const LockedStage& stage : lock->stages) {
    if (!stage.current) {
      result.not_locked.push_back(stage.name);
    }
    for (const auto* outputs : {&stage.outs, &stage.metrics}) {
      for (const LockedOutput& output : *outputs) {
        versions.emplace(output.digest, output.directory);
      }
    }
  }
  MLOPS_TRY(remote, open_remote(request.remote));
  result.transfer.remote = (*remote)->describe();
  fetch_objects(**remote, space.objects(), versions, request.jobs, request.progress,
                result.transfer);
  if (!result.transfer.failed.empty() || !result.transfer.missing.empty()) {
    return result;  // the caller reports them; nothing is restored from a partial fetch
  }
  if (request.checkout) {
    MLOPS_CHECK(restore_locked(space, *lock, result));
  }
  return result;
}

}  // namespace mlops
