// FeatureGroupStore::compact: the cleaner (Hudi's cleaner, Delta's VACUUM).
#include <fmt/format.h>

#include "features/group_store.hpp"
#include "features/sql_names.hpp"
#include "store/sqlite.hpp"

namespace mlops {

Result<int64_t> FeatureGroupStore::compact(int64_t keep_from) {
  MLOPS_TRY(transaction, sqlite::WriteTransaction::begin(*m_db));
  MLOPS_TRY(latest, latest_commit());
  if (!*latest || keep_from > (*latest)->id || keep_from < 1) {
    return Error(ErrorKind::Usage,
                 fmt::format("feature group {}: cannot keep from commit {} (commits are 1 to {})",
                             m_spec.name, keep_from, *latest ? (*latest)->id : 0));
  }
  MLOPS_TRY(current_floor, floor());
  if (keep_from <= *current_floor) {
    return int64_t{0};
  }
  MLOPS_TRY(pinned, pins());
  for (const auto& [dataset, commit] : *pinned) {
    if (commit < keep_from) {
      return Error(ErrorKind::Conflict,
                   fmt::format("feature group {}: dataset {} was built from commit {}, which "
                               "compacting to commit {} would drop; keep from {} or earlier",
                               m_spec.name, dataset, commit, keep_from, commit));
    }
  }
  std::string same_identity;
  for (const auto& key : m_spec.primary_key) {
    same_identity += fmt::format("g.{0} = data.{0} AND ", quote_name(key.name));
  }
  // A row is needed at commits >= keep_from unless a later commit up to keep_from rewrote its
  // (key, event time).
  MLOPS_TRY(drop, m_db->prepare(fmt::format(
                      "DELETE FROM data WHERE _commit < ?1 AND EXISTS (SELECT 1 FROM data g "
                      "WHERE {}g._time = data._time AND g._commit > data._commit AND "
                      "g._commit <= ?1)",
                      same_identity)));
  drop->bind(1, keep_from);
  MLOPS_CHECK(drop->run());
  int64_t dropped = m_db->changes();
  MLOPS_TRY(set_floor, m_db->prepare("INSERT INTO meta(k, v) VALUES('floor', ?) "
                                     "ON CONFLICT(k) DO UPDATE SET v = excluded.v"));
  set_floor->bind(1, std::to_string(keep_from));
  MLOPS_CHECK(set_floor->run());
  MLOPS_CHECK((*transaction)->commit());
  return dropped;
}

}  // namespace mlops
