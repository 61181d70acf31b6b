#include "spec/interpolate.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "spec/spec_test_util.hpp"
#include "util/strings.hpp"
#include "util/temp_dir_test_util.hpp"

namespace mlops {
namespace {

std::string expand(const std::string& text, const std::string& value,
                   std::vector<TemplateError>* errors_out = nullptr) {
  std::vector<TemplateError> errors;
  std::string out = expand_references(
      text, QuoteMode::Shell,
      [&](const Reference&, std::string&) -> std::optional<std::string> { return value; }, errors);
  if (errors_out) {
    *errors_out = errors;
  } else {
    EXPECT_TRUE(errors.empty()) << errors[0].message;
  }
  return out;
}

TEST(InterpolateTest, QuotesForTheContextTheValueLandsIn) {
  const std::string evil = "x'; touch /tmp/pwned; echo \"$(id)`id`";
  EXPECT_EQ(expand("echo ${params.v}", evil), "echo 'x'\\''; touch /tmp/pwned; echo \"$(id)`id`'");
  EXPECT_EQ(expand("echo \"${params.v}\"", evil),
            "echo \"x'; touch /tmp/pwned; echo \\\"\\$(id)\\`id\\`\"");
  EXPECT_EQ(expand("echo '${params.v}'", evil),
            "echo 'x'\\''; touch /tmp/pwned; echo \"$(id)`id`'");
  EXPECT_EQ(expand("echo \"$(cat ${params.v})\"", "a b;c"), "echo \"$(cat 'a b;c')\"");
  EXPECT_EQ(expand("echo `cat ${params.v}`", "a;b"), "echo `cat 'a;b'`");
}

TEST(InterpolateTest, CommentsDoNotConfuseQuoting) {
  EXPECT_EQ(expand("echo ${params.v} # don't", "a b"), "echo 'a b' # don't");
}

TEST(InterpolateTest, ReferenceAfterBackslashIsAnError) {
  std::vector<TemplateError> errors;
  expand("echo \\${params.v}", "x", &errors);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].needle, "${params.v}");
}

TEST(InterpolateTest, FindsReferences) {
  auto refs = find_references("a ${params.train.lr} $HOME ${x} ${matrix.m}");
  ASSERT_EQ(refs.size(), 2u);
  EXPECT_EQ(refs[0].space, "params");
  EXPECT_EQ(refs[0].name, "train.lr");
  EXPECT_EQ(refs[1].text, "${matrix.m}");
}

}  // namespace
}  // namespace mlops

