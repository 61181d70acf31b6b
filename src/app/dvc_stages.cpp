// dvc.yaml -> pipeline draft: the file's top level, its stages, foreach and matrix
// (app/dvc_converter.hpp). What maps to what is documented in docs/migrating-from-dvc.md.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "app/dvc_converter.hpp"
#include "app/import_dvc.hpp"
#include "util/strings.hpp"

namespace mlops {
namespace {

constexpr size_t k_max_stage_name = 64;
constexpr size_t k_max_combinations = 10000;

// A DVC stage name (with its foreach or matrix suffix) as an mlops stage name:
// [A-Za-z0-9][A-Za-z0-9_-]*, at most 64 characters.
std::string stage_name(std::string_view dvc) {
  std::string name;
  for (char c : dvc) {
    name += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' ? c : '-';
  }
  if (name.empty() || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    name = "s" + name;
  }
  return name.substr(0, k_max_stage_name);
}

bool is_identifier(std::string_view text) {
  return !text.empty() && (std::isalpha(static_cast<unsigned char>(text[0])) || text[0] == '_') &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
         });
}

YamlNode scalar_node(std::string text) {
  YamlNode node;
  node.type = ScalarType::String;
  node.text = std::move(text);
  return node;
}

bool has_list(const YamlNode& node) {
  return node.is_sequence() ||
         std::any_of(node.entries.begin(), node.entries.end(),
                     [](const YamlMapEntry& entry) { return has_list(entry.second); });
}

}  // namespace

DvcConversion convert_dvc(std::string_view text, const DvcConvertContext& context) {
  DvcConverter converter(text, context);
  return converter.convert(text);
}

DvcConversion DvcConverter::convert(std::string_view text) {
  DvcConversion result;
  auto root = parse_yaml(text, m_diagnostics);
  if (!root && m_diagnostics.empty()) {
    m_diagnostics.error({}, "the file is empty; a dvc.yaml has 'stages'");
  } else if (root && !root->is_map()) {
    error(*root, fmt::format("a dvc.yaml is a mapping with 'stages', not {}", root->describe()));
  } else if (root) {
    top_level(*root);
  }
  // DVC reads params.yaml beside dvc.yaml for every `${...}` and `exp show`: so does mlops.
  std::string default_file =
      std::filesystem::path(m_context.dvc_dir).append("params.yaml").lexically_normal().string();
  auto& files = m_draft.params_files;
  std::string from_pipeline = std::filesystem::path(default_file)
                                  .lexically_relative(m_context.pipeline_dir)
                                  .generic_string();
  if (m_context.exists(default_file)) {
    files.erase(std::remove(files.begin(), files.end(), from_pipeline), files.end());
    files.insert(files.begin(), from_pipeline);
  } else if (m_uses_params != nullptr && files.empty() && !m_draft.params_values) {
    error(*m_uses_params, "this reads a parameter, but there is no params.yaml or vars");
  }
  result.diagnostics = m_diagnostics.sorted();
  if (!result.diagnostics.empty()) {
    return result;
  }
  m_draft.name = m_context.pipeline_name;
  m_draft.header.insert(
      m_draft.header.begin(),
      {fmt::format("Converted from {} by `mlops import dvc` (docs/migrating-from-dvc.md).",
                   m_context.file_name),
       "Comments starting with 'dvc:' say what had no mlops equivalent and what was done."});
  result.yaml = write_pipeline_yaml(m_draft);
  result.dropped = m_dropped;
  result.stages = m_draft.stages.size();
  return result;
}

