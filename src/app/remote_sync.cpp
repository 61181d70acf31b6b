#include "app/remote_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "app/cache_lock.hpp"
#include "app/pipeline_loading.hpp"
#include "app/queries.hpp"
#include "app/run_cache_index.hpp"
#include "app/workspace_config.hpp"
#include "cache/manifest.hpp"
#include "engine/output_cache.hpp"
#include "remote/remote.hpp"
#include "util/file_io.hpp"
#include "util/unique_fd.hpp"

namespace mlops {
namespace {

constexpr size_t k_max_manifest_bytes = size_t{256} << 20;

struct ObjectRef {
  std::string digest;
  bool manifest = false;
};

Result<std::vector<std::string>> runs_of(MetadataStore& store, const TransferRequest& request) {
  std::vector<std::string> ids;
  if (request.all_runs) {
    MLOPS_TRY(producing, store.producing_runs());
    ids.assign(producing->begin(), producing->end());
    return ids;
  }
  std::vector<std::string> names =
      request.runs.empty() ? std::vector<std::string>{"latest"} : request.runs;
  for (const auto& name : names) {
    MLOPS_TRY(id, resolve_run(store, name));
    ids.push_back(*id);
  }
  return ids;
}

// Keeps the versions at or below one of `paths` (all when there are none). NotFound for a
// path that matches none.
Result<std::vector<ArtifactVersion>> select_paths(std::vector<ArtifactVersion> outputs,
                                                  const std::vector<std::string>& paths) {
  if (paths.empty()) {
    return outputs;
  }
  std::vector<ArtifactVersion> kept;
  for (const auto& path : paths) {
    std::string wanted = std::filesystem::path(path).lexically_normal().generic_string();
    while (wanted.size() > 1 && wanted.back() == '/') {
      wanted.pop_back();
    }
    size_t before = kept.size();
    for (const auto& output : outputs) {
      if (output.path == wanted || output.path.starts_with(wanted + "/")) {
        kept.push_back(output);
      }
    }
    if (kept.size() == before) {
      return Error(
          ErrorKind::NotFound,
          fmt::format("no output of the pulled run(s) is at {} (see `mlops show RUN`)", path));
    }
  }
  return kept;
}

// The versions the runs wrote, as (digest, directory) pairs, each once. Whether a version is a
// directory (a manifest) is not in its kind (a directory out may be typed dataset or model):
// `is_directory` says, from where its manifest is.
Result<std::set<std::pair<std::string, bool>>> versions_of(
    MetadataStore& store, const std::vector<std::string>& runs,
    const std::function<Result<bool>(const std::string&)>& is_directory,
    const std::vector<std::string>& paths = {}) {
  std::set<std::pair<std::string, bool>> versions;
  std::vector<ArtifactVersion> all;
  for (const auto& run : runs) {
    MLOPS_TRY(outputs, store.outputs_of_run(run));
    all.insert(all.end(), outputs->begin(), outputs->end());
  }
  MLOPS_TRY(selected, select_paths(std::move(all), paths));
  {
    for (const auto& output : *selected) {
      if (is_object_digest(output.digest)) {
        MLOPS_TRY(directory, is_directory(output.digest));
        versions.emplace(output.digest, *directory);
      }
    }
  }
  return versions;
}

// Runs `copy` on every object, `jobs` at a time; collects the outcome and reports progress.
// `copy` gives the bytes it copied, nothing when the object was already on the receiving side;
// NotFound when it is on neither.
using CopyFn = std::function<Result<std::optional<uint64_t>>(const ObjectRef&)>;
void transfer_all(const std::vector<ObjectRef>& objects, unsigned jobs, const CopyFn& copy,
                  TransferProgress progress, const TransferProgressFn& report,
                  TransferSummary& summary) {
  std::atomic<size_t> next{0};
  std::mutex lock;
  progress.total = objects.size();
  auto worker = [&] {
    for (size_t i = next++; i < objects.size(); i = next++) {
      Result<std::optional<uint64_t>> copied = copy(objects[i]);
      std::lock_guard<std::mutex> guard(lock);
      if (copied.ok() && *copied) {
        ++summary.transferred;
        summary.bytes += **copied;
        progress.bytes_done += **copied;
      } else if (copied.ok()) {
        ++summary.already;
      } else if (copied.error().kind() == ErrorKind::NotFound) {
        summary.missing.push_back(objects[i].digest);
      } else {
        summary.failed.push_back(copied.error().message());
      }
      ++progress.done;
      if (report) {
        report(progress);
      }
    }
  };
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < std::max(1u, jobs); ++j) {
    threads.emplace_back(worker);
  }
  worker();
  for (auto& thread : threads) {
    thread.join();
  }
}

// Where the cache keeps an object (a file's bytes, or a directory's manifest).
std::filesystem::path local_object(const ObjectStore& objects, const ObjectRef& ref) {
  return objects.object_path(ref.digest).string() + (ref.manifest ? ".dir" : "");
}

uint64_t size_of(const std::filesystem::path& path) {
  std::error_code error;
  auto size = std::filesystem::file_size(path, error);
  return error ? 0 : size;
}

// A manifest fetched into the cache must describe the directory whose digest names it (the
// remote's bytes are untrusted: a manifest naming other files would restore another tree).
Status check_fetched_manifest(const std::filesystem::path& local, const std::string& digest,
                              const std::string& remote) {
  auto text = read_file(local, k_max_manifest_bytes);
  auto entries =
      text.ok() ? parse_manifest(*text) : Result<std::vector<ManifestEntry>>(text.error());
  std::string problem;
  if (!entries.ok()) {
    problem = entries.error().message();
  } else if (std::string tree = manifest_tree_digest(*entries); tree != digest) {
    problem = "it describes the directory " + tree;
  }
  if (problem.empty()) {
    return Status::success();
  }
  std::error_code error;
  std::filesystem::remove(local, error);
  return Error(ErrorKind::Corrupt,
               fmt::format("the remote's manifest {} is not that directory's ({}): refused; "
                           "remove it from {} and push it again",
                           digest, problem, remote));
}

uint64_t random_bits() {
  std::random_device random;
  return (uint64_t{random()} << 32) | random();
}

// Fetches one object into the cache; its size.
Result<std::optional<uint64_t>> fetch_one(Remote& remote, const ObjectStore& objects,
                                          const ObjectRef& ref) {
  std::filesystem::path local = local_object(objects, ref);
  std::error_code error;
  std::filesystem::create_directories(local.parent_path(), error);
  if (!ref.manifest) {
    MLOPS_CHECK(remote.get(ref.digest, false, local));  // its digest checked on receipt
    return std::optional<uint64_t>(size_of(local));
  }
  // A manifest is checked under a temporary name (gc sweeps one a kill leaves) and only then
  // named: one under its real name is trusted by every later pull and restore.
  std::filesystem::path temp = local.string() + fmt::format(".tmp-{:016x}", random_bits());
  MLOPS_CHECK(remote.get(ref.digest, true, temp));
  MLOPS_CHECK(check_fetched_manifest(temp, ref.digest, remote.describe()));
  if (::rename(temp.c_str(), local.c_str()) != 0) {
    int err = errno;
    std::filesystem::remove(temp, error);
    return Error(ErrorKind::Io,
                 fmt::format("cannot write {}: {}", local.string(), std::strerror(err)));
  }
  return std::optional<uint64_t>(size_of(local));
}

// After a push: one run-cache entry per succeeded execution of `runs` that wrote something, all
// of whose objects the remote now holds (an entry never names an object that is not there).
void write_index_entries(MetadataStore& store, const ObjectStore& objects, Remote& remote,
                         const std::vector<std::string>& runs, TransferSummary& summary) {
  std::set<std::string> written;
  std::set<std::string> absent(summary.missing.begin(), summary.missing.end());
  for (const auto& run_id : runs) {
    auto run = store.find_run(run_id);
    auto executions = store.executions_of(run_id);
    if (!run.ok() || !run->has_value() || !executions.ok()) {
      continue;
    }
    for (const auto& execution : *executions) {
      if (execution.status != "succeeded" || !execution.fingerprint) {
        continue;
      }
      RunCacheEntry entry{
          (*run)->pipeline, execution.stage, *execution.fingerprint, run_id, {}, {}};
      std::string name = run_cache_entry_name(entry.pipeline, entry.stage, entry.fingerprint);
      auto events = store.events_of_execution(execution.id);
      if (!events.ok() || written.count(name) > 0) {
        continue;
      }
      bool complete = true;
      for (const auto& event : *events) {
        const ArtifactRecord& artifact = event.artifact;
        if (event.direction != "output" || !is_object_digest(artifact.digest)) {
          continue;
        }
        ArtifactVersion version{artifact.path, artifact.kind, artifact.digest, artifact.size};
        bool directory = is_directory_version(objects, version);
        complete = complete && absent.count(artifact.digest) == 0 &&
                   objects.has(artifact.digest, directory);
        entry.outputs.push_back(version);
        entry.directories.push_back(directory);
      }
      if (!complete || entry.outputs.empty()) {
        continue;
      }
      Status put = remote.put_entry(name, run_cache_entry_json(entry));
      if (!put.ok()) {
        if (put.error().kind() != ErrorKind::Usage) {  // Usage: a remote that keeps no index
          summary.failed.push_back(put.error().message());
        }
        return;
      }
      written.insert(name);
      ++summary.index_entries;
    }
  }
}

}  // namespace

