// The checker: every error a pipeline file can have, with its line, column and full message.
#include "spec/loader.hpp"

#include <gtest/gtest.h>

#include "spec/spec_test_util.hpp"

namespace mlops {
namespace {

using testing::errors_of;
using testing::load_text;
using Errors = std::vector<std::string>;

const char* k_header = "version: 1\nname: p\nstages:\n";

struct CheckerCase {
  const char* name;
  std::string text;
  Errors expected;
};

void PrintTo(const CheckerCase& c, std::ostream* os) {
  *os << c.name;
}

class CheckerTest : public ::testing::TestWithParam<CheckerCase> {};

TEST_P(CheckerTest, ReportsExactly) {
  EXPECT_EQ(errors_of(GetParam().text), GetParam().expected);
}

std::string with_stages(const std::string& stages) {
  return k_header + stages;
}

INSTANTIATE_TEST_SUITE_P(
    Errors, CheckerTest,
    ::testing::Values(
        CheckerCase{"UnknownStageKey",
                    with_stages("  a:\n    run: x\n    depz: [y]\n"),
                    {"6:5: unknown key 'depz' in stage 'a' (did you mean 'deps'?)"}},
        CheckerCase{"UnknownTopKey",
                    "version: 1\nname: p\nstage: {}\n",
                    {"1:1: missing required key 'stages' (add a 'stages' mapping with at least "
                     "one stage)",
                     "3:1: unknown key 'stage' (did you mean 'stages'?)"}},
        CheckerCase{"WrongTypeRetries",
                    with_stages("  a:\n    run: x\n    retries: \"2\"\n"),
                    {"6:14: 'retries' in stage 'a' must be an integer, not a string"}},
        CheckerCase{"WrongTypeDeps",
                    with_stages("  a:\n    run: x\n    deps: src/x.py\n"),
                    {"6:11: 'deps' in stage 'a' must be a list of strings, not a string"}},
        CheckerCase{"RetriesOutOfRange",
                    with_stages("  a:\n    run: x\n    retries: 101\n"),
                    {"6:14: 'retries' in stage 'a' must be between 0 and 100"}},
        CheckerCase{"MissingVersion",
                    "name: p\nstages:\n  a: {run: x}\n",
                    {"1:1: missing required key 'version' (add 'version: 1' at the top)"}},
        CheckerCase{"UnsupportedVersion",
                    "version: 2\nname: p\nstages:\n  a: {run: x}\n",
                    {"1:10: unsupported pipeline format version 2; this mlops reads version 1"}},
        CheckerCase{"MissingCommand",
                    with_stages("  a:\n    deps: [x]\n"),
                    {"4:3: stage 'a' has no command: add 'run' (a shell command) or 'cmd' (an "
                     "argument list)"}},
        CheckerCase{"RunAndCmd",
                    with_stages("  a:\n    run: x\n    cmd: [y]\n"),
                    {"5:5: stage 'a' has both 'run' and 'cmd'; keep one"}},
        CheckerCase{"NullStage",
                    with_stages("  a:\n"),
                    {"4:3: stage 'a' must be a mapping with a 'run' or 'cmd' key, not null"}},
        CheckerCase{"DuplicateKey",
                    with_stages("  a:\n    run: x\n    run: y\n"),
                    {"6:5: duplicate key 'run' (first defined at line 5)"}},
        CheckerCase{"DuplicateStage",
                    with_stages("  a: {run: x}\n  a: {run: y}\n"),
                    {"5:3: duplicate key 'a' (first defined at line 4)"}},
        CheckerCase{"NeedsUnknown",
                    with_stages("  train: {run: x}\n  eval:\n    run: y\n"
                                "    needs: [trian]\n"),
                    {"7:13: stage 'eval' needs 'trian', which is not a stage of this pipeline "
                     "(did you mean 'train'?)"}},
        CheckerCase{"NeedsItself",
                    with_stages("  a:\n    run: x\n    needs: [a]\n"),
                    {"6:13: stage 'a' needs itself"}},
        CheckerCase{"SameOutTwice",
                    with_stages("  a: {run: x, outs: [m.pkl]}\n  b: {run: y, outs: [m.pkl]}\n"),
                    {"5:22: stages 'a' and 'b' both write 'm.pkl'; each path must have one "
                     "writer (a matrix stage needs ${matrix.*} in its outs)"}},
        CheckerCase{"OverlappingOuts",
                    with_stages("  a: {run: x, outs: [data]}\n  b: {run: y, outs: [data/f]}\n"),
                    {"5:22: 'data/f' (written by 'b') is inside 'data' (written by 'a'); "
                     "outputs may not overlap"}},
        CheckerCase{"MatrixWithoutKeyInOuts",
                    with_stages("  a:\n    matrix: {m: [x, y]}\n    run: t\n    outs: [o]\n"),
                    {"7:12: stages 'a[m=x]' and 'a[m=y]' both write 'o'; each path must have one "
                     "writer (a matrix stage needs ${matrix.*} in its outs)"}},
        CheckerCase{"ReadsOwnOutput",
                    with_stages("  a: {run: x, deps: [d/f], outs: [d]}\n"),
                    {"4:22: stage 'a' reads 'd/f' and also writes 'd'; a stage may not read its "
                     "own output"}},
        CheckerCase{"OutEscapesWithDotDot",
                    with_stages("  a: {run: x, outs: [../m.pkl]}\n"),
                    {"4:22: outs path '../m.pkl' is outside the workspace /nonexistent-ws; "
                     "paths must stay inside it"}},
        CheckerCase{"DepAbsoluteOutside",
                    with_stages("  a: {run: x, deps: [/etc/passwd]}\n"),
                    {"4:22: deps path '/etc/passwd' is outside the workspace /nonexistent-ws; "
                     "paths must stay inside it"}},
        CheckerCase{"WorkdirEscapes",
                    with_stages("  a: {run: x, workdir: ..}\n"),
                    {"4:24: workdir path '..' is outside the workspace /nonexistent-ws; paths "
                     "must stay inside it"}},
        CheckerCase{"OutIntoMlopsDir",
                    with_stages("  a: {run: x, outs: [.mlops/x]}\n"),
                    {"4:22: outs path '.mlops/x' is inside .mlops, which mlops and git own; "
                     "write somewhere else"}},
        CheckerCase{"BadDuration",
                    with_stages("  a: {run: x, timeout: 5x}\n"),
                    {"4:24: 'timeout' in stage 'a' is not a duration: '5x' (write a number and a "
                     "unit, such as 500ms, 30s, 10m, 2h or 1h30m)"}},
        CheckerCase{"DurationWithoutUnit",
                    with_stages("  a: {run: x, retry_delay: 10}\n"),
                    {"4:28: 'retry_delay' in stage 'a' needs a unit: write 10s, 10m or 10ms "
                     "(units: ms, s, m, h)"}},
        CheckerCase{"ZeroTimeout",
                    with_stages("  a: {run: x, timeout: 0s}\n"),
                    {"4:24: 'timeout' in stage 'a' must be longer than 0 (leave it out for no "
                     "timeout)"}},
        CheckerCase{"BadPipelineName",
                    "version: 1\nname: Churn Model\nstages:\n  a: {run: x}\n",
                    {"2:7: 'Churn Model' is not a valid pipeline name (use lowercase letters, "
                     "digits, _ and -, starting with a letter or digit, at most 64 characters)"}},
        CheckerCase{"BadStageName",
                    with_stages("  -train: {run: x}\n"),
                    {"4:3: '-train' is not a valid stage name (use letters, digits, _ and -, "
                     "starting with a letter or digit, at most 64 characters)"}},
        CheckerCase{"EmptyStages",
                    "version: 1\nname: p\nstages: {}\n",
                    {"3:9: the pipeline has no stages; add at least one under 'stages'"}},
        CheckerCase{"NotAMapping",
                    "- a\n- b\n",
                    {"1:1: a pipeline file must be a mapping with 'version', 'name' and "
                     "'stages', not a list"}},
        CheckerCase{"EmptyFile",
                    "",
                    {"0:0: the pipeline file is empty; it needs 'version: 1', a 'name' and "
                     "'stages'"}},
        CheckerCase{"YamlSyntax",
                    "version: 1\nstages: [a, b\n",
                    {"3:1: invalid YAML: end of sequence flow not found"}},
        CheckerCase{"Alias",
                    "version: 1\nname: &n p\nstages:\n  a: {run: *n}\n",
                    {"4:12: YAML aliases (*name) are not supported in pipeline files; write the "
                     "value out in full"}},
        CheckerCase{
            "UnknownParam",
            "version: 1\nname: p\nparams: {lr: 1}\nstages:\n  a: {run: 'x ${params.lrr}'}\n",
            {"5:15: unknown parameter 'lrr' in '${params.lrr}' (did you mean 'lr'?)"}},
        CheckerCase{"UnknownNamespace",
                    with_stages("  a: {run: 'x ${param.lr}'}\n"),
                    {"4:15: unknown reference '${param.lr}': the namespaces are params, matrix, "
                     "run, stage, pipeline and models (did you mean 'params'?)"}},
        CheckerCase{"MatrixReferenceWithoutMatrix",
                    with_stages("  a: {run: 'x ${matrix.m}'}\n"),
                    {"4:15: '${matrix.m}': stage 'a' has no matrix"}},
        CheckerCase{"UnknownMatrixKey",
                    with_stages("  a:\n    matrix: {model: [x]}\n    run: t ${matrix.modle}\n"),
                    {"6:12: unknown matrix key 'modle' in '${matrix.modle}' (did you mean "
                     "'model'?)"}},
        CheckerCase{"RunIdInPath",
                    with_stages("  a: {run: x, outs: ['o/${run.id}']}\n"),
                    {"4:25: '${run.id}' may not appear in a path: paths must be the same in "
                     "every run"}},
        CheckerCase{"ParamGroupReference",
                    "version: 1\nname: p\nparams: {train: {lr: 1}}\nstages:\n"
                    "  a: {run: 'x ${params.train}'}\n",
                    {"5:15: '${params.train}' is a group of parameters; reference one of its "
                     "values, such as ${params.train.<name>}"}},
        CheckerCase{"MalformedReference",
                    with_stages("  a: {run: 'x ${params.lr'}\n"),
                    {"4:15: malformed reference '${params.lr': write ${namespace.name}, or $${ "
                     "for a literal ${"}},
        CheckerCase{"UnterminatedQuote",
                    with_stages("  a: {run: \"echo 'x\"}\n"),
                    {"4:12: the command has an unterminated quote, $( or backtick; /bin/sh "
                     "would reject it"}},
        CheckerCase{"ReservedEnv",
                    with_stages("  a: {run: x, env: {MLOPS_STAGE: y}}\n"),
                    {"4:21: 'MLOPS_STAGE': variables starting with MLOPS_ are set by mlops "
                     "itself; choose another name"}},
        CheckerCase{"MatrixValueWithComma",
                    with_stages("  a: {run: x, matrix: {m: ['a,b']}}\n"),
                    {"4:28: matrix value 'a,b' may not be empty or contain ',', '=', '[', ']' "
                     "or a newline: it becomes part of the stage name"}},
        CheckerCase{"ListParam",
                    "version: 1\nname: p\nparams: {x: [1]}\nstages:\n  a: {run: x}\n",
                    {"3:13: parameter 'x' is a list; parameters are strings, numbers, booleans "
                     "or mappings of them"}}),
    [](const ::testing::TestParamInfo<CheckerCase>& info) { return info.param.name; });

TEST(CheckerTest, ReportsEveryErrorAtOnce) {
  auto errors =
      errors_of(with_stages("  a:\n    run: x\n    depz: [y]\n    timeout: 5x\n"
                            "  b:\n    run: y\n    needs: [c]\n"));
  EXPECT_EQ(errors.size(), 3u);
}

TEST(LoaderTest, ExpandsMatrixInOrder) {
  auto result = load_text(
      with_stages("  train:\n    matrix: {model: [logreg, forest], fold: [1, 2, 3]}\n"
                  "    run: python3 train.py --model ${matrix.model} --fold ${matrix.fold}\n"
                  "    outs: ['models/${matrix.model}-${matrix.fold}.pkl']\n"
                  "  eval:\n    run: e\n    needs: [train]\n"));
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  const auto& stages = result.pipeline->stages;
  ASSERT_EQ(stages.size(), 7u);
  EXPECT_EQ(stages[0].name, "train[model=logreg,fold=1]");
  EXPECT_EQ(stages[2].name, "train[model=logreg,fold=3]");
  EXPECT_EQ(stages[3].name, "train[model=forest,fold=1]");
  EXPECT_EQ(stages[3].shell_command, "python3 train.py --model forest --fold 1");
  EXPECT_EQ(stages[3].outs[0].value, "models/forest-1.pkl");
  EXPECT_EQ(stages[6].needs, (std::vector<size_t>{0, 1, 2, 3, 4, 5}));
}

TEST(LoaderTest, NeedsCanNameOneCombination) {
  auto result =
      load_text(with_stages("  t:\n    matrix: {m: [a, b]}\n    run: x\n"
                            "  e:\n    run: y\n    needs: ['t[m=b]']\n"));
  ASSERT_TRUE(result.pipeline);
  EXPECT_EQ(result.pipeline->stages[2].needs, (std::vector<size_t>{1}));
}

TEST(LoaderTest, ParamsAreQuotedInShellCommands) {
  auto result = load_text(
      "version: 1\nname: p\nparams: {x: 'a; touch /tmp/pwned', lr: 0.10}\nstages:\n"
      "  a: {run: 'echo ${params.x} --lr ${params.lr} \"${params.x}\" ${stage.name}'}\n");
  ASSERT_TRUE(result.pipeline);
  EXPECT_EQ(result.pipeline->stages[0].shell_command,
            "echo 'a; touch /tmp/pwned' --lr 0.10 \"a; touch /tmp/pwned\" a");
  EXPECT_EQ(result.pipeline->stages[0].params_used, (std::vector<std::string>{"x", "lr"}));
}

TEST(LoaderTest, ArgvItemsAreNotQuoted) {
  auto result = load_text(
      "version: 1\nname: p\nparams: {x: 'a b'}\nstages:\n"
      "  a: {cmd: [echo, '${params.x}', 3]}\n");
  ASSERT_TRUE(result.pipeline);
  EXPECT_EQ(result.pipeline->stages[0].argv, (std::vector<std::string>{"echo", "a b", "3"}));
}

TEST(LoaderTest, CommandLineOverridesParams) {
  LoadOptions options;
  options.param_overrides = {"lr=0.05", "train.epochs=20"};
  auto result = load_text(
      "version: 1\nname: p\nparams: {lr: 0.1, train: {epochs: 10}}\nstages:\n"
      "  a: {run: 'x ${params.lr} ${params.train.epochs}'}\n",
      options);
  ASSERT_TRUE(result.pipeline);
  EXPECT_EQ(result.pipeline->stages[0].shell_command, "x 0.05 20");
  EXPECT_EQ(result.pipeline->params.at("lr").origin, "command line");
}

TEST(LoaderTest, UnknownOverrideIsAnError) {
  LoadOptions options;
  options.param_overrides = {"lrr=0.05", "novalue"};
  auto result =
      load_text("version: 1\nname: p\nparams: {lr: 0.1}\nstages:\n  a: {run: x}\n", options);
  ASSERT_EQ(result.diagnostics.size(), 2u);
  EXPECT_EQ(result.diagnostics[0].message,
            "-p lrr: unknown parameter 'lrr' (did you mean 'lr'?); parameters must be declared "
            "under 'params' in the pipeline or in one of its params files");
  EXPECT_EQ(result.diagnostics[1].message, "-p 'novalue': write KEY=VALUE, such as -p lr=0.05");
}

TEST(LoaderTest, ShellSyntaxPassesThrough) {
  auto result = load_text(with_stages("  a: {run: 'echo $HOME ${HOME} ${X:-d.e} $${params.x}'}\n"));
  ASSERT_TRUE(result.pipeline);
  EXPECT_EQ(result.pipeline->stages[0].shell_command, "echo $HOME ${HOME} ${X:-d.e} ${params.x}");
}

TEST(LoaderTest, PipelineEnvThenStageEnv) {
  auto result = load_text(
      "version: 1\nname: p\nenv: {A: '1', B: 2}\nstages:\n"
      "  s: {run: x, env: {B: '3', C: '${stage.name}'}}\n");
  ASSERT_TRUE(result.pipeline);
  using Env = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(result.pipeline->stages[0].env, (Env{{"A", "1"}, {"B", "2"}, {"B", "3"}, {"C", "s"}}));
}

}  // namespace
}  // namespace mlops

