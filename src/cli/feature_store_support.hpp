// What `mlops fg` and `mlops dataset` share: finding the workspace (the pipeline's, given
// --pipeline, else the current directory) and its declared groups, opening groups, printing
// errors with the README's exit codes, and JSON output.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/feature_store.hpp"
#include "app/pipeline_loading.hpp"
#include "features/table_writer.hpp"

namespace mlops {

class FeatureStoreCli {
 public:
  FeatureStoreCli(const std::optional<std::filesystem::path>& pipeline, bool json);
  bool ready() const { return m_ready; }
  const bool json;
  std::filesystem::path root() const { return feature_store_root(m_workspace); }
  const std::filesystem::path& workspace() const { return m_workspace; }
  FeatureStoreContext context() const;
  const Pipeline* pipeline() const { return m_loaded ? &m_loaded->checked->pipeline : nullptr; }
  // The group, or nothing after printing why.
  std::optional<std::unique_ptr<FeatureGroupStore>> open(
      const std::string& name, int version, GroupAccess access = GroupAccess::Read) const;
  // A file (atomically written) or stdout; nothing after printing why.
  std::optional<std::unique_ptr<ByteSink>> sink(const std::optional<std::filesystem::path>& file,
                                                bool compress) const;
  int error(const Error& error) const;  // prints "mlops: error: ..."; the exit code
  int usage(const std::string& message) const;

 private:
  std::filesystem::path m_workspace;
  std::optional<LoadedPipeline> m_loaded;
  bool m_ready = true;
};

int print_json_value(const nlohmann::json& document);
std::vector<std::string> key_names(const FeatureGroupSpec& spec);
std::string format_table(std::vector<std::string> headers,
                         const std::vector<std::vector<std::string>>& rows);

}  // namespace mlops
