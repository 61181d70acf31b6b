#include "app/store_admin.hpp"

#include <fmt/format.h>

#include "app/workspace.hpp"
#include "store/sql_store.hpp"
#include "store/store_locator.hpp"

namespace mlops {
namespace {

// The store's own error, named and without the password.
Error about(const std::string& locator, const Error& error) {
  return Error(error.kind(), fmt::format("the metadata store {}: {}", redacted_locator(locator),
                                         without_password(error.message(), locator)));
}

std::string locator_of(const std::string& given) {
  return resolve_store_path(std::filesystem::path(given), current_workspace()).string();
}

}  // namespace

Result<StoreMigration> migrate_workspace_store(
    const std::optional<std::filesystem::path>& store_flag) {
  std::string locator = resolve_store_path(store_flag, current_workspace()).string();
  if (store_engine(locator) == StoreEngine::Sqlite) {
    std::error_code error;
    std::filesystem::create_directories(std::filesystem::path(locator).parent_path(), error);
  }
  auto migrated = SqlStore::migrate(locator);
  if (!migrated.ok()) {
    return about(locator, migrated.error());
  }
  return StoreMigration{redacted_locator(locator), migrated->first, migrated->second};
}

Result<StoreCopy> copy_between_stores(const std::string& from, const std::string& to) {
  std::string source = locator_of(from);
  std::string target = locator_of(to);
  if (source == target) {
    return Error(ErrorKind::Usage,
                 fmt::format("--from and --to name the same store ({})", redacted_locator(source)));
  }
  if (store_engine(source) == StoreEngine::Sqlite && !store_exists(source)) {
    return Error(ErrorKind::NotFound,
                 fmt::format("no metadata store at {} (--from)", redacted_locator(source)));
  }
  auto opened_from = SqlStore::open(source);
  if (!opened_from.ok()) {
    return about(source, opened_from.error());
  }
  auto opened_to = SqlStore::open(target);
  if (!opened_to.ok()) {
    return about(target, opened_to.error());
  }
  auto copied = copy_store(**opened_from, **opened_to);
  if (!copied.ok()) {
    return Error(copied.error().kind(),
                 without_password(without_password(copied.error().message(), source), target));
  }
  return StoreCopy{redacted_locator(source), redacted_locator(target), std::move(*copied)};
}

}  // namespace mlops
