#include "data/byte_codec.hpp"

#include <array>
#include <cstring>

namespace mlops {

void ByteWriter::put(uint64_t value, int width) {
  for (int i = 0; i < width; ++i)
    m_bytes.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

void ByteWriter::f64(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  put(bits, 8);
}

void ByteWriter::text(std::string_view value) {
  u32(static_cast<uint32_t>(value.size()));
  m_bytes.append(value);
}

bool ByteReader::get(uint64_t& value, int width) {
  if (m_failed || remaining() < static_cast<size_t>(width)) {
    m_failed = true;
    return false;
  }
  value = 0;
  for (int i = 0; i < width; ++i) {
    value |= static_cast<uint64_t>(static_cast<unsigned char>(m_bytes[m_position + i])) << (8 * i);
  }
  m_position += width;
  return true;
}

bool ByteReader::u8(uint8_t& value) {
  uint64_t v = 0;
  if (!get(v, 1))
    return false;
  value = static_cast<uint8_t>(v);
  return true;
}

bool ByteReader::u16(uint16_t& value) {
  uint64_t v = 0;
  if (!get(v, 2))
    return false;
  value = static_cast<uint16_t>(v);
  return true;
}

bool ByteReader::u32(uint32_t& value) {
  uint64_t v = 0;
  if (!get(v, 4))
    return false;
  value = static_cast<uint32_t>(v);
  return true;
}

bool ByteReader::u64(uint64_t& value) {
  return get(value, 8);
}

bool ByteReader::f64(double& value) {
  uint64_t bits = 0;
  if (!get(bits, 8))
    return false;
  std::memcpy(&value, &bits, sizeof value);
  return true;
}

bool ByteReader::raw(size_t length, std::string_view& value) {
  if (m_failed || remaining() < length) {
    m_failed = true;
    return false;
  }
  value = m_bytes.substr(m_position, length);
  m_position += length;
  return true;
}

bool ByteReader::text(std::string& value) {
  uint32_t length = 0;
  std::string_view bytes;
  if (!u32(length) || !raw(length, bytes))
    return false;
  value.assign(bytes);
  return true;
}

namespace {

constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::array<int8_t, 256> decode_table() {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i)
    table[static_cast<unsigned char>(k_alphabet[i])] = static_cast<int8_t>(i);
  return table;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t n = (static_cast<unsigned char>(bytes[i]) << 16) |
                 (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                 static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6)
      out.push_back(k_alphabet[(n >> shift) & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<unsigned char>(bytes[i]) << 16;
    if (rest == 2)
      n |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(k_alphabet[(n >> 18) & 63]);
    out.push_back(k_alphabet[(n >> 12) & 63]);
    out.push_back(rest == 2 ? k_alphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  static const std::array<int8_t, 256> table = decode_table();
  if (text.size() % 4 != 0)
    return std::nullopt;
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    bool last = i + 4 == text.size();
    int pad = 0;
    uint32_t n = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      int value = 0;
      if (c == '=' && last && j >= 2) {
        ++pad;
      } else {
        if (pad > 0)
          return std::nullopt;  // a digit after padding
        value = table[static_cast<unsigned char>(c)];
        if (value < 0)
          return std::nullopt;
      }
      n = (n << 6) | static_cast<uint32_t>(value);
    }
    out.push_back(static_cast<char>((n >> 16) & 0xff));
    if (pad < 2)
      out.push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1)
      out.push_back(static_cast<char>(n & 0xff));
  }
  return out;
}

}  // namespace mlops
