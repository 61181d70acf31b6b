#include "data/csv_reader.hpp"

#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

// What a reader yielded, in a form that compares in one EXPECT_EQ: a record is
// "LINE:field|field|...", a quoted field is shown in quotes ("a""b" read as a"b shows as "a"b").
struct Read {
  std::vector<std::string> columns;
  std::vector<std::string> records;
  std::vector<std::string> malformed;  // "LINE: reason"
  uint64_t malformed_count = 0;
  uint64_t bytes_read = 0;
};

std::string show(const Record& record) {
  std::string text = std::to_string(record.line) + ":";
  for (size_t i = 0; i < record.fields.size(); ++i) {
    const FieldView& field = record.fields[i];
    EXPECT_FALSE(field.missing);
    text += i == 0 ? "" : "|";
    text += field.quoted ? "\"" + std::string(field.text) + "\"" : std::string(field.text);
  }
  return text;
}

Result<Read> read_all(RecordSource& source) {
  Read read;
  Record record;
  for (;;) {
    MLOPS_TRY(more, source.next(record));
    if (!*more) {
      break;
    }
    read.records.push_back(show(record));
  }
  for (const MalformedRow& row : source.malformed_sample()) {
    read.malformed.push_back(std::to_string(row.line) + ": " + row.reason);
  }
  read.columns = source.columns();  // at the end: JSON Lines add columns as keys appear
  read.malformed_count = source.malformed_count();
  read.bytes_read = source.bytes_read();
  return read;
}

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

void write_gzip(const std::filesystem::path& path, const std::string& text, const char* mode) {
  gzFile file = gzopen(path.c_str(), mode);
  ASSERT_NE(file, nullptr);
  ASSERT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(file), Z_OK);
}

class CsvReaderTest : public ::testing::Test {
 protected:
  // Writes `text` to FILE and reads it whole.
  Result<Read> read(const std::string& text, const ReadOptions& options = {},
                    const CsvLimits& limits = {}) {
    write_bytes(file(), text);
    MLOPS_TRY(reader, CsvReader::open(file(), options, limits));
    return read_all(**reader);
  }
  // The error of reading `text` whole.
  Error error(const std::string& text, const ReadOptions& options = {},
              const CsvLimits& limits = {}) {
    auto result = read(text, options, limits);
    EXPECT_FALSE(result.ok());
    return result.ok() ? Error(ErrorKind::Internal, "read without an error") : result.error();
  }
  std::filesystem::path file() const { return m_dir.path() / "data.csv"; }

  testing::TempDir m_dir;
};

using Lines = std::vector<std::string>;

TEST_F(CsvReaderTest, ReadsTheHeaderAndTheRecords) {
  auto read = this->read("a,b,c\n1,2,3\n4,5,6\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->columns, (Lines{"a", "b", "c"}));
  EXPECT_EQ(read->records, (Lines{"2:1|2|3", "3:4|5|6"}));
  EXPECT_EQ(read->malformed_count, 0u);
  EXPECT_EQ(read->bytes_read, 18u);
}

TEST_F(CsvReaderTest, QuotedFieldsHoldDelimitersDoubledQuotesAndLineEnds) {
  auto read = this->read(
      "a,b\n"
      "\"x,y\",\"he said \"\"hi\"\"\"\n"
      "\"multi\nline\",\"\"\"\"\n"
      "\"\",\"crlf\r\ninside\"\n"
      "after,\"a\"\"\"\"b\"\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:\"x,y\"|\"he said \"hi\"\"", "3:\"multi\nline\"|\"\"\"",
                                  "5:\"\"|\"crlf\r\ninside\"", "7:after|\"a\"\"b\""}));
}

TEST_F(CsvReaderTest, ReadsCrlfLineEnds) {
  auto read = this->read("a,b\r\n1,\"2\"\r\n,\r\n3,4");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->columns, (Lines{"a", "b"}));
  EXPECT_EQ(read->records, (Lines{"2:1|\"2\"", "3:|", "4:3|4"}));
}

