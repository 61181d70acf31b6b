#include "app/remote_sync.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <system_error>
#include <thread>

#include <fmt/format.h>

#include "app/cache_lock.hpp"
#include "app/queries.hpp"
#include "cache/manifest.hpp"
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

// The versions the runs wrote, as (digest, directory) pairs, each once. Whether a version is a
// directory (a manifest) is not in its kind (a directory out may be typed dataset or model):
// `is_directory` says, from where its manifest is.
Result<std::set<std::pair<std::string, bool>>> versions_of(
    MetadataStore& store, const std::vector<std::string>& runs,
    const std::function<Result<bool>(const std::string&)>& is_directory) {
  std::set<std::pair<std::string, bool>> versions;
  for (const auto& run : runs) {
    MLOPS_TRY(outputs, store.outputs_of_run(run));
    for (const auto& output : *outputs) {
      if (is_object_digest(output.digest)) {
        MLOPS_TRY(directory, is_directory(output.digest));
        versions.emplace(output.digest, *directory);
      }
    }
  }
  return versions;
}

// Runs `copy` on every object, `jobs` at a time; collects the outcome.
void transfer_all(const std::vector<ObjectRef>& objects, unsigned jobs,
                  const std::function<Status(const ObjectRef&)>& copy, TransferSummary& summary) {
  std::atomic<size_t> next{0};
  std::mutex lock;
  auto worker = [&] {
    for (size_t i = next++; i < objects.size(); i = next++) {
      Status copied = copy(objects[i]);
      std::lock_guard<std::mutex> guard(lock);
      if (copied.ok()) {
        ++summary.transferred;
      } else {
        summary.failed.push_back(copied.error().message());
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
  for (const auto& ref : wanted) {
    ++summary.objects;
    std::filesystem::path local = local_object(objects, ref);
    std::error_code error;
    if (!std::filesystem::is_regular_file(local, error)) {
      summary.missing.push_back(ref.digest);
      continue;
    }
    MLOPS_TRY(there, (*remote)->has(ref.digest, ref.manifest));
    if (*there) {
      ++summary.already;
    } else {
      to_send.push_back(ref);
      summary.bytes += size_of(local);
    }
  }
  transfer_all(
      to_send, request.jobs,
      [&](const ObjectRef& ref) {
        std::filesystem::path local = local_object(objects, ref);
        return (*remote)->put(ref.digest, ref.manifest, local);
      },
      summary);
  Status published = (*remote)->publish();
  if (!published.ok()) {
    summary.failed.push_back(published.error().message());
  }
  return summary;
}

Result<TransferSummary> pull_outputs(Workspace& space, const TransferRequest& request) {
  MLOPS_TRY(remote, open_remote(request.remote));
  MLOPS_TRY(cache_use, acquire_cache_use(space));
  MLOPS_TRY(runs, runs_of(*space.store(), request));
  ObjectStore& objects = space.objects();
  MLOPS_TRY(versions, versions_of(*space.store(), *runs, [&](const std::string& digest) {
              return objects.has(digest, true) ? Result<bool>(true) : (*remote)->has(digest, true);
            }));
  TransferSummary summary;
  summary.remote = (*remote)->describe();
  auto local_path = [&](const ObjectRef& ref) { return local_object(objects, ref); };
  auto fetch = [&](const ObjectRef& ref) -> Status {
    std::filesystem::path local = local_path(ref);
    std::error_code error;
    std::filesystem::create_directories(local.parent_path(), error);
    return (*remote)->get(ref.digest, ref.manifest, local);
  };
  // Manifests first (they say which files a directory needs), then every file not cached.
  std::set<std::string> file_digests;
  for (const auto& [digest, directory] : *versions) {
    ObjectRef ref{digest, directory};
    std::error_code error;
    if (directory && !std::filesystem::is_regular_file(local_path(ref), error)) {
      ++summary.objects;
      Status got = fetch(ref);
      if (!got.ok()) {
        (got.error().kind() == ErrorKind::NotFound ? summary.missing : summary.failed)
            .push_back(got.error().message());
        continue;
      }
      ++summary.transferred;
      summary.bytes += size_of(local_path(ref));
    } else if (directory) {
      ++summary.objects;
      ++summary.already;
    }
    objects.add_live(digest, directory, file_digests);
  }
  std::vector<ObjectRef> to_fetch;
  for (const auto& digest : file_digests) {
    ObjectRef ref{digest, false};
    std::error_code error;
    bool is_manifest = std::filesystem::is_regular_file(local_path({digest, true}), error) &&
                       versions->count({digest, true}) > 0;
    if (is_manifest) {
      continue;
    }
    ++summary.objects;
    if (objects.has(digest, false)) {
      ++summary.already;
      continue;
    }
    MLOPS_TRY(there, (*remote)->has(digest, false));
    if (!*there) {
      summary.missing.push_back(digest);
      continue;
    }
    to_fetch.push_back(ref);
  }
  transfer_all(to_fetch, request.jobs, fetch, summary);
  // One sync of the cache's filesystem for every object written (none was synced alone).
  UniqueFd cache_dir(::open(objects.objects_dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (cache_dir.valid()) {
    ::syncfs(cache_dir.get());
  }
  for (const auto& ref : to_fetch) {
    summary.bytes += size_of(local_path(ref));
  }
  return summary;
}

}  // namespace mlops