// The property of section 5 of issue 11, checked by running /bin/sh: for every place a
// reference may stand, and every hostile value, the stage receives exactly the value and nothing
// in it is executed; every place where no quoting is safe is refused.
namespace mlops {
namespace {

struct ShellPlaceCase {
  const char* name;
  const char* command;  // the `run:` text, with ${params.x} or $MLOPS_PARAM_X
  enum Expect { Exact, Refused, NothingRuns, NotShown } expect = Exact;
  const char* before = "";       // printed before the value
  const char* after = "";        // printed after it
  bool strips_newlines = false;  // $(...) drops the value's trailing newlines
};

const ShellPlaceCase k_places[] = {
    {"unquoted", "printf '%s' ${params.x}"},
    {"double_quoted", "printf '%s' \"${params.x}\""},
    {"single_quoted", "printf '%s' '${params.x}'"},
    {"mixed_word", "printf '%s' a${params.x}\"b\"'c'", ShellPlaceCase::Exact, "a", "bc"},
    {"subshell", "printf '%s' \"$(printf '%s' ${params.x})\"", ShellPlaceCase::Exact, "", "", true},
    {"subshell_quoted", "printf '%s' \"$(printf '%s' \"${params.x}\")\"", ShellPlaceCase::Exact, "",
     "", true},
    {"backquotes", "printf '%s' \"`printf '%s' ${params.x}`\"", ShellPlaceCase::Exact, "", "",
     true},
    {"backquotes_holding_double_quotes", "printf '%s' \"`printf '%s' \"${params.x}\"`\"",
     ShellPlaceCase::Exact, "", "", true},
    {"unquoted_backquotes_holding_quotes", "v=`printf '%s' \"${params.x}\"`; printf '%s' \"$v\"",
     ShellPlaceCase::Exact, "", "", true},
    {"backquotes_in_subshell", "printf '%s' \"$(printf '%s' \"`printf '%s' '${params.x}'`\")\"",
     ShellPlaceCase::Exact, "", "", true},
    {"nested_backquotes", "printf '%s' \"`printf '%s' \\\"\\`printf '%s' ${params.x}\\`\\\"`\"",
     ShellPlaceCase::Exact, "", "", true},
    {"after_heredoc", "cat <<EOF\nit's \"here\"\nEOF\nprintf '%s' ${params.x}",
     ShellPlaceCase::Exact, "it's \"here\"\n"},
    {"heredoc_variable", "cat <<EOF\n$MLOPS_PARAM_X\nEOF", ShellPlaceCase::Exact, "", "\n"},
    {"heredoc_variable_tabs", "cat <<-EOF\n\t$MLOPS_PARAM_X\n\tEOF", ShellPlaceCase::Exact, "",
     "\n"},
    {"heredoc_variable_in_subshell", "printf '%s' \"$(cat <<EOF\n$MLOPS_PARAM_X\nEOF\n)\"",
     ShellPlaceCase::Exact, "", "", true},
    {"comment", "printf '%s' ok # ${params.x}", ShellPlaceCase::NotShown, "ok"},
    {"comment_after_quote", "printf '%s' \"ok\" #${params.x} '", ShellPlaceCase::NotShown, "ok"},
    {"arithmetic_variable", "echo $((MLOPS_PARAM_X + 1))", ShellPlaceCase::NothingRuns},
    {"heredoc_body", "cat <<EOF\n${params.x}\nEOF", ShellPlaceCase::Refused},
    {"heredoc_quoted_word", "cat <<'EOF'\n${params.x}\nEOF", ShellPlaceCase::Refused},
    {"heredoc_in_subshell", "v=\"$(cat <<EOF\nx ${params.x}\nEOF\n)\"", ShellPlaceCase::Refused},
    {"heredoc_word", "cat <<${params.x}\nEOF\n", ShellPlaceCase::Refused},
    {"arithmetic", "echo $(( ${params.x} + 1 ))", ShellPlaceCase::Refused},
    {"arithmetic_in_quotes", "echo \"$((${params.x}))\"", ShellPlaceCase::Refused},
    {"parameter_expansion", "printf '%s' \"${HOME:+${params.x}}\"", ShellPlaceCase::Refused},
    {"dollar_single_quotes", "printf '%s' $'${params.x}'", ShellPlaceCase::Refused},
};

const char* const k_payloads[] = {
    "plain",
    "a; touch pwned",
    "$(touch pwned)",
    "`touch pwned`",
    "'; touch pwned; '",
    "\"; touch pwned; \"",
    "x' \"$(touch pwned)\" '",
    "a\ntouch pwned",
    "\nEOF\ntouch pwned\nEOF",
    "EOF",
    "\\",
    "\\\\`touch pwned`\\$(touch pwned)",
    "$HOME ${HOME} $((1+1)) $1 $@",
    "a && touch pwned || touch pwned",
    "| touch pwned > pwned",
    "#; touch pwned",
    "}; touch pwned; {",
    "$'\\x27'; touch pwned",
    "*",
    "~",
    "-n",
    "",
    "  spaced  \t",
    "\x01\x02\x7f\xff\xfe\xc3\x28 binary",
    "x\r\ntouch pwned\r\n",
};

struct ShellRun {
  int status = -1;
  std::string out;
};

// Runs `command` with /bin/sh -c in `dir`, with MLOPS_PARAM_X set to `value`.
ShellRun run_sh(const std::string& command, const std::filesystem::path& dir,
                const std::string& value) {
  int fds[2];
  if (pipe(fds) != 0) {
    return {};
  }
  std::string variable = param_env_name("x") + "=" + value;
  pid_t pid = fork();
  if (pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    if (chdir(dir.c_str()) != 0 || putenv(variable.data()) != 0) {
      _exit(127);
    }
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  ShellRun run;
  char buffer[4096];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof buffer)) > 0;) {
    run.out.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  waitpid(pid, &run.status, 0);
  return run;
}

// The command as `mlops run -p x=VALUE` would run it: loaded from a pipeline file.
LoadResult load_command(const std::string& command, const std::string& value) {
  std::string text = "version: 1\nname: p\nparams: {x: ''}\nstages:\n  s:\n    run: |-\n";
  for (const auto& line : split(command, '\n')) {
    text += "      " + line + "\n";
  }
  LoadOptions options;
  options.param_overrides = {"x=" + value};
  return testing::load_text(text, options);
}

class ShellPropertyTest : public ::testing::TestWithParam<std::tuple<ShellPlaceCase, const char*>> {
};

TEST_P(ShellPropertyTest, StageReceivesExactlyTheValueAndNothingRuns) {
  const auto& [place, payload] = GetParam();
  std::string value = payload;
  auto loaded = load_command(place.command, value);
  if (place.expect == ShellPlaceCase::Refused) {
    bool named = false;
    for (const auto& diagnostic : loaded.diagnostics) {
      named = named || diagnostic.message.find("'${params.x}' is ") != std::string::npos;
    }
    EXPECT_TRUE(named) << place.command;
    return;
  }
  ASSERT_TRUE(loaded.pipeline) << loaded.diagnostics[0].message;
  testing::TempDir dir("mlops-shell");
  ShellRun run = run_sh(loaded.pipeline->stages[0].shell_command, dir.path(), value);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "pwned"))
      << "executed: " << loaded.pipeline->stages[0].shell_command;
  if (place.expect == ShellPlaceCase::NothingRuns) {
    return;
  }
  std::string expected = place.expect == ShellPlaceCase::NotShown ? "" : value;
  while (place.strips_newlines && !expected.empty() && expected.back() == '\n') {
    expected.pop_back();
  }
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.out, place.before + expected + place.after)
      << loaded.pipeline->stages[0].shell_command;
}

std::string case_name(
    const ::testing::TestParamInfo<std::tuple<ShellPlaceCase, const char*>>& info) {
  size_t payload = 0;
  while (k_payloads[payload] != std::get<1>(info.param)) {
    ++payload;
  }
  return std::string(std::get<0>(info.param).name) + "_" + std::to_string(payload);
}

INSTANTIATE_TEST_SUITE_P(EveryPlaceEveryPayload, ShellPropertyTest,
                         ::testing::Combine(::testing::ValuesIn(k_places),
                                            ::testing::ValuesIn(k_payloads)),
                         case_name);

}  // namespace
}  // namespace mlops
