#include "cli/feature_store_support.hpp"

#include <fmt/format.h>

#include "cli/exit_codes.hpp"
#include "cli/text_table.hpp"
#include "util/file_io.hpp"

namespace mlops {

FeatureStoreCli::FeatureStoreCli(const std::optional<std::filesystem::path>& pipeline, bool json)
    : json(json) {
  std::error_code error;
  m_workspace = std::filesystem::current_path(error);
  if (!pipeline) {
    return;
  }
  m_loaded = load_checked_pipeline(*pipeline, LoadOptions{});
  if (!m_loaded->checked) {
    write_all(2, diagnostics_text(*m_loaded));
    m_ready = false;
    return;
  }
  m_workspace = m_loaded->checked->pipeline.workspace;
}

FeatureStoreContext FeatureStoreCli::context() const {
  return {m_workspace, pipeline() ? &pipeline()->feature_groups : nullptr};
}

std::optional<std::unique_ptr<FeatureGroupStore>> FeatureStoreCli::open(const std::string& name,
                                                                        int version,
                                                                        GroupAccess access) const {
  auto group = open_feature_group(context(), name, version, access);
  if (!group.ok()) {
    error(group.error());
    return std::nullopt;
  }
  return std::move(*group);
}

std::optional<std::unique_ptr<ByteSink>> FeatureStoreCli::sink(
    const std::optional<std::filesystem::path>& file, bool compress) const {
  if (!file) {
    return stream_sink(stdout);
  }
  auto opened = open_file_sink(*file, compress);
  if (!opened.ok()) {
    error(opened.error());
    return std::nullopt;
  }
  return std::move(*opened);
}

int FeatureStoreCli::error(const Error& error) const {
  write_all(2, fmt::format("mlops: error: {}\n", error.message()));
  return exit_code_for(error.kind());
}

int FeatureStoreCli::usage(const std::string& message) const {
  write_all(2, fmt::format("mlops: error: {}\n", message));
  return k_exit_invalid;
}

int print_json_value(const nlohmann::json& document) {
  write_all(1, document.dump(2) + "\n");
  return k_exit_success;
}

std::vector<std::string> key_names(const FeatureGroupSpec& spec) {
  std::vector<std::string> names;
  for (const auto& key : spec.primary_key) {
    names.push_back(key.name);
  }
  return names;
}

std::string format_table(std::vector<std::string> headers,
                         const std::vector<std::vector<std::string>>& rows) {
  TextTable table(std::move(headers));
  for (const auto& row : rows) {
    table.add(row);
  }
  return table.render();
}

}  // namespace mlops
