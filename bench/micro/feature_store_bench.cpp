// The feature store's online lookup (issue 15, section 3: p99 <= 10 µs per group in process):
// get_online (features/group_reads.hpp) of one key, as `mlops fg get` and a serving process call
// it, on an online group of K keys (int key, event time, four float features) made once per K
// through FeatureGroupStore::open and one insert of a RowBatch (one commit, the online table
// filled in the same transaction), in a temporary directory.
//
// Each iteration looks up one key drawn at random (all present) and is timed on its own with
// steady_clock; the counters p50_us, p99_us and p999_us are percentiles of those times in µs
// (the mean is the usual real time). The database file is in the page cache after the insert,
// as it is for a process that has been serving; SQLite's own page cache is the default one.
#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "features/group_reads.hpp"
#include "features/group_store.hpp"
#include "features/row_batch.hpp"
#include "micro_util.hpp"

namespace mlops::micro {
namespace {

FeatureGroupSpec online_spec() {
  FeatureGroupSpec spec;
  spec.name = "micro_online";
  spec.primary_key = {{"key", FeatureType::Int, false, {}, {}}};
  spec.event_time = "ts";
  for (const char* name : {"f1", "f2", "f3", "f4"}) {
    spec.features.push_back({name, FeatureType::Float, true, {}, {}});
  }
  spec.online = true;
  return spec;
}

// K keys in random order, one row each, event times over a year from 2020-09-13.
RowBatch batch_of(size_t keys) {
  std::mt19937_64 random(42);
  std::vector<int64_t> order(keys);
  for (size_t i = 0; i < keys; ++i) {
    order[i] = static_cast<int64_t>(i);
  }
  std::shuffle(order.begin(), order.end(), random);
  RowBatch batch;
  ColumnValues key{FeatureType::Int, std::move(order), {}, {}, std::vector<uint8_t>(keys, 0)};
  batch.keys.push_back(std::move(key));
  std::uniform_int_distribution<int64_t> seconds(1'600'000'000, 1'600'000'000 + 365 * 86400);
  std::normal_distribution<double> value(0.0, 1.0);
  batch.times.resize(keys);
  for (auto& time : batch.times) {
    time = seconds(random) * 1'000'000;
  }
  for (int f = 0; f < 4; ++f) {
    ColumnValues column{
        FeatureType::Float, {}, std::vector<double>(keys), {}, std::vector<uint8_t>(keys, 0)};
    for (auto& x : column.floats) {
      x = value(random);
    }
    batch.features.push_back(std::move(column));
  }
  batch.lines.resize(keys);
  for (size_t i = 0; i < keys; ++i) {
    batch.lines[i] = i + 2;
  }
  return batch;
}

struct OnlineGroup {
  TempDir dir;
  std::unique_ptr<FeatureGroupStore> store;
};

// Made once per size and kept until the program exits. Throws std::runtime_error on failure.
FeatureGroupStore& online_group(size_t keys) {
  static std::map<size_t, std::unique_ptr<OnlineGroup>> made;
  auto& group = made[keys];
  if (!group) {
    auto fresh = std::make_unique<OnlineGroup>();
    auto opened = FeatureGroupStore::open(fresh->dir.path() / "fs", online_spec());
    if (!opened.ok()) {
      throw std::runtime_error("cannot open the group: " + opened.error().message());
    }
    fresh->store = std::move(*opened);
    auto commit = fresh->store->insert(batch_of(keys), CommitInfo{});
    if (!commit.ok() || !*commit) {
      throw std::runtime_error("cannot insert " + std::to_string(keys) + " rows: " +
                               (commit.ok() ? std::string("no commit") : commit.error().message()));
    }
    group = std::move(fresh);
  }
  return *group->store;
}

double percentile_us(std::vector<int64_t>& sorted_ns, double p) {
  if (sorted_ns.empty()) {
    return 0;
  }
  auto index = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted_ns.size() - 1) + 0.5);
  return static_cast<double>(sorted_ns[std::min(index, sorted_ns.size() - 1)]) / 1000.0;
}

void online_lookup(benchmark::State& state) {
  auto keys = static_cast<size_t>(state.range(0));
  FeatureGroupStore* group = nullptr;
  try {
    group = &online_group(keys);
  } catch (const std::exception& e) {
    fail(state, e.what());
    return;
  }
  std::mt19937_64 random(7);
  std::uniform_int_distribution<size_t> pick(0, keys - 1);
  std::vector<std::vector<std::string>> lookups(4096);
  for (auto& key : lookups) {
    key = {std::to_string(pick(random))};
  }
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  std::vector<int64_t> times;
  times.reserve(1 << 20);
  size_t next = 0;
  for (auto _ : state) {
    const auto& key = lookups[next++ & 4095];
    auto start = std::chrono::steady_clock::now();
    auto value = get_online(*group, key, now);
    auto end = std::chrono::steady_clock::now();
    if (!value.ok() || value->status != "present") {
      fail(state, "key " + key[0] + ": " + (value.ok() ? value->status : value.error().message()));
      return;
    }
    benchmark::DoNotOptimize(value->values.data());
    if (times.size() < times.capacity()) {
      times.push_back(std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
    }
  }
  std::sort(times.begin(), times.end());
  state.counters["p50_us"] = percentile_us(times, 50);
  state.counters["p99_us"] = percentile_us(times, 99);
  state.counters["p999_us"] = percentile_us(times, 99.9);
  set_per_item(state, 1, "t/lookup");
}

}  // namespace

void register_feature_store_benchmarks(Scale scale) {
  auto* lookup = benchmark::RegisterBenchmark("fs_online_lookup", online_lookup);
  for (int64_t n : sizes(scale, {1000, 1000000})) {
    lookup->Arg(n);
  }
  lookup->ArgName("keys")->Unit(benchmark::kMicrosecond)->UseRealTime();
}

}  // namespace mlops::micro
