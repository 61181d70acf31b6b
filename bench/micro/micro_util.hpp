// Shared pieces of the micro-benchmarks (bench/micro/README.md): temporary directories, the
// generated pipeline, an up-to-date workspace, per-stage counters, and how a benchmark fails.
//
// The generated pipeline is bench/noop.sh's: N independent stages, stage i copying
// deps/d<i>.txt to out/o<i>.txt. An up-to-date workspace of it is made once per N and kept until
// the program exits, as a user's is after two runs: the pipeline is run in process with a runner
// that starts no process (each stage writes its outs at once), the files are left to age past
// the two seconds in which the digest memo does not trust a file's stat (hash/digest.hpp), and a
// second run skips every stage and stores the stat of every dep and out.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

namespace mlops::micro {

// Smoke: every benchmark once, at its smallest size, to show that it still runs (ctest).
enum class Scale { Full, Smoke };

// `full`, or only its first value in a smoke run.
std::vector<int64_t> sizes(Scale scale, std::initializer_list<int64_t> full);

// A fresh directory under $TMPDIR (canonical, so paths match what the engine stores), removed
// with everything in it when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return m_path; }

 private:
  std::filesystem::path m_path;
};

void write_file(const std::filesystem::path& path, const std::string& bytes);

// The generated pipeline's text, for `stages` stages.
std::string pipeline_yaml(size_t stages);

class UpToDateWorkspace {
 public:
  // The workspace for `stages` stages, made on first use (2.5 s of waiting for files to
  // age, plus two runs). Throws std::runtime_error when it cannot be made.
  static const UpToDateWorkspace& get(size_t stages);

  const std::filesystem::path& root() const { return m_dir.path(); }
  std::filesystem::path pipeline_file() const { return root() / "micro.yaml"; }
  std::filesystem::path store_file() const { return root() / ".mlops" / "store.db"; }
  // Every dep and out, absolute.
  const std::vector<std::filesystem::path>& files() const { return m_files; }

 private:
  explicit UpToDateWorkspace(size_t stages);
  void run_once() const;  // throws std::runtime_error when a stage fails
  TempDir m_dir;
  std::vector<std::filesystem::path> m_files;
};

// Reports `per_item` items per iteration: items_per_second, and the time per item as the
// counter `name` (e.g. "t/stage", shown in seconds).
void set_per_item(benchmark::State& state, int64_t per_item, const char* name);

// Marks the benchmark as failed (SkipWithError) and makes the program exit 1.
void fail(benchmark::State& state, const std::string& message);
bool any_failed();

void register_pipeline_benchmarks(Scale scale);
void register_store_benchmarks(Scale scale);
void register_digest_benchmarks(Scale scale);
void register_sketch_benchmarks(Scale scale);
void register_reader_benchmarks(Scale scale);
void register_pattern_benchmarks(Scale scale);
void register_feature_store_benchmarks(Scale scale);

}  // namespace mlops::micro