TEST_F(CsvReaderTest, ACarriageReturnAloneIsPartOfTheField) {
  auto read = this->read("a,b\nx\ry,z\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:x\ry|z"}));
}

TEST_F(CsvReaderTest, SkipsTheByteOrderMarkAndBlankLines) {
  auto read = this->read("\xEF\xBB\xBF\n\"a\",b\n\n1,2\r\n\r\n\n3,4\n\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->columns, (Lines{"a", "b"}));
  EXPECT_EQ(read->records, (Lines{"4:1|2", "7:3|4"}));
}

TEST_F(CsvReaderTest, KeepsEmptyFieldsAndATrailingDelimiter) {
  auto read = this->read("a,b,c\n,,\n\"\",x,\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:||", "3:\"\"|x|"}));
}

TEST_F(CsvReaderTest, AStrayQuoteInAnUnquotedFieldIsLiteral) {
  auto read = this->read("a,b\nx\"y,z\"\"\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:x\"y|z\"\""}));
}

TEST_F(CsvReaderTest, WithoutAHeaderColumnsAreNumberedAndTheFirstRecordIsData) {
  ReadOptions options;
  options.header = false;
  auto read = this->read("\n1,2\n3,4\n5\n", options);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->columns, (Lines{"column_1", "column_2"}));
  EXPECT_EQ(read->records, (Lines{"2:1|2", "3:3|4"}));
  EXPECT_EQ(read->malformed, (Lines{"4: 1 field, expected 2"}));
}

TEST_F(CsvReaderTest, WithoutAHeaderAMalformedFirstRecordIsSkipped) {
  ReadOptions options;
  options.header = false;
  auto read = this->read("\"ab\"c,1\n1,2,3\n", options);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->columns, (Lines{"column_1", "column_2", "column_3"}));
  EXPECT_EQ(read->records, (Lines{"2:1|2|3"}));
  EXPECT_EQ(read->malformed, (Lines{"1: field 1: text after the closing quote"}));
}

TEST_F(CsvReaderTest, WithoutAHeaderAnEmptyFileHasNoColumns) {
  ReadOptions options;
  options.header = false;
  auto read = this->read("", options);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_TRUE(read->columns.empty());
  EXPECT_TRUE(read->records.empty());
}

TEST_F(CsvReaderTest, ARecordWithTheWrongFieldCountIsMalformedWithItsLine) {
  auto read = this->read(
      "a,b,c\n"
      "1,\"x\ny\n\",3\n"  // lines 2-4
      "1,2\n"             // 5
      "4,5,6,7\n"         // 6
      "\"p\nq\",9,10\n"   // 7-8
      "8,\"9\n\"\n"       // 9-10
      "11,12,13\n");      // 11
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:1|\"x\ny\n\"|3", "7:\"p\nq\"|9|10", "11:11|12|13"}));
  EXPECT_EQ(read->malformed, (Lines{"5: 2 fields, expected 3", "6: 4 fields, expected 3",
                                    "9: 2 fields, expected 3"}));
  EXPECT_EQ(read->malformed_count, 3u);
}

TEST_F(CsvReaderTest, TextAfterAClosingQuoteIsMalformed) {
  auto read = this->read("a,b\n\"ab\"c,1\n1,\"x\" \n\"ok\",\"q\"\"\"\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"4:\"ok\"|\"q\"\""}));
  EXPECT_EQ(read->malformed, (Lines{"2: field 1: text after the closing quote",
                                    "3: field 2: text after the closing quote"}));
}

TEST_F(CsvReaderTest, AQuoteOpenAtTheEndOfTheFileIsMalformed) {
  auto read = this->read("a,b\n1,2\n3,\"open\nmore,\n\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:1|2"}));
  EXPECT_EQ(read->malformed, (Lines{"3: field 2: unterminated quoted field"}));
}

