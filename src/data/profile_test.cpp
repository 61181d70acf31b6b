#include "data/profile.hpp"

#include <gtest/gtest.h>

#include "data/data_test_util.hpp"

#include <cmath>
#include <fstream>
#include <random>

#include "data/profile_json.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

// A record of unquoted CSV-like fields.
Record record(uint64_t line, std::initializer_list<std::string_view> fields) {
  Record r;
  r.line = line;
  for (std::string_view f : fields)
    r.fields.push_back(FieldView{.text = f});
  return r;
}

using testing::NoSource;

DatasetProfile small_profile() {
  std::vector<std::string> columns = {"id", "age", "country", "joined"};
  Profiler profiler{ProfileOptions{}};
  profiler.add(record(2, {"1", "34", "SE", "2024-01-05"}), columns);
  profiler.add(record(3, {"2", "NA", "NO", "2024-02-11"}), columns);
  profiler.add(record(4, {"3", "51.5", "SE", "2024-03-01T10:00:00Z"}), columns);
  profiler.add(record(5, {"4", "", "", "2024-04-30"}), columns);
  profiler.add(record(6, {"5", "-2", "DK", "2024-05-01"}), columns);
  return profiler.finish(NoSource(columns), "people.csv", "csv");
}

TEST(ProfileTest, CountsNullsTypesAndInfersEachColumnsType) {
  DatasetProfile p = small_profile();
  ASSERT_EQ(p.rows, 5u);
  ASSERT_EQ(p.columns.size(), 4u);
  const ColumnProfile& id = *p.column("id");
  EXPECT_EQ(id.inferred_type(), "int");
  EXPECT_EQ(id.count, 5u);
  EXPECT_EQ(id.nulls, 0u);
  const ColumnProfile& age = *p.column("age");
  EXPECT_EQ(age.nulls, 2u);  // "NA" and ""
  EXPECT_EQ(age.inferred_type(), "float");
  EXPECT_EQ(age.negatives, 1u);
  EXPECT_DOUBLE_EQ(age.moments.min, -2);
  EXPECT_DOUBLE_EQ(age.moments.max, 51.5);
  EXPECT_NEAR(age.moments.mean, (34 + 51.5 - 2) / 3.0, 1e-12);
  const ColumnProfile& country = *p.column("country");
  EXPECT_EQ(country.inferred_type(), "string");
  EXPECT_TRUE(country.exact_complete);
  EXPECT_EQ(country.exact_values.at("SE"), 2u);
  EXPECT_EQ(country.length_max, 2u);
  EXPECT_EQ(p.column("joined")->inferred_type(), "datetime");
  EXPECT_DOUBLE_EQ(age.null_fraction(p.rows), 0.4);
}

TEST(ProfileTest, TypesOfValues) {
  EXPECT_EQ(classify_value("12").type, ValueType::Int);
  EXPECT_EQ(classify_value("-0").type, ValueType::Int);
  EXPECT_EQ(classify_value("+7").type, ValueType::Int);
  EXPECT_EQ(classify_value("1.5e3").type, ValueType::Float);
  EXPECT_EQ(classify_value(".5").type, ValueType::Float);
  EXPECT_EQ(classify_value("nan").type, ValueType::Float);
  EXPECT_TRUE(std::isinf(classify_value("1e999").number));
  EXPECT_EQ(classify_value("99999999999999999999").type, ValueType::Float);
  EXPECT_EQ(classify_value("True").type, ValueType::Bool);
  EXPECT_EQ(classify_value("2024-02-30").type, ValueType::Date);  // day checked only to 31
  EXPECT_EQ(classify_value("2024-13-01").type, ValueType::String);
  EXPECT_EQ(classify_value("2024-01-01 23:59:60.5+02:00").type, ValueType::DateTime);
  EXPECT_EQ(classify_value("2024-01-01T24:00").type, ValueType::String);
  EXPECT_EQ(classify_value("1_000").type, ValueType::String);
  EXPECT_EQ(classify_value("12abc").type, ValueType::String);
  EXPECT_EQ(classify_value("").type, ValueType::String);
}

