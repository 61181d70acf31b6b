#include "data/byte_codec.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

TEST(ByteCodecTest, RoundTripsEveryWidth) {
  ByteWriter writer;
  writer.u8(0xab);
  writer.u16(0xbeef);
  writer.u32(0xdeadbeef);
  writer.u64(0x0123456789abcdefULL);
  writer.f64(-2.5);
  writer.text("héllo");
  ByteReader reader(writer.bytes());
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0;
  uint64_t d = 0;
  double e = 0;
  std::string f;
  ASSERT_TRUE(reader.u8(a) && reader.u16(b) && reader.u32(c) && reader.u64(d) && reader.f64(e) &&
              reader.text(f));
  EXPECT_EQ(a, 0xab);
  EXPECT_EQ(b, 0xbeef);
  EXPECT_EQ(c, 0xdeadbeefU);
  EXPECT_EQ(d, 0x0123456789abcdefULL);
  EXPECT_EQ(e, -2.5);
  EXPECT_EQ(f, "héllo");
  EXPECT_TRUE(reader.at_end());
}

TEST(ByteCodecTest, ShortBufferFailsInsteadOfReadingPastTheEnd) {
  ByteWriter writer;
  writer.u32(1000);  // a text length with no text behind it
  ByteReader reader(writer.bytes());
  std::string text;
  EXPECT_FALSE(reader.text(text));
  EXPECT_FALSE(reader.ok());
  uint8_t byte = 0;
  EXPECT_FALSE(reader.u8(byte));
}

TEST(ByteCodecTest, Base64KnownAnswers) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_decode("Zm9vYmE=").value(), "fooba");
  EXPECT_EQ(base64_decode("Zg==").value(), "f");
  std::string all;
  for (int i = 0; i < 256; ++i)
    all.push_back(static_cast<char>(i));
  EXPECT_EQ(base64_decode(base64_encode(all)).value(), all);
}

TEST(ByteCodecTest, Base64RefusesMalformedText) {
  EXPECT_FALSE(base64_decode("Zg=").has_value());   // not a multiple of 4
  EXPECT_FALSE(base64_decode("Z===").has_value());  // too much padding
  EXPECT_FALSE(base64_decode("Zg=a").has_value());  // a digit after padding
  EXPECT_FALSE(base64_decode("Zm9v*A==").has_value());
  EXPECT_FALSE(base64_decode("Zg==Zg==").has_value());  // padding before the end
}

}  // namespace
}  // namespace mlops
