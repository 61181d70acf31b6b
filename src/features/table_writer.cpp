#include "features/table_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>

#include <fmt/format.h>
#include <zstd.h>

#include "features/values.hpp"
#include "hash/digest.hpp"

namespace mlops {
namespace {

constexpr size_t k_flush_bytes = size_t{1} << 20;

// A temporary file beside `path`, renamed over it by finish(); removed if never finished.
class FileSink final : public ByteSink {
 public:
  FileSink(std::filesystem::path path, std::filesystem::path temp, int fd, bool compress)
      : m_path(std::move(path)), m_temp(std::move(temp)), m_fd(fd) {
    if (compress) {
      m_zstd = ZSTD_createCCtx();
      ZSTD_CCtx_setParameter(m_zstd, ZSTD_c_compressionLevel, 3);
    }
  }
  ~FileSink() override {
    if (m_fd >= 0) {
      ::close(m_fd);
      ::unlink(m_temp.c_str());
    }
    if (m_zstd) {
      ZSTD_freeCCtx(m_zstd);
    }
  }

  Status write(std::string_view bytes) override {
    if (!m_zstd) {
      return write_raw(bytes);
    }
    return compress(bytes, ZSTD_e_continue);
  }

  Status finish() override {
    if (m_zstd) {
      MLOPS_CHECK(compress({}, ZSTD_e_end));
    }
    if (::fsync(m_fd) != 0 || ::close(m_fd) != 0) {
      m_fd = -1;
      ::unlink(m_temp.c_str());
      return Error(ErrorKind::Io,
                   fmt::format("cannot write {}: {}", m_path.string(), std::strerror(errno)));
    }
    m_fd = -1;
    if (::rename(m_temp.c_str(), m_path.c_str()) != 0) {
      ::unlink(m_temp.c_str());
      return Error(ErrorKind::Io, fmt::format("cannot rename {} to {}: {}", m_temp.string(),
                                              m_path.string(), std::strerror(errno)));
    }
    return Status::success();
  }

  std::string digest() const override { return m_hasher.finish().hex(); }

 private:
  Status write_raw(std::string_view bytes) {
    m_hasher.update(bytes);
    while (!bytes.empty()) {
      ssize_t written = ::write(m_fd, bytes.data(), bytes.size());
      if (written < 0 && errno == EINTR) {
        continue;
      }
      if (written <= 0) {
        return Error(ErrorKind::Io,
                     fmt::format("cannot write {}: {}", m_temp.string(), std::strerror(errno)));
      }
      bytes.remove_prefix(static_cast<size_t>(written));
    }
    return Status::success();
  }

  Status compress(std::string_view bytes, ZSTD_EndDirective mode) {
    ZSTD_inBuffer input{bytes.data(), bytes.size(), 0};
    std::string out(ZSTD_CStreamOutSize(), '\0');
    while (true) {
      ZSTD_outBuffer output{out.data(), out.size(), 0};
      size_t left = ZSTD_compressStream2(m_zstd, &output, &input, mode);
      if (ZSTD_isError(left)) {
        return Error(ErrorKind::Io, std::string("zstd: ") + ZSTD_getErrorName(left));
      }
      MLOPS_CHECK(write_raw(std::string_view(out.data(), output.pos)));
      bool done = mode == ZSTD_e_end ? left == 0 : input.pos == input.size;
      if (done) {
        return Status::success();
      }
    }
  }

  std::filesystem::path m_path;
  std::filesystem::path m_temp;
  int m_fd;
  ZSTD_CCtx* m_zstd = nullptr;
  Hasher m_hasher;
};

class StreamSink final : public ByteSink {
 public:
  explicit StreamSink(std::FILE* stream) : m_stream(stream) {}
  Status write(std::string_view bytes) override {
    if (std::fwrite(bytes.data(), 1, bytes.size(), m_stream) != bytes.size()) {
      return Error(ErrorKind::Io, fmt::format("cannot write the output: {}", std::strerror(errno)));
    }
    return Status::success();
  }
  Status finish() override {
    return std::fflush(m_stream) == 0 ? Status::success()
                                      : Status(Error(ErrorKind::Io, "cannot write the output"));
  }

