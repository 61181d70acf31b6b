#include <gtest/gtest.h>

#include "util/duration.hpp"
#include "util/paths.hpp"
#include "util/shell_quote.hpp"
#include "util/strings.hpp"
#include "util/xml_escape.hpp"

namespace mlops {
namespace {

TEST(XmlEscapeTest, EscapesMarkupDropsControlsAndRepairsUtf8) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&apos;");
  EXPECT_EQ(xml_escape("\x1b[31mred\x1b[0m\tok\n"), "[31mred[0m\tok\n");
  EXPECT_EQ(xml_escape("caf\xc3\xa9 ]]>"), "caf\xc3\xa9 ]]&gt;");
  EXPECT_EQ(xml_escape("bad \xff\xc3"), "bad \xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(xml_escape(std::string("nul\0x", 5)), "nulx");
}

TEST(DurationTest, ParsesEveryUnitAndSums) {
  EXPECT_EQ(parse_duration("500ms"), Milliseconds(500));
  EXPECT_EQ(parse_duration("30s"), Milliseconds(30000));
  EXPECT_EQ(parse_duration("10m"), Milliseconds(600000));
  EXPECT_EQ(parse_duration("2h"), Milliseconds(7200000));
  EXPECT_EQ(parse_duration("1h30m"), Milliseconds(5400000));
  EXPECT_EQ(parse_duration("0s"), Milliseconds(0));
}

TEST(DurationTest, RejectsMissingUnitsAndJunk) {
  for (const char* bad :
       {"", "10", "s", "5x", "1.5s", "10 s", "-1s", "1sm", "ms", "99999999999h"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(DurationTest, FormatsCompactly) {
  EXPECT_EQ(format_duration(Milliseconds(850)), "850ms");
  EXPECT_EQ(format_duration(Milliseconds(1250)), "1.2s");
  EXPECT_EQ(format_duration(Milliseconds(185000)), "3m05s");
  EXPECT_EQ(format_duration(Milliseconds(7260000)), "2h01m");
}

TEST(ShellQuoteTest, LeavesSafeValuesAlone) {
  EXPECT_EQ(shell_quote("0.1"), "0.1");
  EXPECT_EQ(shell_quote("data/x.csv"), "data/x.csv");
  EXPECT_EQ(shell_quote("--lr=0.1"), "--lr=0.1");
}

TEST(ShellQuoteTest, QuotesEverythingElse) {
  EXPECT_EQ(shell_quote(""), "''");
  EXPECT_EQ(shell_quote("a b"), "'a b'");
  EXPECT_EQ(shell_quote("x; touch /tmp/pwned"), "'x; touch /tmp/pwned'");
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote("$(id)"), "'$(id)'");
  EXPECT_EQ(shell_quote("~root"), "'~root'");
}

TEST(ShellQuoteTest, EscapesInsideQuotes) {
  EXPECT_EQ(escape_in_double_quotes("a\"b$c`d\\e"), "a\\\"b\\$c\\`d\\\\e");
  EXPECT_EQ(escape_in_single_quotes("a'b"), "a'\\''b");
}

TEST(PathsTest, MakesPathsWorkspaceRelative) {
  std::filesystem::path ws = "/work/ws";
  EXPECT_EQ(workspace_relative(ws, "data/x.csv"), "data/x.csv");
  EXPECT_EQ(workspace_relative(ws, "./data//x.csv"), "data/x.csv");
  EXPECT_EQ(workspace_relative(ws, "data/../models/m.pkl"), "models/m.pkl");
  EXPECT_EQ(workspace_relative(ws, "/work/ws/models/"), "models");
  EXPECT_EQ(workspace_relative(ws, "."), ".");
}

TEST(PathsTest, RefusesPathsThatEscape) {
  std::filesystem::path ws = "/work/ws";
  for (const char* bad : {"..", "../x", "data/../../x", "/etc/passwd", "/work/wsx/a", ""}) {
    EXPECT_FALSE(workspace_relative(ws, bad).has_value()) << bad;
  }
}

TEST(PathsTest, WithinComparesWholeComponents) {
  EXPECT_TRUE(path_is_within("data/x", "data"));
  EXPECT_TRUE(path_is_within("data", "data"));
  EXPECT_FALSE(path_is_within("database", "data"));
  EXPECT_TRUE(path_is_within("anything", "."));
}

TEST(PathsTest, SafeFileNames) {
  EXPECT_EQ(safe_file_name("train[model=a,fold=1]"), "train_model=a,fold=1_");
  EXPECT_EQ(safe_file_name("a/b c"), "a_b_c");
}

TEST(StringsTest, SuggestsCloseWords) {
  EXPECT_EQ(did_you_mean("depz", {"deps", "outs"}), " (did you mean 'deps'?)");
  EXPECT_EQ(did_you_mean("stage", {"version", "stages"}), " (did you mean 'stages'?)");
  EXPECT_EQ(did_you_mean("zzzzzz", {"deps", "outs"}), "");
}

TEST(StringsTest, SplitKeepsEmptyPieces) {
  EXPECT_EQ(split("a::b", ':'), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(join({"a", "b"}, ", "), "a, b");
  EXPECT_EQ(trim("  x \n"), "x");
}

}  // namespace
}  // namespace mlops

#include <fstream>

#include "util/file_io.hpp"

namespace mlops {
namespace {

TEST(FileIoTest, AtomicWriteReplacesTheFileAndLeavesNoTemporary) {
  auto dir =
      std::filesystem::temp_directory_path() / ("mlops-io-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  ASSERT_TRUE(write_file_atomic(dir / "f.txt", "one").ok());
  ASSERT_TRUE(write_file_atomic(dir / "f.txt", "two").ok());
  EXPECT_EQ(*read_file(dir / "f.txt", 100), "two");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
  EXPECT_EQ(read_file(dir / "f.txt", 2).error().kind(), ErrorKind::Io);  // over the cap
  EXPECT_EQ(read_file(dir / "missing", 2).error().kind(), ErrorKind::NotFound);
  EXPECT_FALSE(write_file_atomic(dir / "no-such-dir/f.txt", "x").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace mlops

#include "util/time_format.hpp"

namespace mlops {
namespace {

TEST(TimeFormatTest, RoundTripsIsoUtc) {
  auto time = std::chrono::system_clock::from_time_t(1795628952) + std::chrono::milliseconds(123);
  EXPECT_EQ(format_utc_iso(time), "2026-11-25T17:49:12.123Z");
  EXPECT_EQ(parse_utc_iso("2026-11-25T17:49:12.123Z"), std::optional(time));
  EXPECT_EQ(iso_difference("2026-11-25T17:49:12.123Z", "2026-11-25T17:50:13Z"),
            std::optional(std::chrono::milliseconds(60877)));
  EXPECT_FALSE(parse_utc_iso("yesterday").has_value());
}

}  // namespace
}  // namespace mlops