TEST_F(CsvReaderTest, KeepsASampleOfMalformedRowsAndCountsThemAll) {
  std::string text = "a,b\n";
  for (int i = 0; i < 25; ++i) {
    text += "1,2,3\n";
  }
  auto read = this->read(text);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->malformed_count, 25u);
  ASSERT_EQ(read->malformed.size(), RecordSource::k_malformed_sample);
  EXPECT_EQ(read->malformed.back(), "21: 3 fields, expected 2");
}

// The same records whatever the block size, so whatever field, quote or line end a block
// boundary cuts.
TEST_F(CsvReaderTest, RecordsAcrossBlockBoundaries) {
  std::string text =
      "\xEF\xBB\xBFid,name,note\r\n"
      "1,\"Smith, J\",\"said \"\"no\"\"\"\r\n"
      "\r\n"
      "2,plain,\"multi\r\nline\nfield\"\n"
      "3,\"ab\"c,x\n"
      "4,\"\"\"\",\"\"\n"
      "5,short\n"
      "6,a\"b,\"x\"\r\n"
      "7,,\"open";
  auto expected = read(text);
  ASSERT_TRUE(expected.ok()) << expected.error().message();
  EXPECT_EQ(expected->records,
            (Lines{"2:1|\"Smith, J\"|\"said \"no\"\"", "4:2|plain|\"multi\r\nline\nfield\"",
                   "8:4|\"\"\"|\"\"", "10:6|a\"b|\"x\""}));
  EXPECT_EQ(expected->malformed,
            (Lines{"7: field 2: text after the closing quote", "9: 2 fields, expected 3",
                   "11: field 3: unterminated quoted field"}));
  for (size_t block : {1, 2, 3, 7}) {
    CsvLimits limits;
    limits.block_size = block;
    auto read = this->read(text, {}, limits);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(read->columns, (Lines{"id", "name", "note"})) << "block size " << block;
    EXPECT_EQ(read->records, expected->records) << "block size " << block;
    EXPECT_EQ(read->malformed, expected->malformed) << "block size " << block;
    EXPECT_EQ(read->bytes_read, text.size()) << "block size " << block;
  }
}

// The rules of csv_reader.hpp, one byte at a time: a reference to compare the tokenizer with.
// Returns the records and the malformed rows as read_all shows them (no header).
Read reference_read(std::string_view text) {
  Read read;
  if (text.substr(0, 3) == "\xEF\xBB\xBF") {
    text.remove_prefix(3);
  }
  size_t i = 0;
  uint64_t line = 1;
  size_t columns = 0;
  auto at = [&](size_t k) { return k < text.size() ? text[k] : '\0'; };
  while (i < text.size()) {
    if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] == '\n'))) {
      line += text[i] == '\n' || i + 1 < text.size() ? 1 : 0;
      i += text[i] == '\n' ? 1 : 2;
      continue;
    }
    uint64_t start_line = line;
    std::vector<std::string> fields;
    std::string problem;
    for (bool more = true; more;) {
      std::string field;
      bool quoted = at(i) == '"' && i < text.size();
      if (quoted) {
        ++i;
        while (i < text.size() && !(text[i] == '"' && at(i + 1) != '"')) {
          line += text[i] == '\n' ? 1 : 0;
          field += text[i];
          i += text[i] == '"' ? 2 : 1;
        }
        if (i >= text.size() && problem.empty()) {
          problem = "field " + std::to_string(fields.size() + 1) + ": unterminated quoted field";
        }
        ++i;  // the closing quote
        bool ends = i >= text.size() || text[i] == ',' || text[i] == '\n' ||
                    (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] == '\n'));
        if (!ends && problem.empty()) {
          problem = "field " + std::to_string(fields.size() + 1) + ": text after the closing quote";
        }
        while (!ends && i < text.size() && text[i] != ',' && text[i] != '\n') {
          ++i;
        }
        i += text[i - 1] != '\n' && at(i) == '\r' && at(i + 1) == '\n' ? 1 : 0;
        field = "\"" + field + "\"";
      } else {
        while (i < text.size() && text[i] != ',' && text[i] != '\n') {
          field += text[i++];
        }
        if ((i >= text.size() || text[i] == '\n') && !field.empty() && field.back() == '\r') {
          field.pop_back();
        }
      }
      fields.push_back(field);
      more = i < text.size() && text[i] == ',';
      line += i < text.size() && text[i] == '\n' ? 1 : 0;
      i += i < text.size() ? 1 : 0;
    }
    std::string shown = std::to_string(start_line) + ":";
    for (size_t f = 0; f < fields.size(); ++f) {
      shown += (f == 0 ? "" : "|") + fields[f];
    }
    if (!problem.empty()) {
      read.malformed.push_back(std::to_string(start_line) + ": " + problem);
    } else if (columns == 0 || fields.size() == columns) {
      columns = fields.size();
      read.records.push_back(shown);
    } else {
      read.malformed.push_back(std::to_string(start_line) + ": " + std::to_string(fields.size()) +
                               (fields.size() == 1 ? " field" : " fields") + ", expected " +
                               std::to_string(columns));
    }
  }
  return read;
}

