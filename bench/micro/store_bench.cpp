// The metadata store's write path: SqlStore::record_batch, as the run recorder writes what a
// run did (engine/run_recorder.hpp), in a store on disk (WAL, as .mlops/store.db).
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "hash/digest.hpp"
#include "micro_util.hpp"
#include "store/sql_store.hpp"

namespace mlops::micro {
namespace {

// One batch of B executions, each a start and an end in one item (as a stage skipped as up to
// date is written) with one input and one output version. New versions: every batch writes
// versions not seen before (a run that changed everything); else the same versions again (a
// no-op run). Rows/s: executions per second.
std::vector<ExecutionWrite> batch_of(size_t size) {
  std::vector<ExecutionWrite> items(size);
  for (size_t i = 0; i < size; ++i) {
    std::string n = std::to_string(i);
    ExecutionRecord record;
    record.run_id = "20250101-000000-micro";
    record.stage = "s" + n;
    record.status = "succeeded";
    record.command = "cp deps/d" + n + ".txt out/o" + n + ".txt";
    record.started_at = "2025-01-01T00:00:00.000Z";
    record.ended_at = record.started_at;
    record.fingerprint = digest_bytes(record.command).hex();
    record.cached = true;
    ExecutionOutcome outcome{record,
                             {{"deps/d" + n + ".txt", "file", "", 6}},
                             {{"out/o" + n + ".txt", "file", "", 6}},
                             {}};
    items[i] = {record, std::move(outcome)};
  }
  return items;
}

void record_batch(benchmark::State& state) {
  auto size = static_cast<size_t>(state.range(0));
  bool new_versions = state.range(1) != 0;
  TempDir dir;
  auto store = SqlStore::open((dir.path() / "store.db").string());
  RunRecord run;
  run.id = "20250101-000000-micro";
  run.pipeline = "micro";
  run.pipeline_file = "micro.yaml";
  run.host = "elsewhere";
  run.started_at = "2025-01-01T00:00:00.000Z";
  if (!store.ok() || !(*store)->begin_run(run).ok()) {
    fail(state, "cannot open a store in " + dir.path().string());
    return;
  }
  std::vector<ExecutionWrite> items = batch_of(size);
  int attempt = 0;
  for (auto _ : state) {
    ++attempt;  // (run, stage, attempt) is unique
    for (size_t i = 0; i < size; ++i) {
      items[i].start->attempt = attempt;
      if (new_versions || attempt == 1) {
        std::string digest = digest_bytes(std::to_string(attempt) + "/" + std::to_string(i)).hex();
        items[i].end->inputs[0].digest = digest;
        items[i].end->outputs[0].digest = digest;
      }
    }
    auto written = (*store)->record_batch(items);
    if (!written.ok()) {
      fail(state, "record_batch failed: " + written.error().message());
      break;
    }
  }
  set_per_item(state, static_cast<int64_t>(size), "t/row");
}

}  // namespace

void register_store_benchmarks(Scale scale) {
  auto* batch = benchmark::RegisterBenchmark("store_record_batch", record_batch);
  for (int64_t n : sizes(scale, {1, 100, 1000})) {
    batch->Args({n, 0})->Args({n, 1});
  }
  batch->ArgNames({"executions", "new_versions"})->Unit(benchmark::kMicrosecond)->UseRealTime();
}

}  // namespace mlops::micro