 private:
  std::FILE* m_stream;
};

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", u);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

void append_csv_field(std::string& out, std::string_view text, bool quote_empty) {
  bool quote = (quote_empty && text.empty()) ||
               text.find_first_of(",\"\r\n") != std::string_view::npos ||
               (!text.empty() && (text.front() == ' ' || text.back() == ' '));
  if (!quote) {
    out += text;
    return;
  }
  out.push_back('"');
  for (char c : text) {
    if (c == '"') {
      out.push_back('"');
    }
    out.push_back(c);
  }
  out.push_back('"');
}

Result<std::unique_ptr<ByteSink>> open_file_sink(const std::filesystem::path& path, bool compress) {
  std::filesystem::path temp = path;
  temp += fmt::format(".tmp-{}", ::getpid());
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return Error(ErrorKind::Io,
                 fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  }
  return std::unique_ptr<ByteSink>(new FileSink(path, temp, fd, compress));
}

std::unique_ptr<ByteSink> stream_sink(std::FILE* stream) {
  return std::make_unique<StreamSink>(stream);
}

TableWriter::TableWriter(ByteSink& sink, TableFormat format, std::vector<std::string> columns)
    : m_sink(sink), m_format(format), m_columns(std::move(columns)) {
  if (m_format == TableFormat::Csv) {
    for (size_t i = 0; i < m_columns.size(); ++i) {
      if (i > 0) {
        m_buffer.push_back(',');
      }
      append_csv_field(m_buffer, m_columns[i], false);
    }
    m_buffer.push_back('\n');
  }
}

void TableWriter::separator() {
  if (m_format == TableFormat::Csv) {
    if (m_field > 0) {
      m_buffer.push_back(',');
    }
  } else {
    m_buffer += m_field == 0 ? "{" : ",";
    append_json_string(m_buffer, m_columns[m_field]);
    m_buffer.push_back(':');
  }
  ++m_field;
}

void TableWriter::null() {
  separator();
  if (m_format == TableFormat::JsonLines) {
    m_buffer += "null";
  }
}

void TableWriter::text(std::string_view value) {
  separator();
  if (m_format == TableFormat::Csv) {
    // An empty string must not read back as a null (an empty unquoted field).
    append_csv_field(m_buffer, value, true);
  } else {
    append_json_string(m_buffer, value);
  }
}

void TableWriter::number(std::string_view value) {
  separator();
  if (m_format == TableFormat::JsonLines && (value == "nan" || value == "inf" || value == "-inf")) {
    append_json_string(m_buffer, value);  // JSON has no NaN
    return;
  }
  m_buffer += value;
}

void TableWriter::number(int64_t value) {
  separator();
  char text[24];
  auto [end, error] = std::to_chars(text, text + sizeof text, value);
  m_buffer.append(text, end);
}

void TableWriter::number(double value) {
  if (!std::isfinite(value) && m_format == TableFormat::JsonLines) {
    std::string text;
    append_float(text, value);
    number(std::string_view(text));
    return;
  }
  separator();
  append_float(m_buffer, value);
}

void TableWriter::plain(std::string_view value, bool quoted) {
  separator();
  bool json_string = quoted && m_format == TableFormat::JsonLines;
  if (json_string) {
    m_buffer.push_back('"');
  }
  m_buffer += value;
  if (json_string) {
    m_buffer.push_back('"');
  }
}

void TableWriter::boolean(bool value) {
  separator();
  m_buffer += value ? "true" : "false";
}

void TableWriter::time(int64_t micros) {
  separator();
  if (m_format == TableFormat::JsonLines) {
    m_buffer.push_back('"');
  }
  append_event_time(m_buffer, micros);
  if (m_format == TableFormat::JsonLines) {
    m_buffer.push_back('"');
  }
}

void TableWriter::end_row() {
  m_buffer += m_format == TableFormat::Csv ? "\n" : "}\n";
  m_field = 0;
  ++m_rows;
  if (m_buffer.size() >= k_flush_bytes && m_status.ok()) {
    m_status = m_sink.write(m_buffer);
    m_buffer.clear();
  }
}

Status TableWriter::finish() {
  MLOPS_CHECK(m_status);
  MLOPS_CHECK(m_sink.write(m_buffer));
  m_buffer.clear();
  return m_sink.finish();
}

}  // namespace mlops
