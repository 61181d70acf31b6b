// Reading records (data/record_source.hpp): the CSV tokenizer over a generated CSV of 20 mixed
// columns, plain and gzip'd; the same rows as JSON Lines; and the floor under them, ByteInput
// reading the file's bytes and nothing else. Files are in the page cache (read once before the
// timing); bytes/s counts the data's bytes (after decompression).
#include <zlib.h>

#include <iterator>
#include <map>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "data/byte_input.hpp"
#include "data/record_source.hpp"
#include "micro_util.hpp"

namespace mlops::micro {
namespace {

constexpr size_t k_columns = 20;

enum class ValueKind { Missing, Number, Text };

// The value of `column` in the next row: per group of five columns an integer, a decimal, a
// category (50 values), a decimal with 6 digits and a name, one in eight with a comma (quoted in
// CSV) and one in 64 with a quote (doubled in CSV); one value in 50 is missing (empty in CSV).
ValueKind next_value(uint64_t& seed, size_t column, std::string& text) {
  seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  uint64_t r = seed >> 24;
  text.clear();
  auto out = std::back_inserter(text);
  if (r % 50 == 0) {
    return ValueKind::Missing;
  }
  switch (column % 5) {
    case 0:
      fmt::format_to(out, "{}", r % 100000);
      return ValueKind::Number;
    case 1:
      fmt::format_to(out, "{}.{:02}", r % 1000, r % 97);
      return ValueKind::Number;
    case 2:
      fmt::format_to(out, "cat{}", r % 50);
      return ValueKind::Text;
    case 3:
      fmt::format_to(out, "-{}.{:06}", r % 100, r % 999983);
      return ValueKind::Number;
    default:
      if (r % 64 == 7) {
        fmt::format_to(out, "O'Brien \"{}\"", r % 1000);
      } else if (r % 8 == 3) {
        fmt::format_to(out, "Smith, {}", r % 1000);
      } else {
        fmt::format_to(out, "name{}", r % 10000);
      }
      return ValueKind::Text;
  }
}

void append_csv_row(std::string& out, uint64_t& seed) {
  std::string value;
  for (size_t column = 0; column < k_columns; ++column) {
    next_value(seed, column, value);
    out += column == 0 ? "" : ",";
    if (value.find_first_of(",\"") == std::string::npos) {
      out += value;
      continue;
    }
    out += '"';
    for (char c : value) {
      out += c == '"' ? "\"\"" : std::string(1, c);
    }
    out += '"';
  }
  out += '\n';
}

void append_json_row(std::string& out, uint64_t& seed) {
  std::string value;
  out += '{';
  for (size_t column = 0; column < k_columns; ++column) {
    ValueKind kind = next_value(seed, column, value);
    fmt::format_to(std::back_inserter(out), "{}\"c{}\": ", column == 0 ? "" : ", ", column + 1);
    if (kind == ValueKind::Missing) {
      out += "null";
    } else if (kind == ValueKind::Number) {
      out += value;
    } else {
      out += '"';
      for (char c : value) {
        out += c == '"' ? "\\\"" : std::string(1, c);
      }
      out += '"';
    }
  }
  out += "}\n";
}

enum class Kind { Csv, CsvGzip, Jsonl };

// A generated file of about `mib` MiB, made once per kind and size and kept until the program
// exits; `rows` is how many records it holds.
struct Generated {
  TempDir dir;
  std::filesystem::path path;
  uint64_t rows = 0;
  uint64_t bytes = 0;  // of the data, uncompressed
};

const Generated& generated(Kind kind, size_t mib) {
  static std::map<std::pair<Kind, size_t>, std::unique_ptr<Generated>> made;
  auto& slot = made[{kind, mib}];
  if (slot) {
    return *slot;
  }
  slot = std::make_unique<Generated>();
  std::string text;
  if (kind != Kind::Jsonl) {
    for (size_t column = 0; column < k_columns; ++column) {
      fmt::format_to(std::back_inserter(text), "{}c{}", column == 0 ? "" : ",", column + 1);
    }
    text += '\n';
  }
  uint64_t seed = 42;
  while (text.size() < (mib << 20)) {
    kind == Kind::Jsonl ? append_json_row(text, seed) : append_csv_row(text, seed);
    ++slot->rows;
  }
  slot->bytes = text.size();
  slot->path = slot->dir.path() / (kind == Kind::Jsonl ? "data.jsonl" : "data.csv");
  if (kind == Kind::CsvGzip) {
    slot->path += ".gz";
    gzFile out = gzopen(slot->path.c_str(), "wb6");
    gzwrite(out, text.data(), static_cast<unsigned>(text.size()));
    gzclose(out);
  } else {
    write_file(slot->path, text);
  }
  return *slot;
}

// Reads every record; false (and the benchmark failed) when the count is not the file's.
bool read_all(benchmark::State& state, const Generated& file) {
  auto source = open_records(file.path, {});
  if (!source.ok()) {
    fail(state, source.error().message());
    return false;
  }
  Record record;
  uint64_t rows = 0;
  for (;;) {
    auto more = (*source)->next(record);
    if (!more.ok()) {
      fail(state, more.error().message());
      return false;
    }
    if (!*more) {
      break;
    }
    benchmark::DoNotOptimize(record.fields.data());
    ++rows;
  }
  if (rows != file.rows || (*source)->malformed_count() != 0) {
    fail(state, fmt::format("read {} rows ({} malformed) of {}", rows, (*source)->malformed_count(),
                            file.rows));
    return false;
  }
  return true;
}

void read_records(benchmark::State& state, Kind kind) {
  const Generated& file = generated(kind, static_cast<size_t>(state.range(0)));
  if (!read_all(state, file)) {
    return;
  }
  for (auto _ : state) {
    if (!read_all(state, file)) {
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(file.bytes));
  set_per_item(state, static_cast<int64_t>(file.rows * k_columns), "t/field");
}

// The I/O floor: ByteInput's blocks of the plain CSV, consumed whole, nothing scanned.
void read_bytes_only(benchmark::State& state) {
  const Generated& file = generated(Kind::Csv, static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    auto input = ByteInput::open(file.path);
    if (!input.ok()) {
      fail(state, input.error().message());
      break;
    }
    for (;;) {
      input->consume(input->window().size());
      auto more = input->fill();
      if (!more.ok() || !*more) {
        break;
      }
    }
    if (input->bytes_read() != file.bytes) {
      fail(state, "ByteInput read " + std::to_string(input->bytes_read()) + " bytes");
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(file.bytes));
}

}  // namespace

void register_reader_benchmarks(Scale scale) {
  struct Case {
    const char* name;
    Kind kind;
    std::initializer_list<int64_t> mib;
  };
  for (const Case& c :
       {Case{"read_csv", Kind::Csv, {1, 64}}, Case{"read_csv_gzip", Kind::CsvGzip, {1, 16}},
        Case{"read_jsonl", Kind::Jsonl, {1, 16}}}) {
    Kind kind = c.kind;
    auto* bench = benchmark::RegisterBenchmark(
        c.name, [kind](benchmark::State& state) { read_records(state, kind); });
    for (int64_t n : sizes(scale, c.mib)) {
      bench->Arg(n);
    }
    bench->ArgName("MiB")->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  auto* bytes = benchmark::RegisterBenchmark("read_bytes_only", read_bytes_only);
  for (int64_t n : sizes(scale, {1, 64})) {
    bytes->Arg(n);
  }
  bytes->ArgName("MiB")->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace mlops::micro
