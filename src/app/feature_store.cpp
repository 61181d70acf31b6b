#include "app/feature_store.hpp"

#include <algorithm>
#include <system_error>

#include <unistd.h>

#include <fmt/format.h>

#include "app/data_quality.hpp"
#include "hash/digest.hpp"
#include "quality/validation_json.hpp"
#include "util/file_io.hpp"
#include "util/paths.hpp"

namespace mlops {
namespace {

constexpr size_t k_max_manifest_bytes = size_t{16} << 20;

const FeatureGroupSpec* declared_group(const FeatureStoreContext& context,
                                       const std::string& name) {
  if (!context.declared) {
    return nullptr;
  }
  for (const auto& spec : *context.declared) {
    if (spec.name == name) {
      return &spec;
    }
  }
  return nullptr;
}

Result<std::optional<ValidationReport>> validate_input(const FeatureStoreContext& context,
                                                       const FeatureGroupSpec& spec,
                                                       const GroupWriteRequest& request) {
  std::optional<std::filesystem::path> rules = request.rules;
  if (!rules && !spec.rules.empty()) {
    rules = context.workspace / spec.rules;
  }
  if (!rules || request.remove) {
    return std::optional<ValidationReport>();
  }
  ValidateRequest validate;
  validate.data = request.file;
  validate.rules = *rules;
  MLOPS_TRY(outcome, validate_dataset(validate));
  if (!outcome->diagnostics.empty()) {
    const Diagnostic& first = outcome->diagnostics.front();
    return Error(ErrorKind::InvalidSpec, fmt::format("{}: {}", rules->string(), first.message));
  }
  return outcome->report;
}

std::string summary_of(const ValidationReport& report) {
  std::vector<std::string> failed;
  for (const auto& check : report.checks) {
    if (check.verdict == Verdict::Fail) {
      failed.push_back(check.spec.id + ": " + check.summary);
    }
  }
  std::string text =
      fmt::format("{} check(s): {} passed, {} failed, {} warning(s)", report.checks.size(),
                  report.passed(), report.failed_errors(), report.failed_warnings());
  if (!failed.empty()) {
    text += fmt::format(" ({})", fmt::join(failed, "; "));
  }
  return text;
}

Result<std::string> spine_digest(const std::filesystem::path& path) {
  MLOPS_TRY(digest, digest_path(path));
  if (digest->is_directory) {
    return Error(ErrorKind::InvalidSpec, path.string() + ": the spine must be a file");
  }
  return digest->digest.hex();
}

bool is_dataset_id(std::string_view id) {
  return !id.empty() && id.size() <= 32 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
  });
}

// The groups a dataset reads, opened.
Result<std::map<std::string, std::unique_ptr<FeatureGroupStore>>> open_groups(
    const FeatureStoreContext& context, const std::vector<std::pair<std::string, int>>& wanted) {
  std::map<std::string, std::unique_ptr<FeatureGroupStore>> groups;
  for (const auto& [name, version] : wanted) {
    if (groups.count(name) == 0) {
      MLOPS_TRY(group, open_feature_group(context, name, version, GroupAccess::Read));
      groups[name] = std::move(*group);
    }
  }
  return groups;
}

std::map<std::string, FeatureGroupStore*> raw(
    const std::map<std::string, std::unique_ptr<FeatureGroupStore>>& groups) {
  std::map<std::string, FeatureGroupStore*> pointers;
  for (const auto& [name, group] : groups) {
    pointers[name] = group.get();
  }
  return pointers;
}

// The spec a manifest was built from, enough to build it again.
DatasetSpec spec_of(const DatasetManifest& manifest) {
  DatasetSpec spec;
  spec.name = manifest.name;
  spec.spine = manifest.spine;
  spec.event_time = manifest.event_time;
  spec.exclusive = manifest.exclusive;
  spec.mode = manifest.known_time ? PitMode::KnownTime : PitMode::EventTime;
  spec.test_fraction = manifest.test_fraction;
  spec.seed = manifest.seed;
  spec.test_from = manifest.test_from;
  spec.compress = manifest.compress;
  for (const auto& group : manifest.groups) {
    spec.groups.push_back({group.group, group.features, group.commit, {}});
  }
  return spec;
}

}  // namespace

std::filesystem::path feature_store_root(const std::filesystem::path& workspace) {
  return workspace / ".mlops" / "fs";
}

std::filesystem::path datasets_root(const std::filesystem::path& workspace) {
  return workspace / ".mlops" / "datasets";
}

