// mlops diff RUN1 RUN2: what differs between two runs: outputs, params, metrics, git commit.
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/query_support.hpp"
#include "cli/text_table.hpp"
#include "util/file_io.hpp"

namespace mlops {
namespace {

void flatten(const nlohmann::json& value, const std::string& key,
             std::map<std::string, std::string>& out) {
  if (value.is_object()) {
    for (const auto& [name, child] : value.items()) {
      flatten(child, key.empty() ? name : key + "." + name, out);
    }
  } else {
    out[key] = value.is_string() ? value.get<std::string>() : value.dump();
  }
}

}  // namespace

int diff_command(const DiffCommand& command) {
  auto store = open_existing_store(command.query);
  if (!store) {
    return k_exit_invalid;
  }
  std::string ids[2];
  RunRecord runs[2];
  std::map<std::string, std::string> outputs[2], params[2], metrics[2];
  for (int i = 0; i < 2; ++i) {
    auto id = resolve_run(*store, i == 0 ? command.first : command.second);
    if (!id.ok()) {
      return report_query_error(id.error());
    }
    ids[i] = *id;
    auto run = store->find_run(*id);
    auto versions = store->outputs_of_run(*id);
    auto values = store->metrics_of_run(*id);
    if (!run.ok() || !run->has_value() || !versions.ok() || !values.ok()) {
      return report_query_error(Error(ErrorKind::Io, "cannot read run " + *id));
    }
    runs[i] = **run;
    for (const auto& version : *versions) {
      outputs[i][version.path] = version.digest;
    }
    flatten(nlohmann::json::parse(runs[i].params_json, nullptr, false), "", params[i]);
    for (const auto& metric : *values) {
      metrics[i][metric.stage + ": " + metric.key] = format_number(metric.value);
    }
  }
  // One list of rows: (kind, name, before, after), for what differs only.
  std::vector<std::array<std::string, 4>> rows;
  auto compare = [&](const char* kind, const std::map<std::string, std::string>& a,
                     const std::map<std::string, std::string>& b, bool digests) {
    std::map<std::string, int> names;
    for (const auto& [name, value] : a)
      names[name] |= 1;
    for (const auto& [name, value] : b)
      names[name] |= 2;
    for (const auto& [name, where] : names) {
      std::string before = where & 1 ? a.at(name) : "-";
      std::string after = where & 2 ? b.at(name) : "-";
      if (before != after) {
        rows.push_back({kind, name, digests && before != "-" ? short_digest(before) : before,
                        digests && after != "-" ? short_digest(after) : after});
      }
    }
  };
  std::map<std::string, std::string> git[2];
  for (int i = 0; i < 2; ++i) {
    git[i]["commit"] = runs[i].git_commit.value_or("-");
    git[i]["dirty"] = runs[i].git_dirty ? (*runs[i].git_dirty ? "yes" : "no") : "-";
  }
  compare("git", git[0], git[1], false);
  compare("param", params[0], params[1], false);
  compare("output", outputs[0], outputs[1], true);
  compare("metric", metrics[0], metrics[1], false);

  if (command.query.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& row : rows) {
      list.push_back({{"kind", row[0]}, {"name", row[1]}, {"before", row[2]}, {"after", row[3]}});
    }
    write_all(1, nlohmann::json{{"runs", {ids[0], ids[1]}}, {"differences", list}}.dump(2) + "\n");
    return k_exit_success;
  }
  if (rows.empty()) {
    write_all(1, fmt::format("runs {} and {} do not differ in outputs, params, metrics or "
                             "commit\n",
                             ids[0], ids[1]));
    return k_exit_success;
  }
  TextTable table({"", "NAME", ids[0], ids[1]});
  for (const auto& row : rows) {
    table.add({row[0], row[1], row[2], row[3]});
  }
  write_all(1, table.render());
  return k_exit_success;
}

}  // namespace mlops
