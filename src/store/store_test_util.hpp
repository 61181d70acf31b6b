// The engines the store's tests run against (value-parameterized): SQLite always, PostgreSQL
// when $MLOPS_TEST_PG names a server's admin conninfo (scripts/pg-server.sh prints it), else the
// PostgreSQL cases are skipped with a message saying so. Each PostgreSQL test gets a database of
// its own, created from the admin connection and dropped when the test ends.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "store/sql.hpp"
#include "store/sql_store.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops::testing {

enum class TestEngine { Sqlite, Postgres };

inline std::string engine_name(const ::testing::TestParamInfo<TestEngine>& info) {
  return info.param == TestEngine::Sqlite ? "Sqlite" : "Postgres";
}

inline const char* test_pg_admin() {
  const char* admin = std::getenv("MLOPS_TEST_PG");
  return admin && *admin ? admin : nullptr;
}

inline constexpr const char* k_pg_skip_message =
    "PostgreSQL store tests skipped: MLOPS_TEST_PG is not set (start scripts/pg-server.sh)";

// A PostgreSQL database that lives as long as this object.
class TestPgDatabase {
 public:
  // Creates the database; nothing (and a failed expectation) when the server refuses.
  static std::unique_ptr<TestPgDatabase> create(const std::string& admin) {
    static std::atomic<int> counter{0};
    std::random_device random;
    std::string name = "mlops_test_" + std::to_string(::getpid()) + "_" +
                       std::to_string(++counter) + "_" + std::to_string(random() % 1000000);
    auto connection = sql::open_postgres(admin);
    if (!connection.ok()) {
      ADD_FAILURE() << "cannot reach the test server: " << connection.error().message();
      return nullptr;
    }
    Status created = (*connection)->execute("CREATE DATABASE " + name);
    if (!created.ok()) {
      ADD_FAILURE() << created.error().message();
      return nullptr;
    }
    return std::unique_ptr<TestPgDatabase>(new TestPgDatabase(admin, name));
  }
  ~TestPgDatabase() {
    if (auto connection = sql::open_postgres(m_admin); connection.ok()) {
      (void)(*connection)->execute("DROP DATABASE IF EXISTS " + m_name + " WITH (FORCE)");
    }
  }
  // The conninfo of this database (libpq: a later keyword overrides an earlier one).
  std::string locator() const { return m_admin + " dbname=" + m_name; }
  const std::string& name() const { return m_name; }

 private:
  TestPgDatabase(std::string admin, std::string name)
      : m_admin(std::move(admin)), m_name(std::move(name)) {}
  std::string m_admin;
  std::string m_name;
};

// A fixture whose tests run once per engine: SetUp gives `locator` a fresh, migrated store (a
// SQLite file in a temporary directory, or a PostgreSQL database), or skips.
class StoreEngineTest : public ::testing::TestWithParam<TestEngine> {
 protected:
  void SetUp() override {
    if (GetParam() == TestEngine::Postgres) {
      if (!test_pg_admin()) {
        GTEST_SKIP() << k_pg_skip_message;
      }
      m_pg = TestPgDatabase::create(test_pg_admin());
      ASSERT_TRUE(m_pg);
      locator = m_pg->locator();
      auto migrated = SqlStore::migrate(locator);
      ASSERT_TRUE(migrated.ok()) << migrated.error().message();
    } else {
      m_dir.emplace("mlops-store");
      locator = (m_dir->path() / "store.db").string();
    }
  }
  void TearDown() override { m_pg.reset(); }

  // Another connection to the store.
  std::unique_ptr<SqlStore> open_store() {
    auto opened = SqlStore::open(locator);
    EXPECT_TRUE(opened.ok()) << opened.error().message();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  std::string locator;

 private:
  std::optional<TempDir> m_dir;
  std::unique_ptr<TestPgDatabase> m_pg;
};

// A StoreEngineTest with one connection open: `store`.
class OpenStoreEngineTest : public StoreEngineTest {
 protected:
  void SetUp() override {
    StoreEngineTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) {
      return;
    }
    store = open_store();
    ASSERT_TRUE(store);
  }

  std::unique_ptr<SqlStore> store;
};

// A run record with every field begin_run needs, for tests that only care about its id, time
// and what they set afterwards.
inline RunRecord sample_run(const std::string& id,
                            const std::string& started_at = "2026-01-01T00:00:00.000Z") {
  RunRecord run;
  run.id = id;
  run.pipeline = "p";
  run.pipeline_file = "p.yaml";
  run.pipeline_hash = "h";
  run.host = "host";
  run.user = "user";
  run.mlops_version = "0.1.0";
  run.started_at = started_at;
  return run;
}

}  // namespace mlops::testing

// Runs the value-parameterized tests of FIXTURE against both engines.
#define MLOPS_STORE_ENGINES(FIXTURE)                                                  \
  INSTANTIATE_TEST_SUITE_P(Engines, FIXTURE,                                          \
                           ::testing::Values(::mlops::testing::TestEngine::Sqlite,    \
                                             ::mlops::testing::TestEngine::Postgres), \
                           ::mlops::testing::engine_name)
