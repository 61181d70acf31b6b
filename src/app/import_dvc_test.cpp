// convert_dvc (app/import_dvc.hpp): each dvc.yaml construct, what is dropped with a comment, the
// errors at FILE:LINE:COL, quoting that round-trips, and every conversion passing mlops's checks.
#include "app/import_dvc.hpp"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "spec/loader.hpp"
#include "spec/yaml_tree.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

class ImportDvcTest : public ::testing::Test {
 protected:
  void write(const std::string& relative, const std::string& text) {
    std::filesystem::create_directories((m_dir.path() / relative).parent_path());
    std::ofstream(m_dir.path() / relative) << text;
  }
  DvcConvertContext context() {
    DvcConvertContext context;
    context.workspace = m_dir.path();
    context.pipeline_name = "p";
    context.exists = [this](const std::string& relative) {
      return std::filesystem::exists(m_dir.path() / relative);
    };
    return context;
  }
  // The conversion, which must have succeeded and must pass mlops's checks.
  DvcConversion convert(const std::string& dvc, DvcConvertContext options) {
    DvcConversion conversion = convert_dvc(dvc, options);
    for (const Diagnostic& diagnostic : conversion.diagnostics) {
      ADD_FAILURE() << render_diagnostic(diagnostic);
    }
    LoadResult loaded = load_pipeline_text(
        conversion.yaml, m_dir.path() / options.pipeline_dir / "pipeline.yaml", m_dir.path(), {});
    for (const Diagnostic& diagnostic : loaded.diagnostics) {
      ADD_FAILURE() << render_diagnostic(diagnostic) << "\n" << conversion.yaml;
    }
    return conversion;
  }
  std::string yaml(const std::string& dvc) { return convert(dvc, context()).yaml; }
  // The first error, rendered.
  std::string error(const std::string& dvc) {
    DvcConversion conversion = convert_dvc(dvc, context());
    EXPECT_TRUE(conversion.yaml.empty());
    return conversion.diagnostics.empty() ? "" : render_diagnostic(conversion.diagnostics[0]);
  }
  // The body after the two header comment lines.
  static std::string body(const std::string& text) {
    size_t at = text.find("version: 1");
    return at == std::string::npos ? text : text.substr(at);
  }
  testing::TempDir m_dir;
};

TEST_F(ImportDvcTest, StageWithDepsOutsParamsAndMetrics) {
  write("params.yaml", "train:\n  lr: 0.1\n  seed: 1\nfeaturize: {max: 3}\n");
  std::string text = yaml(R"(stages:
  train:
    desc: Train it
    cmd: python train.py --lr ${train.lr}
    deps: [train.py, data/features]
    params: [train.seed, featurize]
    outs: [model.pkl]
    metrics: [eval/metrics.json]
    always_changed: true
)");
  EXPECT_EQ(text,
            "# Converted from dvc.yaml by `mlops import dvc` (docs/migrating-from-dvc.md).\n"
            "# Comments starting with 'dvc:' say what had no mlops equivalent and what was "
            "done.\n"
            "version: 1\nname: p\nparams:\n  file:\n    - params.yaml\nstages:\n"
            "  train:\n"
            "    description: Train it\n"
            "    run: python train.py --lr ${params.train.lr}\n"
            "    deps:\n      - train.py\n      - data/features\n"
            "    params:\n      - train.seed\n      - featurize\n"
            "    outs:\n      - model.pkl\n"
            "    metrics:\n      - eval/metrics.json\n"
            "    always_run: true\n");
}

TEST_F(ImportDvcTest, CommandListRunsEachAfterTheOneBeforeSucceeded) {
  std::string text = yaml(
      "stages:\n  a:\n    cmd:\n      - mkdir -p out\n"
      "      - \"echo '#' > out/x\"\n      - echo done\n    outs: [out]\n");
  EXPECT_NE(text.find("run: |-\n      mkdir -p out && { echo '#' > out/x\n      } && echo done\n"),
            std::string::npos)
      << text;
}

TEST_F(ImportDvcTest, OutputOptionsBecomeCommentsOrIncremental) {
  DvcConversion conversion = convert(R"(stages:
  a:
    cmd: echo
    outs:
      - data/cache: {persist: true}
      - model.pkl:
          cache: false
          remote: myremote
    metrics:
      - scores.yaml: {cache: false}
)",
                                     context());
  const std::string& text = conversion.yaml;
  EXPECT_NE(text.find("  # dvc: persist: true on 'data/cache': the stage is incremental"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  # dvc: cache: false on 'model.pkl' dropped: mlops keeps every output "
                      "in its cache"),
            std::string::npos);
  EXPECT_NE(text.find("  # dvc: remote on outs 'model.pkl' dropped: no mlops equivalent"),
            std::string::npos);
  EXPECT_NE(text.find("  # dvc: metrics file 'scores.yaml' is an out: mlops reads JSON metrics "
                      "files only"),
            std::string::npos);
  EXPECT_NE(text.find("    incremental: true\n"), std::string::npos);
  EXPECT_NE(text.find("      - scores.yaml\n"), std::string::npos);
  ASSERT_EQ(conversion.dropped.size(), 4u);
  EXPECT_EQ(conversion.dropped[0].rfind("a: cache: false on 'model.pkl'", 0), 0u);
}

