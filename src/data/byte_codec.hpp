// Bytes in and out of the sketches a profile stores (data/kll.hpp, data/hll.hpp, ...).
//
// A sketch serializes itself with ByteWriter into a compact little-endian byte string, and a
// profile carries that string as base64 text inside its JSON. Profiles are read back from files
// anyone may have edited, so ByteReader never reads past its end: every read says whether it
// succeeded, and a sketch's deserialize() turns a short or inconsistent buffer into a Corrupt
// error instead of undefined behaviour.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mlops {

class ByteWriter {
 public:
  void u8(uint8_t value) { m_bytes.push_back(static_cast<char>(value)); }
  void u16(uint16_t value) { put(value, 2); }
  void u32(uint32_t value) { put(value, 4); }
  void u64(uint64_t value) { put(value, 8); }
  void f64(double value);
  // A length (u32) and the bytes.
  void text(std::string_view value);
  void raw(std::string_view bytes) { m_bytes.append(bytes); }

  const std::string& bytes() const { return m_bytes; }
  std::string take() { return std::move(m_bytes); }

 private:
  void put(uint64_t value, int width);
  std::string m_bytes;
};

// Reads what a ByteWriter wrote. Each read returns false (and leaves the reader failed) when the
// buffer is too short; check ok() or each result.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : m_bytes(bytes) {}

  bool u8(uint8_t& value);
  bool u16(uint16_t& value);
  bool u32(uint32_t& value);
  bool u64(uint64_t& value);
  bool f64(double& value);
  bool text(std::string& value);
  bool raw(size_t length, std::string_view& value);

  bool ok() const { return !m_failed; }
  bool at_end() const { return m_position == m_bytes.size(); }
  size_t remaining() const { return m_bytes.size() - m_position; }

 private:
  bool get(uint64_t& value, int width);
  std::string_view m_bytes;
  size_t m_position = 0;
  bool m_failed = false;
};

// Standard base64 (RFC 4648, with padding).
std::string base64_encode(std::string_view bytes);
// Nothing when `text` is not valid padded base64.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace mlops
