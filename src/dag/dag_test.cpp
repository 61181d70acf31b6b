#include <gtest/gtest.h>

#include <algorithm>

#include "dag/graph.hpp"
#include "dag/schedule.hpp"
#include "dag/selection.hpp"
#include "spec/spec_test_util.hpp"

namespace mlops {
namespace {

Pipeline load(const std::string& stages) {
  auto result = testing::load_text("version: 1\nname: p\nstages:\n" + stages);
  EXPECT_TRUE(result.pipeline) << (result.diagnostics.empty() ? "" : result.diagnostics[0].message);
  return std::move(*result.pipeline);
}

std::vector<std::string> names(const Pipeline& p, const std::vector<size_t>& nodes) {
  std::vector<std::string> out;
  for (size_t node : nodes) {
    out.push_back(p.stages[node].name);
  }
  return out;
}

TEST(GraphTest, EdgesFromNeedsAndFromDataPaths) {
  Pipeline p = load(
      "  raw: {run: x, outs: [data/raw]}\n"
      "  feat: {run: x, deps: [data/raw/2026.csv], outs: [data/features.csv]}\n"
      "  split: {run: x, deps: [data], outs: [split]}\n"
      "  train: {run: x, deps: [split/train.csv]}\n"
      "  report: {run: x, needs: [train]}\n");
  Graph g = Graph::build(p);
  EXPECT_EQ(names(p, g.upstream(1)), (std::vector<std::string>{"raw"}));
  auto split_upstream = names(p, g.upstream(2));
  std::sort(split_upstream.begin(), split_upstream.end());
  EXPECT_EQ(split_upstream, (std::vector<std::string>{"feat", "raw"}));
  EXPECT_EQ(names(p, g.upstream(3)), (std::vector<std::string>{"split"}));
  EXPECT_EQ(names(p, g.upstream(4)), (std::vector<std::string>{"train"}));
  EXPECT_FALSE(g.find_cycle());
  EXPECT_EQ(g.chain_lengths()[0], 5u);
}

TEST(GraphTest, FindsAndDescribesACycle) {
  Pipeline p = load(
      "  a: {run: x, deps: [c.txt], outs: [a.txt]}\n"
      "  b: {run: x, needs: [a]}\n"
      "  c: {run: x, needs: [b], outs: [c.txt]}\n");
  Graph g = Graph::build(p);
  auto cycle = g.find_cycle();
  ASSERT_TRUE(cycle);
  EXPECT_EQ(*describe_cycle(p, g, *cycle),
            "cycle: a -> b -> c -> a (b needs a; c needs b; a reads c.txt, written by c); remove "
            "one of these dependencies");
}

TEST(GraphTest, TopologicalOrderKeepsFileOrderForTies) {
  Pipeline p = load("  z: {run: x}\n  y: {run: x, needs: [z]}\n  a: {run: x}\n");
  Graph g = Graph::build(p);
  EXPECT_EQ(names(p, g.topological_order()), (std::vector<std::string>{"z", "y", "a"}));
}

TEST(SelectionTest, StageSelectsWhatItNeedsAndFromSelectsDownstream) {
  Pipeline p = load(
      "  a: {run: x}\n  b: {run: x, needs: [a]}\n  c: {run: x, needs: [b]}\n"
      "  d: {run: x}\n");
  Graph g = Graph::build(p);
  auto only_b = select_stages(p, g, {{"b"}, {}});
  ASSERT_TRUE(only_b.ok());
  EXPECT_EQ(*only_b, (std::vector<bool>{true, true, false, false}));
  auto from_b = select_stages(p, g, {{}, {"b"}});
  ASSERT_TRUE(from_b.ok());
  EXPECT_EQ(*from_b, (std::vector<bool>{false, true, true, false}));
  auto bad = select_stages(p, g, {{"bb"}, {}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "--stage bb: no stage 'bb' in pipeline 'p' (did you mean 'b'?)");
}

TEST(SelectionTest, MatrixBaseNameSelectsEveryCombination) {
  Pipeline p = load("  t: {run: x, matrix: {m: [a, b]}}\n  e: {run: x, needs: [t]}\n");
  Graph g = Graph::build(p);
  auto selected = select_stages(p, g, {{"t"}, {}});
  ASSERT_TRUE(selected.ok());
  EXPECT_EQ(*selected, (std::vector<bool>{true, true, false}));
  auto one = select_stages(p, g, {{"t[m=b]"}, {}});
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, (std::vector<bool>{false, true, false}));
}

TEST(ScheduleTest, DiamondRunsSharedParentOnceAndJoinWaitsForBoth) {
  Pipeline p = load(
      "  top: {run: x}\n  l: {run: x, needs: [top]}\n  r: {run: x, needs: [top]}\n"
      "  join: {run: x, needs: [l, r]}\n");
  Graph g = Graph::build(p);
  Schedule s(g, std::vector<bool>(4, true));
  ASSERT_TRUE(s.has_ready());
  EXPECT_EQ(s.pop_ready(), 0u);
  EXPECT_FALSE(s.has_ready());
  s.succeeded(0);
  EXPECT_EQ(s.pop_ready(), 1u);
  EXPECT_EQ(s.pop_ready(), 2u);
  s.succeeded(1);
  EXPECT_FALSE(s.has_ready());
  s.succeeded(2);
  EXPECT_EQ(s.pop_ready(), 3u);
  s.succeeded(3);
  EXPECT_EQ(s.unfinished(), 0u);
}

TEST(ScheduleTest, FailureBlocksEverythingDownstreamOnce) {
  Pipeline p = load(
      "  a: {run: x}\n  b: {run: x, needs: [a]}\n  c: {run: x, needs: [b, a]}\n"
      "  d: {run: x}\n");
  Graph g = Graph::build(p);
  Schedule s(g, std::vector<bool>(4, true));
  EXPECT_EQ(s.pop_ready(), 0u);
  EXPECT_EQ(s.pop_ready(), 3u);
  auto blocked = s.failed(0);
  std::sort(blocked.begin(), blocked.end());
  EXPECT_EQ(blocked, (std::vector<size_t>{1, 2}));
  s.succeeded(3);
  EXPECT_EQ(s.unfinished(), 0u);
  EXPECT_FALSE(s.has_ready());
}

TEST(ScheduleTest, LongestChainStartsFirst) {
  Pipeline p = load("  short: {run: x}\n  long1: {run: x}\n  long2: {run: x, needs: [long1]}\n");
  Graph g = Graph::build(p);
  Schedule s(g, std::vector<bool>(3, true));
  EXPECT_EQ(s.pop_ready(), 1u);
  EXPECT_EQ(s.pop_ready(), 0u);
}

TEST(ScheduleTest, UnselectedUpstreamCountsAsDone) {
  Pipeline p = load("  a: {run: x}\n  b: {run: x, needs: [a]}\n");
  Graph g = Graph::build(p);
  Schedule s(g, {false, true});
  ASSERT_TRUE(s.has_ready());
  EXPECT_EQ(s.pop_ready(), 1u);
}

}  // namespace
}  // namespace mlops
