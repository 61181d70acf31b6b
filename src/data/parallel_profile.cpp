// profile_in_parts (data/parallel_profile.hpp).
#include "data/parallel_profile.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "data/csv_reader.hpp"
#include "util/unique_fd.hpp"

namespace mlops {

namespace {

constexpr uint64_t k_max_line_search = uint64_t{64} << 20;  // a cut's line end must be this near

struct Part {
  uint64_t begin = 0;
  uint64_t end = 0;
  std::unique_ptr<CsvReader> reader;
  std::optional<DatasetProfile> profile;
  uint64_t lines = 0;
  bool in_quotes = false;
  bool failed = false;
};

// Whether the file starts with gzip's magic number.
bool starts_gzip(int fd) {
  unsigned char magic[2] = {0, 0};
  return ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
}

// The offset just after the first LF at or after `from`, or nothing within k_max_line_search.
std::optional<uint64_t> after_line_end(int fd, uint64_t from, uint64_t size) {
  std::vector<char> block(1 << 16);
  for (uint64_t at = from; at < size && at - from < k_max_line_search;) {
    ssize_t n = ::pread(fd, block.data(), block.size(), static_cast<off_t>(at));
    if (n <= 0)
      return std::nullopt;
    if (const void* lf = std::memchr(block.data(), '\n', static_cast<size_t>(n)))
      return at + static_cast<uint64_t>(static_cast<const char*>(lf) - block.data()) + 1;
    at += static_cast<uint64_t>(n);
  }
  return std::nullopt;
}

// The parts' bounds: cuts after line ends near size·i/n, each part at least k_min_part_bytes.
std::vector<Part> cut(int fd, uint64_t size, unsigned threads) {
  uint64_t count = std::min<uint64_t>(threads, size / k_min_part_bytes);
  std::vector<Part> parts;
  if (count < 2)
    return parts;
  uint64_t begin = 0;
  for (uint64_t i = 1; i < count; ++i) {
    std::optional<uint64_t> at = after_line_end(fd, size * i / count, size);
    if (!at || *at <= begin || *at >= size)
      return {};
    parts.emplace_back().begin = begin;
    parts.back().end = *at;
    begin = *at;
  }
  parts.emplace_back().begin = begin;
  parts.back().end = size;
  return parts;
}

void profile_part(Part& part, const ProfileOptions& options, const std::string& source_name) {
  try {
    Profiler profiler(options);
    Record record;
    for (;;) {
      Result<bool> more = part.reader->next(record);
      if (!more.ok()) {
        part.failed = true;
        return;
      }
      if (!*more)
        break;
      profiler.add(record, part.reader->columns());
    }
    part.lines = part.reader->lines_read();
    part.in_quotes = part.reader->ended_in_quotes();
    part.profile = profiler.finish(*part.reader, source_name, "csv");
  } catch (const std::exception&) {
    part.failed = true;
  }
}

// The parts' profiles merged in order, or nothing when a cut was wrong or a part failed.
std::optional<DatasetProfile> merge_parts(std::vector<Part>& parts) {
  uint64_t lines_before = 0;
  for (size_t i = 0; i < parts.size(); ++i) {
    Part& part = parts[i];
    if (part.failed || !part.profile || (i + 1 < parts.size() && part.in_quotes))
      return std::nullopt;
    for (MalformedRow& row : part.profile->malformed_sample) {
      if (row.line > 0)
        row.line += lines_before;
    }
    lines_before += part.lines;
  }
  DatasetProfile merged = std::move(*parts.front().profile);
  for (size_t i = 1; i < parts.size(); ++i) {
    if (!merge_profiles(merged, *parts[i].profile).ok())
      return std::nullopt;
  }
  return merged;
}

}  // namespace

std::optional<DatasetProfile> profile_in_parts(const std::filesystem::path& path,
                                               const std::string& source_name,
                                               const ReadOptions& read_options,
                                               const ProfileOptions& options, unsigned threads) {
  if (threads < 2 || read_options.format == DataFormat::JsonLines ||
      (read_options.format == DataFormat::Auto && is_json_lines_name(path))) {
    return std::nullopt;
  }
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat info {};
  if (!fd.valid() || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode) ||
      starts_gzip(fd.get())) {
    return std::nullopt;
  }
  std::vector<Part> parts = cut(fd.get(), static_cast<uint64_t>(info.st_size), threads);
  if (parts.empty())
    return std::nullopt;
  // The first part reads the header; the others take its columns.
  auto first = CsvReader::open(path, read_options, CsvLimits{}, parts.front().end);
  if (!first.ok())
    return std::nullopt;
  parts.front().reader = std::move(*first);
  for (size_t i = 1; i < parts.size(); ++i) {
    auto reader = CsvReader::open_part(path, read_options, parts.front().reader->columns(),
                                       parts[i].begin, parts[i].end);
    if (!reader.ok())
      return std::nullopt;
    parts[i].reader = std::move(*reader);
  }
  std::vector<std::thread> workers;
  bool started = true;
  try {
    for (size_t i = 1; i < parts.size(); ++i)
      workers.emplace_back(profile_part, std::ref(parts[i]), std::cref(options), source_name);
  } catch (const std::system_error&) {
    started = false;  // no thread to be had: one pass, after joining those that started
  }
  if (started)
    profile_part(parts.front(), options, source_name);
  for (std::thread& worker : workers)
    worker.join();
  return started ? merge_parts(parts) : std::nullopt;
}

}  // namespace mlops
