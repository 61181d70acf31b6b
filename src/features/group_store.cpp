#include "features/group_store.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <system_error>

#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "features/sql_names.hpp"
#include "store/sqlite.hpp"
#include "util/environment.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

using nlohmann::json;

constexpr int k_format_version = 1;

json columns_json(const std::vector<FeatureColumnSpec>& columns) {
  json list = json::array();
  for (const auto& column : columns) {
    list.push_back({{"name", column.name},
                    {"type", feature_type_name(column.type)},
                    {"nullable", column.nullable}});
  }
  return list;
}

Result<std::vector<FeatureColumnSpec>> columns_from_json(const json& list) {
  std::vector<FeatureColumnSpec> columns;
  for (const auto& item : list) {
    FeatureColumnSpec column;
    column.name = item.at("name").get<std::string>();
    auto type = feature_type_from_name(item.at("type").get<std::string>());
    if (!type || !is_safe_column_name(column.name)) {
      return Error(ErrorKind::Corrupt, "a stored column is not valid: " + item.dump());
    }
    column.type = *type;
    column.nullable = item.value("nullable", true);
    columns.push_back(std::move(column));
  }
  return columns;
}

std::string create_tables_sql(const FeatureGroupSpec& spec) {
  std::string keys = column_list(spec.primary_key, "");
  std::string key_defs;
  for (const auto& key : spec.primary_key) {
    key_defs += fmt::format("{} {} NOT NULL, ", quote_name(key.name), sql_type(key.type));
  }
  std::string feature_defs;
  for (const auto& feature : spec.features) {
    feature_defs += fmt::format(", {} {}", quote_name(feature.name), sql_type(feature.type));
  }
  bool rowid_key = spec.primary_key.size() == 1 && spec.primary_key[0].type == FeatureType::Int;
  std::string online_keys =
      rowid_key ? fmt::format("{} INTEGER PRIMARY KEY, ", quote_name(spec.primary_key[0].name))
                : key_defs;
  return fmt::format(
      "CREATE TABLE meta(k TEXT PRIMARY KEY, v TEXT NOT NULL) WITHOUT ROWID;"
      "CREATE TABLE commit_log(id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
      " committed_at INTEGER NOT NULL, operation TEXT NOT NULL,"
      " rows_inserted INTEGER NOT NULL DEFAULT 0, rows_updated INTEGER NOT NULL DEFAULT 0,"
      " rows_deleted INTEGER NOT NULL DEFAULT 0, rows_dropped INTEGER NOT NULL DEFAULT 0,"
      " first_rowid INTEGER NOT NULL DEFAULT 0, last_rowid INTEGER NOT NULL DEFAULT -1,"
      " content_hash TEXT NOT NULL DEFAULT '', run_id TEXT, stage TEXT, source TEXT,"
      " source_digest TEXT, message TEXT, validation TEXT);"
      "CREATE TABLE data(_commit INTEGER NOT NULL, {}_time INTEGER NOT NULL, _op INTEGER NOT NULL"
      "{});"
      "CREATE INDEX data_pit ON data({}, _time, _commit);"
      "CREATE TABLE online({}_time INTEGER NOT NULL, _commit INTEGER NOT NULL,"
      " _op INTEGER NOT NULL{}{}){};"
      "CREATE TABLE commit_stats(commit_id INTEGER NOT NULL, feature TEXT NOT NULL,"
      " stats TEXT NOT NULL, PRIMARY KEY(commit_id, feature)) WITHOUT ROWID;"
      "CREATE TABLE pins(dataset TEXT NOT NULL, commit_id INTEGER NOT NULL,"
      " PRIMARY KEY(dataset, commit_id)) WITHOUT ROWID;",
      key_defs, feature_defs, keys, online_keys, feature_defs,
      rowid_key ? "" : fmt::format(", PRIMARY KEY({})", keys), rowid_key ? "" : " WITHOUT ROWID");
}

