// Trigger state: compare-and-set writes, so that of two processes that saw the same event only
// the first records a run for it.
#include <fmt/format.h>

#include "store/sql_store.hpp"

namespace mlops {

Status SqlStore::write_advances(const std::vector<TriggerAdvance>& advances,
                                const std::string& time, const std::optional<std::string>& run_id) {
  for (const auto& advance : advances) {
    if (advance.expected) {
      MLOPS_TRY(update, m_db->prepare("UPDATE trigger_state SET state = ?1, updated_at = ?2, "
                                      "run_id = ?3 WHERE pipeline = ?4 AND trigger_key = ?5 "
                                      "AND state = ?6"));
      update->bind(1, advance.state_json)
          .bind(2, time)
          .bind_optional(3, run_id)
          .bind(4, advance.pipeline)
          .bind(5, advance.trigger_key)
          .bind(6, *advance.expected);
      MLOPS_CHECK(update->run());
    } else {
      MLOPS_TRY(insert, m_db->prepare("INSERT INTO trigger_state (pipeline, trigger_key, state, "
                                      "updated_at, run_id) VALUES (?1, ?2, ?3, ?4, ?5) "
                                      "ON CONFLICT DO NOTHING"));
      insert->bind(1, advance.pipeline)
          .bind(2, advance.trigger_key)
          .bind(3, advance.state_json)
          .bind(4, time)
          .bind_optional(5, run_id);
      MLOPS_CHECK(insert->run());
    }
    if (m_db->changes() != 1) {
      return Error(ErrorKind::Conflict,
                   fmt::format("trigger '{}' of '{}' was advanced by another mlops process",
                               advance.trigger_key, advance.pipeline));
    }
    if (advance.evaluation) {
      TriggerEvaluation evaluation = *advance.evaluation;
      evaluation.run_id = run_id ? run_id : evaluation.run_id;
      MLOPS_CHECK(insert_trigger_evaluation(evaluation));
    }
  }
  return Status();
}

Status SqlStore::advance_triggers(const std::vector<TriggerAdvance>& advances,
                                  const std::string& time) {
  return in_write([&] { return write_advances(advances, time, std::nullopt); });
}

Result<std::vector<TriggerState>> SqlStore::trigger_states(const std::string& pipeline) {
  MLOPS_TRY(query, m_db->prepare("SELECT pipeline, trigger_key, state, updated_at, run_id FROM "
                                 "trigger_state WHERE pipeline = ?1 ORDER BY trigger_key"));
  query->bind(1, pipeline);
  std::vector<TriggerState> states;
  while (true) {
    MLOPS_TRY(row, query->step());
    if (!*row) {
      break;
    }
    TriggerState state;
    state.pipeline = query->column_text(0);
    state.trigger_key = query->column_text(1);
    state.state_json = query->column_text(2);
    state.updated_at = query->column_text(3);
    if (!query->column_is_null(4)) {
      state.run_id = query->column_text(4);
    }
    states.push_back(std::move(state));
  }
  return states;
}

Result<bool> SqlStore::has_consumed(const std::string& pipeline, const std::string& path,
                                    const std::string& digest) {
  MLOPS_TRY(query, m_db->prepare("SELECT 1 FROM artifacts a JOIN events e ON e.artifact_id = "
                                 "a.id AND e.direction = 'input' JOIN executions x ON x.id = "
                                 "e.execution_id JOIN runs r ON r.id = x.run_id JOIN pipelines "
                                 "p ON p.id = r.pipeline_id WHERE a.path = ?1 AND a.digest = ?2 "
                                 "AND p.name = ?3 LIMIT 1"));
  query->bind(1, path).bind(2, digest).bind(3, pipeline);
  MLOPS_TRY(row, query->step());
  return *row;
}

}  // namespace mlops