Result<TransferSummary> push_outputs(Workspace& space, const TransferRequest& request) {
  MLOPS_TRY(remote, open_remote(request.remote));
  MLOPS_TRY(cache_use, acquire_cache_use(space));
  MLOPS_TRY(runs, runs_of(*space.store(), request));
  ObjectStore& objects = space.objects();
  MLOPS_TRY(versions, versions_of(*space.store(), *runs, [&](const std::string& digest) {
              return Result<bool>(objects.has(digest, true));
            }));
  std::set<std::string> files;
  std::vector<ObjectRef> wanted;
  for (const auto& [digest, directory] : *versions) {
    if (directory) {
      wanted.push_back({digest, true});
    }
    objects.add_live(digest, directory, files);
  }
  for (const auto& digest : files) {
    if (std::none_of(wanted.begin(), wanted.end(),
                     [&](const ObjectRef& ref) { return ref.manifest && ref.digest == digest; })) {
      wanted.push_back({digest, false});
    }
  }
  TransferSummary summary;
  summary.remote = (*remote)->describe();
  std::vector<ObjectRef> to_send;
  TransferProgress progress;
  for (const auto& ref : wanted) {
    ++summary.objects;
    std::filesystem::path local = local_object(objects, ref);
    std::error_code error;
    if (!std::filesystem::is_regular_file(local, error)) {
      summary.missing.push_back(ref.digest);
      continue;
    }
    to_send.push_back(ref);  // bytes_total stays unknown: some may be on the remote already
  }
  // Asking the remote whether it has an object is a round trip (S3, SSH): the transfer
  // threads ask, each for the objects it sends. One question first, alone, so that a remote
  // that refuses us (credentials, permissions, no such bucket) stops the push with its error.
  if (!to_send.empty()) {
    MLOPS_TRY(probe, (*remote)->has(to_send.front().digest, to_send.front().manifest));
    (void)probe;
  }
  transfer_all(
      to_send, request.jobs,
      [&](const ObjectRef& ref) -> Result<std::optional<uint64_t>> {
        MLOPS_TRY(there, (*remote)->has(ref.digest, ref.manifest));
        if (*there) {
          return std::optional<uint64_t>();
        }
        std::filesystem::path local = local_object(objects, ref);
        MLOPS_CHECK((*remote)->put(ref.digest, ref.manifest, local));
        return std::optional<uint64_t>(size_of(local));
      },
      progress, request.progress, summary);
  Status published = (*remote)->publish();
  if (!published.ok()) {
    summary.failed.push_back(published.error().message());
  }
  if (!summary.failed.empty()) {
    return summary;  // no index entry may name an object that is not there: the next push
  }
  write_index_entries(*space.store(), objects, **remote, *runs, summary);
  return summary;
}

