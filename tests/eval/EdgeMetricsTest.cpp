#include "trkx/eval/EdgeMetrics.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "EvalFixtures.hpp"
#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

// In the four-particle event, hit k of particle p is row 5p + k; noise rows 20, 21.
EdgeList consecutive_truth_edges() {
  EdgeList truth;
  for (std::int64_t p = 0; p < 4; ++p) {
    for (std::int64_t k = 0; k < 4; ++k) {
      truth.src.push_back(5 * p + k);
      truth.dst.push_back(5 * p + k + 1);
    }
  }
  return truth;
}

EdgeList make_edges(const std::vector<std::pair<std::int64_t, std::int64_t>>& pairs,
                    const std::vector<float>& scores = {}) {
  EdgeList edges;
  for (const auto& [a, b] : pairs) {
    edges.src.push_back(a);
    edges.dst.push_back(b);
  }
  edges.score = scores;
  return edges;
}

// 12 edges: 5 on kP1 (one pair in both orientations), 2 consecutive + 1
// non-consecutive on kP2, 1 reversed on kP4, and 3 between different particles / noise.
const std::vector<std::pair<std::int64_t, std::int64_t>> kGraph = {
    {0, 1}, {1, 2}, {2, 1}, {2, 3}, {3, 4}, {5, 6}, {6, 7}, {5, 7}, {16, 15}, {0, 5}, {20, 21}, {4, 20}};

TEST(EdgeEvaluator, CountsEfficiencyAndPurityByHand) {
  const Event event = testing::four_particle_event();
  const EdgeEvaluator evaluator(EdgeEvaluator::Config{});
  const EdgeMetrics m = evaluator.evaluate("filter", event, consecutive_truth_edges(), make_edges(kGraph));
  EXPECT_EQ(m.stage, "filter");
  EXPECT_EQ(m.n_edges, 12U);
  EXPECT_EQ(m.n_truth_edges, 16U);
  EXPECT_EQ(m.efficiency, (Ratio{7, 16}));     // kP1 4, kP2 2, kP4 1
  EXPECT_EQ(m.efficiency_pt, (Ratio{5, 12}));  // pT >= 1: kP1 4, kP3 0, kP4 1
  EXPECT_EQ(m.purity, (Ratio{8, 12}));
  EXPECT_EQ(m.same_particle_purity, (Ratio{9, 12}));  // + the (5, 7) skip edge
}

TEST(EdgeEvaluator, ScoreCutDropsLowScoreEdges) {
  const Event event = testing::four_particle_event();
  std::vector<float> scores(kGraph.size(), 0.9F);
  scores[0] = 0.2F;   // (0, 1), true
  scores[10] = 0.1F;  // (20, 21), noise
  EdgeEvaluator::Config config;
  config.score_cut = 0.5F;
  const EdgeMetrics m =
      EdgeEvaluator(config).evaluate("gnn", event, consecutive_truth_edges(), make_edges(kGraph, scores));
  EXPECT_EQ(m.n_edges, 10U);
  EXPECT_EQ(m.efficiency, (Ratio{6, 16}));
  EXPECT_EQ(m.purity, (Ratio{7, 10}));
  EXPECT_EQ(m.same_particle_purity, (Ratio{8, 10}));
}

TEST(EdgeEvaluator, TruthPairsListedTwiceCountOnce) {
  const Event event = testing::four_particle_event();
  EdgeList truth = consecutive_truth_edges();
  truth.src.push_back(1);  // (1, 0) again, reversed
  truth.dst.push_back(0);
  const EdgeMetrics m = EdgeEvaluator({}).evaluate("radius", event, truth, make_edges(kGraph));
  EXPECT_EQ(m.n_truth_edges, 16U);
  EXPECT_EQ(m.efficiency, (Ratio{7, 16}));
}

TEST(EdgeEvaluator, RejectsIndicesOutsideTheEvent) {
  const Event event = testing::four_particle_event();
  EXPECT_THROW((void)EdgeEvaluator({}).evaluate("x", event, consecutive_truth_edges(), make_edges({{0, 22}})),
               InputError);
  EXPECT_THROW((void)EdgeEvaluator({}).evaluate("x", event, consecutive_truth_edges(), make_edges({{-1, 2}})),
               InputError);
  EXPECT_THROW((void)EdgeEvaluator({}).evaluate("x", event, consecutive_truth_edges(),
                                                make_edges({{0, 1}}, {0.5F, 0.5F})),
               InputError);
}

TEST(EdgeMetrics, MergeAddsCountsOfTheSameStage) {
  const Event event = testing::four_particle_event();
  const EdgeEvaluator evaluator({});
  EdgeMetrics total = evaluator.evaluate("filter", event, consecutive_truth_edges(), make_edges(kGraph));
  total.merge(evaluator.evaluate("filter", event, consecutive_truth_edges(), make_edges({{10, 11}})));
  EXPECT_EQ(total.n_events, 2U);
  EXPECT_EQ(total.efficiency, (Ratio{8, 32}));
  EXPECT_EQ(total.purity, (Ratio{9, 13}));
  EXPECT_THROW(total.merge(evaluator.evaluate("gnn", event, consecutive_truth_edges(), make_edges(kGraph))),
               Error);
}

}  // namespace
}  // namespace trkx::eval
