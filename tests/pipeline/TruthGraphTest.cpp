#include "trkx/pipeline/TruthGraph.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <utility>

#include "TinyEvent.hpp"
#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

using Pair = std::pair<std::int64_t, std::int64_t>;

std::set<Pair> as_set(const EdgeList& e) {
  std::set<Pair> s;
  for (std::size_t i = 0; i < e.size(); ++i) s.emplace(e.src[i], e.dst[i]);
  return s;
}

// Row of the hit of `particle` (0..3) at radius r in the tiny event.
std::int64_t row_of(std::size_t particle, float r) {
  const auto& layout = test::tiny_layout();
  for (std::size_t i = 0; i < layout.size(); ++i) {
    if (layout[i].particle == particle && layout[i].r == r) return static_cast<std::int64_t>(i);
  }
  return -1;
}

TEST(TruthGraph, ConsecutiveHitsOrderedFromTheVertex) {
  const Event event = test::make_tiny_event();
  const EdgeList edges = true_edges(event);
  std::set<Pair> expected;
  for (std::size_t p = 0; p < 4; ++p) {
    expected.emplace(row_of(p, 100), row_of(p, 200));
    expected.emplace(row_of(p, 200), row_of(p, 300));
    expected.emplace(row_of(p, 300), row_of(p, 400));
  }
  EXPECT_EQ(edges.size(), 12U);
  EXPECT_EQ(as_set(edges), expected);
}

TEST(TruthGraph, UsesTheProductionVertexAndFallsBackToTheOrigin) {
  Event event;
  // Particle 5 starts at z = 1000 and flies towards -z: its hit at z = 900 is
  // nearer its vertex than the one at z = 100, although farther from the origin.
  event.hits.push_back(1, 10, 0, 100, 1, 1, 1);
  event.hits.push_back(2, 10, 0, 900, 1, 1, 1);
  event.hits.push_back(3, 10, 0, 500, 1, 1, 1);
  // Particle 6 is not in particles.csv: ordered from the origin.
  event.hits.push_back(4, 30, 0, 0, 1, 1, 1);
  event.hits.push_back(5, 20, 0, 0, 1, 1, 1);
  event.hits.push_back(6, 25, 0, 0, 1, 1, 1);  // noise
  event.hits.compute_derived();
  const ParticleId pids[] = {5, 5, 5, 6, 6, 0};
  for (HitId i = 1; i <= 6; ++i) event.truth.push_back(i, pids[i - 1], 0, 0, 0, 0, 0, 0, 1);
  event.particles.push_back(5, 0, 0, 1000, 0.1F, 0, -1, 1, 3);
  const EdgeList edges = true_edges(event);
  EXPECT_EQ(as_set(edges), (std::set<Pair>{{1, 2}, {2, 0}, {4, 3}}));
  EXPECT_EQ(hit_particles(event), (std::vector<ParticleId>{5, 5, 5, 6, 6, 0}));
}

TEST(TruthGraph, ParticlePtPerHit) {
  const Event event = test::make_tiny_event();
  const auto pt = hit_particle_pt(event);
  const auto& layout = test::tiny_layout();
  const float expected[] = {1.5F, 2.0F, 0.8F, 10.0F, 0.0F};
  for (std::size_t i = 0; i < layout.size(); ++i) {
    EXPECT_NEAR(pt[i], std::hypot(expected[layout[i].particle], 0.0F), 1e-6) << "row " << i;
  }
}

TEST(TruthGraph, EdgeTruthInEitherOrientation) {
  EdgeList truth;
  truth.src = {0, 1};
  truth.dst = {1, 2};
  EdgeList edges;
  edges.src = {1, 2, 0, 3};
  edges.dst = {0, 1, 2, 1};
  EXPECT_EQ(edge_truth(edges, truth, 4), (std::vector<float>{1, 1, 0, 0}));
}

