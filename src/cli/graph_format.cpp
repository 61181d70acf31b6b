#include "cli/graph_format.hpp"
#include "util/json_text.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace mlops {
namespace {

std::string dot_quote(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
    }
    out += c;
  }
  return out + "\"";
}

std::string mermaid_label(const std::string& text) {
  std::string out;
  for (char c : text) {
    out += c == '"' ? std::string("#quot;") : std::string(1, c);
  }
  return out;
}

nlohmann::json paths_json(const std::vector<LocatedString>& paths) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& path : paths) {
    list.push_back(path.value);
  }
  return list;
}

}  // namespace

std::string graph_to_dot(const Pipeline& pipeline, const Graph& graph) {
  std::string out =
      fmt::format("digraph {} {{\n  rankdir=LR;\n  node [shape=box];\n", dot_quote(pipeline.name));
  for (const auto& stage : pipeline.stages) {
    out += fmt::format("  {};\n", dot_quote(stage.name));
  }
  for (size_t from = 0; from < graph.size(); ++from) {
    for (size_t to : graph.downstream(from)) {
      out += fmt::format("  {} -> {};\n", dot_quote(pipeline.stages[from].name),
                         dot_quote(pipeline.stages[to].name));
    }
  }
  return out + "}\n";
}

std::string graph_to_mermaid(const Pipeline& pipeline, const Graph& graph) {
  std::string out = "flowchart LR\n";
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    out += fmt::format("  s{}[\"{}\"]\n", i, mermaid_label(pipeline.stages[i].name));
  }
  for (size_t from = 0; from < graph.size(); ++from) {
    for (size_t to : graph.downstream(from)) {
      out += fmt::format("  s{} --> s{}\n", from, to);
    }
  }
  return out;
}

std::string graph_to_json(const Pipeline& pipeline, const Graph& graph) {
  nlohmann::json stages = nlohmann::json::array();
  for (size_t i = 0; i < pipeline.stages.size(); ++i) {
    const Stage& stage = pipeline.stages[i];
    nlohmann::json matrix = nlohmann::json::object();
    for (const auto& [key, value] : stage.matrix_values) {
      matrix[key] = value;
    }
    nlohmann::json upstream = nlohmann::json::array();
    for (size_t up : graph.upstream(i)) {
      upstream.push_back(pipeline.stages[up].name);
    }
    nlohmann::json command = stage.command_kind == CommandKind::Shell
                                 ? nlohmann::json{{"run", stage.shell_command}}
                                 : nlohmann::json{{"cmd", stage.argv}};
    stages.push_back({{"name", stage.name},
                      {"base_name", stage.base_name},
                      {"matrix", matrix},
                      {"command", command},
                      {"deps", paths_json(stage.deps)},
                      {"outs", paths_json(stage.outs)},
                      {"metrics", paths_json(stage.metrics)},
                      {"upstream", upstream}});
  }
  nlohmann::json edges = nlohmann::json::array();
  for (size_t from = 0; from < graph.size(); ++from) {
    for (size_t to : graph.downstream(from)) {
      edges.push_back({{"from", pipeline.stages[from].name}, {"to", pipeline.stages[to].name}});
    }
  }
  nlohmann::json document = {{"pipeline", pipeline.name},
                             {"workspace", pipeline.workspace.string()},
                             {"stages", stages},
                             {"edges", edges}};
  return json_text(document, 2) + "\n";
}

}  // namespace mlops
