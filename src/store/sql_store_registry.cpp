// SqlStore: the model registry and metric-trigger evaluations (schema version 7).
#include <fmt/format.h>

#include "store/sql_rows.hpp"
#include "store/sql_store.hpp"

namespace mlops {
namespace {

using sql::optional_int;
using sql::optional_text;

constexpr const char* k_version_columns =
    "m.name, v.version, v.path, v.kind, v.digest, v.size, v.run_id, v.pipeline, v.stage, "
    "v.created_at";

ModelVersionRecord read_version(const sql::Statement& row) {
  ModelVersionRecord version;
  version.model = row.column_text(0);
  version.version = row.column_int(1);
  version.path = row.column_text(2);
  version.kind = row.column_text(3);
  version.digest = row.column_text(4);
  version.size = row.column_int(5);
  version.run_id = optional_text(row, 6);
  version.pipeline = optional_text(row, 7);
  version.stage = optional_text(row, 8);
  version.created_at = row.column_text(9);
  return version;
}

constexpr const char* k_move_columns =
    "h.id, m.name, h.alias, h.from_version, h.to_version, h.action, h.actor, h.at, h.reason, "
    "h.gate_result_id, h.run_id";

AliasMove read_move(const sql::Statement& row) {
  AliasMove move;
  move.id = row.column_int(0);
  move.model = row.column_text(1);
  move.alias = row.column_text(2);
  move.from_version = optional_int(row, 3);
  move.to_version = row.column_int(4);
  move.action = row.column_text(5);
  move.actor = row.column_text(6);
  move.at = row.column_text(7);
  move.reason = optional_text(row, 8);
  move.gate_result = optional_int(row, 9);
  move.run_id = optional_text(row, 10);
  return move;
}

GateResultRecord read_gate(const sql::Statement& row) {
  GateResultRecord gate;
  gate.id = row.column_int(0);
  gate.model = row.column_text(1);
  gate.version = row.column_int(2);
  gate.baseline_alias = optional_text(row, 3);
  gate.baseline_version = optional_int(row, 4);
  gate.verdict = row.column_text(5);
  gate.checks_json = row.column_text(6);
  gate.metrics_json = row.column_text(7);
  gate.run_id = optional_text(row, 8);
  gate.stage = optional_text(row, 9);
  gate.created_at = row.column_text(10);
  return gate;
}

}  // namespace

Result<std::optional<int64_t>> SqlStore::model_id(const std::string& name) {
  MLOPS_TRY(query, m_db->prepare("SELECT id FROM models WHERE name = ?1"));
  query->bind(1, name);
  MLOPS_TRY(row, query->step());
  return *row ? std::optional(query->column_int(0)) : std::nullopt;
}

Result<ModelVersionRecord> SqlStore::register_model_version(const ModelVersionRecord& version) {
  return in_write([&] { return write_model_version(version); });
}

Result<ModelVersionRecord> SqlStore::write_model_version(const ModelVersionRecord& version) {
  MLOPS_TRY(model, m_db->prepare("INSERT INTO models (name, created_at) VALUES (?1, ?2) "
                                 "ON CONFLICT (name) DO NOTHING"));
  MLOPS_CHECK(model->bind(1, version.model).bind(2, version.created_at).run());
  MLOPS_TRY(existing, m_db->prepare(fmt::format("SELECT {} FROM model_versions v JOIN models m "
                                                "ON m.id = v.model_id WHERE m.name = ?1 AND "
                                                "v.digest = ?2",
                                                k_version_columns)));
  existing->bind(1, version.model).bind(2, version.digest);
  MLOPS_TRY(found, existing->step());
  if (*found) {
    return read_version(*existing);  // nothing new: at most the model's row, already there
  }
  // The counter is read and bumped inside this write transaction: two writers are serialized
  // by the write transaction, so they never number two versions alike.
  MLOPS_TRY(bump, m_db->prepare("UPDATE models SET next_version = next_version + 1 WHERE name = "
                                "?1 RETURNING id, next_version - 1"));
  bump->bind(1, version.model);
  MLOPS_TRY(bumped, bump->step());
  if (!*bumped) {
    return Error(ErrorKind::Internal, "the model row vanished inside its transaction");
  }
  int64_t id = bump->column_int(0);
  ModelVersionRecord created = version;
  created.version = bump->column_int(1);
  created.created = true;
  bump->reset();
  MLOPS_TRY(insert, m_db->prepare("INSERT INTO model_versions (model_id, version, path, kind, "
                                  "digest, size, run_id, pipeline, stage, created_at) VALUES "
                                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"));
  insert->bind(1, id)
      .bind(2, created.version)
      .bind(3, created.path)
      .bind(4, created.kind)
      .bind(5, created.digest)
      .bind(6, created.size)
      .bind_optional(7, created.run_id)
      .bind_optional(8, created.pipeline)
      .bind_optional(9, created.stage)
      .bind(10, created.created_at);
  MLOPS_CHECK(insert->run());
  return created;
}

Result<std::optional<ModelSummary>> SqlStore::find_model(const std::string& name) {
  MLOPS_TRY(query, m_db->prepare("SELECT id, name, next_version, created_at FROM models WHERE "
                                 "name = ?1"));
  query->bind(1, name);
  MLOPS_TRY(row, query->step());
  if (!*row) {
    return std::optional<ModelSummary>();
  }
  int64_t id = query->column_int(0);
  ModelSummary summary;
  summary.name = query->column_text(1);
  summary.versions = query->column_int(2) - 1;  // versions are never deleted
  if (summary.versions > 0) {
    summary.latest = summary.versions;
  }
  summary.created_at = query->column_text(3);
  MLOPS_TRY(aliases, m_db->prepare("SELECT alias, version FROM model_aliases WHERE model_id = ?1 "
                                   "ORDER BY alias"));
  aliases->bind(1, id);
  while (true) {
    MLOPS_TRY(alias, aliases->step());
    if (!*alias) {
      break;
    }
    summary.aliases.emplace_back(aliases->column_text(0), aliases->column_int(1));
  }
  MLOPS_TRY(tags, model_tags(name, 0));
  summary.tags = std::move(*tags);
  return std::optional(std::move(summary));
}

Result<std::vector<ModelSummary>> SqlStore::list_models() {
  MLOPS_TRY(query, m_db->prepare("SELECT name FROM models ORDER BY name"));
  MLOPS_TRY(names, sql::collect<std::string>(
                       *query, [](const sql::Statement& row) { return row.column_text(0); }));
  std::vector<ModelSummary> models;
  for (const auto& name : *names) {
    MLOPS_TRY(model, find_model(name));
    if (*model) {
      models.push_back(std::move(**model));
    }
  }
  return models;
}

Result<std::vector<ModelVersionRecord>> SqlStore::model_versions(const std::string& name, int limit,
                                                                 std::optional<int64_t> before) {
  MLOPS_TRY(query, m_db->prepare(fmt::format("SELECT {} FROM model_versions v JOIN models m ON "
                                             "m.id = v.model_id WHERE m.name = ?1 AND v.version "
                                             "< ?2 ORDER BY v.version DESC LIMIT ?3",
                                             k_version_columns)));
  query->bind(1, name).bind(2, before.value_or(INT64_MAX)).bind(3, static_cast<int64_t>(limit));
  return sql::collect<ModelVersionRecord>(*query, read_version);
}

Result<std::optional<ModelVersionRecord>> SqlStore::find_model_version(const std::string& name,
                                                                       int64_t version) {
  MLOPS_TRY(query, m_db->prepare(fmt::format("SELECT {} FROM model_versions v JOIN models m ON "
                                             "m.id = v.model_id WHERE m.name = ?1 AND "
                                             "v.version = ?2",
                                             k_version_columns)));
  query->bind(1, name).bind(2, version);
  MLOPS_TRY(row, query->step());
  return *row ? std::optional(read_version(*query)) : std::nullopt;
}

Result<std::optional<ModelVersionRecord>> SqlStore::find_model_version_by_digest(
    const std::string& name, const std::string& digest) {
  MLOPS_TRY(query, m_db->prepare(fmt::format("SELECT {} FROM model_versions v JOIN models m ON "
                                             "m.id = v.model_id WHERE m.name = ?1 AND "
                                             "v.digest = ?2",
                                             k_version_columns)));
  query->bind(1, name).bind(2, digest);
  MLOPS_TRY(row, query->step());
  return *row ? std::optional(read_version(*query)) : std::nullopt;
}

Result<std::optional<ModelVersionRecord>> SqlStore::resolve_alias(const std::string& name,
                                                                  const std::string& alias) {
  MLOPS_TRY(query, m_db->prepare(fmt::format(
                       "SELECT {} FROM model_aliases a JOIN models m ON m.id = a.model_id JOIN "
                       "model_versions v ON v.model_id = a.model_id AND v.version = a.version "
                       "WHERE m.name = ?1 AND a.alias = ?2",
                       k_version_columns)));
  query->bind(1, name).bind(2, alias);
  MLOPS_TRY(row, query->step());
  return *row ? std::optional(read_version(*query)) : std::nullopt;
}

Result<AliasMove> SqlStore::write_alias_move(const AliasMoveRequest& request,
                                             std::optional<int64_t> gate_result) {
  MLOPS_TRY(id, model_id(request.model));
  if (!*id) {
    return Error(ErrorKind::NotFound, fmt::format("no model named '{}'", request.model));
  }
  MLOPS_TRY(version, find_model_version(request.model, request.version));
  if (!*version) {
    return Error(ErrorKind::NotFound,
                 fmt::format("model '{}' has no version {}", request.model, request.version));
  }
  if (request.require_passing_gate && !gate_result) {
    MLOPS_TRY(gate, latest_gate_result(request.model, request.version));
    if (!*gate || !(*gate)->passed()) {
      return Error(ErrorKind::Usage,
                   fmt::format("{}@v{} has {}: promote it with --force --reason TEXT to override, "
                               "or run the pipeline whose gate judges it",
                               request.model, request.version,
                               *gate ? "a failed gate result" : "no gate result"));
    }
  }
  MLOPS_TRY(current, m_db->prepare("SELECT version FROM model_aliases WHERE model_id = ?1 AND "
                                   "alias = ?2"));
  current->bind(1, **id).bind(2, request.alias);
  MLOPS_TRY(held, current->step());
  std::optional<int64_t> from = *held ? std::optional(current->column_int(0)) : std::nullopt;
  if (request.expected_current && from.value_or(0) != *request.expected_current) {
    return Error(ErrorKind::Conflict,
                 fmt::format("alias moved concurrently: {}@{} is held by {}, not the expected {}",
                             request.model, request.alias,
                             from ? fmt::format("version {}", *from) : "no version",
                             *request.expected_current == 0
                                 ? "none"
                                 : fmt::format("version {}", *request.expected_current)));
  }
  MLOPS_TRY(upsert, m_db->prepare("INSERT INTO model_aliases (model_id, alias, version, "
                                  "updated_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (model_id, "
                                  "alias) DO UPDATE SET version = excluded.version, updated_at = "
                                  "excluded.updated_at"));
  upsert->bind(1, **id).bind(2, request.alias).bind(3, request.version).bind(4, request.at);
  MLOPS_CHECK(upsert->run());
  MLOPS_TRY(history, m_db->prepare("INSERT INTO alias_history (model_id, alias, from_version, "
                                   "to_version, action, actor, at, reason, gate_result_id, "
                                   "run_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                                   "RETURNING id"));
  history->bind(1, **id)
      .bind(2, request.alias)
      .bind_optional(3, from)
      .bind(4, request.version)
      .bind(5, request.action)
      .bind(6, request.actor)
      .bind(7, request.at)
      .bind_optional(8, request.reason)
      .bind_optional(9, gate_result)
      .bind_optional(10, request.run_id);
  MLOPS_TRY(appended, history->step());
  AliasMove move{history->column_int(0), request.model,  request.alias, from,
                 request.version,        request.action, request.actor, request.at,
                 request.reason,         gate_result,    request.run_id};
  return move;
}

Result<AliasMove> SqlStore::move_alias(const AliasMoveRequest& request) {
  return in_write([&] { return write_alias_move(request, std::nullopt); });
}

Result<int64_t> SqlStore::record_gate(const GateResultRecord& gate,
                                      const std::optional<AliasMoveRequest>& promote) {
  return in_write([&] { return write_gate(gate, promote); });
}

Result<int64_t> SqlStore::write_gate(const GateResultRecord& gate,
                                     const std::optional<AliasMoveRequest>& promote) {
  MLOPS_TRY(id, model_id(gate.model));
  if (!*id) {
    return Error(ErrorKind::NotFound, fmt::format("no model named '{}'", gate.model));
  }
  MLOPS_TRY(insert, m_db->prepare("INSERT INTO gate_results (model_id, version, baseline_alias, "
                                  "baseline_version, verdict, checks, metrics, run_id, stage, "
                                  "created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                                  "RETURNING id"));
  insert->bind(1, **id)
      .bind(2, gate.version)
      .bind_optional(3, gate.baseline_alias)
      .bind_optional(4, gate.baseline_version)
      .bind(5, gate.verdict)
      .bind(6, gate.checks_json)
      .bind(7, gate.metrics_json)
      .bind_optional(8, gate.run_id)
      .bind_optional(9, gate.stage)
      .bind(10, gate.created_at);
  MLOPS_TRY(inserted, insert->step());
  int64_t gate_id = insert->column_int(0);
  insert->reset();
  if (promote && gate.passed()) {
    MLOPS_TRY(move, write_alias_move(*promote, gate_id));
  }
  return gate_id;
}

constexpr const char* k_gate_columns =
    "g.id, m.name, g.version, g.baseline_alias, g.baseline_version, g.verdict, g.checks, "
    "g.metrics, g.run_id, g.stage, g.created_at";

Result<std::vector<GateResultRecord>> SqlStore::gate_results_of_run(const std::string& run_id) {
  MLOPS_TRY(query, m_db->prepare(fmt::format("SELECT {} FROM gate_results g JOIN models m ON "
                                             "m.id = g.model_id WHERE g.run_id = ?1 ORDER BY "
                                             "g.id",
                                             k_gate_columns)));
  query->bind(1, run_id);
  return sql::collect<GateResultRecord>(*query, read_gate);
}

Result<std::optional<GateResultRecord>> SqlStore::latest_gate_result(const std::string& name,
                                                                     int64_t version) {
  MLOPS_TRY(query, m_db->prepare(fmt::format("SELECT {} FROM gate_results g JOIN models m ON "
                                             "m.id = g.model_id WHERE m.name = ?1 AND g.version "
                                             "= ?2 ORDER BY g.id DESC LIMIT 1",
                                             k_gate_columns)));
  query->bind(1, name).bind(2, version);
  MLOPS_TRY(row, query->step());
  return *row ? std::optional(read_gate(*query)) : std::nullopt;
}

Result<std::vector<AliasMove>> SqlStore::alias_history(const std::string& name,
                                                       const std::optional<std::string>& alias) {
  MLOPS_TRY(query, m_db->prepare(fmt::format("SELECT {} FROM alias_history h JOIN models m ON "
                                             "m.id = h.model_id WHERE m.name = ?1 AND (?2 IS "
                                             "NULL OR h.alias = ?2) ORDER BY h.id",
                                             k_move_columns)));
  query->bind(1, name).bind_optional(2, alias);
  return sql::collect<AliasMove>(*query, read_move);
}

Status SqlStore::set_model_tag(const std::string& name, int64_t version, const std::string& key,
                               const std::optional<std::string>& value) {
  return in_write([&] { return write_model_tag(name, version, key, value); });
}

Status SqlStore::write_model_tag(const std::string& name, int64_t version, const std::string& key,
                                 const std::optional<std::string>& value) {
  MLOPS_TRY(id, model_id(name));
  if (!*id) {
    return Error(ErrorKind::NotFound, fmt::format("no model named '{}'", name));
  }
  if (version != 0) {
    MLOPS_TRY(found, find_model_version(name, version));
    if (!*found) {
      return Error(ErrorKind::NotFound, fmt::format("model '{}' has no version {}", name, version));
    }
  }
  if (value) {
    MLOPS_TRY(upsert, m_db->prepare("INSERT INTO model_tags (model_id, version, key, value) "
                                    "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (model_id, version, key) "
                                    "DO UPDATE SET value = excluded.value"));
    MLOPS_CHECK(upsert->bind(1, **id).bind(2, version).bind(3, key).bind(4, *value).run());
  } else {
    MLOPS_TRY(remove, m_db->prepare("DELETE FROM model_tags WHERE model_id = ?1 AND version = ?2 "
                                    "AND key = ?3"));
    MLOPS_CHECK(remove->bind(1, **id).bind(2, version).bind(3, key).run());
  }
  return Status::success();
}

Result<std::vector<ModelTag>> SqlStore::model_tags(const std::string& name, int64_t version) {
  MLOPS_TRY(query, m_db->prepare("SELECT t.key, t.value FROM model_tags t JOIN models m ON m.id "
                                 "= t.model_id WHERE m.name = ?1 AND t.version = ?2 ORDER BY "
                                 "t.key"));
  query->bind(1, name).bind(2, version);
  return sql::collect<ModelTag>(*query, [](const sql::Statement& row) {
    return ModelTag{row.column_text(0), row.column_text(1)};
  });
}

Status SqlStore::record_trigger_evaluations(const std::vector<TriggerEvaluation>& evaluations) {
  if (evaluations.empty()) {
    return Status();
  }
  return in_write([&]() -> Status {
    for (const auto& evaluation : evaluations) {
      MLOPS_CHECK(insert_trigger_evaluation(evaluation));
    }
    return Status::success();
  });
}

Status SqlStore::insert_trigger_evaluation(const TriggerEvaluation& evaluation) {
  MLOPS_TRY(insert, m_db->prepare("INSERT INTO trigger_evaluations (pipeline, trigger_key, at, "
                                  "state_before, state_after, detail, run_id) VALUES (?1, ?2, "
                                  "?3, ?4, ?5, ?6, ?7)"));
  insert->bind(1, evaluation.pipeline)
      .bind(2, evaluation.trigger_key)
      .bind(3, evaluation.at)
      .bind(4, evaluation.state_before)
      .bind(5, evaluation.state_after)
      .bind(6, evaluation.detail_json)
      .bind_optional(7, evaluation.run_id);
  return insert->run();
}

Result<std::vector<TriggerEvaluation>> SqlStore::trigger_evaluations(const std::string& pipeline,
                                                                     int limit) {
  MLOPS_TRY(query, m_db->prepare("SELECT id, pipeline, trigger_key, at, state_before, "
                                 "state_after, detail, run_id FROM trigger_evaluations WHERE "
                                 "pipeline = ?1 ORDER BY id DESC LIMIT ?2"));
  query->bind(1, pipeline).bind(2, static_cast<int64_t>(limit));
  return sql::collect<TriggerEvaluation>(*query, [](const sql::Statement& row) {
    return TriggerEvaluation{row.column_int(0),  row.column_text(1),   row.column_text(2),
                             row.column_text(3), row.column_text(4),   row.column_text(5),
                             row.column_text(6), optional_text(row, 7)};
  });
}

}  // namespace mlops
