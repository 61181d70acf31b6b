#include "data/jsonl_reader.hpp"

#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

using Lines = std::vector<std::string>;

// A record as "LINE:field|field|...": a string in quotes, a missing value as -.
std::string show(const Record& record) {
  std::string text = std::to_string(record.line) + ":";
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const FieldView& field = record.fields[i];
    text += i == 0 ? "" : "|";
    if (field.missing) {
      EXPECT_TRUE(field.text.empty());
      text += "-";
    } else {
      text += field.quoted ? "\"" + std::string(field.text) + "\"" : std::string(field.text);
    }
  }
  return text;
}

struct Read {
  Lines columns;
  Lines records;
  Lines malformed;
};

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class JsonlReaderTest : public ::testing::Test {
 protected:
  Result<Read> read(const std::string& text, const JsonlLimits& limits = {}) {
    write_bytes(file(), text);
    return read_file(limits);
  }
  Result<Read> read_file(const JsonlLimits& limits = {}) {
    MLOPS_TRY(reader, JsonlReader::open(file(), limits));
    Read read;
    Record record;
    for (;;) {
      MLOPS_TRY(more, (*reader)->next(record));
      if (!*more) {
        break;
      }
      EXPECT_EQ(record.fields.size(), (*reader)->columns().size());
      read.records.push_back(show(record));
    }
    read.columns = (*reader)->columns();
    for (const MalformedRow& row : (*reader)->malformed_sample()) {
      read.malformed.push_back(std::to_string(row.line) + ": " + row.reason);
    }
    return read;
  }
  std::filesystem::path file() const { return m_dir.path() / "data.jsonl"; }

  testing::TempDir m_dir;
};

TEST_F(JsonlReaderTest, KeysBecomeColumnsInTheOrderTheyAppear) {
  auto read = this->read(
      "{\"a\": 1, \"b\": \"x\"}\n"
      "{\"b\": \"y\", \"c\": true}\n"
      "{\"a\": null}\n"
      "{}\n"
      "{\"c\": false, \"a\": 2, \"b\": \"z\"}\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->columns, (Lines{"a", "b", "c"}));
  // A record has the columns known when it was read: the first one has no c yet.
  EXPECT_EQ(read->records,
            (Lines{"1:1|\"x\"", "2:-|\"y\"|true", "3:-|-|-", "4:-|-|-", "5:2|\"z\"|false"}));
}

TEST_F(JsonlReaderTest, NumbersKeepTheirText) {
  auto read = this->read(
      "{\"f\": 1.50, \"e\": 1e3, \"i\": -7, \"u\": 18446744073709551615, \"big\": "
      "123456789012345678901234567890, \"z\": 0}\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records,
            (Lines{"1:1.50|1e3|-7|18446744073709551615|123456789012345678901234567890|0"}));
}

TEST_F(JsonlReaderTest, StringsAreDecoded) {
  auto read = this->read(R"({"s": "a\u00e9\n\"q\"", "t": "tab\there", "empty": ""})"
                         "\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"1:\"a\xC3\xA9\n\"q\"\"|\"tab\there\"|\"\""}));
}

TEST_F(JsonlReaderTest, NestedValuesAreCompactJson) {
  auto read = this->read(
      R"({"n": {"k": [1, 2.50, "s\"q\u0001", null, true, {}], "m": {"x": []}}, "a": [], )"
      R"("b": [[1], {"y": "\u00e9"}]})"
      "\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(
      read->records,
      (Lines{R"(1:{"k":[1,2.50,"s\"q\u0001",null,true,{}],"m":{"x":[]}}|[]|[[1],{"y":"é"}])"}));
}

