// The pipeline's hot paths: loading and checking it (what `mlops check` and every command that
// reads a pipeline do), fingerprinting a stage, and planning a run of an up-to-date workspace
// (what `mlops status` and a no-op `mlops run` spend their time on).
#include <map>
#include <stdexcept>
#include <string>

#include "app/pipeline_loading.hpp"
#include "app/plan.hpp"
#include "app/workspace.hpp"
#include "cache/fingerprint.hpp"
#include "hash/digest.hpp"
#include "micro_util.hpp"

namespace mlops::micro {
namespace {

// Per stage: load_checked_pipeline (YAML parse, every spec/ check, the graph and its cycle
// check) of a generated N-stage pipeline.
void load_and_check(benchmark::State& state) {
  auto stages = static_cast<size_t>(state.range(0));
  TempDir dir;
  std::filesystem::create_directories(dir.path() / ".mlops");
  auto file = dir.path() / "micro.yaml";
  write_file(file, pipeline_yaml(stages));
  for (auto _ : state) {
    LoadedPipeline loaded = load_checked_pipeline(file, LoadOptions{});
    if (!loaded.checked || loaded.checked->pipeline.stages.size() != stages) {
      fail(state, "the generated pipeline does not load: " + diagnostics_text(loaded));
      break;
    }
    benchmark::DoNotOptimize(loaded);
  }
  set_per_item(state, static_cast<int64_t>(stages), "t/stage");
}

// Per stage: the fingerprint of a stage with K deps (their digests already known).
void fingerprint(benchmark::State& state) {
  auto deps = static_cast<size_t>(state.range(0));
  TempDir dir;
  auto file = dir.path() / "micro.yaml";
  write_file(file, pipeline_yaml(1));
  LoadedPipeline loaded = load_checked_pipeline(file, LoadOptions{});
  if (!loaded.checked) {
    fail(state, "the generated pipeline does not load: " + diagnostics_text(loaded));
    return;
  }
  Stage stage = loaded.checked->pipeline.stages[0];
  std::map<std::string, std::string> digests;
  stage.deps.clear();
  for (size_t i = 0; i < deps; ++i) {
    std::string path = "deps/d" + std::to_string(i) + ".txt";
    stage.deps.push_back({path, {}});
    digests[path] = digest_bytes(path).hex();
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(stage_fingerprint(stage, loaded.checked->pipeline.params, digests));
  }
  set_per_item(state, 1, "t/stage");
}

// Per stage: plan_run over an up-to-date workspace of N stages (every dep hashed through the
// store's digest memo, every stage's cached execution looked up, every out checked); the
// workspace is opened and the pipeline loaded once, outside the timing.
void plan_up_to_date(benchmark::State& state) {
  auto stages = static_cast<size_t>(state.range(0));
  const UpToDateWorkspace* made = nullptr;
  try {
    made = &UpToDateWorkspace::get(stages);
  } catch (const std::exception& e) {
    fail(state, e.what());
    return;
  }
  LoadedPipeline loaded = load_checked_pipeline(made->pipeline_file(), LoadOptions{});
  auto workspace = Workspace::open(made->root(), made->store_file(), StoreMode::Existing);
  if (!loaded.checked || !workspace.ok()) {
    fail(state, "cannot load or open the workspace " + made->root().string());
    return;
  }
  for (auto _ : state) {
    Plan plan = plan_run(*workspace, *loaded.checked, PlanOptions{});
    if (!plan.up_to_date()) {
      fail(state, "the workspace is not up to date: " + plan.stages[0].stage + " would " +
                      planned_action_name(plan.stages[0].action) + ": " + plan.stages[0].reason);
      break;
    }
  }
  set_per_item(state, static_cast<int64_t>(stages), "t/stage");
}

}  // namespace

void register_pipeline_benchmarks(Scale scale) {
  auto* load = benchmark::RegisterBenchmark("load_and_check", load_and_check);
  for (int64_t n : sizes(scale, {100, 1000, 10000})) {
    load->Arg(n);
  }
  load->ArgName("stages")->Unit(benchmark::kMillisecond)->UseRealTime();
  auto* print = benchmark::RegisterBenchmark("fingerprint", fingerprint);
  for (int64_t n : sizes(scale, {1, 16, 256})) {
    print->Arg(n);
  }
  print->ArgName("deps")->UseRealTime();
  auto* plan = benchmark::RegisterBenchmark("plan_up_to_date", plan_up_to_date);
  for (int64_t n : sizes(scale, {100, 1000, 10000})) {
    plan->Arg(n);
  }
  plan->ArgName("stages")->Unit(benchmark::kMillisecond)->UseRealTime();
}

}  // namespace mlops::micro