Result<std::optional<std::string>> meta_value(sqlite::Connection& db, const std::string& key) {
  MLOPS_TRY(statement, db.prepare("SELECT v FROM meta WHERE k = ?"));
  statement->bind(1, key);
  MLOPS_TRY(row, statement->step());
  if (!*row) {
    return std::optional<std::string>();
  }
  return std::optional<std::string>(statement->column_text(0));
}

Status set_meta(sqlite::Connection& db, const std::string& key, const std::string& value) {
  MLOPS_TRY(statement, db.cached("INSERT INTO meta(k, v) VALUES(?, ?) "
                                 "ON CONFLICT(k) DO UPDATE SET v = excluded.v"));
  (*statement)->bind(1, key).bind(2, value);
  return (*statement)->run();
}

CommitRecord read_commit(sqlite::Statement& s) {
  CommitRecord c;
  c.id = s.column_int(0);
  c.uuid = s.column_text(1);
  c.committed_at = s.column_int(2);
  c.operation = s.column_text(3);
  c.rows_inserted = s.column_int(4);
  c.rows_updated = s.column_int(5);
  c.rows_deleted = s.column_int(6);
  c.rows_dropped = s.column_int(7);
  c.first_rowid = s.column_int(8);
  c.last_rowid = s.column_int(9);
  c.content_hash = s.column_text(10);
  c.run_id = s.column_text(11);
  c.stage = s.column_text(12);
  c.source = s.column_text(13);
  c.source_digest = s.column_text(14);
  c.message = s.column_text(15);
  c.validation = s.column_text(16);
  return c;
}

constexpr const char* k_commit_columns =
    "SELECT id, uuid, committed_at, operation, rows_inserted, rows_updated, rows_deleted,"
    " rows_dropped, first_rowid, last_rowid, content_hash, coalesce(run_id, ''),"
    " coalesce(stage, ''), coalesce(source, ''), coalesce(source_digest, ''),"
    " coalesce(message, ''), coalesce(validation, '') FROM commit_log ";

