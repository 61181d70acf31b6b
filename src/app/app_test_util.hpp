// Helpers for the app/ tests: a temporary workspace, and a runner that does what a stage would
// do to the file system (writes its outs from its command and deps) without any process.
#pragma once

#include <unistd.h>

#include <deque>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "app/run_service.hpp"
#include "exec/runner.hpp"
#include "spec/pipeline.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops::testing {

// A workspace directory (with .mlops/) for one test, removed afterwards.
class TempWorkspace {
 public:
  TempWorkspace() : m_dir("mlops-app"), m_root(m_dir.path()) {
    std::filesystem::create_directories(m_root / ".mlops");
  }
  const std::filesystem::path& root() const { return m_root; }
  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::create_directories((m_root / relative).parent_path());
    std::ofstream(m_root / relative, std::ios::binary) << text;
  }
  std::string read(const std::string& relative) const {
    std::ifstream in(m_root / relative, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }
  bool exists(const std::string& relative) const {
    return std::filesystem::exists(m_root / relative);
  }

 private:
  TempDir m_dir;
  std::filesystem::path m_root;
};

// Runs no process: each started stage writes each of its outs as its command plus the contents
// of its deps (so a changed param, command or dep changes its outputs), and succeeds at once,
// unless told to fail.
class FileWritingRunner final : public Runner {
 public:
  explicit FileWritingRunner(const Pipeline& pipeline) : m_pipeline(pipeline) {}

  void start(const ProcessRequest& request) override;
  WaitResult wait(std::optional<SteadyTime>) override {
    WaitResult result;
    result.finished.assign(m_done.begin(), m_done.end());
    m_done.clear();
    return result;
  }
  void cancel_all() override {}
  size_t active() const override { return m_done.size(); }

  std::set<std::string> fail;        // labels that exit 1 (without writing)
  std::vector<std::string> started;  // labels, in start order

 private:
  std::string read(const std::filesystem::path& path) const;
  const Pipeline& m_pipeline;
  std::deque<ProcessResult> m_done;
};

inline std::string FileWritingRunner::read(const std::filesystem::path& path) const {
  if (std::filesystem::is_directory(path)) {  // a directory dep: its files, in order
    std::set<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(path)) {
      if (entry.is_regular_file()) {
        files.insert(entry.path());
      }
    }
    std::string text;
    for (const auto& file : files) {
      text += file.filename().string() + ":" + read(file);
    }
    return text;
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void FileWritingRunner::start(const ProcessRequest& request) {
  started.push_back(request.label);
  ProcessResult result;
  result.token = request.token;
  const Stage& stage = m_pipeline.stages[request.token];
  if (fail.count(request.label)) {
    result.exit_code = 1;
    m_done.push_back(result);
    return;
  }
  std::string content = stage.shell_command + "\n";
  for (const auto& dep : stage.deps) {
    content += read(m_pipeline.workspace / dep.value);
  }
  for (const auto* paths : {&stage.outs, &stage.metrics}) {
    for (const auto& out : *paths) {
      std::filesystem::create_directories((m_pipeline.workspace / out.value).parent_path());
      std::ofstream(m_pipeline.workspace / out.value, std::ios::binary)
          << (paths == &stage.metrics ? std::string("{\"v\": 1}\n") : content);
    }
  }
  m_done.push_back(result);
}

// A runner the test keeps: the run uses it through this wrapper (which the run destroys), so
// what it recorded can be asserted on after the run.
class BorrowedRunner final : public Runner {
 public:
  explicit BorrowedRunner(Runner& inner) : m_inner(inner) {}
  void start(const ProcessRequest& request) override { m_inner.start(request); }
  WaitResult wait(std::optional<SteadyTime> until) override { return m_inner.wait(until); }
  void cancel_all() override { m_inner.cancel_all(); }
  size_t active() const override { return m_inner.active(); }

 private:
  Runner& m_inner;
};

}  // namespace mlops::testing
