#include "engine/output_cache.hpp"

#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cache/fingerprint.hpp"
#include "cache/manifest.hpp"
#include "engine/params_json.hpp"
#include "hash/digest.hpp"
#include "spec/stage_command.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"
#include "util/paths.hpp"
#include "util/strings.hpp"

namespace mlops {

OutputCache::OutputCache(MetadataStore& store, ObjectStore& objects, StoreDigestMemo& memo,
                         const Pipeline& pipeline, OutputCacheOptions options)
    : m_store(store),
      m_objects(objects),
      m_memo(memo),
      m_pipeline(pipeline),
      m_options(std::move(options)) {}

std::vector<ArtifactVersion> OutputCache::hash(const std::vector<LocatedString>& paths,
                                               const std::vector<std::string>* types,
                                               const char* default_kind) {
  std::vector<ArtifactVersion> versions;
  for (size_t i = 0; i < paths.size(); ++i) {
    if (auto expected = m_expected.find(paths[i].value); expected != m_expected.end()) {
      versions.push_back(expected->second);  // a dry run's restored output
      continue;
    }
    auto digest = digest_path(m_pipeline.workspace / paths[i].value, &m_memo);
    if (!digest.ok()) {
      continue;  // missing: not read, or not written
    }
    std::string kind = types && i < types->size() && !(*types)[i].empty() ? (*types)[i]
                       : digest->is_directory                             ? "directory"
                                                                          : default_kind;
    versions.push_back(
        {paths[i].value, kind, digest->digest.hex(), static_cast<int64_t>(digest->size)});
  }
  return versions;
}

bool is_directory_version(const ObjectStore& objects, const ArtifactVersion& version) {
  return version.kind == "directory" ||
         (version.kind != "file" && objects.has(version.digest, true));
}

std::filesystem::path OutputCache::incremental_path(const Stage& stage,
                                                    const std::string& suffix) const {
  return m_pipeline.workspace / ".mlops" / "incremental" / m_pipeline.name /
         (safe_file_name(stage.name) + suffix);
}

void OutputCache::prepare_incremental(const Stage& stage, StageReport& report) {
  // Every file under the deps, with its digest (the memo spares reading unchanged ones).
  std::map<std::string, std::string> now;
  for (const auto& dep : stage.deps) {
    std::filesystem::path root = m_pipeline.workspace / dep.value;
    std::error_code error;
    if (std::filesystem::is_directory(root, error)) {
      for (auto it = std::filesystem::recursive_directory_iterator(root, error);
           !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
        if (it->path().filename() == ".mlops") {
          it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file()) {
          auto digest = digest_path(it->path(), &m_memo);
          if (digest.ok()) {
            now[dep.value + "/" + it->path().lexically_relative(root).generic_string()] =
                digest->digest.hex();
          }
        }
      }
    } else if (auto digest = digest_path(root, &m_memo); digest.ok()) {
      now[dep.value] = digest->digest.hex();
    }
  }
  std::map<std::string, std::string> before;
  if (auto text = read_file(incremental_path(stage, ".json"), 256 * 1024 * 1024); text.ok()) {
    // Read back from .mlops/: take only string values (anything else counts as changed).
    auto parsed = nlohmann::json::parse(*text, nullptr, false);
    if (parsed.is_object()) {
      for (const auto& [path, digest] : parsed.items()) {
        if (digest.is_string()) {
          before[path] = digest.get<std::string>();
        }
      }
    }
  }
  std::string changed;
  std::string removed;
  for (const auto& [path, digest] : now) {
    auto it = before.find(path);
    if (it == before.end() || it->second != digest) {
      changed += path + "\n";
    }
  }
  for (const auto& [path, digest] : before) {
    if (!now.count(path)) {
      removed += path + "\n";
    }
  }
  report.incremental_manifest = json_text(nlohmann::json(now));
  report.changed_deps_file = incremental_path(stage, ".changed-deps");
  report.removed_deps_file = incremental_path(stage, ".removed-deps");
  if (m_options.dry_run) {
    return;
  }
  std::error_code error;
  std::filesystem::create_directories(report.changed_deps_file.parent_path(), error);
  Status written = write_file_atomic(report.changed_deps_file, changed);
  if (written.ok()) {
    written = write_file_atomic(report.removed_deps_file, removed);
  }
  if (!written.ok()) {
    report.warnings.push_back(written.error().message());
  }
}

std::optional<std::string> OutputCache::unconditional_reason(const Stage& stage) const {
  if (!stage.cache) {
    return "cache: false";
  }
  if (stage.always_run) {
    return "always_run";
  }
  if (m_options.force || m_options.force_stages.count(stage.name) ||
      m_options.force_stages.count(stage.base_name)) {
    return "forced";
  }
  return std::nullopt;
}

std::optional<std::string> OutputCache::upstream_reason(size_t index, const StageFates& fates,
                                                        const std::vector<size_t>& upstream) const {
  const Stage& stage = m_pipeline.stages[index];
  // In stage order, so the reason names the same upstream however the graph lists its edges.
  std::vector<size_t> others(upstream.begin(), upstream.end());
  std::sort(others.begin(), others.end());
  std::optional<std::string> restored;
  for (size_t other : others) {
    if (other == index || other >= fates.size() || other >= m_pipeline.stages.size() ||
        !fates[other] || *fates[other] == CacheAction::UpToDate) {
      continue;
    }
    Overlap overlap = reads_outputs_of(stage, m_pipeline.stages[other]);
    if (overlap == Overlap::None) {
      continue;
    }
    const std::string& name = m_pipeline.stages[other].name;
    if (*fates[other] == CacheAction::Run) {
      return "upstream " + name + " will run";
    }
    if (overlap == Overlap::Partial && !restored) {
      restored = "upstream " + name + " restores part of its deps";
    }
  }
  return restored;
}

// The fingerprint, with the values of m_options.command_env the stage's command names.
std::string OutputCache::with_command_env(const Stage& stage,
                                          const std::string& fingerprint) const {
  std::string command = stage.shell_command;
  for (const auto& arg : stage.argv) {
    command += " " + arg;
  }
  std::string extra;
  for (const auto& [key, value] : m_options.command_env) {
    if (command.find(key) != std::string::npos) {
      extra += key + "=" + value + "\n";
    }
  }
  return extra.empty() ? fingerprint : digest_bytes(fingerprint + "\n" + extra).hex();
}

CacheAction OutputCache::decide(size_t index, StageReport& report, const StageFates& fates,
                                const std::vector<size_t>& upstream) {
  const Stage& stage = m_pipeline.stages[index];
  report.inputs = hash(stage.deps, nullptr, "file");
  if (stage.incremental) {
    prepare_incremental(stage, report);
  }
  std::map<std::string, std::string> dep_digests;
  for (const auto& input : report.inputs) {
    dep_digests[input.path] = input.digest;
  }
  report.fingerprint = stage.cache ? stage_fingerprint(stage, m_pipeline.params, dep_digests) : "";
  if (!report.fingerprint.empty()) {
    report.fingerprint = with_command_env(stage, report.fingerprint);
  }
  if (auto reason = unconditional_reason(stage)) {
    report.note = *reason;
    return CacheAction::Run;
  }
  std::optional<std::string> upstream_ran = upstream_reason(index, fates, upstream);
  // A plan cannot know what a running upstream will write, nor what part of a restored
  // directory a stage reads: it says the stage runs. A run has the files: it decides on them
  // (an upstream that wrote the same bytes leaves its readers up to date), and gives the plan's
  // reason when the stage does run.
  if (upstream_ran && m_options.dry_run) {
    report.note = *upstream_ran;
    return CacheAction::Run;
  }
  return decide_from_store(index, report, upstream_ran);
}

namespace {

// Whether `outputs` are exactly the outs and metrics files `stage` declares, each once: what a
// run-cache entry from elsewhere may restore (anything else could overwrite any file).
bool declares_all(const Stage& stage, const std::vector<ArtifactVersion>& outputs) {
  // path -> the kinds a version there may have: as hash() records them for this stage.
  std::map<std::string, std::set<std::string>> declared;
  for (size_t i = 0; i < stage.outs.size(); ++i) {
    bool typed = i < stage.out_types.size() && !stage.out_types[i].empty();
    declared[stage.outs[i].value] = typed ? std::set<std::string>{stage.out_types[i]}
                                          : std::set<std::string>{"file", "directory"};
  }
  for (const auto& metrics : stage.metrics) {
    declared[metrics.value] = {"metrics"};
  }
  std::set<std::string> given;
  for (const auto& output : outputs) {
    auto it = declared.find(output.path);
    if (!is_object_digest(output.digest) || it == declared.end() ||
        it->second.count(output.kind) == 0 || !given.insert(output.path).second) {
      return false;
    }
  }
  return given.size() == declared.size();
}

}  // namespace

std::optional<CachedExecution> OutputCache::find_hit(const Stage& stage,
                                                     const std::string& fingerprint, bool& remote) {
  remote = false;
  auto cached = m_store.find_cached_execution(m_pipeline.name, stage.name, fingerprint);
  if (cached.ok() && cached->has_value()) {
    return std::move(**cached);
  }
  if (m_options.source == nullptr) {
    return std::nullopt;
  }
  std::optional<CachedExecution> hit =
      m_options.source->lookup(m_pipeline.name, stage.name, fingerprint);
  if (!hit || !declares_all(stage, hit->outputs)) {
    return std::nullopt;  // an entry must name exactly the stage's outs: never another file
  }
  remote = true;
  return hit;
}

bool OutputCache::make_restorable(const std::vector<ArtifactVersion>& versions,
                                  std::string& failure, bool& from_source) {
  std::vector<ArtifactVersion> absent;
  for (const auto& version : versions) {
    if (!m_objects.has(version.digest, is_directory_version(m_objects, version))) {
      absent.push_back(version);
    }
  }
  if (absent.empty()) {
    return true;
  }
  if (m_options.source == nullptr) {
    return false;
  }
  from_source = true;
  if (m_options.dry_run) {
    return true;  // a plan fetches nothing: it says the remote will be asked
  }
  Status fetched = m_options.source->fetch(absent);
  if (!fetched.ok()) {
    failure = fetched.error().message();
    return false;
  }
  return true;
}

CacheAction OutputCache::decide_from_store(size_t index, StageReport& report,
                                           const std::optional<std::string>& upstream_ran) {
  const Stage& stage = m_pipeline.stages[index];
  bool remote = false;
  std::optional<CachedExecution> found = find_hit(stage, report.fingerprint, remote);
  if (!found) {
    report.note = upstream_ran ? *upstream_ran : explain(index, report);
    return CacheAction::Run;
  }
  const CachedExecution& hit = *found;
  std::vector<std::string> missing;
  std::vector<std::string> changed;
  std::vector<ArtifactVersion> wanted;
  for (const auto& output : hit.outputs) {
    auto current = digest_path(m_pipeline.workspace / output.path, &m_memo);
    if (current.ok() && current->digest.hex() == output.digest) {
      continue;
    }
    (current.ok() ? changed : missing).push_back(output.path);
    wanted.push_back(output);
  }
  report.outputs = hit.outputs;
  if (missing.empty() && changed.empty()) {
    report.note =
        remote ? "up to date (as recorded by run " + hit.run_id + " elsewhere)" : "up to date";
    return CacheAction::UpToDate;
  }
  std::string what;
  if (!missing.empty()) {
    what += "outs missing: " + join(missing, ", ");
  }
  if (!changed.empty()) {
    what += (what.empty() ? "" : "; ") + std::string("outs changed: ") + join(changed, ", ");
  }
  std::string failure;
  bool from_source = false;
  if (!make_restorable(wanted, failure, from_source)) {
    report.outputs.clear();
    report.note =
        what + (failure.empty() ? " (not in the cache)"
                                : " (not in the cache; the remote's copy: " + failure + ")");
    return CacheAction::Run;
  }
  std::string from = remote || from_source ? " from the remote " + m_options.source->describe()
                                           : " from the cache";
  report.note = what + (m_options.dry_run ? "; restorable" : "; restored") + from + " (run " +
                hit.run_id + ")";
  return CacheAction::Restore;
}

std::string OutputCache::explain(size_t index, const StageReport& report) {
  const Stage& stage = m_pipeline.stages[index];
  auto last = m_store.find_latest_success(m_pipeline.name, stage.name);
  if (!last.ok() || !last->has_value()) {
    return "never ran";
  }
  const ExecutionRecord& before = **last;
  std::vector<std::string> reasons;
  auto run = m_store.find_run(before.run_id);
  if (run.ok() && run->has_value()) {
    reasons = param_changes((*run)->params_json, m_pipeline.params, stage.params_used);
  }
  auto events = m_store.events_of_execution(before.id);
  if (events.ok()) {
    std::map<std::string, std::string> old_inputs;
    for (const auto& event : *events) {
      // A dataset's feature-group commits are inputs known only after it ran (the head files
      // among its deps say when they change): not deps to compare.
      if (event.direction == "input" && event.artifact.kind != "feature_group_commit") {
        old_inputs[event.artifact.path] = event.artifact.digest;
      }
    }
    std::vector<std::string> changes;
    for (const auto& input : report.inputs) {
      auto it = old_inputs.find(input.path);
      if (it == old_inputs.end()) {
        changes.push_back(input.path + " (new)");
      } else if (it->second != input.digest) {
        changes.push_back(input.path + " (changed)");
      }
      old_inputs.erase(input.path);
    }
    for (const auto& [path, digest] : old_inputs) {
      changes.push_back(path + " (removed)");
    }
    if (!changes.empty()) {
      reasons.push_back("deps changed: " + join(changes, ", "));
    }
  }
  // A changed parameter changes the interpolated command too; say only the cause.
  bool param_changed = std::any_of(reasons.begin(), reasons.end(),
                                   [](const std::string& r) { return r.starts_with("param "); });
  if (before.command != stage_command_text(stage) && !param_changed) {
    reasons.insert(reasons.begin(), "command changed");
  }
  return reasons.empty() ? "definition changed" : join(reasons, "; ");
}

CacheLink OutputCache::link_for(const Stage& stage, const std::string& path) const {
  // An incremental stage updates its outputs in place: they must never share the cache's bytes.
  // Nor may a link be made through a symbolic link leading out of the workspace.
  if (m_pipeline.cache_link == CacheLink::Copy || stage.incremental ||
      !checked_write_path(m_pipeline.workspace, path, ErrorKind::InvalidSpec).ok()) {
    return CacheLink::Copy;
  }
  return m_pipeline.cache_link;
}

Status OutputCache::restore(size_t index, const StageReport& report) {
  if (m_options.dry_run) {
    for (const auto& output : report.outputs) {
      m_expected[output.path] = output;
    }
    return Status::success();
  }
  const Stage& stage = m_pipeline.stages[index];
  for (const auto& output : report.outputs) {
    // The path comes from the store: anyone who can write it could point it elsewhere.
    MLOPS_TRY(checked, checked_write_path(m_pipeline.workspace, output.path, ErrorKind::Corrupt));
    const std::filesystem::path& target = *checked;
    auto current = digest_path(target, &m_memo);
    if (current.ok() && current->digest.hex() == output.digest) {
      continue;
    }
    MLOPS_CHECK(m_objects.restore(output.digest, is_directory_version(m_objects, output), target,
                                  link_for(stage, output.path), &m_memo));
  }
  return Status::success();
}

std::vector<ArtifactVersion> OutputCache::store(const Stage& stage,
                                                const std::vector<LocatedString>& paths,
                                                const std::vector<std::string>* types,
                                                const char* default_kind, StageReport& report) {
  std::vector<ArtifactVersion> versions;
  for (size_t i = 0; i < paths.size(); ++i) {
    std::filesystem::path path = m_pipeline.workspace / paths[i].value;
    auto stored = m_objects.store(path, link_for(stage, paths[i].value), &m_memo);
    PathDigest version;
    if (stored.ok()) {
      version = stored->version;
      if (!stored->saved.ok()) {
        report.warnings.push_back(
            fmt::format("cannot cache {}: {}", paths[i].value, stored->saved.error().message()));
      }
    } else {
      auto plain = digest_path(path, &m_memo);
      if (!plain.ok()) {
        continue;  // missing: not written
      }
      version = *plain;
      report.warnings.push_back(
          fmt::format("cannot cache {}: {}", paths[i].value, stored.error().message()));
    }
    std::string kind = types && i < types->size() && !(*types)[i].empty() ? (*types)[i]
                       : version.is_directory                             ? "directory"
                                                                          : default_kind;
    versions.push_back(
        {paths[i].value, kind, version.digest.hex(), static_cast<int64_t>(version.size)});
  }
  return versions;
}

std::vector<std::string> OutputCache::deps_moved(const Stage& stage, const StageReport& report) {
  std::vector<ArtifactVersion> after = hash(stage.deps, nullptr, "file");
  std::vector<std::string> moved;
  for (const auto& input : report.inputs) {
    auto it = std::find_if(after.begin(), after.end(),
                           [&](const ArtifactVersion& v) { return v.path == input.path; });
    if (it == after.end() || it->digest != input.digest) {
      moved.push_back(input.path);
    }
  }
  if (after.size() != report.inputs.size() && moved.empty()) {
    moved.push_back("(a dep appeared)");
  }
  return moved;
}

void OutputCache::finish(size_t index, StageReport& report) {
  if (m_options.dry_run) {
    return;
  }
  const Stage& stage = m_pipeline.stages[index];
  // Did a dep change while the stage ran? Then its outputs belong to neither version.
  if (std::vector<std::string> moved = deps_moved(stage, report); !moved.empty()) {
    report.fingerprint.clear();
    report.outputs.clear();
    report.note = "deps changed while it ran: " + join(moved, ", ") +
                  "; its outputs are not recorded and it will run again";
    report.warnings.push_back(report.note);
    return;
  }
  if (stage.incremental && !report.incremental_manifest.empty()) {
    Status kept = write_file_atomic(incremental_path(stage, ".json"), report.incremental_manifest);
    if (!kept.ok()) {
      report.warnings.push_back(kept.error().message());
    }
  }
  if (!stage.cache) {
    report.outputs = hash(stage.outs, &stage.out_types, "file");
    auto metrics = hash(stage.metrics, nullptr, "metrics");
    report.outputs.insert(report.outputs.end(), metrics.begin(), metrics.end());
    return;
  }
  // Each output is hashed as it is saved: one read of its bytes.
  report.outputs = store(stage, stage.outs, &stage.out_types, "file", report);
  auto metrics = store(stage, stage.metrics, nullptr, "metrics", report);
  report.outputs.insert(report.outputs.end(), metrics.begin(), metrics.end());
}

namespace {

bool inside(const std::string& path, const std::string& directory) {
  return path.size() > directory.size() && path.starts_with(directory) &&
         path[directory.size()] == '/';
}

}  // namespace

Overlap reads_outputs_of(const Stage& reader, const Stage& writer) {
  Overlap found = Overlap::None;
  for (const auto& dep : reader.deps) {
    for (const auto* paths : {&writer.outs, &writer.metrics}) {
      for (const auto& out : *paths) {
        if (inside(dep.value, out.value) || inside(out.value, dep.value)) {
          return Overlap::Partial;
        }
        if (dep.value == out.value) {
          found = Overlap::Exact;
        }
      }
    }
  }
  return found;
}

}  // namespace mlops
