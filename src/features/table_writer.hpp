// Writing rows read from the feature store as CSV (RFC 4180) or JSON Lines, to a file (written
// atomically: a temporary beside it, then a rename), optionally zstd-compressed, or to stdout.
//
// Output is deterministic: the same rows give the same bytes (a dataset rebuilt from the same
// commits is byte-identical), so floats are written in their shortest round-trip form and times
// in one canonical ISO 8601 form (features/values.hpp).
#pragma once

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/error.hpp"

namespace mlops {

enum class TableFormat { Csv, JsonLines };

// Appends `text` as one CSV field: quoted when it holds a delimiter, a quote, CR or LF, or
// starts or ends with a space (and, with `quote_empty`, when empty, so that an empty string does
// not read back as a missing value); quotes inside doubled.
void append_csv_field(std::string& out, std::string_view text, bool quote_empty);

// Where bytes go: a file (committed with finish()), or an open stream such as stdout.
class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Status write(std::string_view bytes) = 0;
  // Flushes; for a file, makes it appear under its name. Nothing is left behind on failure.
  virtual Status finish() = 0;
  // The XXH3-128 digest and size of the bytes as written (compressed, for a .zst).
  virtual std::string digest() const { return {}; }
};

// A file at `path`, atomically replaced; zstd-compressed (level 3) when `compress`.
Result<std::unique_ptr<ByteSink>> open_file_sink(const std::filesystem::path& path, bool compress);
std::unique_ptr<ByteSink> stream_sink(std::FILE* stream);

class TableWriter {
 public:
  TableWriter(ByteSink& sink, TableFormat format, std::vector<std::string> columns);
  void null();
  void text(std::string_view value);    // a string value
  void number(std::string_view value);  // written as is (a JSON number)
  void number(int64_t value);
  void number(double value);  // shortest round-trip form; NaN and infinities as text in JSON
  void boolean(bool value);
  // A value that needs no quoting or escaping in either format (a time, an operation name, a
  // number), written as it is; `quoted`: as a JSON string in JSON Lines.
  void plain(std::string_view value, bool quoted);
  void time(int64_t micros);
  void end_row();
  Status finish();  // writes what is buffered and finishes the sink
  uint64_t rows() const { return m_rows; }

 private:
  void separator();

  ByteSink& m_sink;
  TableFormat m_format;
  std::vector<std::string> m_columns;
  std::string m_buffer;
  size_t m_field = 0;
  uint64_t m_rows = 0;
  Status m_status = Status::success();
};

}  // namespace mlops