std::string describe_columns(const std::vector<FeatureColumnSpec>& columns) {
  std::vector<std::string> parts;
  for (const auto& column : columns) {
    parts.push_back(column.name + " " + feature_type_name(column.type));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

// The feature store follows no symbolic link on its way to a group's files: one could lead
// outside the workspace, and SQLite would write there (the database, its -wal and -shm files).
Status refuse_links(const std::filesystem::path& fs_root, const std::string& name, int version) {
  std::filesystem::path db = group_db_path(fs_root, name, version);
  std::vector<std::filesystem::path> paths = {fs_root.parent_path(), fs_root, fs_root / name, db};
  for (const char* suffix : {"-wal", "-shm"}) {
    paths.emplace_back(db.string() + suffix);
  }
  paths.push_back(group_head_path(fs_root, name, version));
  for (const auto& path : paths) {
    std::error_code error;
    if (std::filesystem::is_symlink(std::filesystem::symlink_status(path, error))) {
      return Error(ErrorKind::Corrupt,
                   fmt::format("{} is a symbolic link; the feature store does not follow links "
                               "(one could lead outside the workspace): replace it with the "
                               "directory or file itself",
                               path.string()));
    }
  }
  return Status::success();
}

}  // namespace

std::filesystem::path group_db_path(const std::filesystem::path& fs_root, const std::string& name,
                                    int version) {
  return fs_root / name / fmt::format("v{}.db", version);
}

std::filesystem::path group_head_path(const std::filesystem::path& fs_root, const std::string& name,
                                      int version) {
  return fs_root / name / fmt::format("v{}.head", version);
}

std::string commit_uri(const std::string& name, int version, int64_t commit) {
  return fmt::format("fg://{}/v{}@{}", name, version, commit);
}

std::string group_spec_json(const FeatureGroupSpec& spec) {
  json doc = {{"format", k_format_version},     {"name", spec.name},
              {"version", spec.version},        {"primary_key", columns_json(spec.primary_key)},
              {"event_time", spec.event_time},  {"features", columns_json(spec.features)},
              {"online", spec.online},          {"delay_ms", spec.delay.count()},
              {"description", spec.description}};
  if (spec.ttl) {
    doc["ttl_ms"] = spec.ttl->count();
  }
  return doc.dump();
}

Result<FeatureGroupSpec> group_spec_from_json(const std::string& text) {
  try {
    json doc = json::parse(text);
    FeatureGroupSpec spec;
    spec.name = doc.at("name").get<std::string>();
    spec.version = doc.at("version").get<int>();
    MLOPS_TRY(keys, columns_from_json(doc.at("primary_key")));
    spec.primary_key = std::move(*keys);
    spec.event_time = doc.at("event_time").get<std::string>();
    MLOPS_TRY(features, columns_from_json(doc.at("features")));
    spec.features = std::move(*features);
    spec.online = doc.at("online").get<bool>();
    spec.delay = Milliseconds(doc.at("delay_ms").get<int64_t>());
    if (doc.contains("ttl_ms")) {
      spec.ttl = Milliseconds(doc.at("ttl_ms").get<int64_t>());
    }
    spec.description = doc.value("description", "");
    if (spec.primary_key.empty() || !is_safe_column_name(spec.event_time)) {
      return Error(ErrorKind::Corrupt, "the stored schema has no primary key or event time");
    }
    return spec;
  } catch (const json::exception& error) {
    return Error(ErrorKind::Corrupt,
                 std::string("the stored schema is not valid: ") + error.what());
  }
}

std::vector<std::string> schema_differences(const FeatureGroupSpec& stored,
                                            const FeatureGroupSpec& wanted) {
  std::vector<std::string> differences;
  auto same_columns = [](const std::vector<FeatureColumnSpec>& a,
                         const std::vector<FeatureColumnSpec>& b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](auto& x, auto& y) {
             return x.name == y.name && x.type == y.type;
           });
  };
  if (!same_columns(stored.primary_key, wanted.primary_key)) {
    differences.push_back(fmt::format("primary key: ({}) → ({})",
                                      describe_columns(stored.primary_key),
                                      describe_columns(wanted.primary_key)));
  }
  if (stored.event_time != wanted.event_time) {
    differences.push_back(
        fmt::format("event time: '{}' → '{}'", stored.event_time, wanted.event_time));
  }
  for (const auto& old_feature : stored.features) {
    auto found = std::find_if(wanted.features.begin(), wanted.features.end(),
                              [&](const auto& f) { return f.name == old_feature.name; });
    if (found == wanted.features.end()) {
      differences.push_back(fmt::format("feature '{}' removed", old_feature.name));
    } else if (found->type != old_feature.type) {
      differences.push_back(fmt::format("feature '{}': {} → {}", old_feature.name,
                                        feature_type_name(old_feature.type),
                                        feature_type_name(found->type)));
    } else if (old_feature.nullable && !found->nullable) {
      differences.push_back(fmt::format("feature '{}': nullable → not nullable", old_feature.name));
    }
  }
  for (const auto& feature : wanted.features) {
    bool known = std::any_of(stored.features.begin(), stored.features.end(),
                             [&](const auto& f) { return f.name == feature.name; });
    if (!known && !feature.nullable) {
      differences.push_back(fmt::format(
          "feature '{}' added, not nullable (existing rows have no value)", feature.name));
    }
  }
  if (stored.online != wanted.online) {
    differences.push_back(fmt::format("online: {} → {}", stored.online ? "true" : "false",
                                      wanted.online ? "true" : "false"));
  }
  return differences;
}

FeatureGroupStore::FeatureGroupStore(std::unique_ptr<sqlite::Connection> db, FeatureGroupSpec spec,
                                     std::filesystem::path path, std::filesystem::path head)
    : m_db(std::move(db)),
      m_spec(std::move(spec)),
      m_path(std::move(path)),
      m_head(std::move(head)) {}

FeatureGroupStore::~FeatureGroupStore() = default;

