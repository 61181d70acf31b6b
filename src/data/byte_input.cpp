#include "data/byte_input.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <zlib.h>

namespace mlops {

struct ByteInput::Inflater {
  z_stream stream{};
  std::unique_ptr<unsigned char[]> input;
  size_t input_capacity = 0;
  bool between_members = true;  // before the first member, or just after the end of one
  bool ready = false;           // inflateInit2 succeeded

  explicit Inflater(size_t capacity)
      : input(std::make_unique_for_overwrite<unsigned char[]>(capacity)), input_capacity(capacity) {
    // 16 + 15: a gzip header and trailer (not zlib, not raw deflate), the largest window.
    ready = inflateInit2(&stream, 16 + 15) == Z_OK;
  }
  ~Inflater() {
    if (ready) {
      inflateEnd(&stream);
    }
  }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;
};

namespace {

Error open_error(const std::filesystem::path& path, int err) {
  return Error(err == ENOENT ? ErrorKind::NotFound : ErrorKind::Io,
               fmt::format("cannot read {}: {}", path.string(), std::strerror(err)));
}

}  // namespace

ByteInput::ByteInput(std::filesystem::path path, UniqueFd fd, size_t block_size)
    : m_path(std::move(path)), m_fd(std::move(fd)), m_block_size(std::max<size_t>(block_size, 1)) {
  m_capacity = 2 * m_block_size;
  // Not zeroed: on these VMs the first touch of each page costs more than reading it, and a
  // small file touches one page of the two blocks.
  m_buffer = std::make_unique_for_overwrite<char[]>(m_capacity + k_padding);
  seal();
}

// The sentinel, and zeros after it: scanners load the padding, whose bytes must be defined.
void ByteInput::seal() {
  m_buffer[m_end] = '\n';
  std::memset(m_buffer.get() + m_end + 1, 0, k_padding - 1);
}

ByteInput::ByteInput(ByteInput&&) noexcept = default;
ByteInput& ByteInput::operator=(ByteInput&&) noexcept = default;
ByteInput::~ByteInput() = default;

Result<ByteInput> ByteInput::open(const std::filesystem::path& path, size_t block_size,
                                  uint64_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return open_error(path, errno);
  }
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  ByteInput input(path, UniqueFd(fd), block_size);
  input.m_limit = limit;
  MLOPS_CHECK(input.detect_gzip());
  return input;
}

Result<ByteInput> ByteInput::open_part(const std::filesystem::path& path, uint64_t begin,
                                       uint64_t end, size_t block_size) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return open_error(path, errno);
  }
  ByteInput input(path, UniqueFd(fd), block_size);
  if (::lseek(fd, static_cast<off_t>(begin), SEEK_SET) < 0) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)));
  }
  ::posix_fadvise(fd, static_cast<off_t>(begin), static_cast<off_t>(end - begin),
                  POSIX_FADV_SEQUENTIAL);
  input.m_limit = end - begin;
  input.seal();
  return input;
}

// Reads until there are two bytes (or the file ends) and looks for gzip's magic number. Plain
// bytes stay in the window; gzip bytes move to the inflater's input.
Status ByteInput::detect_gzip() {
  while (m_end < 2 && !m_file_ended) {
    MLOPS_TRY(count, read_plain(m_buffer.get() + m_end, m_capacity - m_end));
    m_end += *count;
  }
  if (m_end >= 2 && static_cast<unsigned char>(m_buffer[0]) == 0x1f &&
      static_cast<unsigned char>(m_buffer[1]) == 0x8b) {
    m_inflater = std::make_unique<Inflater>(std::max(m_block_size, m_end));
    if (!m_inflater->ready) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot read {}: zlib could not start inflating", m_path.string()));
    }
    std::memcpy(m_inflater->input.get(), m_buffer.get(), m_end);
    m_inflater->stream.next_in = m_inflater->input.get();
    m_inflater->stream.avail_in = static_cast<uInt>(m_end);
    m_end = 0;
  }
  m_bytes_read = m_end;
  seal();
  return Status::success();
}

