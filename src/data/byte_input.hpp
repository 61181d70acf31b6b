// The bytes of a data file, a block at a time, as a sliding window that record readers scan.
//
// ByteInput reads the file with read(2) in blocks (1 MiB by default; not mmap: on these VMs
// faulting mapped pages in costs more than copying them) into a buffer it owns. A file whose
// first two bytes are 1f 8b is gzip: it is inflated with zlib as it is read, concatenated members
// included (`cat a.gz b.gz` reads as the concatenation of the two texts), whatever the file's
// name.
//
// The reader sees the unconsumed bytes through window(), calls consume() as it finishes records
// and fill() when a record runs past the end of the window. fill() keeps the unconsumed bytes
// (moving them to the front of the buffer) and appends at least a block, growing the buffer
// when the unconsumed part is large, so a record longer than a block is seen whole after a few
// fills and the buffer stays bounded by the longest record (readers cap that).
//
// The window is always followed by a '\n' sentinel and k_padding - 1 zero bytes, so scanners can
// look for a delimiter or a line end without checking the bounds at every byte, and may load up
// to k_padding bytes at a time from any position up to the sentinel.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string_view>

#include "util/error.hpp"
#include "util/unique_fd.hpp"

namespace mlops {

class ByteInput {
 public:
  static constexpr size_t k_default_block_size = size_t{1} << 20;
  static constexpr size_t k_padding = 64;

  // Opens `path`; reads the first bytes to tell gzip from plain text. NotFound when the file does
  // not exist; Io when it cannot be opened or read. `block_size` (> 0) is how much one read(2)
  // asks for at least; tests use a few bytes to put block ends everywhere.
  // `limit`: read at most that many bytes of the file (a first part read by one of several
  // threads; only for a plain file).
  static Result<ByteInput> open(const std::filesystem::path& path,
                                size_t block_size = k_default_block_size,
                                uint64_t limit = UINT64_MAX);
  // The plain bytes [begin, end) of `path`, not inflated whatever they are (a part of a file
  // read by several threads; the caller has seen that the file is not gzip). The window starts
  // at `begin`; the data ends at `end` or the end of the file.
  static Result<ByteInput> open_part(const std::filesystem::path& path, uint64_t begin,
                                     uint64_t end, size_t block_size = k_default_block_size);

  ByteInput(ByteInput&&) noexcept;
  ByteInput& operator=(ByteInput&&) noexcept;
  ~ByteInput();

  // The bytes read and not yet consumed; valid until the next fill().
  std::string_view window() const { return {m_buffer.get() + m_begin, m_end - m_begin}; }
  // Drops the first `count` bytes of the window (count <= window().size()).
  void consume(size_t count) { m_begin += count; }

  // Appends more bytes to the window: false (and the window unchanged) at the end of the data.
  // Io when the file cannot be read, or when the gzip stream is corrupt or truncated (the
  // message names the file and the compressed offset).
  Result<bool> fill();

  // True once fill() has returned false: the window holds the last bytes of the data.
  bool at_end() const { return m_at_end; }
  bool gzip() const { return m_inflater != nullptr; }
  // Bytes of data appended to the window so far (after decompression).
  uint64_t bytes_read() const { return m_bytes_read; }
  const std::filesystem::path& path() const { return m_path; }

 private:
  struct Inflater;  // zlib's stream and the compressed input (byte_input.cpp)

  ByteInput(std::filesystem::path path, UniqueFd fd, size_t block_size);
  Status detect_gzip();
  void seal();
  void make_room(size_t wanted);
  Result<size_t> read_plain(char* out, size_t capacity);
  Result<size_t> read_gzip(char* out, size_t capacity);
  Result<bool> refill_compressed();
  Error gzip_error(const char* what) const;

  std::filesystem::path m_path;
  UniqueFd m_fd;
  size_t m_block_size;
  std::unique_ptr<char[]> m_buffer;
  size_t m_capacity = 0;  // bytes of m_buffer before the padding
  size_t m_begin = 0;
  size_t m_end = 0;
  bool m_at_end = false;
  bool m_file_ended = false;  // read(2) returned 0
  uint64_t m_bytes_read = 0;
  uint64_t m_file_offset = 0;     // bytes of the file read so far (from the part's beginning)
  uint64_t m_limit = UINT64_MAX;  // open_part: the part's length
  std::unique_ptr<Inflater> m_inflater;
};

}  // namespace mlops