TEST_F(CsvReaderTest, AgreesWithAReferenceOnRandomText) {
  const char alphabet[] = "ab,,\"\"\n\r";
  uint64_t seed = 12345;
  ReadOptions options;
  options.header = false;
  for (int round = 0; round < 400; ++round) {
    std::string text = round % 7 == 0 ? "\xEF\xBB\xBF" : "";
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    size_t length = (seed >> 33) % 40;
    for (size_t k = 0; k < length; ++k) {
      seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
      text += alphabet[(seed >> 33) % (sizeof alphabet - 1)];
    }
    Read expected = reference_read(text);
    write_bytes(file(), text);
    for (size_t block : {size_t{1}, size_t{2}, size_t{5}, ByteInput::k_default_block_size}) {
      CsvLimits limits;
      limits.block_size = block;
      auto reader = CsvReader::open(file(), options, limits);
      ASSERT_TRUE(reader.ok()) << reader.error().message();
      auto read = read_all(**reader);
      ASSERT_TRUE(read.ok()) << read.error().message();
      ASSERT_EQ(read->records, expected.records) << "text '" << text << "', block " << block;
      ASSERT_EQ(read->malformed, expected.malformed) << "text '" << text << "', block " << block;
    }
  }
}

TEST_F(CsvReaderTest, ReadsGzipAndConcatenatedMembers) {
  std::string first = "a,b\n1,\"x\ny\"\n";
  std::string second = "2,3\n";
  write_gzip(m_dir.path() / "data.csv.gz", first, "wb");
  write_gzip(m_dir.path() / "data.csv.gz", second, "ab");  // a second member
  for (size_t block : {size_t{1}, ByteInput::k_default_block_size}) {
    CsvLimits limits;
    limits.block_size = block;
    auto reader = CsvReader::open(m_dir.path() / "data.csv.gz", {}, limits);
    ASSERT_TRUE(reader.ok()) << reader.error().message();
    auto read = read_all(**reader);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(read->records, (Lines{"2:1|\"x\ny\"", "4:2|3"}));
    EXPECT_EQ(read->bytes_read, first.size() + second.size());
  }
}

TEST_F(CsvReaderTest, ATruncatedGzipFileIsAnIoErrorNamingTheFile) {
  std::string text = "a,b\n";
  for (int i = 0; i < 5000; ++i) {
    text += std::to_string(i) + "," + std::to_string(i * 7919 % 10007) + "\n";
  }
  auto whole = m_dir.path() / "whole.gz";
  write_gzip(whole, text, "wb");
  std::ifstream in(whole, std::ios::binary);
  std::string bytes(std::istreambuf_iterator<char>(in), {});
  write_bytes(file(), bytes.substr(0, bytes.size() / 2));
  auto reader = CsvReader::open(file(), {});
  ASSERT_TRUE(reader.ok()) << reader.error().message();
  auto read = read_all(**reader);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind(), ErrorKind::Io);
  EXPECT_NE(read.error().message().find(file().string() + ": truncated gzip data"),
            std::string::npos)
      << read.error().message();
}

