// The CLI reference (docs/cli.md) mentions every subcommand and every option the binary has:
// this test fails when one is added without documentation.
#include <gtest/gtest.h>

#include "e2e/harness.hpp"
#include "util/file_io.hpp"
#include "util/strings.hpp"

namespace mlops::e2e {
namespace {

// Where `command` is documented: the "## " section whose heading names "`mlops COMMAND", else
// the one with a table row starting "| `mlops COMMAND" (the query commands share a table).
std::string section_of(const std::string& text, const std::string& command) {
  auto names = [&](size_t at) {
    size_t after = at + 7 + command.size();
    return after >= text.size() || text[after] == ' ' || text[after] == '`';  // not "runs"
  };
  size_t at = std::string::npos;
  for (size_t heading = text.find("\n## "); heading != std::string::npos;
       heading = text.find("\n## ", heading + 1)) {
    size_t line_end = text.find('\n', heading + 1);
    for (size_t hit = text.find("`mlops " + command, heading); hit < line_end;
         hit = text.find("`mlops " + command, hit + 1)) {
      if (names(hit)) {
        at = hit;
        break;
      }
    }
    if (at != std::string::npos) {
      break;
    }
  }
  for (size_t hit = text.find("| `mlops " + command);
       at == std::string::npos && hit != std::string::npos;
       hit = text.find("| `mlops " + command, hit + 1)) {
    if (names(hit + 2)) {
      at = hit;
    }
  }
  if (at == std::string::npos) {
    return "";
  }
  size_t start = text.rfind("\n## ", at);
  size_t end = text.find("\n## ", at + 1);
  return text.substr(start == std::string::npos ? 0 : start,
                     end == std::string::npos ? std::string::npos : end - start);
}

TEST(DocsTest, CliReferenceMentionsEverySubcommandAndOption) {
  auto listed = run_mlops({"__commands"}, {source_dir(), {}, std::nullopt});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto docs = read_file(source_dir() / "docs/cli.md", 1 << 20);
  ASSERT_TRUE(docs.ok());
  std::vector<std::string> missing;
  size_t checked = 0;
  for (const auto& line : split(listed.out, '\n')) {
    if (line.empty() || line.ends_with("--help") || line == "-h") {
      continue;
    }
    ++checked;
    size_t option = line.find(" -");
    if (line.starts_with("-")) {
      if (docs->find(line) == std::string::npos) {
        missing.push_back("global option " + line);
      }
    } else if (option == std::string::npos) {
      if (section_of(*docs, line).empty()) {
        missing.push_back("`mlops " + line + "`");
      }
    } else {
      std::string command = line.substr(0, option);
      std::string flag = line.substr(option + 1);
      if (section_of(*docs, command).find(flag) == std::string::npos) {
        missing.push_back(flag + " of `mlops " + command + "`");
      }
    }
  }
  EXPECT_GT(checked, 50u);
  EXPECT_TRUE(missing.empty()) << "docs/cli.md does not mention: " << join(missing, "; ");
}

}  // namespace
}  // namespace mlops::e2e
