// The sketches of a data profile (data/), per value, as the profiler feeds them: KLL update,
// HyperLogLog add_hash (the field's hash is computed once by the profiler) and add (hash
// included), SpaceSaving add on a Zipf stream of strings, Moments add. Each iteration feeds N
// values to a new sketch, so the time per value includes the sketch's growth and compactions.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "data/hll.hpp"
#include "data/kll.hpp"
#include "data/moments.hpp"
#include "data/space_saving.hpp"
#include "hash/digest.hpp"
#include "micro_util.hpp"

namespace mlops::micro {
namespace {

uint64_t next(uint64_t& state) {
  state = state * 6364136223846793005ULL + 1442695040888963407ULL;
  return state >> 11;
}

// Uniform doubles in [0, 1000), or the same sorted.
std::vector<double> doubles(size_t n, bool sorted) {
  uint64_t state = 42;
  std::vector<double> values(n);
  for (double& value : values)
    value = static_cast<double>(next(state)) * 0x1.0p-53 * 1000;
  if (sorted)
    std::sort(values.begin(), values.end());
  return values;
}

// N draws of a Zipf(1.1) distribution over 100,000 short strings (a categorical column).
std::vector<std::string> zipf_strings(size_t n) {
  constexpr size_t k_distinct = 100000;
  std::vector<double> cumulative(k_distinct);
  double sum = 0;
  for (size_t rank = 0; rank < k_distinct; ++rank) {
    sum += 1 / std::pow(static_cast<double>(rank + 1), 1.1);
    cumulative[rank] = sum;
  }
  uint64_t state = 7;
  std::vector<std::string> values(n);
  for (std::string& value : values) {
    double u = static_cast<double>(next(state)) * 0x1.0p-53 * sum;
    size_t rank = std::lower_bound(cumulative.begin(), cumulative.end(), u) - cumulative.begin();
    value = "category-" + std::to_string(std::min(rank, k_distinct - 1));
  }
  return values;
}

void kll_update(benchmark::State& state, bool sorted) {
  std::vector<double> values = doubles(static_cast<size_t>(state.range(0)), sorted);
  for (auto _ : state) {
    KllSketch sketch;
    for (double value : values)
      sketch.update(value);
    if (sketch.count() != values.size()) {
      fail(state, "the sketch lost values");
      break;
    }
    benchmark::DoNotOptimize(sketch.retained());
  }
  set_per_item(state, static_cast<int64_t>(values.size()), "t/value");
}

void hll_add_hash(benchmark::State& state) {
  std::vector<uint64_t> hashes(static_cast<size_t>(state.range(0)));
  uint64_t seed = 3;
  for (uint64_t& hash : hashes)
    hash = hash64(std::to_string(next(seed)));
  for (auto _ : state) {
    HyperLogLog sketch;
    for (uint64_t hash : hashes)
      sketch.add_hash(hash);
    benchmark::DoNotOptimize(sketch);
  }
  set_per_item(state, static_cast<int64_t>(hashes.size()), "t/value");
}

void hll_add(benchmark::State& state) {
  std::vector<std::string> values = zipf_strings(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    HyperLogLog sketch;
    for (const std::string& value : values)
      sketch.add(value);
    benchmark::DoNotOptimize(sketch);
  }
  set_per_item(state, static_cast<int64_t>(values.size()), "t/value");
}

void space_saving_add(benchmark::State& state) {
  std::vector<std::string> values = zipf_strings(static_cast<size_t>(state.range(0)));
  for (auto _ : state) {
    SpaceSaving summary;
    for (const std::string& value : values)
      summary.add(value);
    if (summary.total() != values.size()) {
      fail(state, "the summary lost values");
      break;
    }
  }
  set_per_item(state, static_cast<int64_t>(values.size()), "t/value");
}

void moments_add(benchmark::State& state) {
  std::vector<double> values = doubles(static_cast<size_t>(state.range(0)), false);
  for (auto _ : state) {
    Moments moments;
    for (double value : values)
      moments.add(value);
    benchmark::DoNotOptimize(moments);
  }
  set_per_item(state, static_cast<int64_t>(values.size()), "t/value");
}

}  // namespace

void register_sketch_benchmarks(Scale scale) {
  std::vector<benchmark::internal::Benchmark*> all = {
      benchmark::RegisterBenchmark("kll_update", [](benchmark::State& s) { kll_update(s, false); }),
      benchmark::RegisterBenchmark("kll_update_sorted",
                                   [](benchmark::State& s) { kll_update(s, true); }),
      benchmark::RegisterBenchmark("hll_add_hash", hll_add_hash),
      benchmark::RegisterBenchmark("hll_add", hll_add),
      benchmark::RegisterBenchmark("space_saving_add", space_saving_add),
      benchmark::RegisterBenchmark("moments_add", moments_add),
  };
  for (auto* bench : all) {
    for (int64_t n : sizes(scale, {1 << 16, 1 << 20}))
      bench->Arg(n);
    bench->ArgName("values")->Unit(benchmark::kMillisecond)->UseRealTime();
  }
}

}  // namespace mlops::micro
