// Nothing mlops reads back from stored data makes it write or delete outside the workspace
// (issue 11, section 2): tampered manifests, a tampered store row, an out directory or the logs
// directory replaced by a symbolic link, a workdir that is a link leading out. In each, a victim
// directory outside the workspace is byte-identical afterwards.
#include <fstream>
#include <map>

#include <gtest/gtest.h>

#include "e2e/harness.hpp"

namespace mlops::e2e {
namespace {

class WorkspaceEscapeTest : public WorkspaceTest {
 protected:
  void SetUp() override { outside.write("victim.txt", "precious\n"); }
  std::string digest_of(const std::string& path) {
    return store_value("SELECT digest FROM artifacts WHERE path = '" + path +
                       "' ORDER BY id DESC LIMIT 1");
  }
  std::filesystem::path object_path(const std::string& digest) {
    return ws / ".mlops/cache/objects" / digest.substr(0, 2) / digest.substr(2);
  }
  // Every file below the victim directory (but its .mlops marker) with its content.
  std::map<std::string, std::string> outside_files() {
    std::map<std::string, std::string> files;
    for (auto& entry : std::filesystem::recursive_directory_iterator(outside.path())) {
      auto relative = entry.path().lexically_relative(outside.path()).generic_string();
      if (!relative.starts_with(".mlops")) {
        files[relative] = entry.is_regular_file() ? outside.read(relative) : "(dir)";
      }
    }
    return files;
  }
  // A directory out `d` recorded by a first run; returns the run id.
  std::string run_directory_stage() {
    ws.write("p.yaml",
             "version: 1\nname: p\nstages:\n"
             "  a: {run: 'mkdir -p d && echo x > d/a.txt', outs: [d]}\n");
    EXPECT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
    return latest_run();
  }
  Workspace outside;
};

TEST_F(WorkspaceEscapeTest, TamperedManifestEntriesNeverWriteOutside) {
  std::string run = run_directory_stage();
  std::string manifest = object_path(digest_of("d")).string() + ".dir";
  // The one file object the manifest lists, to aim elsewhere.
  std::string member;
  for (auto& entry : std::filesystem::recursive_directory_iterator(ws / ".mlops/cache/objects")) {
    if (entry.is_regular_file() && !entry.path().string().ends_with(".dir")) {
      member = entry.path().parent_path().filename().string() + entry.path().filename().string();
    }
  }
  ASSERT_EQ(member.size(), 32u);
  auto before = outside_files();
  std::string up = "../../" + outside.path().filename().string() + "/planted.txt";
  for (const std::string& entries : {
           R"([{"path": ")" + up + R"(", "digest": ")" + member + R"("}])",
           R"([{"path": ")" + (outside / "planted.txt").string() + R"(", "digest": ")" + member +
               R"("}])",
           R"([{"path": "l", "link": ")" + outside.path().string() +
               R"("}, {"path": "l/planted.txt", "digest": ")" + member + R"("}])",
       }) {
    std::filesystem::permissions(manifest, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::ofstream(manifest, std::ios::trunc) << entries;
    std::filesystem::remove_all(ws / "d");
    auto checkout = mlops({"checkout", run});
    EXPECT_EQ(checkout.exit_code, 1) << entries << checkout.out << checkout.err;
    EXPECT_EQ(outside_files(), before) << entries;
    ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);  // quarantined: runs again, saves anew
    EXPECT_EQ(outside_files(), before) << entries;
  }
}

TEST_F(WorkspaceEscapeTest, ATamperedStorePathIsRefused) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n  a: {run: 'echo evil > out.txt', "
           "outs: [out.txt]}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  std::string run = latest_run();
  std::string target = "../" + outside.path().filename().string() + "/victim.txt";
  auto updated =
      run_shell("sqlite3 '" + (ws / ".mlops/store.db").string() +
                "' \"UPDATE artifacts SET path = '" + target + "' WHERE path = 'out.txt'\"");
  ASSERT_EQ(updated.status, 0);
  auto before = outside_files();
  auto checkout = mlops({"checkout", run, "--force"});
  EXPECT_EQ(checkout.exit_code, 1) << checkout.out << checkout.err;
  EXPECT_NE(checkout.err.find("not a plain path"), std::string::npos) << checkout.err;
  EXPECT_EQ(outside_files(), before);
}

TEST_F(WorkspaceEscapeTest, AnOutDirectoryReplacedByALinkIsNotWrittenThrough) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n  a: {run: 'mkdir -p out && echo one > "
           "out/victim.txt', outs: [out/victim.txt]}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  std::string run = latest_run();
  std::filesystem::remove_all(ws / "out");
  std::filesystem::create_directory_symlink(outside.path(), ws / "out");
  auto before = outside_files();
  auto checkout = mlops({"checkout", run, "--force"});
  EXPECT_EQ(checkout.exit_code, 1) << checkout.out << checkout.err;
  EXPECT_NE(checkout.err.find("symbolic link leading outside"), std::string::npos) << checkout.err;
  EXPECT_EQ(outside_files(), before);
  // A run does not write through it either (the restore, or the stage setting its out aside).
  EXPECT_NE(mlops({"run", "p.yaml"}).exit_code, 0);
  EXPECT_EQ(outside_files(), before);
}

TEST_F(WorkspaceEscapeTest, GcDoesNotFollowALinkedLogsDirectory) {
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n  a: {run: 'echo x > out.txt', "
           "outs: [out.txt], always_run: true}\n");
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  ASSERT_EQ(mlops({"run", "p.yaml"}).exit_code, 0);
  std::string old_run = store_value("SELECT id FROM runs ORDER BY started_at, rowid LIMIT 1");
  outside.write(old_run + "/a.log", "not mlops's\n");  // named like a run, still not ours
  std::filesystem::remove_all(ws / ".mlops/logs");
  std::filesystem::create_directory_symlink(outside.path(), ws / ".mlops/logs");
  auto before = outside_files();
  auto gc = mlops({"gc", "--keep-last", "1"});
  EXPECT_EQ(gc.exit_code, 0) << gc.err;
  EXPECT_EQ(outside_files(), before);
}

TEST_F(WorkspaceEscapeTest, AWorkdirLinkedOutsideIsRefused) {
  std::filesystem::create_directory_symlink(outside.path(), ws / "w");
  ws.write("p.yaml",
           "version: 1\nname: p\nstages:\n  a: {run: 'echo x > planted.txt', "
           "workdir: w}\n");
  auto before = outside_files();
  auto run = mlops({"run", "p.yaml"});
  EXPECT_NE(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE((run.out + run.err).find("symbolic link leading outside"), std::string::npos)
      << run.out << run.err;
  EXPECT_EQ(outside_files(), before);
}

}  // namespace
}  // namespace mlops::e2e
