#include "micro_util.hpp"

#include <stdlib.h>

#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <stdexcept>
#include <thread>

#include "app/run_service.hpp"
#include "exec/runner.hpp"

namespace mlops::micro {
namespace {

bool g_failed = false;

// Starts no process: each stage writes its outs at once and succeeds.
class OutWritingRunner final : public Runner {
 public:
  explicit OutWritingRunner(const Pipeline& pipeline) : m_pipeline(pipeline) {}
  void start(const ProcessRequest& request) override {
    for (const auto& out : m_pipeline.stages[request.token].outs) {
      std::filesystem::create_directories((m_pipeline.workspace / out.value).parent_path());
      write_file(m_pipeline.workspace / out.value, "out of " + request.label + "\n");
    }
    ProcessResult result;
    result.token = request.token;
    m_done.push_back(result);
  }
  WaitResult wait(std::optional<SteadyTime>) override {
    WaitResult result;
    result.finished.swap(m_done);
    return result;
  }
  void cancel_all() override {}
  size_t active() const override { return m_done.size(); }

 private:
  const Pipeline& m_pipeline;
  std::vector<ProcessResult> m_done;
};

}  // namespace

std::vector<int64_t> sizes(Scale scale, std::initializer_list<int64_t> full) {
  if (scale == Scale::Smoke) {
    return {*full.begin()};
  }
  return full;
}

TempDir::TempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mlops-micro-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) {
    throw std::runtime_error("cannot make a directory like " + pattern +
                             ": check that $TMPDIR exists and is writable");
  }
  m_path = std::filesystem::canonical(pattern);
}

TempDir::~TempDir() {
  std::error_code error;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(m_path, error)) {
    std::filesystem::permissions(entry.path(), std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::add, error);  // read-only objects
  }
  std::filesystem::remove_all(m_path, error);
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  if (!out.flush()) {
    throw std::runtime_error("cannot write " + path.string());
  }
}

std::string pipeline_yaml(size_t stages) {
  std::string text = "version: 1\nname: micro\nstages:\n";
  for (size_t i = 0; i < stages; ++i) {
    std::string n = std::to_string(i);
    text += "  s" + n + ": {run: 'cp deps/d" + n + ".txt out/o" + n + ".txt', deps: [deps/d" + n +
            ".txt], outs: [out/o" + n + ".txt]}\n";
  }
  return text;
}

const UpToDateWorkspace& UpToDateWorkspace::get(size_t stages) {
  // Made once per size, and failed once: the benchmarks sharing it do not wait again.
  static std::map<size_t, std::unique_ptr<UpToDateWorkspace>> made;
  static std::map<size_t, std::string> failed;
  if (auto it = failed.find(stages); it != failed.end()) {
    throw std::runtime_error(it->second);
  }
  auto& workspace = made[stages];
  if (!workspace) {
    try {
      workspace.reset(new UpToDateWorkspace(stages));
    } catch (const std::exception& e) {
      failed[stages] = e.what();
      throw;
    }
  }
  return *workspace;
}

UpToDateWorkspace::UpToDateWorkspace(size_t stages) {
  std::filesystem::create_directories(root() / ".mlops");
  std::filesystem::create_directories(root() / "deps");
  write_file(pipeline_file(), pipeline_yaml(stages));
  for (size_t i = 0; i < stages; ++i) {
    std::string n = std::to_string(i);
    write_file(root() / "deps" / ("d" + n + ".txt"), "dep " + n + "\n");
    m_files.push_back(root() / "deps" / ("d" + n + ".txt"));
    m_files.push_back(root() / "out" / ("o" + n + ".txt"));
  }
  run_once();  // runs every stage (they write their outs)
  // Younger files are hashed on every lookup and their stats never stored (hash/digest.hpp).
  std::this_thread::sleep_for(std::chrono::milliseconds(2500));
  run_once();  // skips every stage, and stores the stats of every dep and out
}

void UpToDateWorkspace::run_once() const {
  RunRequest request;
  request.pipeline = pipeline_file();
  request.store = store_file();
  request.jobs = 2;
  RunSeams seams;
  seams.make_runner = [](const Pipeline& pipeline, OutputSink&) {
    return std::make_unique<OutWritingRunner>(pipeline);
  };
  RunObserver observer;
  RunOutcome outcome = run_pipeline(request, observer, seams);
  std::string problem = outcome.error ? outcome.error->message() : "";
  for (size_t i = 0; i < outcome.report.stages.size() && problem.empty(); ++i) {
    const StageReport& stage = outcome.report.stages[i];
    if (stage.status != StageStatus::Succeeded) {
      problem = "stage s" + std::to_string(i) + ": " + stage.note + " " + stage.last.message;
    }
  }
  if (!problem.empty()) {
    throw std::runtime_error("the set-up run of " + pipeline_file().string() +
                             " failed: " + problem);
  }
}

void set_per_item(benchmark::State& state, int64_t per_item, const char* name) {
  state.SetItemsProcessed(state.iterations() * per_item);
  state.counters[name] = benchmark::Counter(
      static_cast<double>(per_item),
      benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
}

void fail(benchmark::State& state, const std::string& message) {
  g_failed = true;
  state.SkipWithError(message.c_str());
}

bool any_failed() {
  return g_failed;
}

}  // namespace mlops::micro