TEST_F(CsvReaderTest, ADuplicateColumnIsAnError) {
  Error error = this->error("\n\na,x,b,c,x\n1,2,3,4,5\n");
  EXPECT_EQ(error.kind(), ErrorKind::InvalidSpec);
  EXPECT_EQ(error.message(),
            file().string() + ":3: duplicate column 'x' (columns 2 and 5); rename one");
}

TEST_F(CsvReaderTest, EmptyColumnNamesAreNamedByPosition) {
  auto read = this->read("a,,\"\"\n1,2,3\n");
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->columns, (Lines{"a", "column_2", "column_3"}));
}

TEST_F(CsvReaderTest, AnEmptyFileIsAnErrorWhenAHeaderIsExpected) {
  for (const char* text : {"", "\n\r\n", "\xEF\xBB\xBF"}) {
    Error error = this->error(text);
    EXPECT_EQ(error.kind(), ErrorKind::InvalidSpec);
    EXPECT_EQ(error.message(), file().string() + ": empty file, expected a header row");
  }
}

TEST_F(CsvReaderTest, AMalformedHeaderIsAnError) {
  Error error = this->error("a,\"b\"x\n1,2\n");
  EXPECT_EQ(error.kind(), ErrorKind::InvalidSpec);
  EXPECT_EQ(error.message(),
            file().string() + ":1: malformed header row: field 2: text after the closing quote");
}

TEST_F(CsvReaderTest, ARecordLongerThanTheLimitIsAnError) {
  CsvLimits limits;
  limits.max_record_bytes = 32;
  std::string ok = "a,b\n" + std::string(29, 'x') + ",y\n";  // 32 bytes with its LF
  auto read = this->read(ok, {}, limits);
  ASSERT_TRUE(read.ok()) << read.error().message();
  for (size_t block : {size_t{3}, ByteInput::k_default_block_size}) {
    limits.block_size = block;
    Error error = this->error(ok + "1,2\n" + std::string(40, 'z') + ",1\n", {}, limits);
    EXPECT_EQ(error.kind(), ErrorKind::InvalidSpec);
    EXPECT_EQ(error.message(), file().string() +
                                   ":4: a record longer than 32 bytes, the reader's limit; a quote "
                                   "left open runs on to the end of the file: check the quoting "
                                   "from this line on");
  }
}

TEST_F(CsvReaderTest, AQuoteLeftOpenInABigFileHitsTheLimit) {
  CsvLimits limits;
  limits.max_record_bytes = 1000;
  limits.block_size = 64;
  std::string text = "a,b\n1,\"oops\n";
  for (int i = 0; i < 500; ++i) {
    text += "2,3\n";
  }
  Error error = this->error(text, {}, limits);
  EXPECT_EQ(error.message(), file().string() +
                                 ":2: a record longer than 1000 bytes, the reader's limit; a quote "
                                 "left open runs on to the end of the file: check the quoting "
                                 "from this line on");
}

TEST_F(CsvReaderTest, TheDefaultRecordLimitIsShownInMebibytes) {
  CsvLimits limits;
  limits.max_record_bytes = size_t{1} << 20;
  Error error =
      this->error("a\n\"" + std::string((size_t{1} << 20) + 10, 'x') + "\"\n", {}, limits);
  EXPECT_NE(error.message().find(":2: a record longer than 1 MiB, the reader's limit"),
            std::string::npos)
      << error.message();
}

