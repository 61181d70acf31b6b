// Params files: reading (flattening, lists, skipped keys), the loader's merge order and per-key
// stage dependencies, and the in-place edit behind --save-params.
#include "spec/params_file.hpp"

#include <fstream>

#include <gtest/gtest.h>

#include "spec/loader.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

using testing::TempDir;

void write(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

LoadResult load_in(const TempDir& dir, const std::string& pipeline, LoadOptions options = {}) {
  write(dir.path() / "p.yaml", pipeline);
  return load_pipeline_text(pipeline, dir.path() / "p.yaml", dir.path(), options);
}

const Stage& stage_named(const Pipeline& pipeline, const std::string& name) {
  for (const auto& stage : pipeline.stages) {
    if (stage.name == name) {
      return stage;
    }
  }
  throw std::runtime_error("no stage " + name);
}

TEST(ParamsFileTest, FlattensNestedKeysListsAndSkipsOtherToolsKeys) {
  Diagnostics diagnostics("params.yaml", "");
  std::string text = "train: {lr: 0.10, layers: [1, 'a']}\nother tool: {x: 1}\nseed: 7\n";
  Diagnostics parse_diagnostics("params.yaml", text);
  auto root = parse_yaml(text, parse_diagnostics);
  ASSERT_TRUE(root);
  ParamMap params;
  std::vector<std::string> groups;
  read_params_tree(*root, "params.yaml", diagnostics, params, groups);
  EXPECT_TRUE(diagnostics.empty());
  ASSERT_EQ(params.size(), 3u);
  EXPECT_EQ(params.at("train.lr").text, "0.10");
  EXPECT_EQ(params.at("train.layers").text, "[1, \"a\"]");
  EXPECT_EQ(params.at("seed").origin, "params.yaml");
  EXPECT_EQ(groups, std::vector<std::string>{"train"});
}

TEST(ParamsFileTest, FilesOverrideInlineValuesAndLaterFilesWin) {
  TempDir dir;
  write(dir.path() / "a.yaml", "train: {lr: 0.1, epochs: 5}\n");
  write(dir.path() / "conf/b.json", "{\"train\": {\"lr\": 0.05}}");
  auto result = load_in(dir,
                        "version: 1\nname: p\nparams:\n  file: [a.yaml, conf/b.json]\n"
                        "  values: {seed: 1, train: {lr: 9}}\nstages:\n"
                        "  s: {run: 'echo ${params.train.lr}'}\n");
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  const Pipeline& pipeline = *result.pipeline;
  EXPECT_EQ(pipeline.params.at("train.lr").text, "0.05");
  EXPECT_EQ(pipeline.params.at("train.epochs").text, "5");
  EXPECT_EQ(pipeline.params.at("seed").text, "1");
  EXPECT_EQ(pipeline.param_file_of.at("train.lr"), "conf/b.json");
  EXPECT_EQ(pipeline.param_file_of.at("train.epochs"), "a.yaml");
  EXPECT_FALSE(pipeline.param_file_of.count("seed"));
  EXPECT_EQ(pipeline.params_files, (std::vector<std::string>{"a.yaml", "conf/b.json"}));
}

TEST(ParamsFileTest, StageDependsOnlyOnTheKeysItUsesOrDeclares) {
  TempDir dir;
  write(dir.path() / "params.yaml", "featurize: {max: 10}\ntrain: {lr: 0.1, epochs: 5}\nx: 1\n");
  auto result = load_in(dir,
                        "version: 1\nname: p\nparams: {file: params.yaml}\nstages:\n"
                        "  featurize: {run: 'echo ${params.featurize.max}'}\n"
                        "  train: {run: 'python train.py', params: [train, x]}\n");
  ASSERT_TRUE(result.pipeline);
  auto used = [&](const std::string& name) {
    auto list = stage_named(*result.pipeline, name).params_used;
    std::sort(list.begin(), list.end());
    return list;
  };
  EXPECT_EQ(used("featurize"), std::vector<std::string>{"featurize.max"});
  EXPECT_EQ(used("train"), (std::vector<std::string>{"train.epochs", "train.lr", "x"}));
}

TEST(ParamsFileTest, ErrorsNameTheFileAndThePosition) {
  TempDir dir;
  write(dir.path() / "params.yaml", "train:\n  lr: [1\n");
  auto result = load_in(dir,
                        "version: 1\nname: p\nparams: {file: [params.yaml, none.yaml]}\n"
                        "stages:\n  s: {run: 'true', params: [train.lrr]}\n");
  ASSERT_FALSE(result.pipeline);
  std::vector<std::string> seen;
  for (const auto& d : result.diagnostics) {
    seen.push_back(std::filesystem::path(d.file).filename().string() + ":" +
                   std::to_string(d.mark.line) + ":" + std::to_string(d.mark.column));
  }
  EXPECT_NE(std::find(seen.begin(), seen.end(), "p.yaml:3:30"), seen.end())
      << ::testing::PrintToString(seen);                                      // none.yaml
  EXPECT_NE(std::find(seen.begin(), seen.end(), "p.yaml:5:29"), seen.end());  // train.lrr
  bool in_params_file = std::any_of(
      seen.begin(), seen.end(), [](const std::string& s) { return s.starts_with("params.yaml:"); });
  EXPECT_TRUE(in_params_file) << ::testing::PrintToString(seen);
}

TEST(ParamsFileTest, SetParamKeepsEverythingElseByteForByte) {
  std::string text =
      "# tuning\ntrain:\n  lr: 0.1   # learning rate\n  name: \"base\"\n"
      "  flow: {a: 1, b: 2}\nother tool: yes\n";
  auto edited = set_param_in_text(text, "train.lr", "0.05", false);
  ASSERT_TRUE(edited.ok()) << edited.error().message();
  EXPECT_EQ(*edited,
            "# tuning\ntrain:\n  lr: 0.05   # learning rate\n  name: \"base\"\n"
            "  flow: {a: 1, b: 2}\nother tool: yes\n");
  auto named = set_param_in_text(text, "train.name", "a \"b\"", false);
  ASSERT_TRUE(named.ok());
  EXPECT_NE(named->find("  name: \"a \\\"b\\\"\"\n"), std::string::npos) << *named;
  auto flow = set_param_in_text(text, "train.flow.b", "x: y", false);
  ASSERT_TRUE(flow.ok());
  EXPECT_NE(flow->find("{a: 1, b: \"x: y\"}"), std::string::npos) << *flow;
}

TEST(ParamsFileTest, SetParamInJsonWritesJsonAndRefusesWhatItCannotEdit) {
  auto json = set_param_in_text("{\"lr\": 0.1, \"opt\": \"sgd\"}", "lr", "1e-3", true);
  ASSERT_TRUE(json.ok());
  EXPECT_EQ(*json, "{\"lr\": 1e-3, \"opt\": \"sgd\"}");
  auto word = set_param_in_text("{\"lr\": 0.1}", "lr", ".5", true);
  ASSERT_TRUE(word.ok());
  EXPECT_EQ(*word, "{\"lr\": \".5\"}");
  EXPECT_FALSE(set_param_in_text("a: |\n  text\n", "a", "x", false).ok());
  EXPECT_FALSE(set_param_in_text("a: {b: 1}\n", "a", "x", false).ok());
  EXPECT_FALSE(set_param_in_text("a: 1\n", "missing", "x", false).ok());
}

}  // namespace
}  // namespace mlops
