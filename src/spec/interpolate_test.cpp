#include "spec/interpolate.hpp"

#include <gtest/gtest.h>

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
