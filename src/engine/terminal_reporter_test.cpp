// What the terminal reporter writes, read back through pipes.
#include "engine/terminal_reporter.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include "util/unique_fd.hpp"

namespace mlops {
namespace {

// One end of a pipe to write to and the other to read what was written.
struct Capture {
  Capture() {
    int fds[2];
    EXPECT_EQ(::pipe(fds), 0);
    read_end.reset(fds[0]);
    write_end.reset(fds[1]);
  }
  std::string text() {
    write_end.reset();
    std::string out;
    char buffer[4096];
    ssize_t n;
    while ((n = ::read(read_end.get(), buffer, sizeof buffer)) > 0) {
      out.append(buffer, static_cast<size_t>(n));
    }
    return out;
  }
  UniqueFd read_end;
  UniqueFd write_end;
};

TEST(TerminalReporterTest, WarningsGoToStderrWithTheStageName) {
  Capture out, err;
  TerminalReporterOptions options;
  options.out_fd = out.write_end.get();
  options.err_fd = err.write_end.get();
  {
    TerminalReporter reporter(options);
    Stage stage;
    stage.name = "train";
    reporter.warning(&stage, "deps changed while it ran: dep.txt");
    reporter.warning(nullptr, "recording run r1 in the metadata store failed: disk full");
  }
  EXPECT_EQ(err.text(),
            "[mlops] warning: train: deps changed while it ran: dep.txt\n"
            "[mlops] warning: recording run r1 in the metadata store failed: disk full\n");
  EXPECT_EQ(out.text(), "");
}

}  // namespace
}  // namespace mlops