TEST(ProfileTest, ExactValuesStopAtTheLimit) {
  ProfileOptions options;
  options.exact_values_limit = 10;
  Profiler profiler(options);
  std::vector<std::string> columns = {"v"};
  std::vector<std::string> texts;
  for (int i = 0; i < 11; ++i)
    texts.push_back("v" + std::to_string(i));
  for (int i = 0; i < 10; ++i)
    profiler.add(record(i + 2, {texts[i]}), columns);
  profiler.add(record(12, {texts[10]}), columns);
  DatasetProfile p = profiler.finish(NoSource(columns), "x", "csv");
  EXPECT_FALSE(p.columns[0].exact_complete);
  EXPECT_TRUE(p.columns[0].exact_values.empty());
}

TEST(ProfileTest, ColumnsThatAppearLaterWereNullBefore) {
  Profiler profiler{ProfileOptions{}};
  profiler.add(record(1, {"1"}), {"a"});
  profiler.add(record(2, {"2"}), {"a"});
  profiler.add(record(3, {"3", "x"}), {"a", "b"});
  DatasetProfile p = profiler.finish(NoSource({"a", "b"}), "x.jsonl", "jsonl");
  EXPECT_EQ(p.column("b")->nulls, 2u);
  EXPECT_EQ(p.column("b")->count, 1u);
}

TEST(ProfileTest, DuplicateRowsAreEstimated) {
  Profiler profiler{ProfileOptions{}};
  std::vector<std::string> columns = {"a", "b"};
  for (int i = 0; i < 1000; ++i) {
    std::string a = std::to_string(i % 900);  // 100 rows repeat an earlier one
    profiler.add(record(i + 2, {a, "x"}), columns);
  }
  DatasetProfile p = profiler.finish(NoSource(columns), "x", "csv");
  EXPECT_NEAR(static_cast<double>(p.duplicate_rows_estimate()), 100.0, 40.0);
}

TEST(ProfileTest, JsonRoundTripKeepsEveryCountAndSketch) {
  DatasetProfile p = small_profile();
  std::string text = profile_to_json(p);
  Result<DatasetProfile> back = parse_profile_json(text, "p.json");
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->rows, p.rows);
  ASSERT_EQ(back->columns.size(), p.columns.size());
  for (size_t i = 0; i < p.columns.size(); ++i) {
    EXPECT_EQ(back->columns[i].name, p.columns[i].name);
    EXPECT_EQ(back->columns[i].count, p.columns[i].count);
    EXPECT_EQ(back->columns[i].type_counts, p.columns[i].type_counts);
    EXPECT_EQ(back->columns[i].exact_values, p.columns[i].exact_values);
    EXPECT_EQ(back->columns[i].quantiles.count(), p.columns[i].quantiles.count());
    EXPECT_EQ(back->columns[i].distinct.serialize(), p.columns[i].distinct.serialize());
  }
  EXPECT_EQ(profile_to_json(*back), text);  // nothing lost, nothing reordered
}

TEST(ProfileTest, TamperedDocumentsAreRefusedWithTheFieldNamed) {
  std::string text = profile_to_json(small_profile());
  auto expect_refused = [](std::string changed, const std::string& field) {
    Result<DatasetProfile> parsed = parse_profile_json(changed, "p.json");
    ASSERT_FALSE(parsed.ok()) << field;
    EXPECT_EQ(parsed.error().kind(), ErrorKind::Corrupt);
    EXPECT_NE(parsed.error().message().find(field), std::string::npos) << parsed.error().message();
  };
  auto replace = [&](std::string from, std::string to) {
    std::string changed = text;
    size_t at = changed.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    changed.replace(at, from.size(), to);
    return changed;
  };
  expect_refused(replace("\"rows\": 5", "\"rows\": 6"), "count + nulls");
  expect_refused(replace("\"mlops.profile/1\"", "\"other/1\""), "schema");
  expect_refused(replace("\"kll_k\": 200", "\"kll_k\": 2"), "options.kll_k");
  expect_refused(replace("\"hll\": \"", "\"hll\": \"!"), "columns[0].sketches.hll");
  expect_refused(text.substr(0, text.size() / 2), "not a JSON document");
  expect_refused("[]", "expected an object");
}

