// End-to-end test harness: a temporary workspace and the real mlops binary run in it.
//
// A Workspace is a fresh directory under $TMPDIR, removed when the test passes and kept (its path
// printed) when it fails, so a failure can be inspected. MlopsProcess starts the binary with its
// stdout and stderr captured and reports its exit code, signal and peak memory.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace mlops::e2e {

// The binary built with the tests, or $MLOPS_E2E_BINARY when set.
std::filesystem::path mlops_binary();
std::filesystem::path source_dir();

class Workspace {
 public:
  Workspace();
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const std::filesystem::path& path() const { return m_path; }
  std::filesystem::path operator/(const std::string& relative) const { return m_path / relative; }
  // Writes `content` to `relative`, creating directories.
  void write(const std::string& relative, const std::string& content) const;
  std::string read(const std::string& relative) const;
  bool exists(const std::string& relative) const;

 private:
  std::filesystem::path m_path;
};

struct CommandResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
  long max_rss_kb = 0;
  double seconds = 0;
};

struct RunOptions {
  std::filesystem::path cwd;
  std::vector<std::string> env;  // extra "K=V" entries on top of the test's environment
  std::optional<std::filesystem::path> stdout_file;  // send stdout there instead of capturing
};

class MlopsProcess {
 public:
  MlopsProcess(const std::vector<std::string>& args, const RunOptions& options);
  ~MlopsProcess();
  pid_t pid() const { return m_pid; }
  void signal(int sig);
  CommandResult wait();

 private:
  pid_t m_pid = -1;
  int m_out = -1;
  int m_err = -1;
  double m_started = 0;
  bool m_waited = false;
};

// Runs a /bin/sh command line (a test tool: xmllint, chromium, script, bash) and returns its
// standard output and its exit status as pclose gives it (0 for success).
struct ShellResult {
  int status = -1;
  std::string out;
};
ShellResult run_shell(const std::string& command);

// Runs mlops to completion.
CommandResult run_mlops(const std::vector<std::string>& args, const RunOptions& options);

// Polls (every 10 ms, up to `limit_ms`) until `path` exists.
bool wait_for_file(const std::filesystem::path& path, int limit_ms = 10000);

// True when a process with this pid exists (zombies count: they are not reaped yet).
bool process_exists(pid_t pid);
// True when any process is in this process group.
bool group_exists(pid_t pgid);

// Reads a pid written by a stage into a file.
pid_t read_pid(const std::filesystem::path& path);

// Runs `sql` on the SQLite database at `path` (read-only) and returns every row, each column as
// text ("NULL" for null).
std::vector<std::vector<std::string>> query_store(const std::filesystem::path& path,
                                                  const std::string& sql);
// Polls (every 10 ms, up to `limit_ms`) until the store at `path` holds at least `count`
// execution rows; a store still being created counts as none.
bool wait_for_executions(const std::filesystem::path& path, int count, int limit_ms = 10000);

// The single value of a one-row, one-column query.
std::string query_value(const std::filesystem::path& path, const std::string& sql);

// A test with a fresh workspace, mlops run in it, and its store queried.
class WorkspaceTest : public ::testing::Test {
 protected:
  CommandResult mlops(std::vector<std::string> args) {
    return run_mlops(args, {ws.path(), {}, std::nullopt});
  }
  std::string store_value(const std::string& sql) {
    return query_value(ws / ".mlops/store.db", sql);
  }
  // The id of the run that started last.
  std::string latest_run() {
    return store_value("SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1");
  }
  Workspace ws;
};

}  // namespace mlops::e2e
