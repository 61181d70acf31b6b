#include "cache/fingerprint.hpp"

#include <algorithm>

#include "hash/digest.hpp"

namespace mlops {

std::string stage_fingerprint(const Stage& stage, const ParamMap& params,
                              const std::map<std::string, std::string>& dep_digests) {
  Hasher hasher;
  hasher.add_field(k_fingerprint_salt);
  auto field = [&](std::string_view tag, std::string_view a, std::string_view b = {}) {
    hasher.add_field(tag);
    hasher.add_field(a);
    hasher.add_field(b);
  };
  if (stage.command_kind == CommandKind::Shell) {
    field("shell", stage.shell_command);
  } else {
    for (const auto& arg : stage.argv) {
      field("argv", arg);
    }
  }
  for (const auto& [key, value] : stage.env) {
    field("env", key, value);
  }
  std::vector<std::string> used = stage.params_used;
  std::sort(used.begin(), used.end());
  for (const auto& name : used) {
    auto it = params.find(name);
    field("param", name, it == params.end() ? "" : it->second.text);
  }
  std::vector<std::string> deps;
  for (const auto& dep : stage.deps) {
    deps.push_back(dep.value);
  }
  std::sort(deps.begin(), deps.end());
  for (const auto& dep : deps) {
    auto it = dep_digests.find(dep);
    field("dep", dep, it == dep_digests.end() ? "missing" : it->second);
  }
  for (size_t i = 0; i < stage.outs.size(); ++i) {
    field("out", stage.outs[i].value, i < stage.out_types.size() ? stage.out_types[i] : "");
  }
  for (const auto& metric : stage.metrics) {
    field("metric", metric.value);
  }
  field("workdir", stage.workdir);
  return hasher.finish().hex();
}

}  // namespace mlops
