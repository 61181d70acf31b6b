#include <gtest/gtest.h>

#include "app/queries.hpp"
#include "app/workspace_test_util.hpp"

namespace mlops {
namespace {

class ResolveRunTest : public testing::WorkspaceTest {
 protected:
  void SetUp() override {
    WorkspaceTest::SetUp();
    // Newest last; "ab" is also a prefix of "abc".
    record_run("ab", "p", "2026-01-01T00:00:01.000Z", {});
    record_run("abc", "p", "2026-01-01T00:00:02.000Z", {});
    record_run("abd", "q", "2026-01-01T00:00:03.000Z", {});
    record_run("xyz", "q", "2026-01-01T00:00:04.000Z", {});
  }
};

TEST_F(ResolveRunTest, NamesResolveToRunIds) {
  struct Case {
    std::string name;
    std::string id;
  };
  for (const auto& [name, id] :
       std::vector<Case>{{"latest", "xyz"},
                         {"latest~0", "xyz"},
                         {"latest~1", "abd"},
                         {"latest~3", "ab"},
                         {"x", "xyz"},
                         {"abd", "abd"},
                         {"ab", "ab"}}) {  // a full id wins over longer ids it prefixes
    auto resolved = resolve_run(store(), name);
    ASSERT_TRUE(resolved.ok()) << name << ": " << resolved.error().message();
    EXPECT_EQ(*resolved, id) << name;
  }
}

TEST_F(ResolveRunTest, BadNamesSayWhy) {
  struct Case {
    std::string name;
    ErrorKind kind;
    std::string message;
  };
  for (const auto& [name, kind, message] : std::vector<Case>{
           {"latest~4", ErrorKind::NotFound, "'latest~4': the store has only 4 runs"},
           {"latest~x", ErrorKind::Usage,
            "'latest~x': write latest or latest~N, such as latest~1 for the run before the "
            "latest"},
           {"latest~", ErrorKind::Usage,
            "'latest~': write latest or latest~N, such as latest~1 for the run before the "
            "latest"},
           {"nope", ErrorKind::NotFound, "no run 'nope' in the store; `mlops runs` lists them"},
           {"a", ErrorKind::Usage, "'a' matches several runs (abd, abc, ab); give more of the id"},
       }) {
    auto resolved = resolve_run(store(), name);
    ASSERT_FALSE(resolved.ok()) << name;
    EXPECT_EQ(resolved.error().kind(), kind) << name;
    EXPECT_EQ(resolved.error().message(), message) << name;
  }
}

TEST_F(ResolveRunTest, DiffListsWhatDiffersByKind) {
  write("o.txt", "one");
  ArtifactVersion one = cache("o.txt");
  write("o.txt", "two");
  ArtifactVersion two = cache("o.txt");
  record_run("r1", "p", "2026-02-01T00:00:00.000Z", {one});
  record_run("r2", "p", "2026-02-02T00:00:00.000Z", {two});
  auto diff = diff_runs(store(), "latest~1", "latest");
  ASSERT_TRUE(diff.ok()) << diff.error().message();
  EXPECT_EQ(diff->first, "r1");
  EXPECT_EQ(diff->second, "r2");
  ASSERT_EQ(diff->differences.size(), 1u);
  EXPECT_EQ(diff->differences[0].kind, "output");
  EXPECT_EQ(diff->differences[0].before, one.digest);
  EXPECT_EQ(diff->differences[0].after, two.digest);
  EXPECT_TRUE(diff_runs(store(), "r1", "r1")->differences.empty());
}

}  // namespace
}  // namespace mlops