namespace mlops {
namespace {

TEST(LoaderOutsTest, OutsMayBeTaggedWithAKind) {
  auto result = testing::load_text(
      "version: 1\nname: p\nstages:\n"
      "  t: {run: x, outs: [a.txt, {path: 'models/m.pkl', type: model}, {path: d}]}\n");
  ASSERT_TRUE(result.pipeline) << result.diagnostics[0].message;
  const Stage& stage = result.pipeline->stages[0];
  ASSERT_EQ(stage.outs.size(), 3u);
  EXPECT_EQ(stage.outs[1].value, "models/m.pkl");
  EXPECT_EQ(stage.out_types, (std::vector<std::string>{"", "model", ""}));
}

}  // namespace
}  // namespace mlops

namespace mlops {
namespace {

TEST(LoaderInputTest, PathsMustBeUtf8AfterExpansion) {
  LoadOptions options;
  options.param_overrides = {"name=caf\xE9"};  // Latin-1, from the command line
  EXPECT_EQ(testing::errors_of("version: 1\nname: p\nparams: {name: x}\nstages:\n"
                               "  a: {run: x, outs: ['data/${params.name}.csv']}\n",
                               options),
            (Errors{"5:22: outs path 'data/${params.name}.csv' is not valid UTF-8 once expanded; "
                    "paths must be UTF-8"}));
}

TEST(LoaderInputTest, ParametersExportedAsOneVariableAreRefused) {
  EXPECT_EQ(testing::errors_of("version: 1\nname: p\nparams: {a: {b: 1}, a_b: 2}\nstages:\n"
                               "  a: {run: x}\n"),
            (Errors{"3:21: parameters 'a.b' and 'a_b' would both be exported as $MLOPS_PARAM_A_B; "
                    "rename one"}));
}

TEST(LoaderInputTest, ReadingTheVariableCountsAsUsingTheParameter) {
  auto result = testing::load_text(
      "version: 1\nname: p\nparams: {lr: 1, lr2: 2, other: 3}\nstages:\n"
      "  a: {run: 'echo $((MLOPS_PARAM_LR2 + 1)) \"${MLOPS_PARAM_LR}\"'}\n");
  ASSERT_TRUE(result.pipeline);
  EXPECT_EQ(result.pipeline->stages[0].params_used, (std::vector<std::string>{"lr", "lr2"}));
}

TEST(LoaderInputTest, AQuotedValueTheFileEndsInsideIsAnError) {
  EXPECT_EQ(testing::errors_of("version: 1\nname: p\nstages:\n  a:\n    run: \"echo hi > x.txt\n"
                               "  b:\n    run: echo\n"),
            (Errors{"5:10: this quoted string is never closed: the file ends inside it"}));
}

}  // namespace
}  // namespace mlops