// Makes at least `wanted` bytes free after the window: moves the window to the front of the
// buffer, and grows the buffer (at least doubling it) when that is not enough.
void ByteInput::make_room(size_t wanted) {
  if (m_capacity - m_end >= wanted) {
    return;
  }
  size_t size = m_end - m_begin;
  if (m_capacity - size < wanted) {
    size_t capacity = std::max(2 * m_capacity, size + wanted);
    auto buffer = std::make_unique_for_overwrite<char[]>(capacity + k_padding);
    std::memcpy(buffer.get(), m_buffer.get() + m_begin, size);
    m_buffer = std::move(buffer);
    m_capacity = capacity;
  } else {
    std::memmove(m_buffer.get(), m_buffer.get() + m_begin, size);
  }
  m_begin = 0;
  m_end = size;
  seal();  // even if the read that follows fails
}

Result<bool> ByteInput::fill() {
  if (m_at_end) {
    return false;
  }
  // As much again as the window holds, so that a long record is re-scanned O(log n) times.
  make_room(std::max(m_block_size, m_end - m_begin));
  char* out = m_buffer.get() + m_end;
  size_t capacity = m_capacity - m_end;
  MLOPS_TRY(count, gzip() ? read_gzip(out, capacity) : read_plain(out, capacity));
  m_end += *count;
  m_bytes_read += *count;
  seal();  // also when nothing was read: make_room may have moved the window
  m_at_end = *count == 0;
  return *count > 0;
}

Result<size_t> ByteInput::read_plain(char* out, size_t capacity) {
  if (m_file_ended) {
    return size_t{0};
  }
  capacity = static_cast<size_t>(std::min<uint64_t>(capacity, m_limit - m_file_offset));
  for (;;) {
    ssize_t count = capacity == 0 ? 0 : ::read(m_fd.get(), out, capacity);
    if (count >= 0) {
      m_file_offset += static_cast<uint64_t>(count);
      m_file_ended = count == 0;
      return static_cast<size_t>(count);
    }
    if (errno != EINTR) {
      return Error(ErrorKind::Io,
                   fmt::format("cannot read {}: {}", m_path.string(), std::strerror(errno)));
    }
  }
}

// Reads the next block of compressed bytes into the inflater; false at the end of the file.
Result<bool> ByteInput::refill_compressed() {
  auto& inflater = *m_inflater;
  MLOPS_TRY(count,
            read_plain(reinterpret_cast<char*>(inflater.input.get()), inflater.input_capacity));
  inflater.stream.next_in = inflater.input.get();
  inflater.stream.avail_in = static_cast<uInt>(*count);
  return *count > 0;
}

// Inflates into `out` until it has produced something or the data ends (0). A member's end is
// not the data's end: another member may follow (gzip -d reads concatenated members as one).
Result<size_t> ByteInput::read_gzip(char* out, size_t capacity) {
  auto& inflater = *m_inflater;
  z_stream& stream = inflater.stream;
  uInt limit = static_cast<uInt>(std::min<size_t>(capacity, 1u << 30));
  stream.next_out = reinterpret_cast<Bytef*>(out);
  stream.avail_out = limit;
  while (stream.avail_out == limit) {
    if (stream.avail_in == 0) {
      MLOPS_TRY(more, refill_compressed());
      if (!*more) {
        if (inflater.between_members) {
          return size_t{0};
        }
        return Error(ErrorKind::Io,
                     fmt::format("cannot read {}: truncated gzip data (the file ends at byte {}, "
                                 "inside a compressed member); it was probably cut short while "
                                 "being written or copied: make or download it again",
                                 m_path.string(), m_file_offset));
      }
    }
    if (inflater.between_members) {
      inflateReset(&stream);
      inflater.between_members = false;
    }
    int code = inflate(&stream, Z_NO_FLUSH);
    if (code == Z_STREAM_END) {
      inflater.between_members = true;
    } else if (code != Z_OK && !(code == Z_BUF_ERROR && stream.avail_in == 0)) {
      return gzip_error(stream.msg != nullptr ? stream.msg : "inflate failed");
    }
  }
  return static_cast<size_t>(limit - stream.avail_out);
}

Error ByteInput::gzip_error(const char* what) const {
  uint64_t offset = m_file_offset - m_inflater->stream.avail_in;
  return Error(ErrorKind::Io, fmt::format("cannot read {}: corrupt gzip data near byte {} ({}); "
                                          "the file is damaged: make or download it again",
                                          m_path.string(), offset, what));
}

}  // namespace mlops
