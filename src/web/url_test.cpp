#include "web/url.hpp"

#include <gtest/gtest.h>

#include "web/export.hpp"
#include "web/server.hpp"

namespace mlops::web {
namespace {

TEST(UrlTest, PathsSplitIntoDecodedSegmentsAndQueriesIntoPairs) {
  auto target =
      parse_target("/runs/a%20b?filter=metrics.auc%3E0.8&filter=tag%3Ateam%3Dx&sort=-x+y");
  ASSERT_TRUE(target);
  EXPECT_EQ(target->segments, (std::vector<std::string>{"runs", "a b"}));
  EXPECT_EQ(target->query.count("filter"), 2u);
  EXPECT_EQ(target->query.find("filter")->second, "metrics.auc>0.8");
  EXPECT_EQ(target->query.find("sort")->second, "-x y");
  EXPECT_TRUE(parse_target("/")->segments.empty());
}

TEST(UrlTest, TraversalAndOddTargetsAreRefused) {
  for (const char* bad :
       {"/..", "/../etc/passwd", "/runs/..", "/runs/.", "/%2e%2e/x", "/%2E%2E",
        "/runs/..%2F..%2Fetc", "/runs/a%2Fb", "/runs/a%5Cb", "/runs/%00", "/runs/%0a", "/runs/",
        "//etc/passwd", "http://evil/", "*", "", "/runs/%zz", "/runs/%4", "/?a=%"}) {
    EXPECT_FALSE(parse_target(bad)) << bad;
  }
}

TEST(UrlTest, EncodeDecodeRoundTrips) {
  std::string text = "a b/c?d&e=f%<script>é";
  EXPECT_EQ(percent_decode(percent_encode(text), false), text);
  EXPECT_EQ(percent_encode("run-1_a.b~"), "run-1_a.b~");
}

TEST(UrlTest, ExportFilesAreRelativeNamesWithoutQueryCharacters) {
  EXPECT_EQ(export_file("/"), "index.html");
  EXPECT_EQ(export_file("/?page=2"), "index_page-2.html");
  EXPECT_EQ(export_file("/runs/abc"), "runs/abc.html");
  EXPECT_EQ(export_file("/compare?runs=a%2Cb"), "compare_runs-a_2Cb.html");
}

TEST(UrlTest, OnlyLoopbackNamesPassTheHostCheck) {
  EXPECT_TRUE(allowed_host_header("127.0.0.1:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(allowed_host_header("localhost:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(allowed_host_header("[::1]:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(allowed_host_header("localhost:8081", "127.0.0.1", 8080));
  EXPECT_FALSE(allowed_host_header("evil.example:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(allowed_host_header("127.0.0.1.evil.example:8080", "127.0.0.1", 8080));
  EXPECT_FALSE(allowed_host_header("", "127.0.0.1", 8080));
  EXPECT_TRUE(allowed_host_header("127.0.0.2:8080", "127.0.0.2", 8080));
  EXPECT_FALSE(allowed_host_header("127.0.0.2:8080", "127.0.0.1", 8080));
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
}

}  // namespace
}  // namespace mlops::web
