#include "quality/pattern.hpp"

#include <gtest/gtest.h>

namespace mlops {
namespace {

struct PatternCase {
  const char* pattern;
  const char* value;
  bool matches;
};

class PatternTest : public ::testing::TestWithParam<PatternCase> {};

TEST_P(PatternTest, MatchesTheWholeValue) {
  const PatternCase& c = GetParam();
  Result<ValuePattern> pattern = ValuePattern::compile(c.pattern);
  ASSERT_TRUE(pattern.ok()) << pattern.error().message();
  EXPECT_EQ(pattern->matches(c.value), c.matches) << c.pattern << " on '" << c.value << "'";
}

const PatternCase k_cases[] = {
    {"email", "ada@example.com", true},
    {"email", "first.last+tag@mail.example.co.uk", true},
    {"email", "o'brien@example.ie", true},
    {"email", "ada@example", false},        // one label
    {"email", "ada@example.c", false},      // one-letter top-level domain
    {"email", "ada@exam_ple.com", false},   // _ in a domain label
    {"email", ".ada@example.com", false},   // leading dot
    {"email", "a..da@example.com", false},  // double dot
    {"email", "ada@-example.com", false},   // label starting with a hyphen
    {"email", "ada example@example.com", false},
    {"email", "@example.com", false},
    {"email", "ada@@example.com", false},
    {"email", "ada@example.123", false},  // numeric top-level domain
    {"url", "https://example.com", true},
    {"url", "HTTP://example.com:8080/a/b?q=1&r=2#frag", true},
    {"url", "ftp://user:secret@files.example.org/pub", true},
    {"url", "http://192.168.0.1/", true},
    {"url", "http://[::1]:80/x", true},
    {"url", "http://localhost", true},
    {"url", "example.com", false},  // no scheme
    {"url", "mailto:ada@example.com", false},
    {"url", "http://exa mple.com", false},
    {"url", "http://example.com/a b", false},  // space in the path
    {"url", "http://example.com:0", false},    // port 0
    {"url", "http://example.com:65536", false},
    {"url", "http://", false},
    {"credit_card", "4111111111111111", true},  // Visa test number
    {"credit_card", "4111 1111 1111 1111", true},
    {"credit_card", "5500-0000-0000-0004", true},    // Mastercard test number
    {"credit_card", "378282246310005", true},        // Amex, 15 digits
    {"credit_card", "4111111111111112", false},      // Luhn fails
    {"credit_card", "4111  1111 1111 1111", false},  // doubled separator
    {"credit_card", " 4111111111111111", false},
    {"credit_card", "411111111111", false},          // 12 digits
    {"credit_card", "41111111111111111111", false},  // 20 digits
    {"credit_card", "4111-1111-1111-111x", false},
    {"ipv4", "192.168.0.1", true},
    {"ipv4", "0.0.0.0", true},
    {"ipv4", "255.255.255.255", true},
    {"ipv4", "256.1.1.1", false},
    {"ipv4", "1.2.3", false},
    {"ipv4", "1.2.3.4.5", false},
    {"ipv4", "01.2.3.4", false},  // leading zero
    {"ipv4", "1.2.3.", false},
    {"ipv4", "1234.1.1.1", false},
    {"uuid", "123e4567-e89b-12d3-a456-426614174000", true},
    {"uuid", "123E4567-E89B-12D3-A456-426614174000", true},
    {"uuid", "123e4567e89b12d3a456426614174000", false},
    {"uuid", "123e4567-e89b-12d3-a456-42661417400g", false},
    {"uuid", "{123e4567-e89b-12d3-a456-426614174000}", false},
    // custom patterns: RE2, full match
    {"[A-Z]{2}-[0-9]{4}", "SE-1234", true},
    {"[A-Z]{2}-[0-9]{4}", "SE-1234x", false},  // a full match, not a search
    {"[A-Z]{2}-[0-9]{4}", "xSE-1234", false},
    {"(?i)yes|no", "YES", true},
    {"\\d+", "١٢", false},  // \d is ASCII digits in RE2
};

INSTANTIATE_TEST_SUITE_P(Cases, PatternTest, ::testing::ValuesIn(k_cases));

TEST(PatternTest, LuhnKnownAnswers) {
  EXPECT_TRUE(luhn_valid("79927398713"));  // the classic example
  EXPECT_FALSE(luhn_valid("79927398710"));
  EXPECT_TRUE(luhn_valid("0"));
  EXPECT_FALSE(luhn_valid(""));
  EXPECT_FALSE(luhn_valid("12a4"));
}

TEST(PatternTest, RefusesARegexRe2CannotCompile) {
  Result<ValuePattern> pattern = ValuePattern::compile("(ab");
  ASSERT_FALSE(pattern.ok());
  EXPECT_EQ(pattern.error().kind(), ErrorKind::InvalidSpec);
  EXPECT_EQ(pattern.error().message(), "not a valid RE2 regular expression: missing ): (ab");
}

TEST(PatternTest, BuiltinNamesAreNotRegexes) {
  Result<ValuePattern> email = ValuePattern::compile("email");
  ASSERT_TRUE(email.ok());
  EXPECT_EQ(email->builtin(), BuiltinPattern::Email);
  EXPECT_FALSE(email->matches("email"));
}

}  // namespace
}  // namespace mlops