// From a file: the same profile; without the distinct sketches, a broken HLL is not decoded
// (and not noticed) while everything else still is; a missing file or a directory is an error.
TEST(ProfileTest, ReadFromAFileWithOrWithoutTheDistinctSketches) {
  testing::TempDir dir;
  std::string text = profile_to_json(small_profile());
  std::ofstream(dir.path() / "p.json") << text;
  Result<DatasetProfile> all = read_profile_json(dir.path() / "p.json", "p.json");
  ASSERT_TRUE(all.ok()) << all.error().message();
  EXPECT_EQ(profile_to_json(*all), text);

  std::string broken = text;
  broken.replace(broken.find("\"hll\": \""), 8, "\"hll\": \"!");
  std::ofstream(dir.path() / "b.json") << broken;
  Result<DatasetProfile> refused = read_profile_json(dir.path() / "b.json", "b.json");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().message().find("columns[0].sketches.hll"), std::string::npos);
  Result<DatasetProfile> partial =
      read_profile_json(dir.path() / "b.json", "b.json", ProfileParts::WithoutDistinct);
  ASSERT_TRUE(partial.ok()) << partial.error().message();
  EXPECT_EQ(partial->columns[1].quantiles.count(), all->columns[1].quantiles.count());
  EXPECT_EQ(partial->columns[2].exact_values, all->columns[2].exact_values);

  EXPECT_EQ(read_profile_json(dir.path() / "none.json", "none.json").error().kind(),
            ErrorKind::NotFound);
  EXPECT_EQ(read_profile_json(dir.path(), "dir").error().kind(), ErrorKind::Io);
}

TEST(ProfileTest, MergedHalvesEqualTheWhole) {
  std::vector<std::string> columns = {"x", "c"};
  std::mt19937_64 random(7);
  std::normal_distribution<double> normal(10, 3);
  Profiler whole{ProfileOptions{}}, first{ProfileOptions{}}, second{ProfileOptions{}};
  for (int i = 0; i < 20000; ++i) {
    std::string x = std::to_string(normal(random));
    std::string c = "c" + std::to_string(i % 7);
    Record r = record(i + 2, {x, c});
    whole.add(r, columns);
    (i < 9000 ? first : second).add(r, columns);
  }
  DatasetProfile all = whole.finish(NoSource(columns), "all", "csv");
  DatasetProfile merged = first.finish(NoSource(columns), "a", "csv");
  ASSERT_TRUE(merge_profiles(merged, second.finish(NoSource(columns), "b", "csv")).ok());
  EXPECT_EQ(merged.rows, all.rows);
  const ColumnProfile& mx = *merged.column("x");
  const ColumnProfile& ax = *all.column("x");
  EXPECT_NEAR(mx.moments.mean, ax.moments.mean, 1e-9);
  EXPECT_NEAR(mx.moments.stddev(), ax.moments.stddev(), 1e-9);
  EXPECT_NEAR(mx.quantiles.quantile(0.5), ax.quantiles.quantile(0.5), 0.1);
  EXPECT_EQ(merged.column("c")->exact_values, all.column("c")->exact_values);
  EXPECT_EQ(mx.distinct.serialize(), ax.distinct.serialize());
}

TEST(ProfileTest, MergeRefusesDifferentOptions) {
  DatasetProfile a = small_profile();
  DatasetProfile b = small_profile();
  b.options.null_values = {"-"};
  Status merged = merge_profiles(a, b);
  ASSERT_FALSE(merged.ok());
  EXPECT_EQ(merged.error().kind(), ErrorKind::Usage);
}

}  // namespace
}  // namespace mlops