TEST_F(CsvReaderTest, MoreColumnsThanTheLimitIsAnError) {
  CsvLimits limits;
  limits.max_columns = 4;
  auto read = this->read("a,b,c,d\n1,2,3,4\n", {}, limits);
  ASSERT_TRUE(read.ok()) << read.error().message();
  Error error = this->error("a,b,c,d\n1,2,3,4\n\n1,2,3,4,5\n", {}, limits);
  EXPECT_EQ(error.kind(), ErrorKind::InvalidSpec);
  EXPECT_EQ(error.message(), file().string() +
                                 ":4: more than 4 fields in a record, the reader's limit; check "
                                 "that the delimiter is right");
}

TEST_F(CsvReaderTest, AMissingFileIsNotFound) {
  auto reader = CsvReader::open(m_dir.path() / "missing.csv", {});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().kind(), ErrorKind::NotFound);
  EXPECT_NE(reader.error().message().find((m_dir.path() / "missing.csv").string()),
            std::string::npos);
}

TEST_F(CsvReaderTest, TheDelimiterIsConfigurable) {
  ReadOptions options;
  options.delimiter = ';';
  auto read = this->read("a;b\n\"1;2\";3,4\n", options);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:\"1;2\"|3,4"}));
  options.delimiter = '\t';
  read = this->read("a\tb\n1 2\t,\n", options);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:1 2|,"}));
}

TEST_F(CsvReaderTest, AQuoteOfZeroTurnsQuotingOff) {
  ReadOptions options;
  options.quote = '\0';
  auto read = this->read("a,b\n\"x,y\"\n", options);
  ASSERT_TRUE(read.ok()) << read.error().message();
  EXPECT_EQ(read->records, (Lines{"2:\"x|y\""}));
}

TEST_F(CsvReaderTest, ADelimiterThatCannotWorkIsAnError) {
  ReadOptions options;
  options.delimiter = '"';
  Error error = this->error("a\n", options);
  EXPECT_EQ(error.message(),
            file().string() + ": the delimiter and the quote are both '\"'; choose different ones");
  options.delimiter = '\n';
  error = this->error("a\n", options);
  EXPECT_EQ(error.message(),
            file().string() + ": byte 10 cannot be a delimiter or a quote: it ends lines");
}

TEST_F(CsvReaderTest, OpenRecordsPicksTheFormatAndTheDelimiterFromTheName) {
  write_bytes(m_dir.path() / "t.TSV", "a\tb\n1,2\t3\n");
  write_gzip(m_dir.path() / "t.tsv.gz", "a\tb\n4\t5\n", "wb");
  write_bytes(m_dir.path() / "l.jsonl", "{\"a\": 1}\n");
  write_gzip(m_dir.path() / "l.ndjson.gz", "{\"b\": 2}\n", "wb");
  write_bytes(m_dir.path() / "c.txt", "a;b\n1;2\n");
  struct Case {
    const char* name;
    ReadOptions options;
    Lines columns;
    Lines records;
  };
  ReadOptions semicolon;
  semicolon.delimiter = ';';
  ReadOptions as_jsonl;
  as_jsonl.format = DataFormat::JsonLines;
  for (const Case& c :
       {Case{"t.TSV", {}, {"a", "b"}, {"2:1,2|3"}}, Case{"t.tsv.gz", {}, {"a", "b"}, {"2:4|5"}},
        Case{"l.jsonl", {}, {"a"}, {"1:1"}}, Case{"l.ndjson.gz", {}, {"b"}, {"1:2"}},
        Case{"c.txt", {}, {"a;b"}, {"2:1;2"}}, Case{"c.txt", semicolon, {"a", "b"}, {"2:1|2"}}}) {
    auto source = open_records(m_dir.path() / c.name, c.options);
    ASSERT_TRUE(source.ok()) << source.error().message();
    auto read = read_all(**source);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(read->columns, c.columns) << c.name;
    EXPECT_EQ(read->records, c.records) << c.name;
  }
  auto forced = open_records(m_dir.path() / "c.txt", as_jsonl);
  ASSERT_TRUE(forced.ok()) << forced.error().message();
  auto read = read_all(**forced);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->malformed_count, 2u);
}

}  // namespace
}  // namespace mlops
