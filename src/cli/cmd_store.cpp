// mlops store migrate / mlops store copy: looking after the metadata store itself
// (app/store_admin.hpp, docs/metadata-store.md).
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/store_admin.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "util/file_io.hpp"
#include "util/json_text.hpp"

namespace mlops {

int store_migrate_command(const StoreMigrateCommand& command) {
  auto migrated = migrate_workspace_store(command.query.store);
  if (!migrated.ok()) {
    return report_query_error(migrated.error());
  }
  if (command.query.json) {
    write_all(1, json_text(nlohmann::json{{"store", migrated->store},
                                          {"from_version", migrated->from_version},
                                          {"to_version", migrated->to_version}},
                           2) +
                     "\n");
  } else if (migrated->from_version == migrated->to_version) {
    write_all(1, fmt::format("the store {} is at schema version {}: nothing to migrate\n",
                             migrated->store, migrated->to_version));
  } else {
    write_all(1, fmt::format("migrated the store {} from schema version {} to {}\n",
                             migrated->store, migrated->from_version, migrated->to_version));
  }
  return k_exit_success;
}

int store_copy_command(const StoreCopyCommand& command) {
  auto copied = copy_between_stores(command.from, command.to);
  if (!copied.ok()) {
    return report_query_error(copied.error());
  }
  if (command.json) {
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& table : copied->tables) {
      tables.push_back({{"table", table.table}, {"rows", table.rows}, {"digest", table.digest}});
    }
    write_all(
        1, json_text(nlohmann::json{{"from", copied->from}, {"to", copied->to}, {"tables", tables}},
                     2) +
               "\n");
    return k_exit_success;
  }
  int64_t rows = 0;
  std::string text;
  for (const auto& table : copied->tables) {
    text += fmt::format("  {:<20} {:>10} rows  {}\n", table.table, table.rows, table.digest);
    rows += table.rows;
  }
  write_all(1, fmt::format("copied {} rows from {} to {}; every table's rows and digest "
                           "verified:\n{}",
                           rows, copied->from, copied->to, text));
  return k_exit_success;
}

}  // namespace mlops
