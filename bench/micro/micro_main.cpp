// mlops_micro: Google Benchmark's command line, plus --smoke (each benchmark at its smallest
// size only; ctest bench.micro_smoke runs that with a tiny --benchmark_min_time). Exits 1 when a
// benchmark failed (its set-up, or a check that it measured what it claims).
#include <cstring>
#include <exception>
#include <iostream>

#include "micro_util.hpp"

int main(int argc, char** argv) {
  using namespace mlops::micro;
  Scale scale = Scale::Full;
  int kept = 1;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--smoke") == 0) {
      scale = Scale::Smoke;
    } else {
      argv[kept++] = argv[i];
    }
  }
  argc = kept;
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 2;
  }
  register_pipeline_benchmarks(scale);
  register_store_benchmarks(scale);
  register_digest_benchmarks(scale);
  register_sketch_benchmarks(scale);
  register_reader_benchmarks(scale);
  register_pattern_benchmarks(scale);
  register_feature_store_benchmarks(scale);
  try {
    benchmark::RunSpecifiedBenchmarks();
  } catch (const std::exception& e) {
    std::cerr << "mlops_micro: " << e.what() << "\n";
    return 1;
  }
  benchmark::Shutdown();
  return any_failed() ? 1 : 0;
}