void DvcConverter::top_level(const YamlNode& root) {
  check_keys(root, {"stages", "vars", "params", "metrics", "plots", "artifacts", "datasets"},
             "dvc.yaml");
  if (const YamlNode* list = expect_list(root.find("vars"), "vars")) {
    vars(*list, m_draft.params_notes, "vars", nullptr);
  }
  if (const YamlNode* list = expect_list(root.find("params"), "params")) {
    for (const YamlNode& item : list->items) {
      if (!item.is_scalar() || item.is_null()) {
        error(item, "top-level 'params' lists params files");
      } else if (!add_params_file(item, item.text)) {
        drop(m_draft.params_notes, "params",
             fmt::format("params file '{}' dropped: mlops reads YAML and JSON params files",
                         item.text));
      }
    }
  }
  const std::pair<const char*, const char*> others[] = {
      {"metrics", "mlops records the JSON metrics files its stages declare under 'metrics'"},
      {"plots", "declare each plot under its stage's 'plots' (stages' plots files are)"},
      {"artifacts", "register a model with an out's 'model:' key (docs/registry.md)"},
      {"datasets", "no mlops equivalent"}};
  for (const auto& [key, why] : others) {
    if (root.find(key) != nullptr) {
      drop(m_draft.header, "", fmt::format("top-level '{}' dropped: {}", key, why));
    }
  }
  const YamlNode* list = root.find("stages");
  if (list == nullptr || !list->is_map() || list->entries.empty()) {
    error(list ? *list : root, "a dvc.yaml needs 'stages': a mapping of stage names to stages");
    return;
  }
  stages(*list);
}

// `vars`: files become params files; mappings become the pipeline's inline params (top level)
// or values substituted into the stage (a stage's vars, `locals`).
void DvcConverter::vars(const YamlNode& list, std::vector<std::string>& notes,
                        const std::string& where, Locals* locals) {
  for (const YamlNode& item : list.items) {
    if (item.is_scalar() && !item.is_null()) {
      size_t colon = item.text.find(':');
      std::string file = item.text.substr(0, colon);
      if (colon != std::string::npos) {
        drop(notes, where, fmt::format("vars '{}': mlops reads every key of {}", item.text, file));
      }
      if (!add_params_file(item, file)) {
        drop(notes, where,
             fmt::format("vars file '{}' dropped: mlops reads YAML and JSON params files", file));
      }
      continue;
    }
    if (!item.is_map()) {
      error(item,
            fmt::format("each of 'vars' is a file name or a mapping, not {}", item.describe()));
      continue;
    }
    for (const YamlMapEntry& entry : item.entries) {
      if (locals != nullptr) {
        locals->values.insert(locals->values.begin(), {entry.first.text, entry.second});
      } else if (has_list(entry.second)) {
        drop(notes, where,
             fmt::format("vars '{}' dropped: inline params hold no lists (move it to "
                         "params.yaml)",
                         entry.first.text));
      } else {
        if (!m_draft.params_values) {
          m_draft.params_values = YamlNode{};
          m_draft.params_values->kind = YamlNode::Kind::Map;
        }
        auto& entries = m_draft.params_values->entries;
        entries.erase(
            std::remove_if(entries.begin(), entries.end(),
                           [&](const YamlMapEntry& e) { return e.first.text == entry.first.text; }),
            entries.end());
        entries.push_back(entry);
      }
    }
  }
}

void DvcConverter::stages(const YamlNode& list) {
  for (const YamlMapEntry& entry : list.entries) {
    if (!entry.second.is_map()) {
      error(entry.second, fmt::format("stage '{}' must be a mapping, not {}", entry.first.text,
                                      entry.second.describe()));
    } else if (entry.second.find("foreach") != nullptr) {
      foreach_stage(entry);
    } else if (entry.second.find("matrix") != nullptr) {
      matrix_stage(entry);
    } else {
      stage(stage_name(entry.first.text), entry.first.text, entry.first, entry.second, {}, "", {});
    }
  }
}