TEST_F(JsonlReaderTest, ARepeatedKeyKeepsItsLastValue) {
  auto read = this->read("{\"a\": 1, \"a\": [2]}\n{\"a\": 3, \"a\": null}\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"1:[2]", "2:-"}));
}

TEST_F(JsonlReaderTest, LinesThatAreNotObjectsAreMalformed) {
  auto read = this->read(
      "{\"a\": 1}\n"
      "[1, 2]\n"
      "\"text\"\n"
      "42\n"
      "null\n"
      "{\"a\": \n"
      "{\"a\": 2} x\n"
      "{bad}\n"
      "{\"a\": 3}\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"1:1", "9:3"}));
  EXPECT_EQ(read->malformed,
            (Lines{"2: a JSON array, not an object", "3: a JSON string, not an object",
                   "4: a JSON number, not an object", "5: a JSON null, not an object",
                   "6: invalid JSON at column 7: syntax error while parsing value - unexpected "
                   "end of input; expected '[', '{', or a literal",
                   "7: invalid JSON at column 10: syntax error while parsing value - invalid "
                   "literal; last read: '2} x'; expected end of input",
                   "8: invalid JSON at column 2: syntax error while parsing object key - invalid "
                   "literal; last read: '{b'; expected string literal"}));
}

TEST_F(JsonlReaderTest, TheKeysOfAMalformedLineDoNotBecomeColumns) {
  auto read = this->read("{\"a\": 1}\n{\"b\": 2, \"c\": \n{\"d\": 3}\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->columns, (Lines{"a", "d"}));
  EXPECT_EQ(read->records, (Lines{"1:1", "3:-|3"}));
}

TEST_F(JsonlReaderTest, SkipsBlankLinesByteOrderMarkAndCarriageReturns) {
  auto read = this->read("\xEF\xBB\xBF\n{\"a\": 1}\r\n  \t\r\n\n{\"a\": \"2\"}");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:1", "5:\"2\""}));
}

TEST_F(JsonlReaderTest, TheSameRecordsWhateverTheBlockSize) {
  std::string text =
      "{\"id\": 1, \"name\": \"a, \\\"b\\\"\", \"tags\": [\"x\", \"y\"]}\r\n"
      "\n"
      "not json\n"
      "{\"id\": 2.0, \"extra\": {\"k\": null}}\n"
      "{\"name\": \"last\"}";
  auto expected = read(text);
  ASSERT_TRUE(expected.ok()) << expected.error().message();
  EXPECT_EQ(expected->records, (Lines{"1:1|\"a, \"b\"\"|[\"x\",\"y\"]", "4:2.0|-|-|{\"k\":null}",
                                      "5:-|\"last\"|-|-"}));
  for (size_t block : {1, 2, 3, 7}) {
    JsonlLimits limits;
    limits.block_size = block;
    auto read = this->read(text, limits);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(read->columns, expected->columns) << "block size " << block;
    EXPECT_EQ(read->records, expected->records) << "block size " << block;
    EXPECT_EQ(read->malformed, expected->malformed) << "block size " << block;
  }
}

TEST_F(JsonlReaderTest, ReadsGzip) {
  gzFile out = gzopen(file().c_str(), "wb");
  ASSERT_NE(out, nullptr);
  std::string text = "{\"a\": 1}\n{\"a\": 2}\n";
  ASSERT_EQ(gzwrite(out, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(out), Z_OK);
  auto read = read_file();
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"1:1", "2:2"}));
}

TEST_F(JsonlReaderTest, ALineLongerThanTheLimitIsAnError) {
  JsonlLimits limits;
  limits.max_line_bytes = 20;
  limits.block_size = 4;
  auto read = this->read("{\"a\": 1}\n{\"a\": \"" + std::string(30, 'x') + "\"}\n", limits);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind(), ErrorKind::InvalidSpec);
  EXPECT_EQ(read.error().message(), file().string() +
                                        ":2: a line longer than 20 bytes, the reader's limit; is "
                                        "this a JSON Lines file?");
}

TEST_F(JsonlReaderTest, MoreKeysThanTheLimitIsAnError) {
  JsonlLimits limits;
  limits.max_columns = 3;
  auto read = this->read("{\"a\": 1, \"b\": 2}\n{\"c\": 1}\n{\"d\": 1}\n", limits);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind(), ErrorKind::InvalidSpec);
  EXPECT_EQ(read.error().message(),
            file().string() +
                ":3: more than 3 distinct keys in the file, the reader's limit; is this a table "
                "of records?");
}

TEST_F(JsonlReaderTest, AMissingFileIsNotFound) {
  auto reader = JsonlReader::open(m_dir.path() / "missing.jsonl");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().kind(), ErrorKind::NotFound);
}

}  // namespace
}  // namespace mlops
