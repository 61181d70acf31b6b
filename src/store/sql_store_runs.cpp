// SqlStore: what a user says about runs (names, notes, tags: schema version 10) and the reads of
// the experiments table, which takes the tags and metrics of thousands of runs at once; and the
// notification hooks that ran after a run (schema version 11).
#include "store/sql_rows.hpp"
#include "store/sql_store.hpp"

#include <fmt/format.h>

namespace mlops {
namespace {

// `ids` as a JSON array of strings, bound as one parameter and unpacked by the engine
// (json_each / json_array_elements_text): one statement for any number of runs, where an
// IN (?, ?, ...) list would need a statement per count and hit the engines' parameter limits.
std::string json_array(const std::vector<std::string>& ids) {
  std::string text = "[";
  for (const std::string& id : ids) {
    text += text.size() > 1 ? ",\"" : "\"";
    for (unsigned char c : id) {
      if (c == '"' || c == '\\') {
        text += '\\';
        text += static_cast<char>(c);
      } else if (c < 0x20) {
        text += fmt::format("\\u{:04x}", c);
      } else {
        text += static_cast<char>(c);
      }
    }
    text += '"';
  }
  return text + "]";
}

std::string ids_in(sql::Dialect dialect) {
  return dialect == sql::Dialect::Postgres ? "(SELECT json_array_elements_text(?1::json))"
                                           : "(SELECT value FROM json_each(?1))";
}

}  // namespace

Result<bool> SqlStore::run_exists(const std::string& run_id) {
  MLOPS_TRY(query, m_db->prepare("SELECT 1 FROM runs WHERE id = ?1"));
  query->bind(1, run_id);
  return query->step();
}

Status SqlStore::read_tags(std::vector<RunRecord>& runs) {
  if (runs.empty()) {
    return Status::success();
  }
  std::vector<std::string> ids;
  std::map<std::string, RunRecord*> by_id;
  for (RunRecord& run : runs) {
    ids.push_back(run.id);
    by_id[run.id] = &run;
  }
  MLOPS_TRY(query, m_db->cached("SELECT run_id, key, value FROM run_tags WHERE run_id IN " +
                                ids_in(m_db->dialect())));
  (*query)->bind(1, json_array(ids));
  while (true) {
    MLOPS_TRY(row, (*query)->step());
    if (!*row) {
      return Status::success();
    }
    auto run = by_id.find((*query)->column_text(0));
    if (run != by_id.end()) {
      run->second->tags[(*query)->column_text(1)] = (*query)->column_text(2);
    }
  }
}

Result<std::vector<std::string>> SqlStore::runs_named(const std::string& name, int limit) {
  MLOPS_TRY(query, m_db->prepare("SELECT id FROM runs WHERE name = ?1 ORDER BY started_at DESC, "
                                 "id DESC LIMIT ?2"));
  query->bind(1, name).bind(2, static_cast<int64_t>(limit));
  return sql::collect<std::string>(*query,
                                   [](const sql::Statement& row) { return row.column_text(0); });
}

Status SqlStore::write_run_tags(const std::string& run_id,
                                const std::map<std::string, std::string>& set,
                                const std::vector<std::string>& remove) {
  if (!remove.empty()) {
    MLOPS_TRY(erase, m_db->prepare("DELETE FROM run_tags WHERE run_id = ?1 AND key = ?2"));
    for (const std::string& key : remove) {
      erase->reset();
      MLOPS_CHECK(erase->bind(1, run_id).bind(2, key).run());
    }
  }
  if (set.empty()) {
    return Status::success();
  }
  MLOPS_TRY(upsert,
            m_db->prepare("INSERT INTO run_tags (run_id, key, value) VALUES (?1, ?2, ?3) "
                          "ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value"));
  for (const auto& [key, value] : set) {
    upsert->reset();
    MLOPS_CHECK(upsert->bind(1, run_id).bind(2, key).bind(3, value).run());
  }
  return Status::success();
}

Status SqlStore::update_run_tags(const std::string& run_id,
                                 const std::map<std::string, std::string>& set,
                                 const std::vector<std::string>& remove) {
  return in_write([&]() -> Status {
    MLOPS_TRY(exists, run_exists(run_id));
    if (!*exists) {
      return Error(ErrorKind::NotFound, "no run " + run_id);
    }
    return write_run_tags(run_id, set, remove);
  });
}

Status SqlStore::set_run_note(const std::string& run_id, const std::optional<std::string>& note) {
  return in_write([&]() -> Status {
    MLOPS_TRY(exists, run_exists(run_id));
    if (!*exists) {
      return Error(ErrorKind::NotFound, "no run " + run_id);
    }
    MLOPS_TRY(update, m_db->prepare("UPDATE runs SET note = ?1 WHERE id = ?2"));
    return update->bind_optional(1, note).bind(2, run_id).run();
  });
}

Result<std::vector<MetricRecord>> SqlStore::metrics_of_runs(
    const std::vector<std::string>& run_ids) {
  if (run_ids.empty()) {
    return std::vector<MetricRecord>();
  }
  MLOPS_TRY(query, m_db->prepare("SELECT x.run_id, x.stage, m.key, m.value, x.id FROM executions "
                                 "x JOIN metrics m ON m.execution_id = x.id WHERE x.run_id IN " +
                                 ids_in(m_db->dialect()) + " ORDER BY x.run_id, x.stage, m.key"));
  query->bind(1, json_array(run_ids));
  return sql::collect<MetricRecord>(*query, [](const sql::Statement& row) {
    return MetricRecord{row.column_text(0),   row.column_text(1), row.column_text(2),
                        row.column_double(3), row.column_int(4),  {}};
  });
}

Status SqlStore::record_hook_execution(const HookExecutionRecord& hook) {
  // One statement: its own transaction.
  MLOPS_TRY(insert,
            m_db->prepare("INSERT INTO hook_executions (run_id, hook, status, exit_code, signal, "
                          "message, started_at, ended_at, duration_ms, log_path) VALUES (?1, ?2, "
                          "?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  insert->bind(1, hook.run_id).bind(2, hook.hook).bind(3, hook.status);
  insert->bind_optional(4, hook.exit_code).bind_optional(5, hook.signal);
  insert->bind_optional(6, hook.message).bind(7, hook.started_at).bind(8, hook.ended_at);
  insert->bind(9, hook.duration_ms).bind_optional(10, hook.log_path);
  return insert->run();
}

Result<std::vector<HookExecutionRecord>> SqlStore::hook_executions_of(const std::string& run_id) {
  MLOPS_TRY(query, m_db->prepare("SELECT id, run_id, hook, status, exit_code, signal, message, "
                                 "started_at, ended_at, duration_ms, log_path FROM "
                                 "hook_executions WHERE run_id = ?1 ORDER BY id"));
  query->bind(1, run_id);
  return sql::collect<HookExecutionRecord>(*query, [](const sql::Statement& row) {
    HookExecutionRecord hook;
    hook.id = row.column_int(0);
    hook.run_id = row.column_text(1);
    hook.hook = row.column_text(2);
    hook.status = row.column_text(3);
    hook.exit_code = sql::optional_int(row, 4);
    hook.signal = sql::optional_int(row, 5);
    hook.message = sql::optional_text(row, 6);
    hook.started_at = row.column_text(7);
    hook.ended_at = row.column_text(8);
    hook.duration_ms = row.column_int(9);
    hook.log_path = sql::optional_text(row, 10);
    return hook;
  });
}

}  // namespace mlops
