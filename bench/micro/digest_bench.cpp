// Hashing: digest_path on one large file and on a directory of many small files, both in the
// page cache; and the stat memo that lets a no-op run skip reading them (all lookups hits).
#include <sys/stat.h>

#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>

#include "engine/store_digest_memo.hpp"
#include "hash/digest.hpp"
#include "micro_util.hpp"
#include "store/sql_store.hpp"

namespace mlops::micro {
namespace {

// Bytes that do not compress to nothing (not that XXH3 cares), from a simple LCG.
std::string filler(size_t size, uint64_t seed) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    bytes[i] = static_cast<char>(seed >> 56);
  }
  return bytes;
}

// Bytes/s of digest_path on one file of N MiB (read once before the timing to be in the page
// cache).
void digest_large_file(benchmark::State& state) {
  auto mib = static_cast<size_t>(state.range(0));
  TempDir dir;
  auto file = dir.path() / "large.bin";
  std::string block = filler(1 << 20, 1);
  {
    std::ofstream out(file, std::ios::binary);
    for (size_t i = 0; i < mib; ++i) {
      out << block;
    }
  }
  if (!digest_path(file).ok()) {
    fail(state, "cannot hash " + file.string());
    return;
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(digest_path(file));
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(mib << 20));
}

// Files/s and bytes/s of digest_path on a directory of N files of 4 KiB.
void digest_small_files(benchmark::State& state) {
  auto files = static_cast<size_t>(state.range(0));
  constexpr size_t k_size = 4096;
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "data");
  for (size_t i = 0; i < files; ++i) {
    write_file(dir.path() / "data" / ("f" + std::to_string(i) + ".bin"), filler(k_size, i));
  }
  for (auto _ : state) {
    auto digest = digest_path(dir.path() / "data");
    if (!digest.ok() || digest->size != files * k_size) {
      fail(state, "cannot hash " + (dir.path() / "data").string());
      break;
    }
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(files * k_size));
  set_per_item(state, static_cast<int64_t>(files), "t/file");
}

// Lookups/s of digest_path(file, memo) on every dep and out of an up-to-date N-stage workspace,
// every one a hit (a stat, no read). Store: a new StoreDigestMemo each iteration, so every hit
// comes from the store's file_stats table (a new process's no-op run). Session: one memo,
// warmed once, so every hit comes from its in-process map (a file hashed earlier in the run).
void stat_memo(benchmark::State& state, bool from_store) {
  auto stages = static_cast<size_t>(state.range(0));
  const UpToDateWorkspace* made = nullptr;
  try {
    made = &UpToDateWorkspace::get(stages);
  } catch (const std::exception& e) {
    fail(state, e.what());
    return;
  }
  // The session memo sits on an empty store, so that warming it reads every file and keeps it
  // in its map (a hit found in the store is not added to the map).
  auto store = SqlStore::open(from_store ? made->store_file().string() : ":memory:");
  if (!store.ok()) {
    fail(state, "cannot open " + made->store_file().string());
    return;
  }
  StoreDigestMemo warm(**store);
  for (const auto& file : made->files()) {
    (void)digest_path(file, &warm);
  }
  for (auto _ : state) {
    std::optional<StoreDigestMemo> fresh;
    StoreDigestMemo& memo = from_store ? fresh.emplace(**store) : warm;
    DigestCounters counters;
    for (const auto& file : made->files()) {
      benchmark::DoNotOptimize(digest_path(file, &memo, &counters));
    }
    if (counters.memo_hits != made->files().size()) {
      fail(state, std::to_string(counters.files_read) + " of " +
                      std::to_string(made->files().size()) +
                      " files were read, not found in the memo");
      break;
    }
  }
  set_per_item(state, static_cast<int64_t>(made->files().size()), "t/lookup");
}

// The floor under stat_memo: one stat(2) per file and nothing else.
void stat_only(benchmark::State& state) {
  auto stages = static_cast<size_t>(state.range(0));
  const UpToDateWorkspace* made = nullptr;
  try {
    made = &UpToDateWorkspace::get(stages);
  } catch (const std::exception& e) {
    fail(state, e.what());
    return;
  }
  bool ok = true;
  for (auto _ : state) {
    for (const auto& file : made->files()) {
      struct stat info {};
      ok = ok && ::stat(file.c_str(), &info) == 0;
    }
    if (!ok) {
      fail(state, "cannot stat the files of " + made->root().string());
      break;
    }
  }
  set_per_item(state, static_cast<int64_t>(made->files().size()), "t/lookup");
}

}  // namespace

void register_digest_benchmarks(Scale scale) {
  auto* large = benchmark::RegisterBenchmark("digest_large_file", digest_large_file);
  for (int64_t n : sizes(scale, {1, 256})) {
    large->Arg(n);
  }
  large->ArgName("MiB")->Unit(benchmark::kMillisecond)->UseRealTime();
  auto* small = benchmark::RegisterBenchmark("digest_small_files", digest_small_files);
  for (int64_t n : sizes(scale, {100, 10000})) {
    small->Arg(n);
  }
  small->ArgName("files")->Unit(benchmark::kMillisecond)->UseRealTime();
  for (bool from_store : {true, false}) {
    auto* memo = benchmark::RegisterBenchmark(
        from_store ? "stat_memo_store_hits" : "stat_memo_session_hits",
        [from_store](benchmark::State& state) { stat_memo(state, from_store); });
    for (int64_t n : sizes(scale, {100, 1000, 10000})) {
      memo->Arg(n);
    }
    memo->ArgName("stages")->Unit(benchmark::kMillisecond)->UseRealTime();
  }
  auto* stat = benchmark::RegisterBenchmark("stat_only", stat_only);
  for (int64_t n : sizes(scale, {100, 1000, 10000})) {
    stat->Arg(n);
  }
  stat->ArgName("stages")->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace mlops::micro