// foreach/do: one stage per item, with ${item} and ${key} written in (DVC's `NAME@KEY` stages
// become `NAME-KEY`).
void DvcConverter::foreach_stage(const YamlMapEntry& entry) {
  const std::string& name = entry.first.text;
  if (!check_keys(entry.second, {"foreach", "do"}, fmt::format("foreach stage '{}'", name))) {
    return;
  }
  const YamlNode& over = *entry.second.find("foreach");
  const YamlNode* body = entry.second.find("do");
  if (body == nullptr || !body->is_map()) {
    error(body ? *body : entry.first, "'foreach' needs 'do': a mapping, the stage to repeat");
    return;
  }
  if (over.is_scalar() || (over.items.empty() && over.entries.empty())) {
    error(over, over.is_scalar()
                    ? "foreach over a value from params or vars: mlops import cannot expand it; "
                      "write the items in dvc.yaml"
                    : "foreach over nothing");
    return;
  }
  for (size_t i = 0; i < over.items.size(); ++i) {
    const YamlNode& item = over.items[i];
    std::string key = item.is_scalar() ? item.text : std::to_string(i);
    stage(stage_name(name + "-" + key), name + "@" + key, item, *body, {{{"item", item}}}, "", {});
  }
  for (const YamlMapEntry& item : over.entries) {
    Locals locals{{{"key", scalar_node(item.first.text)}, {"item", item.second}}};
    stage(stage_name(name + "-" + item.first.text), name + "@" + item.first.text, item.first, *body,
          std::move(locals), "", {});
  }
}

}  // namespace mlops

namespace mlops {

// A DVC matrix that mlops's own matrix can hold: keys that are names, values single words.
bool DvcConverter::native_matrix(const YamlNode& matrix) {
  for (const YamlMapEntry& entry : matrix.entries) {
    if (!is_identifier(entry.first.text)) {
      return false;
    }
    for (const YamlNode& value : entry.second.items) {
      if (!value.is_scalar() || value.is_null() ||
          value.text.find_first_of(",=[]\n") != std::string::npos || value.text.empty()) {
        return false;
      }
    }
  }
  return true;
}

// matrix: mlops's own matrix (`${item.K}` is `${matrix.K}`) when it can hold the values, else
// one stage per combination with the values written in.
void DvcConverter::matrix_stage(const YamlMapEntry& entry) {
  const std::string& name = entry.first.text;
  const YamlNode& matrix = *entry.second.find("matrix");
  if (!matrix.is_map() || matrix.entries.empty()) {
    error(matrix,
          "'matrix' is a mapping of names to lists of values (mlops import cannot "
          "expand one from params or vars)");
    return;
  }
  size_t combinations = 1;
  for (const YamlMapEntry& key : matrix.entries) {
    if (!key.second.is_sequence() || key.second.items.empty()) {
      error(key.second, fmt::format("matrix key '{}' needs a non-empty list of values (mlops "
                                    "import cannot expand values from params or vars)",
                                    key.first.text));
      return;
    }
    combinations *= key.second.items.size();
    if (combinations > k_max_combinations) {
      error(matrix, fmt::format("matrix of more than {} combinations", k_max_combinations));
      return;
    }
  }
  if (native_matrix(matrix)) {
    Locals locals;
    locals.matrix_item = true;
    DraftStage* stage =
        this->stage(stage_name(name), name, entry.first, entry.second, locals, "matrix",
                    {fmt::format("dvc: matrix stage '{}': mlops names its stages {}[KEY=VALUE,...]",
                                 name, stage_name(name))});
    for (const YamlMapEntry& key : matrix.entries) {
      if (stage != nullptr) {
        stage->matrix.push_back({key.first.text, key.second.items});
      }
    }
    return;
  }
  size_t keys = matrix.entries.size();
  for (size_t n = 0; n < combinations; ++n) {
    std::vector<size_t> index(keys);  // the first key varies slowest, as in DVC
    for (size_t k = keys, rest = n; k-- > 0;) {
      index[k] = rest % matrix.entries[k].second.items.size();
      rest /= matrix.entries[k].second.items.size();
    }
    YamlNode item;
    item.kind = YamlNode::Kind::Map;
    std::vector<std::string> suffix;
    for (size_t k = 0; k < keys; ++k) {
      const auto& values = matrix.entries[k].second.items;
      size_t i = index[k];
      item.entries.push_back({matrix.entries[k].first, values[i]});
      suffix.push_back(values[i].is_scalar() ? values[i].text
                                             : matrix.entries[k].first.text + std::to_string(i));
    }
    std::string key = join(suffix, "-");
    stage(stage_name(name + "-" + key), name + "@" + key, entry.first, entry.second,
          {{{"item", item}}}, "matrix", {});
  }
}

}  // namespace mlops
