#include "data/byte_input.hpp"

#include <zlib.h>

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

// gzip's bytes for `text`, as one member, written by zlib's gz* functions.
std::string gzip_member(const std::filesystem::path& scratch, const std::string& text) {
  gzFile file = gzopen(scratch.c_str(), "wb");
  EXPECT_NE(file, nullptr);
  EXPECT_EQ(gzwrite(file, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  EXPECT_EQ(gzclose(file), Z_OK);
  std::ifstream in(scratch, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// Everything the input yields, consuming the whole window at each step; checks the sentinel.
Result<std::string> drain(ByteInput& input) {
  std::string out;
  for (;;) {
    std::string_view window = input.window();
    EXPECT_EQ(window.data()[window.size()], '\n') << "no sentinel after the window";
    out.append(window);
    input.consume(window.size());
    MLOPS_TRY(more, input.fill());
    if (!*more) {
      EXPECT_TRUE(input.at_end());
      return out;
    }
  }
}

// Some text that does not compress to nothing.
std::string sample_text(size_t size) {
  std::string text;
  uint64_t seed = 7;
  while (text.size() < size) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    text += std::to_string(seed >> 40);
    text += (seed >> 20) % 5 == 0 ? '\n' : ',';
  }
  text.resize(size);
  return text;
}

class ByteInputTest : public ::testing::Test {
 protected:
  testing::TempDir m_dir;
};

TEST_F(ByteInputTest, ReadsAPlainFileAtEveryBlockSize) {
  std::string text = sample_text(5000);
  write_bytes(m_dir.path() / "data.csv", text);
  for (size_t block : {size_t{1}, size_t{2}, size_t{3}, size_t{7}, size_t{4096},
                       ByteInput::k_default_block_size}) {
    auto input = ByteInput::open(m_dir.path() / "data.csv", block);
    ASSERT_TRUE(input.ok()) << input.error().message();
    EXPECT_FALSE(input->gzip());
    auto read = drain(*input);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(*read, text) << "block size " << block;
    EXPECT_EQ(input->bytes_read(), text.size());
  }
}

TEST_F(ByteInputTest, KeepsTheUnconsumedBytesAcrossFills) {
  std::string text = sample_text(1000);
  write_bytes(m_dir.path() / "data.csv", text);
  auto input = ByteInput::open(m_dir.path() / "data.csv", 3);
  ASSERT_TRUE(input.ok());
  // Never consume: the window must grow to the whole file.
  while (true) {
    auto more = input->fill();
    ASSERT_TRUE(more.ok());
    if (!*more) {
      break;
    }
  }
  EXPECT_EQ(input->window(), text);
}

TEST_F(ByteInputTest, AnEmptyFileHasNoBytes) {
  write_bytes(m_dir.path() / "empty.csv", "");
  auto input = ByteInput::open(m_dir.path() / "empty.csv");
  ASSERT_TRUE(input.ok());
  EXPECT_TRUE(input->window().empty());
  auto more = input->fill();
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
  EXPECT_TRUE(input->at_end());
}

TEST_F(ByteInputTest, AMissingFileIsNotFound) {
  auto input = ByteInput::open(m_dir.path() / "nope.csv");
  ASSERT_FALSE(input.ok());
  EXPECT_EQ(input.error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(input.error().message(),
            "cannot read " + (m_dir.path() / "nope.csv").string() + ": No such file or directory");
}

TEST_F(ByteInputTest, InflatesGzipWhateverTheName) {
  std::string text = sample_text(300000);
  write_bytes(m_dir.path() / "data.csv", gzip_member(m_dir.path() / "member.gz", text));
  for (size_t block : {size_t{1}, size_t{7}, size_t{1000}, ByteInput::k_default_block_size}) {
    auto input = ByteInput::open(m_dir.path() / "data.csv", block);
    ASSERT_TRUE(input.ok()) << input.error().message();
    EXPECT_TRUE(input->gzip());
    auto read = drain(*input);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(*read, text) << "block size " << block;
    EXPECT_EQ(input->bytes_read(), text.size());
  }
}

TEST_F(ByteInputTest, ReadsConcatenatedGzipMembersAsOneText) {
  std::string first = sample_text(2000);
  std::string second = "x,y\n1,2\n";
  std::string empty;
  write_bytes(m_dir.path() / "data.csv.gz", gzip_member(m_dir.path() / "a.gz", first) +
                                                gzip_member(m_dir.path() / "b.gz", empty) +
                                                gzip_member(m_dir.path() / "c.gz", second));
  for (size_t block : {size_t{1}, size_t{5}, ByteInput::k_default_block_size}) {
    auto input = ByteInput::open(m_dir.path() / "data.csv.gz", block);
    ASSERT_TRUE(input.ok());
    auto read = drain(*input);
    ASSERT_TRUE(read.ok()) << read.error().message();
    EXPECT_EQ(*read, first + second) << "block size " << block;
  }
}

TEST_F(ByteInputTest, ATruncatedGzipFileIsAnIoErrorNamingTheFile) {
  std::string member = gzip_member(m_dir.path() / "a.gz", sample_text(20000));
  auto file = m_dir.path() / "cut.csv.gz";
  write_bytes(file, member.substr(0, member.size() - 10));
  for (size_t block : {size_t{1}, ByteInput::k_default_block_size}) {
    auto input = ByteInput::open(file, block);
    ASSERT_TRUE(input.ok());
    auto read = drain(*input);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.error().kind(), ErrorKind::Io);
    EXPECT_EQ(read.error().message(),
              "cannot read " + file.string() + ": truncated gzip data (the file ends at byte " +
                  std::to_string(member.size() - 10) +
                  ", inside a compressed member); it was probably cut short while being written "
                  "or copied: make or download it again");
  }
}

TEST_F(ByteInputTest, OnlyTheMagicNumberIsATruncatedGzipFile) {
  write_bytes(m_dir.path() / "magic.gz", "\x1f\x8b");
  auto input = ByteInput::open(m_dir.path() / "magic.gz", 1);
  ASSERT_TRUE(input.ok());
  auto read = drain(*input);
  ASSERT_FALSE(read.ok());
  EXPECT_NE(read.error().message().find("truncated gzip data"), std::string::npos);
}

TEST_F(ByteInputTest, CorruptGzipDataIsAnIoError) {
  std::string member = gzip_member(m_dir.path() / "a.gz", sample_text(20000));
  for (size_t i = member.size() / 2; i < member.size() / 2 + 64; ++i) {
    member[i] = static_cast<char>(member[i] ^ 0x5a);
  }
  auto file = m_dir.path() / "bad.gz";
  write_bytes(file, member);
  auto input = ByteInput::open(file);
  ASSERT_TRUE(input.ok());
  auto read = drain(*input);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind(), ErrorKind::Io);
  EXPECT_EQ(read.error().message().rfind("cannot read " + file.string() + ": corrupt gzip data", 0),
            0u)
      << read.error().message();
}

TEST_F(ByteInputTest, GarbageAfterAGzipMemberIsAnIoError) {
  auto file = m_dir.path() / "tail.gz";
  write_bytes(file, gzip_member(m_dir.path() / "a.gz", "a,b\n") + "not gzip");
  auto input = ByteInput::open(file);
  ASSERT_TRUE(input.ok());
  auto read = drain(*input);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind(), ErrorKind::Io);
  EXPECT_NE(read.error().message().find("corrupt gzip data"), std::string::npos);
}

}  // namespace
}  // namespace mlops
