#include <gtest/gtest.h>

#include "app/checkout.hpp"
#include "app/workspace_test_util.hpp"

namespace mlops {
namespace {

class CheckoutTest : public testing::WorkspaceTest {
 protected:
  void SetUp() override {
    WorkspaceTest::SetUp();
    write("m.bin", "first");
    first = cache("m.bin");
    write("n.txt", "kept");
    n = cache("n.txt");
    record_run("r1", "p", "2026-01-01T00:00:00.000Z", {first, n});
    write("m.bin", "second");
    record_run("r2", "p", "2026-01-02T00:00:00.000Z", {cache("m.bin"), n});
  }
  CheckoutRequest from_run(const std::string& run) {
    CheckoutRequest request;
    request.run = run;
    return request;
  }
  ArtifactVersion first, n;
};

TEST_F(CheckoutTest, RestoresTheRunsVersionsAndLeavesEqualOnesAlone) {
  auto result = checkout(*space, from_run("r1"));
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->source, "from run r1");
  ASSERT_EQ(result->restored.size(), 1u);
  EXPECT_EQ(result->restored[0].path, "m.bin");
  EXPECT_EQ(result->unchanged, std::vector<std::string>{"n.txt"});
  EXPECT_EQ(read("m.bin"), "first");
}

TEST_F(CheckoutTest, RefusesToOverwriteUnrecordedContentWithoutForce) {
  write("m.bin", "my own edit");
  auto refused = checkout(*space, from_run("r1"));
  ASSERT_TRUE(refused.ok()) << refused.error().message();
  EXPECT_EQ(refused->refused, std::vector<std::string>{"m.bin"});
  EXPECT_TRUE(refused->restored.empty());
  EXPECT_EQ(read("m.bin"), "my own edit");

  CheckoutRequest forced = from_run("r1");
  forced.unrecorded = UnrecordedContent::Overwrite;
  auto result = checkout(*space, forced);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->refused.empty());
  EXPECT_EQ(read("m.bin"), "first");
}

TEST_F(CheckoutTest, OnlyTheNamedPathsAndWhatIsNotCachedIsSaid) {
  std::filesystem::remove(space->objects().object_path(n.digest));
  std::filesystem::remove(root / "n.txt");
  CheckoutRequest request = from_run("latest~1");
  request.paths = {"n.txt"};
  auto result = checkout(*space, request);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->restored.empty());
  EXPECT_EQ(result->not_in_cache, std::vector<std::string>{"n.txt"});
  EXPECT_EQ(read("m.bin"), "second");  // not named
}

TEST_F(CheckoutTest, AsOfATimeAndBadRequests) {
  CheckoutRequest as_of;
  as_of.as_of = "2026-01-01T12:00";
  auto result = checkout(*space, as_of);
  ASSERT_TRUE(result.ok()) << result.error().message();
  EXPECT_EQ(result->source, "as of 2026-01-01T12:00:00.000Z");
  EXPECT_EQ(read("m.bin"), "first");

  as_of.as_of = "yesterday";
  EXPECT_EQ(checkout(*space, as_of).error().kind(), ErrorKind::Usage);
  EXPECT_EQ(checkout(*space, CheckoutRequest{}).error().kind(), ErrorKind::Usage);
  EXPECT_EQ(checkout(*space, from_run("nope")).error().kind(), ErrorKind::NotFound);
  EXPECT_EQ(normalise_checkout_time("2026-11-24"), "2026-11-24T23:59:59.999Z");
}

}  // namespace
}  // namespace mlops
