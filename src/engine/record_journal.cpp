#include "engine/record_journal.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "util/file_io.hpp"

namespace mlops {
namespace {

using nlohmann::json;

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

template <typename T>
std::optional<T> optional_from(const json& value) {
  return value.is_null() ? std::nullopt : std::optional<T>(value.get<T>());
}

json execution_json(const ExecutionRecord& e) {
  return {{"id", e.id},
          {"run_id", e.run_id},
          {"stage", e.stage},
          {"attempt", e.attempt},
          {"status", e.status},
          {"command", e.command},
          {"exit_code", optional_json(e.exit_code)},
          {"signal", optional_json(e.signal)},
          {"message", optional_json(e.message)},
          {"started_at", e.started_at},
          {"ended_at", optional_json(e.ended_at)},
          {"log_path", optional_json(e.log_path)},
          {"fingerprint", optional_json(e.fingerprint)},
          {"cached", e.cached},
          {"pid", optional_json(e.pid)},
          {"pid_start_ticks", optional_json(e.pid_start_ticks)}};
}

ExecutionRecord execution_from(const json& j) {
  ExecutionRecord e;
  e.id = j.at("id").get<int64_t>();
  e.run_id = j.at("run_id").get<std::string>();
  e.stage = j.at("stage").get<std::string>();
  e.attempt = j.at("attempt").get<int>();
  e.status = j.at("status").get<std::string>();
  e.command = j.at("command").get<std::string>();
  e.exit_code = optional_from<int64_t>(j.at("exit_code"));
  e.signal = optional_from<int64_t>(j.at("signal"));
  e.message = optional_from<std::string>(j.at("message"));
  e.started_at = j.at("started_at").get<std::string>();
  e.ended_at = optional_from<std::string>(j.at("ended_at"));
  e.log_path = optional_from<std::string>(j.at("log_path"));
  e.fingerprint = optional_from<std::string>(j.at("fingerprint"));
  e.cached = j.at("cached").get<bool>();
  e.pid = optional_from<int64_t>(j.value("pid", json()));
  e.pid_start_ticks = optional_from<int64_t>(j.value("pid_start_ticks", json()));
  return e;
}

json versions_json(const std::vector<ArtifactVersion>& versions) {
  json list = json::array();
  for (const auto& v : versions) {
    list.push_back({{"path", v.path}, {"kind", v.kind}, {"digest", v.digest}, {"size", v.size}});
  }
  return list;
}

std::vector<ArtifactVersion> versions_from(const json& list) {
  std::vector<ArtifactVersion> versions;
  for (const auto& v : list) {
    versions.push_back({v.at("path").get<std::string>(), v.at("kind").get<std::string>(),
                        v.at("digest").get<std::string>(), v.at("size").get<int64_t>()});
  }
  return versions;
}

json write_json(const ExecutionWrite& write) {
  json item = {{"start", nullptr}, {"end", nullptr}};
  if (write.start) {
    item["start"] = execution_json(*write.start);
  }
  if (write.end) {
    json metrics = json::array();
    for (const auto& m : write.end->metrics) {
      metrics.push_back({{"key", m.key}, {"value", m.value}});
    }
    item["end"] = {{"execution", execution_json(write.end->execution)},
                   {"inputs", versions_json(write.end->inputs)},
                   {"outputs", versions_json(write.end->outputs)},
                   {"metrics", metrics}};
  }
  return item;
}

ExecutionWrite write_from(const json& item) {
  ExecutionWrite write;
  if (!item.at("start").is_null()) {
    write.start = execution_from(item.at("start"));
  }
  if (const json& end = item.at("end"); !end.is_null()) {
    ExecutionOutcome outcome;
    outcome.execution = execution_from(end.at("execution"));
    outcome.inputs = versions_from(end.at("inputs"));
    outcome.outputs = versions_from(end.at("outputs"));
    for (const auto& m : end.at("metrics")) {
      outcome.metrics.push_back({m.at("key").get<std::string>(), m.at("value").get<double>()});
    }
    write.end = std::move(outcome);
  }
  return write;
}

}  // namespace

Status write_run_journal(const std::filesystem::path& path, const RunJournal& journal) {
  json writes = json::array();
  for (const auto& write : journal.writes) {
    writes.push_back(write_json(write));
  }
  json root = {{"mlops_journal", 1},
               {"run_id", journal.run_id},
               {"status", journal.status},
               {"ended_at", journal.ended_at},
               {"writes", writes}};
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  return write_file_atomic(path, root.dump(1, ' ', false, json::error_handler_t::replace));
}

Result<RunJournal> read_run_journal(const std::filesystem::path& path) {
  MLOPS_TRY(text, read_file(path, 512 * 1024 * 1024));
  try {
    json root = json::parse(*text);
    RunJournal journal;
    journal.run_id = root.at("run_id").get<std::string>();
    journal.status = root.at("status").get<std::string>();
    journal.ended_at = root.at("ended_at").get<std::string>();
    for (const auto& item : root.at("writes")) {
      journal.writes.push_back(write_from(item));
    }
    return journal;
  } catch (const json::exception& error) {
    return Error(ErrorKind::InvalidSpec,
                 "the journal " + path.string() + " is not a run journal: " + error.what());
  }
}

std::vector<std::string> replay_run_journals(const std::filesystem::path& directory,
                                             MetadataStore& store) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".json" && entry.is_regular_file(error)) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> replayed;
  for (const auto& file : files) {
    auto journal = read_run_journal(file);
    if (!journal.ok()) {
      continue;  // not ours to guess at; left in place
    }
    if (!journal->writes.empty() && !store.record_batch(journal->writes).ok()) {
      continue;  // busy still (or failing): the next command tries again
    }
    if (!journal->status.empty() &&
        !store.finish_run(journal->run_id, journal->status, journal->ended_at).ok()) {
      journal->writes.clear();  // written: keep only the end for the next try
      (void)write_run_journal(file, *journal);
      continue;
    }
    std::filesystem::remove(file, error);
    replayed.push_back(journal->run_id);
  }
  return replayed;
}

}  // namespace mlops