Result<std::unique_ptr<FeatureGroupStore>> FeatureGroupStore::open(
    const std::filesystem::path& fs_root, const FeatureGroupSpec& spec) {
  if (!is_group_name(spec.name)) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("'{}' is not a feature group name", spec.name));
  }
  MLOPS_CHECK(refuse_links(fs_root, spec.name, spec.version));
  std::filesystem::path path = group_db_path(fs_root, spec.name, spec.version);
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", path.parent_path().string(), error.message()));
  }
  MLOPS_TRY(db, sqlite::Connection::open(path.string()));
  // One fsync per commit (commits are few and large); 64 MiB of page cache for the index.
  MLOPS_CHECK(
      (*db)->execute("PRAGMA synchronous=FULL; PRAGMA foreign_keys=OFF; PRAGMA cache_size=-65536"));
  std::unique_ptr<FeatureGroupStore> store(new FeatureGroupStore(
      std::move(*db), spec, path, group_head_path(fs_root, spec.name, spec.version)));
  MLOPS_TRY(transaction, sqlite::WriteTransaction::begin(*store->m_db));
  MLOPS_TRY(existing,
            store->m_db->prepare("SELECT count(*) FROM sqlite_master WHERE name = 'meta'"));
  MLOPS_TRY(row, existing->step());
  bool created = *row && existing->column_int(0) > 0;
  MLOPS_CHECK(created ? store->check_schema() : store->create_schema());
  MLOPS_CHECK((*transaction)->commit());
  MLOPS_CHECK(store->refresh_head());
  return store;
}

// A writer that died between its commit and the head file left the file behind: put it right.
Status FeatureGroupStore::refresh_head() {
  MLOPS_TRY(latest, latest_commit());
  std::string expected =
      *latest ? fmt::format("{} {}\n", (*latest)->id, (*latest)->content_hash) : std::string("0\n");
  auto current = read_file(m_head, 256);
  if (current.ok() && *current == expected) {
    return Status::success();
  }
  return write_file_atomic(m_head, expected);
}

Status FeatureGroupStore::create_schema() {
  MLOPS_CHECK(m_db->execute(create_tables_sql(m_spec)));
  MLOPS_CHECK(set_meta(*m_db, "spec", group_spec_json(m_spec)));
  return set_meta(*m_db, "max_time", std::to_string(INT64_MIN));
}

// Compares the declared schema with the stored one; adds nullable features it lacks.
Status FeatureGroupStore::check_schema() {
  MLOPS_TRY(text, meta_value(*m_db, "spec"));
  if (!*text) {
    return Error(ErrorKind::Corrupt, m_path.string() + ": not a feature group (no schema)");
  }
  MLOPS_TRY(stored, group_spec_from_json(**text));
  auto differences = schema_differences(*stored, m_spec);
  if (!differences.empty()) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("feature group {} version {} was created with another schema:\n  "
                             "{}\nA version's schema cannot change (only nullable features can "
                             "be added); declare `version: {}` for the new schema (version {} "
                             "stays readable)",
                             m_spec.name, m_spec.version, fmt::join(differences, "\n  "),
                             m_spec.version + 1, m_spec.version));
  }
  for (const auto& feature : m_spec.features) {
    bool known = std::any_of(stored->features.begin(), stored->features.end(),
                             [&](const auto& f) { return f.name == feature.name; });
    if (!known) {
      for (const char* table : {"data", "online"}) {
        MLOPS_CHECK(m_db->execute(fmt::format("ALTER TABLE {} ADD COLUMN {} {}", table,
                                              quote_name(feature.name), sql_type(feature.type))));
      }
    }
  }
  // Features are stored in the order they were added: keep that order, new ones last.
  FeatureGroupSpec merged = m_spec;
  merged.features = stored->features;
  for (const auto& feature : m_spec.features) {
    if (std::none_of(merged.features.begin(), merged.features.end(),
                     [&](const auto& f) { return f.name == feature.name; })) {
      merged.features.push_back(feature);
    }
  }
  for (auto& feature : merged.features) {
    auto declared = std::find_if(m_spec.features.begin(), m_spec.features.end(),
                                 [&](const auto& f) { return f.name == feature.name; });
    if (declared != m_spec.features.end()) {
      feature.nullable = declared->nullable;
    }
  }
  m_spec = merged;
  return set_meta(*m_db, "spec", group_spec_json(m_spec));
}

