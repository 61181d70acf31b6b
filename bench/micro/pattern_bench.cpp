// Value patterns of `pattern:` checks (quality/pattern.hpp): the hand-written built-ins and a
// custom RE2 regex, each on 4096 generated values (about half of them matching), and a whole
// validation (quality/validator.hpp: profile + row checks with built-in patterns, in one pass)
// of a generated CSV in the page cache.
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "micro_util.hpp"
#include "quality/pattern.hpp"
#include "quality/rules_parser.hpp"
#include "quality/validator.hpp"

namespace mlops::micro {
namespace {

constexpr size_t k_values = 4096;

uint64_t next(uint64_t& seed) {
  seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
  return seed >> 24;
}

// A value for `pattern`: a match, or (odd r) a near miss.
std::string value_for(const std::string& pattern, uint64_t r) {
  bool miss = r % 2 == 1;
  if (pattern == "email") {
    return fmt::format("user{}@{}example.com", r % 100000, miss ? "-" : "mail.");
  }
  if (pattern == "url") {
    return fmt::format("https://www.example.com/{}/item?id={}{}", r % 1000, r % 99991,
                       miss ? " x" : "");
  }
  if (pattern == "credit_card") {
    return miss ? "4111 1111 1111 1112" : "4111 1111 1111 1111";
  }
  if (pattern == "ipv4") {
    return fmt::format("{}.{}.{}.{}", r % 256, (r >> 8) % 256, (r >> 16) % (miss ? 512 : 256),
                       (r >> 24) % 256);
  }
  if (pattern == "uuid") {
    return fmt::format("{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}{}", r & 0xffffffff, r % 0xffff,
                       r % 0xfff, (r >> 3) % 0xfff, r * 2654435761ULL % 0xffffffffffffULL,
                       miss ? "0" : "");
  }
  return fmt::format("{}-{:04}", miss ? "se" : "SE", r % 10000);
}

void match_values(benchmark::State& state, const std::string& pattern) {
  Result<ValuePattern> compiled = ValuePattern::compile(pattern);
  if (!compiled.ok()) {
    fail(state, compiled.error().message());
    return;
  }
  std::vector<std::string> values;
  uint64_t seed = 7;
  for (size_t i = 0; i < k_values; ++i)
    values.push_back(value_for(pattern, next(seed)));
  int64_t bytes = 0;
  for (const std::string& value : values)
    bytes += static_cast<int64_t>(value.size());
  size_t matched = 0;
  for (auto _ : state) {
    for (const std::string& value : values)
      matched += compiled->matches(value);
  }
  benchmark::DoNotOptimize(matched);
  state.SetBytesProcessed(state.iterations() * bytes);
  set_per_item(state, static_cast<int64_t>(k_values), "t/value");
}

constexpr const char* k_rules = R"(version: 1
dataset:
  - rows: {min: 1}
  - unique: [id]
columns:
  id: {type: int, not_null: true}
  amount: {range: [0, 100000], mean: {min: 0}}
  plan: {in_set: [basic, standard, premium]}
  email: {pattern: email, mostly: 0.99}
  site: {pattern: url}
  ip: {pattern: ipv4}
  key: {pattern: uuid}
  card: {pattern: credit_card, level: warning}
)";

struct GeneratedCsv {
  TempDir dir;
  std::filesystem::path path;
  int64_t bytes = 0;
};

// About `mib` MiB of the columns k_rules checks, plus 12 numeric and text columns it only
// profiles: 20 columns in all.
const GeneratedCsv& generated_csv(size_t mib) {
  static std::map<size_t, std::unique_ptr<GeneratedCsv>> made;
  auto& slot = made[mib];
  if (slot)
    return *slot;
  slot = std::make_unique<GeneratedCsv>();
  std::string text = "id,amount,plan,email,site,ip,key,card";
  for (int i = 0; i < 12; ++i)
    fmt::format_to(std::back_inserter(text), ",x{}", i);
  text += '\n';
  const char* plans[] = {"basic", "standard", "premium"};
  uint64_t seed = 11;
  for (uint64_t row = 1; text.size() < (mib << 20); ++row) {
    uint64_t r = next(seed);
    fmt::format_to(std::back_inserter(text), "{},{}.{:02},{},{},{},{},{},{}", row, r % 100000,
                   r % 100, plans[r % 3], value_for("email", r & ~1ULL),
                   value_for("url", r & ~1ULL), value_for("ipv4", r & ~1ULL),
                   value_for("uuid", r & ~1ULL), value_for("credit_card", r & ~1ULL));
    for (int i = 0; i < 12; ++i) {
      uint64_t v = next(seed);
      if (i % 2 == 0) {
        fmt::format_to(std::back_inserter(text), ",{}.{}", v % 5000, v % 1000);
      } else {
        fmt::format_to(std::back_inserter(text), ",name{}", v % 20000);
      }
    }
    text += '\n';
  }
  slot->bytes = static_cast<int64_t>(text.size());
  slot->path = slot->dir.path() / "data.csv";
  write_file(slot->path, text);
  return *slot;
}

void validate_csv(benchmark::State& state) {
  const GeneratedCsv& file = generated_csv(static_cast<size_t>(state.range(0)));
  RulesLoad rules = load_rules_text(k_rules, "bench-rules.yaml");
  if (!rules.rules) {
    fail(state, rules.diagnostics.at(0).message);
    return;
  }
  for (auto _ : state) {
    Result<ValidationReport> report =
        validate_file(file.path, "data.csv", "bench-rules.yaml", *rules.rules, {});
    if (!report.ok() || report->rejected(false)) {
      fail(state, report.ok() ? "the generated data was rejected" : report.error().message());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * file.bytes);
}

}  // namespace

void register_pattern_benchmarks(Scale scale) {
  for (const char* pattern : {"email", "url", "credit_card", "ipv4", "uuid", "[A-Z]{2}-[0-9]{4}"}) {
    std::string name = fmt::format("pattern_match/{}", pattern);
    benchmark::RegisterBenchmark(
        name.c_str(), [pattern](benchmark::State& state) { match_values(state, pattern); });
  }
  for (int64_t mib : sizes(scale, {4, 64})) {
    benchmark::RegisterBenchmark("validate_csv", validate_csv)
        ->ArgName("MiB")
        ->Args({mib})
        ->Unit(benchmark::kMillisecond);
  }
}

}  // namespace mlops::micro