TEST(TruthGraph, OrientOutwardPutsTheInnerHitFirst) {
  HitContainer hits;
  hits.push_back(1, 100, 0, 0, 1, 1, 1);   // distance 100
  hits.push_back(2, 30, 0, 40, 1, 1, 1);   // distance 50
  hits.push_back(3, 0, 0, -200, 1, 1, 1);  // distance 200
  hits.compute_derived();
  EdgeList edges;
  edges.src = {0, 1, 2};
  edges.dst = {1, 2, 0};
  edges.score = {0.1F, 0.2F, 0.3F};
  orient_outward(edges, hits.view());
  EXPECT_EQ(edges.src, (std::vector<std::int64_t>{1, 1, 0}));
  EXPECT_EQ(edges.dst, (std::vector<std::int64_t>{0, 2, 2}));
  EXPECT_EQ(edges.score, (std::vector<float>{0.1F, 0.2F, 0.3F}));
}

TEST(TruthGraph, OrientOutwardOnManyEdgesMatchesTheDefinition) {
  // More edges than one parallel block, with ties (hits at equal distances) and self-loops.
  HitContainer hits;
  std::mt19937 rng(5);
  std::uniform_int_distribution<int> coord(-3, 3);
  for (int k = 0; k < 500; ++k) {
    hits.push_back(static_cast<HitId>(k + 1), static_cast<float>(coord(rng)), static_cast<float>(coord(rng)),
                   static_cast<float>(coord(rng)), 1, 1, 1);
  }
  hits.compute_derived();
  const HitsView view = hits.view();
  EdgeList edges;
  std::uniform_int_distribution<std::int64_t> hit(0, 499);
  for (int e = 0; e < 200000; ++e) {
    edges.src.push_back(hit(rng));
    edges.dst.push_back(hit(rng));
  }
  const EdgeList before = edges;
  orient_outward(edges, view);
  const auto dist2 = [&](std::int64_t i) {
    const auto k = static_cast<std::size_t>(i);
    return static_cast<double>(view.x[k]) * view.x[k] + static_cast<double>(view.y[k]) * view.y[k] +
           static_cast<double>(view.z[k]) * view.z[k];
  };
  std::size_t ties = 0;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const auto [inner, outer] =
        std::minmax(before.src[e], before.dst[e], [&](std::int64_t a, std::int64_t b) {
          return dist2(a) < dist2(b) || (dist2(a) == dist2(b) && a < b);
        });
    ASSERT_EQ(edges.src[e], inner) << "edge " << e;
    ASSERT_EQ(edges.dst[e], outer) << "edge " << e;
    ties += dist2(inner) == dist2(outer) && inner != outer ? 1 : 0;
  }
  EXPECT_GT(ties, 100U) << "the test should exercise ties";
}

TEST(TruthGraph, OrientOutwardNamesTheFirstEdgeOutsideTheEvent) {
  HitContainer hits;
  hits.push_back(1, 100, 0, 0, 1, 1, 1);
  hits.push_back(2, 30, 0, 40, 1, 1, 1);
  hits.compute_derived();
  EdgeList edges;
  edges.src = {0, 1, 2, -1};
  edges.dst = {1, 0, 0, 1};
  try {
    orient_outward(edges, hits.view());
    FAIL() << "expected trkx::Error";
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("edge 2 (2 -> 0) refers to a hit outside [0, 2)"));
  }
}

TEST(TruthGraph, SelectEdgesKeepsScoresAtOrAboveTheCut) {
  EdgeList edges;
  edges.src = {0, 1, 2};
  edges.dst = {1, 2, 3};
  edges.score = {0.5F, 0.49F, 0.9F};
  const EdgeList kept = select_edges(edges, 0.5F);
  EXPECT_EQ(kept.src, (std::vector<std::int64_t>{0, 2}));
  EXPECT_EQ(kept.score, (std::vector<float>{0.5F, 0.9F}));
}

}  // namespace
}  // namespace trkx