TEST_F(ImportDvcTest, ParamsFromOtherFilesAndWholeFiles) {
  write("params.yaml", "a: 1\n");
  write("conf/train.yaml", "lr: 0.1\nepochs: 3\n");
  write("conf/all.json", "{\"x\": 1}\n");
  write("conf/settings.toml", "x = 1\n");
  std::string text = yaml(R"(stages:
  a:
    cmd: echo
    params:
      - a
      - conf/train.yaml: [lr, epochs]
      - conf/all.json:
      - conf/settings.toml: [x]
)");
  EXPECT_NE(text.find("params:\n  file:\n    - params.yaml\n    - conf/train.yaml\nstages:"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    deps:\n      - conf/all.json\n      - conf/settings.toml\n"
                      "    params:\n      - a\n      - lr\n      - epochs\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("# dvc: params of a whole file: 'conf/all.json' is a dep instead"),
            std::string::npos);
  EXPECT_NE(text.find("# dvc: params file mlops cannot read: 'conf/settings.toml' is a dep"),
            std::string::npos);
}

TEST_F(ImportDvcTest, InterpolationBecomesParamsAndEscapesStayLiteral) {
  write("params.yaml", "data: {dir: raw}\nmodel: m\n");
  std::string text = yaml(
      "stages:\n  a:\n    cmd: cat ${data.dir}/x > ${ model }.out; echo "
      "\\${HOME}\n    deps: [\"${data.dir}/x\"]\n"
      "    outs: [\"${model}.out\"]\n");
  EXPECT_NE(text.find("run: cat ${params.data.dir}/x > ${params.model}.out; echo $${HOME}\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("      - \"${params.data.dir}/x\"\n"), std::string::npos);
}

TEST_F(ImportDvcTest, AValueEndingInDollarNeverJoinsIntoAReference) {
  write("params.yaml", "x: 1\n");
  std::string text = yaml(R"(stages:
  fd:
    foreach:
      a: {v: "$", w: "{params.x}"}
    do:
      cmd: echo ${item.v}{params.x} ${item.v}${item.w} $\${params.x} ${x}
)");
  EXPECT_NE(text.find("run: echo $${params.x} $${params.x} $$${params.x} ${params.x}\n"),
            std::string::npos)
      << text;
}

TEST_F(ImportDvcTest, PlotsKeepTheirOptions) {
  std::string text = body(yaml(R"(stages:
  eval:
    cmd: ./eval.sh
    plots:
      - loss.tsv
      - roc.json:
          x: fpr
          y: tpr
          title: "ROC: <b>#1"
          template: smooth
          x_label: false positive rate
          y_label: "true"
          header: false
          cache: false
      - classes.csv: {template: confusion_normalized, x: actual, y: predicted}
      - image.png
)"));
  EXPECT_EQ(text,
            "version: 1\nname: p\nstages:\n"
            "  # dvc: template smooth of plots 'roc.json' is drawn as linear\n"
            "  # dvc: cache: false on 'roc.json' dropped: mlops keeps every output in its cache, "
            "and adds it to .gitignore on the first run (remove it from there to keep it in git)\n"
            "  # dvc: header on plots 'roc.json' dropped: no mlops equivalent\n"
            "  # dvc: template confusion_normalized of plots 'classes.csv' is drawn as "
            "confusion\n"
            "  # dvc: plots 'image.png' is an out: mlops draws .csv, .tsv and .json files only\n"
            "  eval:\n    run: \"./eval.sh\"\n    outs:\n      - image.png\n"
            "    plots:\n      - loss.tsv\n"
            "      - path: roc.json\n        x: fpr\n        y: tpr\n"
            "        title: \"ROC: <b>#1\"\n        x_label: false positive rate\n"
            "        y_label: \"true\"\n"
            "      - path: classes.csv\n        x: actual\n        y: predicted\n"
            "        template: confusion\n");
}

TEST_F(ImportDvcTest, ForeachListAndDictAreExpanded) {
  std::string text = body(yaml(R"(stages:
  clean:
    foreach: [raw1, labels]
    do:
      cmd: clean.py "${item}"
      outs: ["${item}.cln"]
  build:
    foreach:
      uk: {epochs: 3}
      us: {epochs: 10}
    do:
      cmd: python train.py '${key}' ${item.epochs}
      outs: ["model-${key}.hdf5"]
)"));
  EXPECT_EQ(text,
            "version: 1\nname: p\nstages:\n"
            "  # dvc: stage 'clean@raw1'\n  clean-raw1:\n    run: clean.py \"raw1\"\n"
            "    outs:\n      - raw1.cln\n"
            "  # dvc: stage 'clean@labels'\n  clean-labels:\n    run: clean.py \"labels\"\n"
            "    outs:\n      - labels.cln\n"
            "  # dvc: stage 'build@uk'\n  build-uk:\n    run: python train.py 'uk' 3\n"
            "    outs:\n      - model-uk.hdf5\n"
            "  # dvc: stage 'build@us'\n  build-us:\n    run: python train.py 'us' 10\n"
            "    outs:\n      - model-us.hdf5\n");
}

TEST_F(ImportDvcTest, MatrixIsNativeWhenItCanBeAndExpandedElse) {
  std::string native = body(yaml(R"(stages:
  train:
    matrix:
      model: [cnn, xgb]
      fold: [1, 2]
    cmd: ./train.py --model ${item.model} --fold ${item.fold}
    outs: ["models/${item.model}-${item.fold}.pkl"]
)"));
  EXPECT_NE(native.find("  train:\n    matrix:\n      model: [cnn, xgb]\n      fold: [1, 2]\n"
                        "    run: \"./train.py --model ${matrix.model} --fold ${matrix.fold}\"\n"),
            std::string::npos)
      << native;
  std::string expanded = body(yaml(R"(stages:
  train:
    matrix:
      cfg: [{lr: 1}, {lr: 2}]
      seed: [7]
    cmd: ./train.py ${item.cfg.lr} ${item.seed}
    outs: ["m-${item.cfg.lr}"]
)"));
  EXPECT_NE(expanded.find("  # dvc: stage 'train@cfg0-7'\n  train-cfg0-7:\n    run: \"./train.py 1 "
                          "7\"\n"),
            std::string::npos)
      << expanded;
  EXPECT_NE(expanded.find("  train-cfg1-7:\n    run: \"./train.py 2 7\"\n"), std::string::npos);
}

TEST_F(ImportDvcTest, WdirAndASubdirectoryDvcYamlRebasePaths) {
  write("sub/params.yaml", "n: 1\n");
  write("sub/scripts/params.yaml", "n: 2\n");
  DvcConvertContext options = context();
  options.dvc_dir = "sub";
  DvcConversion conversion = convert(R"(stages:
  a:
    cmd: ./run.sh
    wdir: scripts
    deps: [run.sh, ../data/in.csv]
    params: [n]
    outs: [../out]
  b:
    cmd: echo ${n}
)",
                                     options);
  const std::string& text = conversion.yaml;
  EXPECT_NE(text.find("params:\n  file:\n    - sub/params.yaml\n    - sub/scripts/params.yaml"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    workdir: sub/scripts\n    deps:\n      - sub/scripts/run.sh\n"
                      "      - sub/data/in.csv\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("      - sub/out\n"), std::string::npos);
  EXPECT_NE(text.find("  b:\n    run: echo ${params.n}\n    workdir: sub\n"), std::string::npos);
}

TEST_F(ImportDvcTest, FlagsVarsAndTopLevelKeys) {
  write("params.yaml", "x: 1\n");
  write("more.yaml", "y: 2\n");
  std::string text = yaml(R"(vars:
  - more.yaml
  - {name: hello, opts: {a: 1}}
params: [more.yaml]
metrics: [eval/metrics.json]
plots: [eval/prc.json]
stages:
  a:
    vars: [{local: 5}]
    cmd: echo ${name} ${y} ${local} ${opts.a}
    frozen: true
    meta: {owner: me}
)");
  EXPECT_NE(text.find("# dvc: top-level 'metrics' dropped"), std::string::npos) << text;
  EXPECT_NE(text.find("# dvc: top-level 'plots' dropped"), std::string::npos);
  EXPECT_NE(text.find("params:\n  file:\n    - params.yaml\n    - more.yaml\n  values:\n"
                      "    name: hello\n    opts:\n      a: 1\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  # dvc: frozen: true dropped: mlops has no frozen stages"),
            std::string::npos);
  EXPECT_NE(text.find("  # dvc: meta dropped"), std::string::npos);
  EXPECT_NE(text.find("run: echo ${params.name} ${params.y} 5 ${params.opts.a}\n"),
            std::string::npos);
}

TEST_F(ImportDvcTest, AwkwardNamesAndCommandsRoundTrip) {
  std::string cmd = "printf '%s\\n' \"a: b\" # not: a comment\necho \"x\\ty\" 'q''s' \x1b[0m";
  DvcConversion conversion = convert(
      "stages:\n  \"my stage: #1\":\n    cmd: \"" +
          std::string("printf '%s\\\\n' \\\"a: b\\\" # not: a comment\\necho \\\"x\\\\ty\\\" "
                      "'q''s' \\e[0m") +
          "\"\n    outs: [\"odd: name #.txt\", \"-dash\"]\n",
      context());
  Diagnostics diagnostics("pipeline.yaml", conversion.yaml);
  auto tree = parse_yaml(conversion.yaml, diagnostics);
  ASSERT_TRUE(tree) << conversion.yaml;
  const YamlNode* stages = tree->find("stages");
  ASSERT_TRUE(stages && stages->entries.size() == 1) << conversion.yaml;
  EXPECT_EQ(stages->entries[0].first.text, "my-stage---1");
  EXPECT_EQ(stages->entries[0].second.find("run")->text, cmd);
  EXPECT_EQ(stages->entries[0].second.find("outs")->items[0].text, "odd: name #.txt");
  EXPECT_EQ(stages->entries[0].second.find("outs")->items[1].text, "-dash");
  EXPECT_NE(conversion.yaml.find("  # dvc: stage 'my stage: #1'\n"), std::string::npos);
}

TEST_F(ImportDvcTest, ACommandStartingWithAnIndentedLineRoundTrips) {
  std::string cmd = "\n  cat <<X\n  kept\nX\ndescription: not a key";
  DvcConversion conversion =
      convert("stages:\n  s:\n    cmd: \"\\n  cat <<X\\n  kept\\nX\\ndescription: not a key\"\n",
              context());
  Diagnostics diagnostics("pipeline.yaml", conversion.yaml);
  auto tree = parse_yaml(conversion.yaml, diagnostics);
  ASSERT_TRUE(tree) << conversion.yaml;
  const YamlNode* stage = tree->find("stages")->find("s");
  ASSERT_TRUE(stage && stage->find("run")) << conversion.yaml;
  EXPECT_EQ(stage->find("run")->text, cmd);
  EXPECT_EQ(stage->find("description"), nullptr) << conversion.yaml;
}

TEST_F(ImportDvcTest, ErrorsPointAtTheirLineAndColumn) {
  EXPECT_EQ(error("stages:\n  a:\n    cmd: echo\n    depz: [x]\n"),
            "dvc.yaml:4:5: error: unknown key 'depz' in stage 'a' (did you mean 'deps'?)\n"
            " 4 |     depz: [x]\n   |     ^\n");
  EXPECT_NE(error("stages:\n  a:\n    cmd: echo\n    outs: [/etc/passwd]\n")
                .find("dvc.yaml:4:12: error: path '/etc/passwd' leads outside the workspace"),
            std::string::npos);
  EXPECT_NE(error("stages:\n  a:\n    wdir: ../..\n    cmd: echo\n")
                .find("dvc.yaml:3:11: error: path '../..' leads outside the workspace"),
            std::string::npos);
  EXPECT_NE(error("stages:\n  a:\n    deps: [x]\n")
                .find("dvc.yaml:2:3: error: stage 'a' has "
                      "no 'cmd'"),
            std::string::npos);
  EXPECT_NE(error("stages:\n  a:\n    cmd: echo ${x[0]}\n").find("dvc.yaml:3:15: error: "),
            std::string::npos);
  EXPECT_NE(error("stages:\n  a:\n    cmd: echo ${x}\n")
                .find("dvc.yaml:3:10: error: this reads a parameter, but there is no params.yaml"),
            std::string::npos);
  EXPECT_NE(error("stages:\n  a: {cmd: [}\n").find("dvc.yaml:2:"), std::string::npos);
  EXPECT_NE(error("stages:\n  a:\n    foreach: ${items}\n    do: {cmd: echo}\n")
                .find("dvc.yaml:3:14: error: foreach over a value from params"),
            std::string::npos);
  EXPECT_NE(error("stages:\n  a-b:\n    cmd: echo\n  a_b:\n    cmd: echo\n  a.b:\n    cmd: x\n")
                .find("dvc.yaml:6:3: error: stage 'a.b' would be named 'a-b'"),
            std::string::npos);
  EXPECT_NE(error("").find("dvc.yaml: error: the file is empty"), std::string::npos);
}

}  // namespace
}  // namespace mlops
