// Which metadata store a workspace uses (app/workspace.hpp): --store, then $MLOPS_STORE, then
// `store =` in .mlops/config, then .mlops/store.db; PostgreSQL locators pass through untouched.
#include <cstdlib>

#include <gtest/gtest.h>

#include "app/workspace.hpp"
#include "util/file_io.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

class WorkspaceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const char* env = std::getenv("MLOPS_STORE")) {
      m_saved = env;
    }
    ::unsetenv("MLOPS_STORE");
  }
  void TearDown() override {
    m_saved ? ::setenv("MLOPS_STORE", m_saved->c_str(), 1) : ::unsetenv("MLOPS_STORE");
  }
  void configure(const std::string& text) {
    std::filesystem::create_directories(dir.path() / ".mlops");
    ASSERT_TRUE(write_file_atomic(dir.path() / ".mlops" / "config", text).ok());
  }
  testing::TempDir dir;

 private:
  std::optional<std::string> m_saved;
};

TEST_F(WorkspaceStoreTest, OptionThenEnvironmentThenConfigThenDefault) {
  const auto& root = dir.path();
  EXPECT_EQ(resolve_store_path(std::nullopt, root), root / ".mlops" / "store.db");
  configure("store = shared/store.db\n");
  EXPECT_EQ(resolve_store_path(std::nullopt, root), root / "shared" / "store.db");
  configure("# the team's server\nstore = postgresql://db1/mlops\n");
  EXPECT_EQ(resolve_store_path(std::nullopt, root).string(), "postgresql://db1/mlops");
  ::setenv("MLOPS_STORE", "host=db2 dbname=mlops", 1);
  EXPECT_EQ(resolve_store_path(std::nullopt, root).string(), "host=db2 dbname=mlops");
  EXPECT_EQ(resolve_store_path(std::filesystem::path("/x/store.db"), root), "/x/store.db");
  EXPECT_EQ(resolve_store_path(std::filesystem::path("postgres://u:p@h/d"), root).string(),
            "postgres://u:p@h/d");
}

TEST_F(WorkspaceStoreTest, APostgresStoreAlwaysExistsAndKeepsItsLocksInTheWorkspace) {
  EXPECT_TRUE(store_exists("postgresql://db1/mlops"));
  EXPECT_FALSE(store_exists(dir.path() / "missing.db"));
  EXPECT_EQ(redacted_locator("postgresql://ann:pw@db1/mlops"), "postgresql://ann:***@db1/mlops");
}

}  // namespace
}  // namespace mlops