Result<std::unique_ptr<FeatureGroupStore>> open_feature_group(const FeatureStoreContext& context,
                                                              const std::string& name, int version,
                                                              GroupAccess access) {
  const FeatureGroupSpec* declared = declared_group(context, name);
  std::filesystem::path root = feature_store_root(context.workspace);
  if (declared && (version == 0 || version == declared->version)) {
    if (access == GroupAccess::Write) {
      return FeatureGroupStore::open(root, *declared);
    }
    auto stored = FeatureGroupStore::open_existing(root, name, declared->version);
    if (!stored.ok() && stored.error().kind() == ErrorKind::NotFound) {
      return Error(ErrorKind::NotFound,
                   fmt::format("feature group {} v{} has no data yet: insert some (`mlops fg "
                               "insert`), or run the stage that ingests into it",
                               name, declared->version));
    }
    return stored;
  }
  return FeatureGroupStore::open_existing(root, name, version);
}

Result<GroupWriteOutcome> write_feature_group(const FeatureStoreContext& context,
                                              const GroupWriteRequest& request) {
  MLOPS_TRY(group, open_feature_group(context, request.group, request.version, GroupAccess::Write));
  const FeatureGroupSpec& spec = (*group)->spec();
  GroupWriteOutcome outcome;
  MLOPS_TRY(report, validate_input(context, spec, request));
  CommitInfo info = request.info;
  if (*report) {
    std::string policy = request.policy.value_or(spec.validation_policy);
    outcome.validated = true;
    outcome.validation_summary = summary_of(**report);
    outcome.validation_json = validation_to_json(**report, false);
    if ((*report)->rejected(false)) {
      outcome.rejected = policy == "strict";
      if (outcome.rejected) {
        return outcome;
      }
    }
    info.validation = outcome.validation_json;
  }
  MLOPS_TRY(batch,
            read_row_batch(request.file, spec, request.remove ? BatchKind::Keys : BatchKind::Rows));
  outcome.ignored_columns = batch->ignored_columns;
  if (info.source.empty()) {
    auto relative = workspace_relative(context.workspace, request.file.string());
    info.source = relative ? *relative : request.file.string();
  }
  if (request.remove) {
    info.operation = "delete";
    MLOPS_TRY(commit, (*group)->remove(*batch, info));
    outcome.commit = *commit;
  } else {
    MLOPS_TRY(commit, (*group)->insert(*batch, info));
    outcome.commit = *commit;
  }
  return outcome;
}

Result<DatasetManifest> create_dataset(const FeatureStoreContext& context,
                                       const DatasetCreateRequest& request) {
  const DatasetSpec& spec = request.spec;
  MLOPS_TRY(out_dir, checked_write_path(context.workspace, spec.out, ErrorKind::InvalidSpec));
  std::vector<std::pair<std::string, int>> wanted;
  for (const auto& part : spec.groups) {
    wanted.emplace_back(part.group, 0);
  }
  MLOPS_TRY(groups, open_groups(context, wanted));
  std::filesystem::path spine = context.workspace / spec.spine;
  MLOPS_TRY(digest, spine_digest(spine));
  DatasetRequest build{spec, raw(*groups), spine, *digest, request.pinned, {}};
  MLOPS_TRY(manifest, build_dataset(build, *out_dir));
  manifest->run_id = request.run_id;
  std::string text = manifest_json(*manifest);
  MLOPS_CHECK(write_file_atomic(*out_dir / "manifest.json", text));
  std::filesystem::path kept = datasets_root(context.workspace) / manifest->id;
  std::error_code error;
  std::filesystem::create_directories(kept, error);
  MLOPS_CHECK(write_file_atomic(kept / "manifest.json", text));
  std::filesystem::copy_file(spine, kept / "spine",
                             std::filesystem::copy_options::overwrite_existing, error);
  if (error) {
    return Error(ErrorKind::Io, fmt::format("cannot keep a copy of the spine in {}: {}",
                                            kept.string(), error.message()));
  }
  for (const auto& pin : manifest->groups) {
    FeatureGroupStore& group = *(*groups)[pin.group];
    MLOPS_CHECK(group.pin(manifest->id, pin.commit));
    if (manifest->known_time) {
      // A known_time join reads the commits each label could have seen, back to the oldest:
      // compaction must keep them all.
      MLOPS_TRY(floor, group.floor());
      MLOPS_CHECK(group.pin(manifest->id, *floor));
    }
  }
  return manifest;
}

Result<std::vector<DatasetManifest>> list_datasets(const std::filesystem::path& workspace) {
  std::vector<DatasetManifest> manifests;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(datasets_root(workspace), error)) {
    std::string id = entry.path().filename().string();
    if (!is_dataset_id(id)) {
      continue;
    }
    auto manifest = find_dataset(workspace, id);
    if (manifest.ok()) {
      manifests.push_back(std::move(*manifest));
    }
  }
  std::sort(manifests.begin(), manifests.end(),
            [](const auto& a, const auto& b) { return a.created_at > b.created_at; });
  return manifests;
}

