#include "spec/plot_parser.hpp"

#include <algorithm>
#include <iterator>

#include <fmt/format.h>

#include "util/strings.hpp"

namespace mlops {
namespace {

const std::vector<std::string> k_plot_keys = {"path",     "x",       "y",      "title",
                                              "template", "x_label", "y_label"};

bool has_plot_extension(const std::string& path) {
  std::string lower = path;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.ends_with(".csv") || lower.ends_with(".tsv") || lower.ends_with(".json");
}

// A field name: a non-empty string.
std::optional<std::string> field_name(const YamlNode& node, std::string_view key,
                                      SectionReader& reader) {
  auto text = reader.string(node, "plots " + std::string(key));
  if (text && text->value.empty()) {
    reader.diagnostics().error(node.mark, fmt::format("'plots {}'{} is empty; name a column or "
                                                      "leave it out",
                                                      key, reader.context()));
    return std::nullopt;
  }
  return text ? std::optional(text->value) : std::nullopt;
}

// `y: tpr` or `y: [tpr, precision]`.
void parse_y(const YamlNode& node, SectionReader& reader, PlotOptions& plot) {
  if (node.is_sequence()) {
    if (node.items.empty()) {
      reader.diagnostics().error(node.mark, fmt::format("'plots y'{} is an empty list; name one "
                                                        "field or more, or leave it out",
                                                        reader.context()));
    }
    for (const auto& item : node.items) {
      if (auto name = field_name(item, "y", reader)) {
        plot.y.push_back(*name);
      }
    }
  } else if (auto name = field_name(node, "y", reader)) {
    plot.y.push_back(*name);
  }
}

void parse_template(const YamlNode& node, SectionReader& reader, PlotOptions& plot) {
  static const std::vector<std::string> k_templates(std::begin(k_plot_templates),
                                                    std::end(k_plot_templates));
  auto text = reader.string(node, "plots template");
  if (!text) {
    return;
  }
  if (std::find(k_templates.begin(), k_templates.end(), text->value) == k_templates.end()) {
    reader.diagnostics().error(
        node.mark,
        fmt::format("unknown plot template '{}'{}{}; use one of {}", text->value, reader.context(),
                    did_you_mean(text->value, k_templates), join(k_templates, ", ")));
    return;
  }
  plot.kind = text->value;
}

void parse_plot_entry(const YamlNode& key, const YamlNode& value, SectionReader& reader,
                      std::optional<LocatedString>& path, PlotOptions& plot) {
  const std::string& k = key.text;
  if (k == "path") {
    path = reader.list_item(value, "plots");
  } else if (k == "x") {
    plot.x = field_name(value, "x", reader).value_or("");
  } else if (k == "y") {
    parse_y(value, reader, plot);
  } else if (k == "template") {
    parse_template(value, reader, plot);
  } else if (auto text = reader.string(value, "plots " + k); text && k == "title") {
    plot.title = text->value;
  } else if (text && k == "x_label") {
    plot.x_label = text->value;
  } else if (text && k == "y_label") {
    plot.y_label = text->value;
  } else if (text) {
    reader.unknown_key(key, k_plot_keys);
  }
}

void check_plot(const YamlNode& item, const LocatedString& path, const PlotOptions& plot,
                SectionReader& reader) {
  Diagnostics& diagnostics = reader.diagnostics();
  if (!has_plot_extension(path.value)) {
    diagnostics.error(path.mark, fmt::format("plots file '{}'{} must end in .csv, .tsv or .json "
                                             "(its format is taken from the name)",
                                             path.value, reader.context()));
  }
  if (plot.kind == "confusion" && plot.y.size() > 1) {
    diagnostics.error(item.mark, fmt::format("a confusion plot{} reads one predicted column "
                                             "('y'), not {}",
                                             reader.context(), plot.y.size()));
  }
}

}  // namespace

void parse_plots(const YamlNode& node, SectionReader& reader, StageSpec& stage) {
  if (!node.is_sequence()) {
    reader.type_error(node, "plots", "a list of paths or {path, x, y, template} mappings");
    return;
  }
  for (const auto& item : node.items) {
    std::optional<LocatedString> path;
    PlotOptions plot;
    if (!item.is_map()) {
      path = reader.list_item(item, "plots");
    } else {
      for (const auto& [key, value] : item.entries) {
        // An unknown key is reported whatever its value's type.
        if (std::find(k_plot_keys.begin(), k_plot_keys.end(), key.text) == k_plot_keys.end()) {
          reader.unknown_key(key, k_plot_keys);
          continue;
        }
        parse_plot_entry(key, value, reader, path, plot);
      }
      if (!path && !item.find("path")) {
        reader.diagnostics().error(item.mark, fmt::format("a plot written as a mapping{} needs "
                                                          "'path'",
                                                          reader.context()));
      }
    }
    if (!path) {
      continue;
    }
    check_plot(item, *path, plot, reader);
    stage.plots.emplace_back(stage.outs.size(), std::move(plot));
    stage.outs.push_back(std::move(*path));
    stage.out_types.resize(stage.outs.size() - 1);
    stage.out_types.push_back("plots");
    stage.out_models.resize(stage.outs.size());
    stage.out_feature_groups.resize(stage.outs.size());
    stage.out_feature_group_marks.resize(stage.outs.size());
  }
}

}  // namespace mlops
