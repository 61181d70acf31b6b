// mlops dataset create|list|show|recreate: training datasets built by point-in-time joins
// (docs/feature-store.md, "Datasets").
#include <cstdlib>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "app/feature_store.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/feature_store_support.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

using nlohmann::json;

std::string manifest_text(const DatasetManifest& m) {
  std::string text =
      fmt::format("dataset {} ({})  spine {} ({} rows)  joined on {}{}\n", m.id, m.name, m.spine,
                  m.spine_rows, m.known_time ? "known time (mode: known_time)" : "event time",
                  m.exclusive ? ", exclusive" : "");
  for (const auto& g : m.groups) {
    text += fmt::format("  {}  {} of {} rows matched  features: {}\n",
                        commit_uri(g.group, g.version, g.commit), g.matched, m.spine_rows,
                        fmt::join(g.features, ", "));
  }
  for (const auto& f : m.files) {
    text += fmt::format("  {}  {} rows  {}\n", f.name, f.rows, f.digest.substr(0, 12));
  }
  return text;
}

int dataset_create(const FeatureStoreCli& cli, const DatasetCommand& command) {
  const Pipeline* pipeline = cli.pipeline();
  if (!pipeline) {
    return cli.usage("give the pipeline that declares the dataset: --pipeline FILE");
  }
  const DatasetSpec* spec = nullptr;
  for (const auto& dataset : pipeline->datasets) {
    if (dataset.name == command.target) {
      spec = &dataset;
    }
  }
  if (!spec) {
    return cli.usage(
        fmt::format("{} declares no dataset '{}'", pipeline->file.string(), command.target));
  }
  DatasetCreateRequest request{*spec, {}, {}};
  if (const char* run = std::getenv("MLOPS_RUN_ID")) {
    request.run_id = run;
  }
  auto manifest = create_dataset(cli.context(), request);
  if (!manifest.ok()) {
    return cli.error(manifest.error());
  }
  if (cli.json) {
    return print_json_value(json::parse(manifest_json(*manifest)));
  }
  write_all(1, manifest_text(*manifest));
  return k_exit_success;
}

}  // namespace

int dataset_command(const DatasetCommand& command) {
  FeatureStoreCli cli(command.pipeline, command.json);
  if (!cli.ready()) {
    return k_exit_invalid;
  }
  if (command.action == "create") {
    return dataset_create(cli, command);
  }
  if (command.action == "list") {
    auto list = list_datasets(cli.workspace());
    if (!list.ok()) {
      return cli.error(list.error());
    }
    json docs = json::array();
    std::string text;
    for (const auto& m : *list) {
      docs.push_back(json::parse(manifest_json(m)));
      text += fmt::format("{}  {}  {}  {} rows\n", m.id, m.name, m.created_at, m.spine_rows);
    }
    return cli.json ? print_json_value(docs)
                    : (write_all(1, text.empty() ? "no datasets\n" : text), k_exit_success);
  }
  if (command.action == "show") {
    auto manifest = find_dataset(cli.workspace(), command.target);
    if (!manifest.ok()) {
      return cli.error(manifest.error());
    }
    return cli.json ? print_json_value(json::parse(manifest_json(*manifest)))
                    : (write_all(1, manifest_text(*manifest)), k_exit_success);
  }
  auto outcome = recreate_dataset(cli.context(), command.target, command.verify);
  if (!outcome.ok()) {
    return cli.error(outcome.error());
  }
  if (cli.json) {
    print_json_value(
        {{"id", outcome->rebuilt.id},
         {"identical", outcome->identical},
         {"differences", outcome->differences},
         {"directory", command.verify ? json(nullptr) : json(outcome->directory.string())}});
  } else if (outcome->identical) {
    write_all(1, fmt::format("dataset {} rebuilt from its pinned commits: byte-identical{}\n",
                             outcome->rebuilt.id,
                             command.verify ? "" : " (in " + outcome->directory.string() + ")"));
  } else {
    write_all(1, fmt::format("dataset {} rebuilt differently:\n  {}\n", outcome->rebuilt.id,
                             fmt::join(outcome->differences, "\n  ")));
  }
  return outcome->identical ? k_exit_success : k_exit_stage_failed;
}

}  // namespace mlops
