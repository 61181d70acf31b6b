#include "e2e/harness.hpp"

#include <cstdio>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <sqlite3.h>

extern char** environ;

namespace mlops::e2e {
namespace {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

std::filesystem::path mlops_binary() {
  // Another build of mlops (say, main's, to see a regression test fail there).
  if (const char* other = std::getenv("MLOPS_E2E_BINARY"); other && *other) {
    return other;
  }
  return MLOPS_BINARY;
}
std::filesystem::path source_dir() {
  return MLOPS_SOURCE_DIR;
}

Workspace::Workspace() {
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/mlops-e2e-XXXXXX";
  char* made = ::mkdtemp(pattern.data());
  if (made == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  m_path = made;
  // A workspace marker, so the temporary directory is the workspace whatever is above it.
  std::filesystem::create_directories(m_path / ".mlops");
}

Workspace::~Workspace() {
  if (::testing::Test::HasFailure()) {
    std::fprintf(stderr, "kept the workspace of the failed test: %s\n", m_path.c_str());
    return;
  }
  std::error_code error;
  std::filesystem::remove_all(m_path, error);
}

void Workspace::write(const std::string& relative, const std::string& content) const {
  std::filesystem::path target = m_path / relative;
  std::filesystem::create_directories(target.parent_path());
  std::ofstream(target, std::ios::binary) << content;
}

std::string Workspace::read(const std::string& relative) const {
  std::ifstream in(m_path / relative, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

bool Workspace::exists(const std::string& relative) const {
  return std::filesystem::exists(m_path / relative);
}

MlopsProcess::MlopsProcess(const std::vector<std::string>& args, const RunOptions& options) {
  int out[2];
  int err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> env;
  for (char** entry = environ; *entry; ++entry) {
    env.emplace_back(*entry);
  }
  // An extra entry replaces the inherited one of its name (getenv would find the first).
  for (const auto& extra : options.env) {
    std::string prefix = extra.substr(0, extra.find('=') + 1);
    std::erase_if(env, [&](const std::string& entry) { return entry.starts_with(prefix); });
    env.push_back(extra);
  }
  std::vector<std::string> argv = {mlops_binary().string()};
  argv.insert(argv.end(), args.begin(), args.end());
  m_started = now_seconds();
  m_pid = ::fork();
  if (m_pid == 0) {
    if (!options.cwd.empty() && ::chdir(options.cwd.c_str()) != 0) {
      ::_exit(126);
    }
    int out_fd = out[1];
    if (options.stdout_file) {
      out_fd = ::open(options.stdout_file->c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    }
    ::dup2(out_fd, 1);
    ::dup2(err[1], 2);
    std::vector<char*> c_argv;
    for (auto& arg : argv) {
      c_argv.push_back(arg.data());
    }
    c_argv.push_back(nullptr);
    std::vector<char*> c_env;
    for (auto& entry : env) {
      c_env.push_back(entry.data());
    }
    c_env.push_back(nullptr);
    ::execve(c_argv[0], c_argv.data(), c_env.data());
    ::_exit(127);
  }
  ::close(out[1]);
  ::close(err[1]);
  m_out = out[0];
  m_err = err[0];
}

MlopsProcess::~MlopsProcess() {
  if (!m_waited && m_pid > 0) {
    ::kill(m_pid, SIGKILL);
    wait();
  }
}

void MlopsProcess::signal(int sig) {
  ::kill(m_pid, sig);
}

CommandResult MlopsProcess::wait() {
  CommandResult result;
  pollfd fds[2] = {{m_out, POLLIN, 0}, {m_err, POLLIN, 0}};
  std::string* sinks[2] = {&result.out, &result.err};
  int open_count = 2;
  char buffer[65536];
  while (open_count > 0) {
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) {
        continue;
      }
      ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
      if (n > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_count;
      }
    }
  }
  int status = 0;
  rusage usage{};
  ::wait4(m_pid, &status, 0, &usage);
  m_waited = true;
  result.seconds = now_seconds() - m_started;
  result.max_rss_kb = usage.ru_maxrss;
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

CommandResult run_mlops(const std::vector<std::string>& args, const RunOptions& options) {
  MlopsProcess process(args, options);
  return process.wait();
}

bool wait_for_file(const std::filesystem::path& path, int limit_ms) {
  for (int waited = 0; waited < limit_ms; waited += 10) {
    if (std::filesystem::exists(path)) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::filesystem::exists(path);
}

bool process_exists(pid_t pid) {
  return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM);
}

bool group_exists(pid_t pgid) {
  return pgid > 0 && (::kill(-pgid, 0) == 0 || errno == EPERM);
}

pid_t read_pid(const std::filesystem::path& path) {
  std::ifstream in(path);
  pid_t pid = -1;
  in >> pid;
  return pid;
}

std::vector<std::vector<std::string>> query_store(const std::filesystem::path& path,
                                                  const std::string& sql) {
  std::vector<std::vector<std::string>> rows;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return rows;
  }
  sqlite3_busy_timeout(db, 10000);
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "bad query " << sql << ": " << sqlite3_errmsg(db);
  } else {
    while (sqlite3_step(statement) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        const unsigned char* text = sqlite3_column_text(statement, i);
        row.emplace_back(text ? reinterpret_cast<const char*>(text) : "NULL");
      }
      rows.push_back(std::move(row));
    }
  }
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return rows;
}

bool wait_for_executions(const std::filesystem::path& path, int count, int limit_ms) {
  for (int waited = 0; waited <= limit_ms; waited += 10) {
    sqlite3* db = nullptr;
    int rows = -1;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
      sqlite3_stmt* statement = nullptr;
      if (sqlite3_prepare_v2(db, "SELECT count(*) FROM executions", -1, &statement, nullptr) ==
              SQLITE_OK &&
          sqlite3_step(statement) == SQLITE_ROW) {
        rows = sqlite3_column_int(statement, 0);
      }
      sqlite3_finalize(statement);
    }
    sqlite3_close(db);
    if (rows >= count) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

std::string query_value(const std::filesystem::path& path, const std::string& sql) {
  auto rows = query_store(path, sql);
  if (rows.size() != 1 || rows[0].size() != 1) {
    ADD_FAILURE() << sql << " returned " << rows.size() << " rows";
    return "";
  }
  return rows[0][0];
}

ShellResult run_shell(const std::string& command) {
  ShellResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) {
    return result;
  }
  char buffer[8192];
  while (size_t got = std::fread(buffer, 1, sizeof buffer, pipe)) {
    result.out.append(buffer, got);
  }
  result.status = ::pclose(pipe);
  return result;
}

}  // namespace mlops::e2e
