#include "data/directory_source.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

namespace mlops {

namespace {

constexpr size_t k_max_files = 100000;

bool is_jsonl(const std::filesystem::path& path) {
  return is_json_lines_name(path);
}

bool is_data_name(const std::filesystem::path& path) {
  std::string name = path.filename().string();
  if (name.size() > 3 && name.ends_with(".gz"))
    name.resize(name.size() - 3);
  for (const char* ext : {".csv", ".tsv", ".jsonl", ".ndjson"}) {
    if (name.ends_with(ext))
      return true;
  }
  return false;
}

Result<std::vector<std::filesystem::path>> data_files(const std::filesystem::path& dir,
                                                      const ReadOptions& options) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  auto it = std::filesystem::recursive_directory_iterator(dir, error);
  for (; !error && it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
    std::string name = it->path().filename().string();
    if (name.starts_with(".")) {
      if (it->is_directory(error))
        it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(error))
      continue;
    if (options.format == DataFormat::Auto && !is_data_name(it->path()))
      continue;
    files.push_back(it->path());
    if (files.size() > k_max_files) {
      return Error(ErrorKind::InvalidSpec,
                   fmt::format("{}: more than {} data files", dir.string(), k_max_files));
    }
  }
  if (error) {
    return Error(ErrorKind::Io, fmt::format("cannot list {}: {}", dir.string(), error.message()));
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    return Error(ErrorKind::InvalidSpec,
                 fmt::format("{}: no data files in it (.csv, .tsv, .jsonl or .ndjson, optionally "
                             ".gz)",
                             dir.string()));
  }
  if (options.format == DataFormat::Auto && std::any_of(files.begin(), files.end(), is_jsonl) !=
                                                std::all_of(files.begin(), files.end(), is_jsonl)) {
    return Error(ErrorKind::InvalidSpec, fmt::format("{}: mixes CSV and JSON Lines files; give "
                                                     "--format, or keep one kind per directory",
                                                     dir.string()));
  }
  return files;
}

class DirectorySource : public RecordSource {
 public:
  DirectorySource(std::vector<std::filesystem::path> files, ReadOptions options)
      : m_files(std::move(files)), m_options(options) {}

  const std::vector<std::string>& columns() const override { return m_columns; }

  Status open_next() {
    if (m_source)
      m_bytes_before += m_source->bytes_read();
    m_source.reset();
    if (m_next >= m_files.size())
      return Status::success();
    m_file = m_files[m_next++].string();
    MLOPS_TRY(source, open_records(m_file, m_options));
    m_source = std::move(*source);
    m_seen_malformed = 0;
    m_map.clear();
    return map_columns(true);
  }

  Result<bool> next(Record& record) override {
    while (m_source) {
      Result<bool> more = m_source->next(m_inner);
      take_malformed();
      if (!more.ok())
        return more.error();
      m_bytes_read = m_bytes_before + m_source->bytes_read();
      if (*more) {
        MLOPS_CHECK(map_columns(false));
        place(record);
        return true;
      }
      MLOPS_CHECK(open_next());
    }
    return false;
  }

 private:
  // Maps the current file's columns (new ones, for JSON Lines) onto the dataset's.
  Status map_columns(bool first_look) {
    const std::vector<std::string>& names = m_source->columns();
    bool csv = !is_jsonl(m_file) && m_options.format != DataFormat::JsonLines;
    if (csv && first_look && !m_columns.empty()) {
      std::set<std::string> mine(m_columns.begin(), m_columns.end());
      std::set<std::string> theirs(names.begin(), names.end());
      if (mine != theirs) {
        return Error(ErrorKind::InvalidSpec,
                     fmt::format("{}:1: its columns differ from {}'s; files read as one dataset "
                                 "need the same columns",
                                 m_file, m_files.front().string()));
      }
    }
    while (m_map.size() < names.size()) {
      const std::string& name = names[m_map.size()];
      auto at = std::find(m_columns.begin(), m_columns.end(), name);
      if (at == m_columns.end()) {
        m_columns.push_back(name);
        at = m_columns.end() - 1;
      }
      m_map.push_back(static_cast<size_t>(at - m_columns.begin()));
    }
    return Status::success();
  }

  void place(Record& record) {
    record.line = m_inner.line;
    record.file = m_file;
    record.fields.assign(m_columns.size(), FieldView{.text = {}, .quoted = false, .missing = true});
    for (size_t i = 0; i < m_inner.fields.size() && i < m_map.size(); ++i) {
      record.fields[m_map[i]] = m_inner.fields[i];
    }
  }

  void take_malformed() {
    const auto& sample = m_source->malformed_sample();
    while (m_seen_malformed < m_source->malformed_count()) {
      if (m_seen_malformed < sample.size()) {
        note_malformed(sample[m_seen_malformed].line,
                       m_file + ": " + sample[m_seen_malformed].reason);
      } else {
        note_malformed(0, m_file + ": malformed");
      }
      ++m_seen_malformed;
    }
  }

  std::vector<std::filesystem::path> m_files;
  ReadOptions m_options;
  size_t m_next = 0;
  std::string m_file;
  std::unique_ptr<RecordSource> m_source;
  std::vector<std::string> m_columns;
  std::vector<size_t> m_map;
  Record m_inner;
  uint64_t m_bytes_before = 0;
  uint64_t m_seen_malformed = 0;
};

}  // namespace

Result<std::unique_ptr<RecordSource>> open_directory_records(const std::filesystem::path& dir,
                                                             const ReadOptions& options) {
  MLOPS_TRY(files, data_files(dir, options));
  auto source = std::make_unique<DirectorySource>(std::move(*files), options);
  MLOPS_CHECK(source->open_next());
  return std::unique_ptr<RecordSource>(std::move(source));
}

}  // namespace mlops
