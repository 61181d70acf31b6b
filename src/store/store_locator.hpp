// Where a metadata store lives, as the user names it (--store, MLOPS_STORE, `store =` in
// .mlops/config): a PostgreSQL URL (postgresql://... or postgres://...), a libpq conninfo string
// ("host=db1 dbname=mlops"), or else the path of a SQLite file. The strings may carry a password;
// every message that names a store uses redacted_locator(), and messages from the engines go
// through without_password().
#pragma once

#include <string>
#include <string_view>

namespace mlops {

enum class StoreEngine { Sqlite, Postgres };

// PostgreSQL for a URL with the postgresql:// or postgres:// scheme or a conninfo string (it
// starts with `keyword=`); SQLite otherwise.
StoreEngine store_engine(std::string_view locator);

// The locator with its password replaced by "***": the URL's `:password@` and `password=`
// parameter, a conninfo's `password=VALUE` (quoted or not). A SQLite path is returned as it is.
std::string redacted_locator(std::string_view locator);

// `message` with every occurrence of the locator's password replaced by "***".
std::string without_password(std::string message, std::string_view locator);

}  // namespace mlops
