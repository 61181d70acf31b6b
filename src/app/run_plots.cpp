#include "app/run_plots.hpp"

#include <map>
#include <set>

#include <fmt/format.h>

#include "app/pipeline_loading.hpp"
#include "cache/manifest.hpp"
#include "hash/digest.hpp"
#include "spec/loader.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

// The `plots:` options of the pipeline file `file` (workspace-relative), by path; none when the
// file is gone or no longer loads.
std::map<std::string, PlotOptions> declared_plots(const std::filesystem::path& root,
                                                  const std::string& file) {
  std::map<std::string, PlotOptions> declared;
  auto path = recorded_pipeline_file(root, file);
  if (!path) {
    return declared;
  }
  LoadResult loaded = load_pipeline(*path, LoadOptions{});
  if (!loaded.pipeline) {
    return declared;
  }
  for (const auto& stage : loaded.pipeline->stages) {
    for (const auto& plot : stage.plots) {
      declared.emplace(plot.path, plot);
    }
  }
  return declared;
}

// The bytes of a recorded version, from the cache, checked against its digest.
PlotPoints read_version(const ObjectStore& objects, const ArtifactVersion& version,
                        const PlotOptions& options) {
  PlotPoints failed;
  if (!is_object_digest(version.digest)) {
    failed.error = "the store's digest of it is not a digest (the store was edited?)";
    return failed;
  }
  std::filesystem::path object = objects.object_path(version.digest);
  std::error_code error;
  if (!std::filesystem::is_regular_file(object, error)) {
    failed.error = fmt::format("version {} is not in the local cache (mlops pull fetches it)",
                               version.digest.substr(0, 12));
    return failed;
  }
  auto bytes = read_file(object, k_max_plot_file_bytes);
  if (!bytes.ok()) {
    failed.error = bytes.error().message();
    return failed;
  }
  if (digest_bytes(*bytes).hex() != version.digest) {
    failed.error = fmt::format(
        "the cached copy of version {} is damaged (its digest differs); "
        "mlops cache verify quarantines it",
        version.digest.substr(0, 12));
    return failed;
  }
  return read_plot_points(*bytes, version.path, options);
}

}  // namespace

std::string plot_run_label(const RunRecord& run) {
  return run.name ? fmt::format("{} ({})", run.id, *run.name) : run.id;
}

Result<std::vector<PlotFigure>> gather_run_plots(MetadataStore& store, const ObjectStore& objects,
                                                 const std::filesystem::path& root,
                                                 const std::vector<RunRecord>& runs) {
  std::map<std::string, PlotOptions> declared;
  std::map<std::string, PlotFigure> figures;
  std::set<std::string> files;
  for (const RunRecord& run : runs) {
    if (!files.insert(run.pipeline_file).second) {
      continue;
    }
    for (auto& [path, options] : declared_plots(root, run.pipeline_file)) {
      declared.emplace(path, options);  // the first run's pipeline file wins
    }
  }
  for (const RunRecord& run : runs) {
    MLOPS_TRY(outputs, store.outputs_of_run(run.id));
    for (const ArtifactVersion& version : *outputs) {
      if (version.kind != "plots") {
        continue;
      }
      auto it = declared.find(version.path);
      PlotOptions options = it != declared.end() ? it->second : PlotOptions{};
      options.path = version.path;
      PlotFigure& figure = figures[version.path];
      figure.options = options;
      figure.runs.push_back(
          {plot_run_label(run), read_version(objects, version, options), version.digest});
    }
  }
  std::vector<PlotFigure> list;
  for (auto& [path, figure] : figures) {
    list.push_back(std::move(figure));
  }
  return list;
}

}  // namespace mlops
