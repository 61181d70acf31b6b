#include "spec/yaml_tree.hpp"
#include "spec/yaml_limits.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

TEST(YamlTreeTest, KeepsPositionsAndOrder) {
  Diagnostics diagnostics("f.yaml", "b: 1\na:\n  - x\n");
  auto root = parse_yaml("b: 1\na:\n  - x\n", diagnostics);
  ASSERT_TRUE(root);
  ASSERT_EQ(root->entries.size(), 2u);
  EXPECT_EQ(root->entries[0].first.text, "b");
  EXPECT_EQ(root->entries[1].first.mark.line, 2);
  const YamlNode* list = root->find("a");
  ASSERT_TRUE(list && list->is_sequence());
  EXPECT_EQ(list->items[0].mark.line, 3);
  EXPECT_EQ(list->items[0].mark.column, 5);
  EXPECT_TRUE(diagnostics.empty());
}

TEST(YamlTreeTest, TypesScalarsLikeJsonDoes) {
  EXPECT_EQ(plain_scalar_type("1"), ScalarType::Int);
  EXPECT_EQ(plain_scalar_type("-12"), ScalarType::Int);
  EXPECT_EQ(plain_scalar_type("0x1F"), ScalarType::Int);
  EXPECT_EQ(plain_scalar_type("0.1"), ScalarType::Float);
  EXPECT_EQ(plain_scalar_type("1e-3"), ScalarType::Float);
  EXPECT_EQ(plain_scalar_type(".5"), ScalarType::Float);
  EXPECT_EQ(plain_scalar_type(".inf"), ScalarType::Float);
  EXPECT_EQ(plain_scalar_type("true"), ScalarType::Bool);
  EXPECT_EQ(plain_scalar_type("null"), ScalarType::Null);
  EXPECT_EQ(plain_scalar_type("~"), ScalarType::Null);
  for (const char* text : {"yes", "1.2.3", "10s", "abc", "1_000", "."}) {
    EXPECT_EQ(plain_scalar_type(text), ScalarType::String) << text;
  }
}

TEST(YamlTreeTest, QuotedScalarsAreStrings) {
  std::string text = "a: \"1\"\nb: '2'\nc: 3\n";
  Diagnostics diagnostics("f.yaml", text);
  auto root = parse_yaml(text, diagnostics);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->find("a")->type, ScalarType::String);
  EXPECT_EQ(root->find("b")->type, ScalarType::String);
  EXPECT_EQ(root->find("c")->type, ScalarType::Int);
}

TEST(YamlTreeTest, ReportsDuplicateKeysAtTheSecond) {
  std::string text = "a: 1\nb: 2\na: 3\n";
  Diagnostics diagnostics("f.yaml", text);
  parse_yaml(text, diagnostics);
  auto list = diagnostics.sorted();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].mark.line, 3);
  EXPECT_EQ(list[0].message, "duplicate key 'a' (first defined at line 1)");
  EXPECT_EQ(list[0].source_line, "a: 3");
}

TEST(YamlTreeTest, RefusesAliases) {
  std::string text = "a: &x [1, 2]\nb: *x\n";
  Diagnostics diagnostics("f.yaml", text);
  parse_yaml(text, diagnostics);
  auto list = diagnostics.sorted();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0].mark.line, 2);
  EXPECT_NE(list[0].message.find("aliases"), std::string::npos);
}

TEST(YamlTreeTest, RefusesASecondDocument) {
  std::string text = "a: 1\n---\nb: 2\n";
  Diagnostics diagnostics("f.yaml", text);
  EXPECT_TRUE(parse_yaml(text, diagnostics));
  EXPECT_FALSE(diagnostics.empty());
}

TEST(YamlTreeTest, SyntaxErrorHasAPosition) {
  std::string text = "a: [1, 2\nb: 3\n";
  Diagnostics diagnostics("f.yaml", text);
  EXPECT_FALSE(parse_yaml(text, diagnostics));
  auto list = diagnostics.sorted();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_GT(list[0].mark.line, 0);
  EXPECT_TRUE(list[0].message.starts_with("invalid YAML: "));
}

TEST(DiagnosticTest, RendersLineAndCaret) {
  Diagnostics diagnostics("p.yaml", "stages:\n  a:\n    depz: [x]\n");
  diagnostics.error({3, 5}, "unknown key 'depz'");
  EXPECT_EQ(render_diagnostic(diagnostics.sorted()[0]),
            "p.yaml:3:5: error: unknown key 'depz'\n"
            " 3 |     depz: [x]\n"
            "   |     ^\n");
}

}  // namespace
}  // namespace mlops

namespace mlops {
namespace {

TEST(LineOffsetsTest, AgreesWithOffsetOfMarkEverywhere) {
  for (std::string_view text : {"", "a", "a\n", "ab\ncd\n\nefg", "\n\n\n", "x: 1\ny: 'two'\n"}) {
    LineOffsets lines(text);
    for (int line = 0; line <= 6; ++line) {
      for (int column = 0; column <= 5; ++column) {
        SourceMark mark{line, column};
        EXPECT_EQ(lines.offset_of(mark), offset_of_mark(text, mark))
            << "text '" << text << "' line " << line << " column " << column;
      }
    }
  }
}

}  // namespace
}  // namespace mlops
