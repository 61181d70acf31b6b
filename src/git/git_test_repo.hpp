// A temporary git repository for the git/ module's tests, built with the git command line
// (a test tool only; mlops reads repositories with libgit2).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace mlops {

// Builds repositories with libgit2-independent means: the git command line is only a test tool
// here, and the test is skipped where it is missing.
class GitTestRepo : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::system("git --version > /dev/null 2>&1") != 0) {
      GTEST_SKIP() << "git is not installed";
    }
    m_dir = std::filesystem::temp_directory_path() /
            ("mlops-git-test-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(m_dir);
    std::filesystem::create_directories(m_dir);
  }
  void TearDown() override { std::filesystem::remove_all(m_dir); }
  void git(const std::string& args) {
    std::string command = "cd '" + m_dir.string() +
                          "' && git -c user.name=t -c user.email=t@example.invalid "
                          "-c init.defaultBranch=main " +
                          args + " > /dev/null 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
  }
  // The output of a git command, without its trailing newline.
  std::string git_output(const std::string& args) {
    std::string command = "cd '" + m_dir.string() + "' && git " + args;
    std::string out;
    if (FILE* pipe = ::popen(command.c_str(), "r")) {
      char buffer[256];
      while (std::fgets(buffer, sizeof buffer, pipe)) {
        out += buffer;
      }
      ::pclose(pipe);
    }
    while (!out.empty() && out.back() == '\n') {
      out.pop_back();
    }
    return out;
  }
  // git init, and a first commit of `file`.
  void init_with_commit(const std::string& file = "a", const std::string& text = "1") {
    git("init");
    write(file, text);
    git("add -A");
    git("commit -m first");
  }
  void write(const std::string& name, const std::string& text) {
    std::filesystem::create_directories((m_dir / name).parent_path());
    std::ofstream(m_dir / name) << text;
  }
  std::filesystem::path m_dir;
};

}  // namespace mlops
