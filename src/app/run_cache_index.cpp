#include "app/run_cache_index.hpp"

#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/remote_sync.hpp"
#include "cache/manifest.hpp"
#include "engine/output_cache.hpp"
#include "hash/digest.hpp"
#include "util/paths.hpp"

namespace mlops {
namespace {

constexpr const char* k_format = "mlops.runcache/1";

Error corrupt(const std::string& what) {
  return Error(ErrorKind::Corrupt, "run-cache entry: " + what);
}

// A string member of `object`, or nothing.
std::optional<std::string> text_member(const nlohmann::json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

Result<std::pair<ArtifactVersion, bool>> parse_output(const nlohmann::json& item) {
  static const std::set<std::string> kinds = {"file",  "directory", "dataset",
                                              "model", "metrics",   "plots"};
  if (!item.is_object()) {
    return corrupt("an output is not an object");
  }
  auto path = text_member(item, "path");
  auto kind = text_member(item, "kind");
  auto digest = text_member(item, "digest");
  auto size = item.find("size");
  auto directory = item.find("directory");
  if (!path || !is_plain_relative_path(*path)) {
    return corrupt("an output's path is missing or not a plain relative path");
  }
  if (!kind || kinds.count(*kind) == 0) {
    return corrupt(fmt::format("the output {} has an unknown kind", *path));
  }
  if (!digest || !is_object_digest(*digest)) {
    return corrupt(fmt::format("the output {} has no valid digest", *path));
  }
  if (size == item.end() || !size->is_number_unsigned() || directory == item.end() ||
      !directory->is_boolean()) {
    return corrupt(fmt::format("the output {} has no size or directory flag", *path));
  }
  return std::make_pair(ArtifactVersion{*path, *kind, *digest, size->get<int64_t>()},
                        directory->get<bool>());
}

// The source `mlops run --pull` asks: the remote's index, then its objects.
class RemoteOutputSource final : public OutputSource {
 public:
  RemoteOutputSource(std::unique_ptr<Remote> remote, ObjectStore& objects, unsigned jobs)
      : m_remote(std::move(remote)), m_objects(objects), m_jobs(jobs) {}

  std::optional<CachedExecution> lookup(const std::string& pipeline, const std::string& stage,
                                        const std::string& fingerprint) override {
    std::string name = run_cache_entry_name(pipeline, stage, fingerprint);
    auto text = m_remote->get_entry(name);
    if (!text.ok() || !text->has_value()) {
      return std::nullopt;
    }
    auto entry = parse_run_cache_entry(**text);
    if (!entry.ok() || entry->pipeline != pipeline || entry->stage != stage ||
        entry->fingerprint != fingerprint) {
      return std::nullopt;  // unreadable or not this stage's: the stage runs
    }
    for (size_t i = 0; i < entry->outputs.size(); ++i) {
      m_directories[entry->outputs[i].digest] = entry->directories[i];
    }
    return CachedExecution{0, entry->run_id, entry->outputs};
  }

  Status fetch(const std::vector<ArtifactVersion>& versions) override {
    std::set<std::pair<std::string, bool>> wanted;
    for (const auto& version : versions) {
      auto known = m_directories.find(version.digest);
      bool directory =
          known != m_directories.end() ? known->second : is_directory_version(m_objects, version);
      if (known == m_directories.end() && !directory) {
        auto manifest = m_remote->has(version.digest, true);
        directory = manifest.ok() && *manifest;
      }
      wanted.emplace(version.digest, directory);
    }
    TransferSummary summary;
    fetch_objects(*m_remote, m_objects, wanted, m_jobs, {}, summary);
    if (!summary.failed.empty()) {
      return Error(ErrorKind::Io, summary.failed.front());
    }
    if (!summary.missing.empty()) {
      return Error(ErrorKind::NotFound,
                   fmt::format("the remote lacks {} object(s), e.g. {}", summary.missing.size(),
                               summary.missing.front()));
    }
    return Status::success();
  }

  std::string describe() const override { return m_remote->describe(); }

 private:
  std::unique_ptr<Remote> m_remote;
  ObjectStore& m_objects;
  unsigned m_jobs;
  std::map<std::string, bool> m_directories;  // from the entries looked up: digest -> directory
};

}  // namespace

std::string run_cache_entry_name(const std::string& pipeline, const std::string& stage,
                                 const std::string& fingerprint) {
  Hasher hasher;
  hasher.add_field("mlops-runcache-v1");
  hasher.add_field(pipeline);
  hasher.add_field(stage);
  hasher.add_field(fingerprint);
  return "runcache/" + hasher.finish().hex();
}

std::string run_cache_entry_json(const RunCacheEntry& entry) {
  nlohmann::json outputs = nlohmann::json::array();
  for (size_t i = 0; i < entry.outputs.size(); ++i) {
    const ArtifactVersion& output = entry.outputs[i];
    outputs.push_back({{"path", output.path},
                       {"kind", output.kind},
                       {"digest", output.digest},
                       {"size", output.size < 0 ? 0 : output.size},
                       {"directory", i < entry.directories.size() && entry.directories[i]}});
  }
  nlohmann::json doc = {{"format", k_format},     {"pipeline", entry.pipeline},
                        {"stage", entry.stage},   {"fingerprint", entry.fingerprint},
                        {"run_id", entry.run_id}, {"outputs", outputs}};
  return doc.dump() + "\n";
}

Result<RunCacheEntry> parse_run_cache_entry(std::string_view text) {
  nlohmann::json doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) {
    return corrupt("not a JSON object");
  }
  if (text_member(doc, "format") != std::optional<std::string>(k_format)) {
    return corrupt(fmt::format("not of the format {}", k_format));
  }
  RunCacheEntry entry;
  auto pipeline = text_member(doc, "pipeline");
  auto stage = text_member(doc, "stage");
  auto fingerprint = text_member(doc, "fingerprint");
  auto run_id = text_member(doc, "run_id");
  auto outputs = doc.find("outputs");
  if (!pipeline || !stage || !fingerprint || !run_id || outputs == doc.end() ||
      !outputs->is_array()) {
    return corrupt("pipeline, stage, fingerprint, run_id or outputs missing");
  }
  // The run id is shown in notes: printable characters of a run id only (no terminal escapes).
  if (run_id->empty() || run_id->size() > 64 ||
      run_id->find_first_not_of(
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-") !=
          std::string::npos) {
    return corrupt("the run id is not a run id");
  }
  entry.pipeline = *pipeline;
  entry.stage = *stage;
  entry.fingerprint = *fingerprint;
  entry.run_id = *run_id;
  for (const auto& item : *outputs) {
    MLOPS_TRY(output, parse_output(item));
    entry.outputs.push_back(output->first);
    entry.directories.push_back(output->second);
  }
  return entry;
}

std::unique_ptr<OutputSource> remote_output_source(std::unique_ptr<Remote> remote,
                                                   ObjectStore& objects, unsigned jobs) {
  return std::make_unique<RemoteOutputSource>(std::move(remote), objects, jobs);
}

}  // namespace mlops