Result<std::unique_ptr<FeatureGroupStore>> FeatureGroupStore::open_existing(
    const std::filesystem::path& fs_root, const std::string& name, int version) {
  if (!is_group_name(name)) {
    return Error(ErrorKind::Usage,
                 fmt::format("'{}' is not a feature group name (lowercase letters, digits, _ and "
                             "-; see `mlops fg list`)",
                             name.substr(0, 80)));
  }
  if (version == 0) {
    for (const auto& [group, v] : list(fs_root)) {
      if (group == name) {
        version = std::max(version, v);
      }
    }
  }
  MLOPS_CHECK(refuse_links(fs_root, name, version));
  std::filesystem::path path = group_db_path(fs_root, name, version);
  std::error_code error;
  if (version == 0 || !std::filesystem::is_regular_file(path, error)) {
    return Error(ErrorKind::NotFound,
                 version == 0 ? fmt::format("no feature group '{}' (see `mlops fg list`)", name)
                              : fmt::format("feature group '{}' has no version {}", name, version));
  }
  MLOPS_TRY(db, sqlite::Connection::open(path.string()));
  MLOPS_CHECK((*db)->execute("PRAGMA synchronous=FULL"));
  MLOPS_TRY(text, meta_value(**db, "spec"));
  if (!*text) {
    return Error(ErrorKind::Corrupt, path.string() + ": not a feature group (no schema)");
  }
  auto spec = group_spec_from_json(**text);
  if (!spec.ok()) {
    return Error(ErrorKind::Corrupt, path.string() + ": " + spec.error().message());
  }
  if (spec->name != name || spec->version != version) {
    return Error(ErrorKind::Corrupt, fmt::format("{}: holds {} v{}, not {} v{}", path.string(),
                                                 spec->name, spec->version, name, version));
  }
  return std::unique_ptr<FeatureGroupStore>(new FeatureGroupStore(
      std::move(*db), std::move(*spec), path, group_head_path(fs_root, name, version)));
}

std::vector<std::pair<std::string, int>> FeatureGroupStore::list(
    const std::filesystem::path& fs_root) {
  std::vector<std::pair<std::string, int>> groups;
  std::error_code error;
  for (const auto& dir : std::filesystem::directory_iterator(fs_root, error)) {
    std::string name = dir.path().filename().string();
    if (!dir.is_directory(error) || !is_group_name(name)) {
      continue;
    }
    for (const auto& file : std::filesystem::directory_iterator(dir.path(), error)) {
      std::string file_name = file.path().filename().string();
      if (file_name.size() > 4 && file_name[0] == 'v' && file_name.ends_with(".db")) {
        std::string digits = file_name.substr(1, file_name.size() - 4);
        if (!digits.empty() && digits.size() < 7 &&
            std::all_of(digits.begin(), digits.end(),
                        [](char c) { return c >= '0' && c <= '9'; })) {
          groups.emplace_back(name, std::stoi(digits));
        }
      }
    }
  }
  std::sort(groups.begin(), groups.end());
  return groups;
}

Result<std::vector<CommitRecord>> FeatureGroupStore::commits(int limit) {
  MLOPS_TRY(statement, m_db->prepare(std::string(k_commit_columns) + "ORDER BY id DESC LIMIT ?"));
  statement->bind(1, static_cast<int64_t>(limit > 0 ? limit : -1));
  std::vector<CommitRecord> commits;
  while (true) {
    MLOPS_TRY(row, statement->step());
    if (!*row) {
      return commits;
    }
    commits.push_back(read_commit(*statement));
  }
}

Result<std::optional<CommitRecord>> FeatureGroupStore::commit(int64_t id) {
  MLOPS_TRY(statement, m_db->prepare(std::string(k_commit_columns) + "WHERE id = ?"));
  statement->bind(1, id);
  MLOPS_TRY(row, statement->step());
  return *row ? std::optional(read_commit(*statement)) : std::nullopt;
}

Result<std::optional<CommitRecord>> FeatureGroupStore::latest_commit() {
  MLOPS_TRY(statement, m_db->prepare(std::string(k_commit_columns) + "ORDER BY id DESC LIMIT 1"));
  MLOPS_TRY(row, statement->step());
  return *row ? std::optional(read_commit(*statement)) : std::nullopt;
}

