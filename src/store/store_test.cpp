#include <gtest/gtest.h>

#include <filesystem>

#include "store/schema.hpp"
#include "store/sqlite.hpp"

namespace mlops {
namespace {

std::unique_ptr<sqlite::Connection> open_memory() {
  auto connection = sqlite::Connection::open(":memory:");
  EXPECT_TRUE(connection.ok());
  return std::move(connection.value());
}

TEST(StoreSchemaTest, MigratesAnEmptyStoreToTheLatestVersion) {
  auto db = open_memory();
  ASSERT_TRUE(migrate_store(*db, store_migrations()).ok());
  EXPECT_EQ(*store_schema_version(*db), static_cast<int>(store_migrations().size()));
  // Migrating again is a no-op.
  ASSERT_TRUE(migrate_store(*db, store_migrations()).ok());
}

TEST(StoreSchemaTest, MigratesForwardFromAnOlderVersionKeepingRows) {
  auto db = open_memory();
  std::vector<std::string> v1 = {"CREATE TABLE t (a INTEGER);"};
  ASSERT_TRUE(migrate_store(*db, v1).ok());
  ASSERT_TRUE(db->execute("INSERT INTO t VALUES (7)").ok());
  std::vector<std::string> v2 = {v1[0], "ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'x';"};
  ASSERT_TRUE(migrate_store(*db, v2).ok());
  EXPECT_EQ(*store_schema_version(*db), 2);
  auto row = db->prepare("SELECT a, b FROM t");
  ASSERT_TRUE(row.ok());
  ASSERT_TRUE(*row->step());
  EXPECT_EQ(row->column_int(0), 7);
  EXPECT_EQ(row->column_text(1), "x");
}

TEST(StoreSchemaTest, RefusesAStoreFromANewerMlops) {
  auto db = open_memory();
  ASSERT_TRUE(db->execute("PRAGMA user_version = 99").ok());
  Status status = migrate_store(*db, store_migrations());
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.error().message().find("schema version 99, newer than this mlops"),
            std::string::npos);
}

TEST(StoreSchemaTest, AFailedMigrationLeavesTheOldVersion) {
  auto db = open_memory();
  std::vector<std::string> v1 = {"CREATE TABLE t (a INTEGER);"};
  ASSERT_TRUE(migrate_store(*db, v1).ok());
  std::vector<std::string> broken = {v1[0], "CREATE TABLE u (b INTEGER); THIS IS NOT SQL;"};
  EXPECT_FALSE(migrate_store(*db, broken).ok());
  EXPECT_EQ(*store_schema_version(*db), 1);
  EXPECT_FALSE(db->prepare("SELECT * FROM u").ok());  // rolled back
}

TEST(StoreSchemaTest, OnDiskStoreUsesWalAndForeignKeys) {
  auto path = std::filesystem::temp_directory_path() /
              ("mlops-store-test-" + std::to_string(::getpid()) + ".db");
  {
    auto db = sqlite::Connection::open(path.string());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(migrate_store(**db, store_migrations()).ok());
    auto mode = (*db)->prepare("PRAGMA journal_mode");
    ASSERT_TRUE(*mode->step());
    EXPECT_EQ(mode->column_text(0), "wal");
    // A run for a pipeline that does not exist violates a foreign key.
    EXPECT_FALSE((*db)
                     ->execute("INSERT INTO runs (id, pipeline_id, pipeline_file, pipeline_hash, "
                               "status, params_json, host, user, mlops_version, owner_pid, "
                               "started_at) VALUES ('r', 42, 'p', 'h', 'running', '{}', 'h', 'u', "
                               "'v', 1, 't')")
                     .ok());
  }
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix);
  }
}

TEST(StoreSchemaTest, NotADatabaseIsAClearError) {
  auto path = std::filesystem::temp_directory_path() /
              ("mlops-store-junk-" + std::to_string(::getpid()) + ".db");
  {
    FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("this is not a database, but it is long enough to have a header......\n", file);
    std::fclose(file);
  }
  auto db = sqlite::Connection::open(path.string());
  EXPECT_FALSE(db.ok());
  if (!db.ok()) {
    EXPECT_NE(db.error().message().find("not a database"), std::string::npos)
        << db.error().message();
  }
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace mlops