void fetch_objects(Remote& remote, ObjectStore& objects,
                   const std::set<std::pair<std::string, bool>>& versions, unsigned jobs,
                   const TransferProgressFn& progress, TransferSummary& summary) {
  // Manifests first (they say which files a directory needs), then every file not cached.
  std::vector<ObjectRef> manifests;
  for (const auto& [digest, directory] : versions) {
    ObjectRef ref{digest, true};
    std::error_code error;
    if (!directory) {
      continue;
    }
    ++summary.objects;
    if (std::filesystem::is_regular_file(local_object(objects, ref), error)) {
      ++summary.already;
      continue;
    }
    Result<bool> there = remote.has(digest, true);
    if (!there.ok()) {
      summary.failed.push_back(there.error().message());
      continue;
    }
    if (!*there) {
      summary.missing.push_back(digest);
      continue;
    }
    manifests.push_back(ref);
  }
  auto fetch = [&](const ObjectRef& ref) { return fetch_one(remote, objects, ref); };
  transfer_all(manifests, jobs, fetch, {}, progress, summary);
  std::set<std::string> file_digests;
  for (const auto& [digest, directory] : versions) {
    objects.add_live(digest, directory, file_digests);
  }
  std::vector<ObjectRef> to_fetch;
  for (const auto& digest : file_digests) {
    if (versions.count({digest, true}) > 0) {
      continue;  // a directory's manifest, fetched above
    }
    ++summary.objects;
    if (objects.has(digest, false)) {
      ++summary.already;
      continue;
    }
    to_fetch.push_back({digest, false});
  }
  transfer_all(to_fetch, jobs, fetch, {}, progress, summary);
  // One sync of the cache's filesystem for every object written (none was synced alone).
  UniqueFd cache_dir(::open(objects.objects_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (cache_dir.valid()) {
    ::syncfs(cache_dir.get());
  }
}

Result<std::optional<std::string>> transfer_remote(Workspace& space,
                                                   const std::optional<std::string>& option,
                                                   const std::vector<std::string>& runs) {
  MLOPS_TRY(chosen, chosen_remote(space.root(), option));
  if (*chosen || space.store() == nullptr) {
    return chosen;
  }
  auto id = resolve_run(*space.store(), runs.empty() ? "latest" : runs.front());
  auto run = id.ok() ? space.store()->find_run(*id) : Result<std::optional<RunRecord>>(id.error());
  if (!run.ok() || !run->has_value()) {
    return std::optional<std::string>();
  }
  std::filesystem::path file = space.root() / (*run)->pipeline_file;
  LoadedPipeline loaded = load_checked_pipeline(file, LoadOptions{});
  // (A pipeline that no longer loads names no remote: the other sources must.)
  if (!loaded.checked) {
    return std::optional<std::string>();
  }
  return loaded.checked->pipeline.remote;
}

namespace {

// Whether some run of `runs` (the latest when there are none) wrote an output at or below `path`.
bool is_output_path(MetadataStore& store, const std::vector<std::string>& runs,
                    const std::string& path) {
  for (const auto& name : runs.empty() ? std::vector<std::string>{"latest"} : runs) {
    auto id = resolve_run(store, name);
    auto outputs =
        id.ok() ? store.outputs_of_run(*id) : Result<std::vector<ArtifactVersion>>(id.error());
    if (outputs.ok() && select_paths(*outputs, {path}).ok()) {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<std::pair<std::vector<std::string>, std::vector<std::string>>> runs_and_paths(
    Workspace& space, const std::vector<std::string>& arguments) {
  std::pair<std::vector<std::string>, std::vector<std::string>> split;
  std::vector<std::pair<std::string, Error>> unknown;  // neither a run nor like a path
  for (const auto& argument : arguments) {
    auto id = space.store() ? resolve_run(*space.store(), argument)
                            : Result<std::string>(Error(ErrorKind::NotFound, ""));
    std::error_code error;
    bool path_like = argument.find_first_of("/.") != std::string::npos ||
                     std::filesystem::exists(space.root() / argument, error);
    if (id.ok()) {
      split.first.push_back(argument);
    } else if (path_like) {
      split.second.push_back(argument);
    } else {
      unknown.emplace_back(argument, id.error());
    }
  }
  // A plain name (`models`) that is no run is a path when a pulled run wrote it: on a fresh
  // clone, the output to pull is not in the workspace yet.
  for (const auto& [argument, problem] : unknown) {
    if (!space.store() || !is_output_path(*space.store(), split.first, argument)) {
      return problem;
    }
    split.second.push_back(argument);
  }
  return split;
}

Result<TransferSummary> pull_outputs(Workspace& space, const TransferRequest& request) {
  MLOPS_TRY(remote, open_remote(request.remote));
  MLOPS_TRY(cache_use, acquire_cache_use(space));
  MLOPS_TRY(runs, runs_of(*space.store(), request));
  ObjectStore& objects = space.objects();
  MLOPS_TRY(versions, versions_of(
                          *space.store(), *runs,
                          [&](const std::string& digest) {
                            return objects.has(digest, true) ? Result<bool>(true)
                                                             : (*remote)->has(digest, true);
                          },
                          request.paths));
  TransferSummary summary;
  summary.remote = (*remote)->describe();
  fetch_objects(**remote, objects, *versions, request.jobs, request.progress, summary);
  return summary;
}

}  // namespace mlops
