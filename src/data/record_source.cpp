#include "data/record_source.hpp"

#include <algorithm>
#include <cctype>

#include "data/csv_reader.hpp"
#include "data/directory_source.hpp"
#include "data/jsonl_reader.hpp"

namespace mlops {

void RecordSource::note_malformed(uint64_t line, std::string reason) {
  ++m_malformed_count;
  if (m_malformed_sample.size() < k_malformed_sample) {
    m_malformed_sample.push_back(MalformedRow{line, std::move(reason)});
  }
}

namespace {

// The lower-cased extension of the name, looking through a final ".gz" (data.tsv.gz: ".tsv").
std::string data_extension(const std::filesystem::path& path) {
  auto lower = [](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
  };
  std::filesystem::path name = path.filename();
  if (lower(name.extension().string()) == ".gz") {
    name = name.stem();
  }
  return lower(name.extension().string());
}

}  // namespace

Result<std::unique_ptr<RecordSource>> open_records(const std::filesystem::path& path,
                                                   const ReadOptions& options) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error))
    return open_directory_records(path, options);
  std::string extension = data_extension(path);
  DataFormat format = options.format;
  if (format == DataFormat::Auto) {
    format =
        extension == ".jsonl" || extension == ".ndjson" ? DataFormat::JsonLines : DataFormat::Csv;
  }
  if (format == DataFormat::JsonLines) {
    MLOPS_TRY(reader, JsonlReader::open(path));
    return std::unique_ptr<RecordSource>(std::move(*reader));
  }
  ReadOptions csv = options;
  if (csv.delimiter == 0) {
    csv.delimiter = extension == ".tsv" ? '\t' : ',';
  }
  MLOPS_TRY(reader, CsvReader::open(path, csv));
  return std::unique_ptr<RecordSource>(std::move(*reader));
}

}  // namespace mlops
