#include "data/parallel_profile.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "data/profile_json.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

// A CSV file of `rows` rows a little over 17 MB (two parts of k_min_part_bytes), with a quoted
// field holding line ends and, in the second half, two malformed rows.
std::string write_big_csv(const std::filesystem::path& path, size_t rows,
                          const std::string& middle_value = "") {
  std::ofstream out(path);
  out << "id,amount,city,note\n";
  for (size_t i = 0; i < rows; ++i) {
    if (i == rows / 2 && !middle_value.empty()) {
      out << i << ",1.5,Oslo,\"" << middle_value << "\"\n";
      continue;
    }
    if (i == rows * 3 / 4 || i == rows * 3 / 4 + 10) {
      out << i << ",only three\n";
      continue;
    }
    out << i << ',' << (i % 1000) * 0.25 << ',' << (i % 7 == 0 ? "Bergen" : "Stockholm") << ','
        << (i % 13 == 0 ? "\"two\nlines\"" : "plain text of some length") << '\n';
  }
  return path.string();
}

void expect_same_counts(const DatasetProfile& a, const DatasetProfile& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.bytes, b.bytes);
  EXPECT_EQ(a.malformed_rows, b.malformed_rows);
  ASSERT_EQ(a.malformed_sample.size(), b.malformed_sample.size());
  for (size_t i = 0; i < a.malformed_sample.size(); ++i) {
    EXPECT_EQ(a.malformed_sample[i].line, b.malformed_sample[i].line) << i;
    EXPECT_EQ(a.malformed_sample[i].reason, b.malformed_sample[i].reason) << i;
  }
  ASSERT_EQ(a.columns.size(), b.columns.size());
  for (size_t i = 0; i < a.columns.size(); ++i) {
    const ColumnProfile& x = a.columns[i];
    const ColumnProfile& y = b.columns[i];
    EXPECT_EQ(x.name, y.name);
    EXPECT_EQ(x.count, y.count) << x.name;
    EXPECT_EQ(x.nulls, y.nulls) << x.name;
    EXPECT_EQ(x.type_counts, y.type_counts) << x.name;
    EXPECT_EQ(x.exact_complete, y.exact_complete) << x.name;
    EXPECT_EQ(x.exact_values, y.exact_values) << x.name;
    EXPECT_EQ(x.moments.count, y.moments.count) << x.name;
    EXPECT_EQ(x.moments.min, y.moments.min) << x.name;
    EXPECT_EQ(x.moments.max, y.moments.max) << x.name;
    EXPECT_NEAR(x.moments.mean, y.moments.mean, 1e-9 * (1 + std::abs(y.moments.mean))) << x.name;
  }
}

TEST(ParallelProfileTest, TwoPartsCountWhatOnePassCounts) {
  testing::TempDir dir;
  std::string path = write_big_csv(dir.path() / "big.csv", 400000);
  ASSERT_GT(std::filesystem::file_size(path), 2 * k_min_part_bytes);
  Result<DatasetProfile> one = profile_file(path, "big.csv", ReadOptions{}, ProfileOptions{});
  ASSERT_TRUE(one.ok()) << one.error().message();
  std::optional<DatasetProfile> two =
      profile_in_parts(path, "big.csv", ReadOptions{}, ProfileOptions{}, 2);
  ASSERT_TRUE(two.has_value()) << "the file was not split";
  expect_same_counts(*two, *one);
  EXPECT_EQ(one->malformed_rows, 2u);
  // Line numbers are the file's: the malformed rows are in the second part.
  EXPECT_GT(two->malformed_sample.at(0).line, 300000u);
  // Through profile_file, as `mlops data profile --threads 2` calls it.
  Result<DatasetProfile> via = profile_file(path, "big.csv", ReadOptions{}, ProfileOptions{}, 2);
  ASSERT_TRUE(via.ok());
  EXPECT_EQ(profile_to_json(*via), profile_to_json(*two));  // the same thread count, the same bytes
}

// The first line end after the middle of the file is inside a quoted field: the first part ends
// inside quotes, nothing of the parts is used, and profile_file reads the file in one pass.
TEST(ParallelProfileTest, ACutInsideAQuotedFieldFallsBackToOnePass) {
  testing::TempDir dir;
  std::string lines;
  for (int i = 0; i < 40000; ++i)
    lines += "a quoted line of text, with a comma,\n";  // 1.5 MB of line ends inside quotes
  std::string path = write_big_csv(dir.path() / "quoted.csv", 400000, lines);
  EXPECT_FALSE(profile_in_parts(path, "q.csv", ReadOptions{}, ProfileOptions{}, 2).has_value());
  Result<DatasetProfile> one = profile_file(path, "q.csv", ReadOptions{}, ProfileOptions{});
  Result<DatasetProfile> two = profile_file(path, "q.csv", ReadOptions{}, ProfileOptions{}, 2);
  ASSERT_TRUE(one.ok() && two.ok());
  EXPECT_EQ(profile_to_json(*two), profile_to_json(*one));
  EXPECT_EQ(one->rows, 400000u - 2);
}

TEST(ParallelProfileTest, SmallGzipAndJsonLinesFilesAreNotSplit) {
  testing::TempDir dir;
  std::ofstream(dir.path() / "small.csv") << "a,b\n1,2\n";
  EXPECT_FALSE(profile_in_parts(dir.path() / "small.csv", "s", ReadOptions{}, ProfileOptions{}, 2));
  std::string path = write_big_csv(dir.path() / "big.jsonl", 400000);
  EXPECT_FALSE(profile_in_parts(path, "j", ReadOptions{}, ProfileOptions{}, 2));
  std::string csv = write_big_csv(dir.path() / "big.csv", 400000);
  EXPECT_FALSE(profile_in_parts(csv, "one", ReadOptions{}, ProfileOptions{}, 1));
  std::ofstream(dir.path() / "fake.csv") << "\x1f\x8b" << std::string(20 << 20, 'x');
  EXPECT_FALSE(profile_in_parts(dir.path() / "fake.csv", "g", ReadOptions{}, ProfileOptions{}, 2));
}

}  // namespace
}  // namespace mlops