Result<std::optional<CommitRecord>> FeatureGroupStore::latest_commit_from(
    const std::string& source) {
  MLOPS_TRY(statement, m_db->prepare(std::string(k_commit_columns) +
                                     "WHERE source = ? ORDER BY id DESC LIMIT 1"));
  statement->bind(1, source);
  MLOPS_TRY(row, statement->step());
  return *row ? std::optional(read_commit(*statement)) : std::nullopt;
}

Result<int64_t> FeatureGroupStore::commit_at_time(int64_t micros) {
  MLOPS_TRY(statement,
            m_db->prepare("SELECT coalesce(max(id), 0) FROM commit_log WHERE committed_at <= ?"));
  statement->bind(1, micros);
  MLOPS_TRY(row, statement->step());
  return statement->column_int(0);
}

Result<int64_t> FeatureGroupStore::floor() {
  MLOPS_TRY(value, meta_value(*m_db, "floor"));
  if (!*value) {
    return int64_t{1};
  }
  int64_t floor = 0;
  auto [end, error] = std::from_chars((*value)->data(), (*value)->data() + (*value)->size(), floor);
  if (error != std::errc() || end != (*value)->data() + (*value)->size() || floor < 1) {
    return Error(ErrorKind::Corrupt, fmt::format("{}: the stored compaction floor '{}' is not a "
                                                 "commit id; the group's history is damaged",
                                                 m_path.string(), (*value)->substr(0, 40)));
  }
  return floor;
}

Result<std::vector<std::pair<std::string, std::string>>> FeatureGroupStore::commit_stats(
    int64_t id) {
  MLOPS_TRY(statement,
            m_db->prepare("SELECT feature, stats FROM commit_stats WHERE commit_id = ?"));
  statement->bind(1, id);
  std::vector<std::pair<std::string, std::string>> stats;
  while (true) {
    MLOPS_TRY(row, statement->step());
    if (!*row) {
      break;
    }
    stats.emplace_back(statement->column_text(0), statement->column_text(1));
  }
  // In schema order.
  std::vector<std::pair<std::string, std::string>> ordered;
  for (const auto& feature : m_spec.features) {
    for (auto& entry : stats) {
      if (entry.first == feature.name) {
        ordered.push_back(entry);
      }
    }
  }
  return ordered;
}

Status FeatureGroupStore::pin(const std::string& dataset, int64_t commit) {
  MLOPS_TRY(transaction, sqlite::WriteTransaction::begin(*m_db));
  MLOPS_TRY(floor_commit, floor());
  if (commit < *floor_commit) {
    return Error(ErrorKind::Conflict,
                 fmt::format("commit {} of {} was compacted away (the oldest reachable is {})",
                             commit, m_spec.name, *floor_commit));
  }
  MLOPS_TRY(statement,
            m_db->prepare("INSERT OR IGNORE INTO pins(dataset, commit_id) VALUES(?, ?)"));
  statement->bind(1, dataset).bind(2, commit);
  MLOPS_CHECK(statement->run());
  return (*transaction)->commit();
}

Result<std::vector<std::pair<std::string, int64_t>>> FeatureGroupStore::pins() {
  MLOPS_TRY(statement, m_db->prepare("SELECT dataset, commit_id FROM pins ORDER BY commit_id"));
  std::vector<std::pair<std::string, int64_t>> pins;
  while (true) {
    MLOPS_TRY(row, statement->step());
    if (!*row) {
      return pins;
    }
    pins.emplace_back(statement->column_text(0), statement->column_int(1));
  }
}

Status FeatureGroupStore::write_head() {
  MLOPS_TRY(latest, latest_commit());
  std::string text =
      *latest ? fmt::format("{} {}\n", (*latest)->id, (*latest)->content_hash) : std::string("0\n");
  if (const char* die = test_hook("MLOPS_TEST_DIE_BEFORE_FG_HEAD"); die && *die == '1') {
    ::_exit(137);  // tests: a crash between the commit and the head file
  }
  return write_file_atomic(m_head, text);
}

}  // namespace mlops