Result<DatasetManifest> find_dataset(const std::filesystem::path& workspace,
                                     const std::string& id) {
  if (!is_dataset_id(id)) {
    return Error(ErrorKind::Usage, fmt::format("'{}' is not a dataset id (see `mlops dataset "
                                               "list`)",
                                               id));
  }
  std::vector<std::string> matches;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(datasets_root(workspace), error)) {
    std::string name = entry.path().filename().string();
    if (is_dataset_id(name) && name.starts_with(id)) {
      matches.push_back(name);
    }
  }
  if (matches.size() != 1) {
    return Error(matches.empty() ? ErrorKind::NotFound : ErrorKind::Usage,
                 matches.empty() ? fmt::format("no dataset '{}' (see `mlops dataset list`)", id)
                                 : fmt::format("'{}' names {} datasets; give more of the id", id,
                                               matches.size()));
  }
  std::filesystem::path path = datasets_root(workspace) / matches[0] / "manifest.json";
  MLOPS_TRY(text, read_file(path, k_max_manifest_bytes));
  auto manifest = manifest_from_json(*text);
  if (!manifest.ok()) {
    return Error(ErrorKind::Corrupt, path.string() + ": " + manifest.error().message());
  }
  bool known_files = std::all_of(manifest->files.begin(), manifest->files.end(), [&](auto& f) {
    std::string ext = manifest->compress ? ".csv.zst" : ".csv";
    return f.name == "data" + ext || f.name == "train" + ext || f.name == "test" + ext;
  });
  if (manifest->id != matches[0] || dataset_id(*manifest) != manifest->id || !known_files ||
      !is_plain_relative_path(manifest->spine)) {
    return Error(ErrorKind::Corrupt,
                 path.string() +
                     ": the manifest was changed after the dataset was built (its "
                     "contents no longer give its id, or it names files or paths "
                     "mlops does not write); it cannot be trusted to rebuild from");
  }
  return manifest;
}

Result<RecreateOutcome> recreate_dataset(const FeatureStoreContext& context, const std::string& id,
                                         bool verify) {
  MLOPS_TRY(manifest, find_dataset(context.workspace, id));
  std::filesystem::path kept = datasets_root(context.workspace) / manifest->id;
  MLOPS_TRY(digest, spine_digest(kept / "spine"));
  if (*digest != manifest->spine_digest) {
    return Error(ErrorKind::Corrupt,
                 fmt::format("{}: the kept spine does not match the manifest's digest; the "
                             "dataset cannot be rebuilt exactly",
                             (kept / "spine").string()));
  }
  std::vector<std::pair<std::string, int>> wanted;
  std::map<std::string, int64_t> pinned;
  std::map<std::string, std::pair<std::optional<Milliseconds>, Milliseconds>> windows;
  for (const auto& group : manifest->groups) {
    wanted.emplace_back(group.group, group.version);
    pinned[group.group] = group.commit;
    windows[group.group] = {group.ttl, group.delay};
  }
  FeatureStoreContext stored{context.workspace, nullptr};  // the versions the manifest names
  MLOPS_TRY(groups, open_groups(stored, wanted));
  RecreateOutcome outcome;
  outcome.directory = kept / fmt::format("rebuild-{}", ::getpid());
  DatasetRequest build{spec_of(*manifest), raw(*groups), kept / "spine", *digest, pinned, windows};
  MLOPS_TRY(rebuilt, build_dataset(build, outcome.directory));
  outcome.rebuilt = *rebuilt;
  outcome.identical =
      rebuilt->id == manifest->id && rebuilt->files.size() == manifest->files.size();
  for (size_t i = 0; i < rebuilt->files.size() && i < manifest->files.size(); ++i) {
    const auto& now = rebuilt->files[i];
    const auto& then = manifest->files[i];
    if (now.name != then.name || now.digest != then.digest) {
      outcome.identical = false;
      outcome.differences.push_back(
          fmt::format("{}: digest {}, recorded {}", now.name, now.digest, then.digest));
    }
  }
  std::error_code error;
  if (verify) {
    std::filesystem::remove_all(outcome.directory, error);
    return outcome;
  }
  // Kept beside the manifest, replacing an earlier rebuild.
  std::filesystem::path files = kept / "files";
  std::filesystem::remove_all(files, error);
  std::filesystem::rename(outcome.directory, files, error);
  if (error) {
    return Error(ErrorKind::Io, fmt::format("cannot move the rebuilt dataset to {}: {}",
                                            files.string(), error.message()));
  }
  outcome.directory = files;
  return outcome;
}

}  // namespace mlops
