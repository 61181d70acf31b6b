#include <gtest/gtest.h>

#include "spec/spec_test_util.hpp"

namespace mlops {
namespace {

using testing::errors_of;
using testing::load_text;

const char* k_header = "version: 1\nname: p\nstages:\n  evaluate:\n    run: ./eval\n";

TEST(PlotParserTest, ShortAndLongFormsBecomeOutsOfKindPlots) {
  LoadResult loaded = load_text(std::string(k_header) +
                                "    outs: [model.pkl]\n"
                                "    plots:\n"
                                "      - eval/loss.tsv\n"
                                "      - {path: eval/roc.json, x: fpr, y: [tpr, precision], title: "
                                "ROC, template: scatter, x_label: FPR, y_label: rate}\n");
  ASSERT_TRUE(loaded.pipeline) << (loaded.diagnostics.empty() ? "" : loaded.diagnostics[0].message);
  const Stage& stage = loaded.pipeline->stages[0];
  ASSERT_EQ(stage.outs.size(), 3u);
  EXPECT_EQ(stage.outs[1].value, "eval/loss.tsv");
  EXPECT_EQ(stage.out_types[0], "");
  EXPECT_EQ(stage.out_types[1], "plots");
  EXPECT_EQ(stage.out_types[2], "plots");
  ASSERT_EQ(stage.plots.size(), 2u);
  EXPECT_EQ(stage.plots[0].path, "eval/loss.tsv");
  EXPECT_EQ(stage.plots[0].kind, "linear");
  const PlotOptions& roc = stage.plots[1];
  EXPECT_EQ(roc.path, "eval/roc.json");
  EXPECT_EQ(roc.x, "fpr");
  EXPECT_EQ(roc.y, (std::vector<std::string>{"tpr", "precision"}));
  EXPECT_EQ(roc.title, "ROC");
  EXPECT_EQ(roc.kind, "scatter");
  EXPECT_EQ(roc.x_label, "FPR");
  EXPECT_EQ(roc.y_label, "rate");
}

TEST(PlotParserTest, PlotsBeforeOutsKeepTheListsParallel) {
  LoadResult loaded = load_text(std::string(k_header) +
                                "    plots: [{path: 'eval/${params.name}.csv', y: tpr}]\n"
                                "    outs: [{path: m.pkl, type: model}]\n"
                                "params: {name: roc}\n");
  ASSERT_TRUE(loaded.pipeline);
  const Stage& stage = loaded.pipeline->stages[0];
  ASSERT_EQ(stage.outs.size(), 2u);
  EXPECT_EQ(stage.out_types, (std::vector<std::string>{"plots", "model"}));
  ASSERT_EQ(stage.plots.size(), 1u);
  EXPECT_EQ(stage.plots[0].path, "eval/roc.csv");  // interpolated like any out
}

TEST(PlotParserTest, ErrorsPointAtTheValue) {
  struct Case {
    const char* plots;
    const char* error;
  } cases[] = {
      {"    plots: [{path: r.csv, template: lines}]\n",
       "6:37: unknown plot template 'lines' in stage 'evaluate'; use one of linear, scatter, "
       "confusion"},
      {"    plots: [roc.png]\n",
       "6:13: plots file 'roc.png' in stage 'evaluate' must end in .csv, .tsv or .json (its format "
       "is taken from the name)"},
      {"    plots: [{path: r.csv, ylabel: rate}]\n",
       "6:27: unknown key 'ylabel' in stage 'evaluate' (did you mean 'y_label'?)"},
      {"    plots: [{x: fpr}]\n",
       "6:13: a plot written as a mapping in stage 'evaluate' needs 'path'"},
      {"    plots: [{path: r.csv, y: []}]\n",
       "6:30: 'plots y' in stage 'evaluate' is an empty list; name one field or more, or leave it "
       "out"},
      {"    plots: [{path: r.csv, x: ''}]\n",
       "6:30: 'plots x' in stage 'evaluate' is empty; name a column or leave it out"},
      {"    plots: [{path: r.csv, template: confusion, y: [a, b]}]\n",
       "6:13: a confusion plot in stage 'evaluate' reads one predicted column ('y'), not 2"},
      {"    plots: r.csv\n",
       "6:12: 'plots' in stage 'evaluate' must be a list of paths or {path, x, y, template} "
       "mappings, not a string"},
  };
  for (const auto& c : cases) {
    auto errors = errors_of(std::string(k_header) + c.plots);
    ASSERT_FALSE(errors.empty()) << c.plots;
    EXPECT_EQ(errors[0], c.error) << c.plots;
  }
}

TEST(PlotParserTest, APlotThatIsAlsoAnOutIsWrittenTwice) {
  auto errors = errors_of(std::string(k_header) + "    outs: [r.csv]\n    plots: [r.csv]\n");
  ASSERT_FALSE(errors.empty());
  EXPECT_NE(errors[0].find("lists 'r.csv' twice"), std::string::npos) << errors[0];
}

}  // namespace
}  // namespace mlops
