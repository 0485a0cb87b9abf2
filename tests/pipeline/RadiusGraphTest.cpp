#include "trkx/pipeline/RadiusGraph.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>
#include <nanoflann.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

/// Radius giving ~30 neighbours per point for make_track_like_embedding at
/// 100k points in 8-D (the benchmark's working point).
constexpr float kTrackRadius = 0.09F;

using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;

Pairs pairs_of(const EdgeList& edges) {
  EXPECT_EQ(edges.src.size(), edges.dst.size());
  EXPECT_TRUE(edges.score.empty());
  Pairs out;
  for (std::size_t e = 0; e < edges.size(); ++e) out.emplace_back(edges.src[e], edges.dst[e]);
  return out;
}

/// Uniform random points in [0, 1)^dim from a fixed linear congruential sequence.
Matrix uniform_points(std::size_t n, std::size_t dim, std::uint64_t seed) {
  Matrix m(n, dim);
  std::uint64_t state = seed * 2862933555777941757ULL + 3037000493ULL;
  for (float& v : m.data) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<float>(state >> 40) * 0x1.0p-24F;
  }
  return m;
}

EdgeList build(const Matrix& points, float radius, std::size_t cap, std::size_t leaf = 32) {
  return RadiusGraphBuilder({.radius = radius, .max_neighbours = cap, .leaf_size = leaf}).build(points);
}

TEST(RadiusGraph, EmptyAndDegenerateInputs) {
  EXPECT_EQ(build(Matrix(0, 8), 1.0F, 0).size(), 0U);
  EXPECT_EQ(build(Matrix(1, 8), 1.0F, 0).size(), 0U);
  Matrix two(2, 3);                           // two identical points at the origin
  EXPECT_EQ(build(two, 0.0F, 0).size(), 0U);  // strict: distance 0 is not < 0
  EXPECT_EQ(pairs_of(build(two, 0.5F, 0)), (Pairs{{0, 1}}));
}

TEST(RadiusGraph, HandBuiltLineIsStrictAndSorted) {
  // 1-D points; pairs at distance exactly 1 are not within radius 1.
  Matrix m(5, 1);
  const float x[] = {3.0F, 0.0F, 0.5F, 1.0F, 10.0F};
  for (std::size_t i = 0; i < 5; ++i) m(i, 0) = x[i];
  const Pairs expected{{1, 2}, {2, 3}};  // (0, 3) and (1, 3) are exactly 1 apart or more
  EXPECT_EQ(pairs_of(build(m, 1.0F, 0)), expected);
  EXPECT_EQ(pairs_of(radius_graph_brute_force(m, 1.0F, 0)), expected);
  EXPECT_EQ(pairs_of(build(m, 2.5F, 0)), (Pairs{{0, 3}, {1, 2}, {1, 3}, {2, 3}}));
}

TEST(RadiusGraph, CapKeepsNearestAndTakesUnionOfBothDirections) {
  // x = 0, 1, 3, 6 all within radius 10 of each other; with k = 1:
  // NN(0) = 1, NN(1) = 0, NN(2) = 1 (not reciprocated), NN(3) = 2 (not reciprocated).
  Matrix m(4, 1);
  const float x[] = {0.0F, 1.0F, 3.0F, 6.0F};
  for (std::size_t i = 0; i < 4; ++i) m(i, 0) = x[i];
  const Pairs expected{{0, 1}, {1, 2}, {2, 3}};
  EXPECT_EQ(pairs_of(build(m, 10.0F, 1)), expected);
  EXPECT_EQ(pairs_of(radius_graph_brute_force(m, 10.0F, 1)), expected);
  // Same points, reversed index order: NN(3) = 2, NN(2) = 3, NN(1) = 2, NN(0) = 1.
  Matrix r(4, 1);
  for (std::size_t i = 0; i < 4; ++i) r(i, 0) = x[3 - i];
  EXPECT_EQ(pairs_of(build(r, 10.0F, 1)), (Pairs{{0, 1}, {1, 2}, {2, 3}}));
  // No cap: all six pairs.
  EXPECT_EQ(build(m, 10.0F, 0).size(), 6U);
  EXPECT_EQ(build(m, 10.0F, 3).size(), 6U);
}

TEST(RadiusGraph, EquidistantNeighboursPreferSmallerIndex) {
  Matrix m(3, 2);  // three identical points: every distance is 0
  EXPECT_EQ(pairs_of(build(m, 1.0F, 1)), (Pairs{{0, 1}, {0, 2}}));
  EXPECT_EQ(pairs_of(radius_graph_brute_force(m, 1.0F, 1)), (Pairs{{0, 1}, {0, 2}}));
}

TEST(RadiusGraph, CapDecidesNearTiesByTheExactDistance) {
  // A query at the origin and 300 points in random directions at distances 1 +- 2e-7 from it
  // (8 dimensions): float squared distances, summed with rounding, order many of them
  // differently from the exact ones. Capped queries must keep the cap nearest by the exact
  // distance (ties: smaller index) like the brute force, whichever candidates the float
  // filter shortlists.
  constexpr std::size_t kDim = 8;
  constexpr std::size_t kPoints = 301;
  std::mt19937_64 rng(11);
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> jitter(-2e-7, 2e-7);
  Matrix m(kPoints, kDim);
  for (std::size_t k = 1; k < kPoints; ++k) {
    std::vector<double> u(kDim);
    double norm = 0.0;
    for (double& x : u) {
      x = gauss(rng);
      norm += x * x;
    }
    const double scale = (1.0 + jitter(rng)) / std::sqrt(norm);
    for (std::size_t d = 0; d < kDim; ++d) m(k, d) = static_cast<float>(u[d] * scale);
  }
  for (const std::size_t cap : {std::size_t{1}, std::size_t{10}, std::size_t{40}}) {
    const Pairs expected = pairs_of(radius_graph_brute_force(m, 1.0005F, cap));
    for (const std::size_t leaf : {std::size_t{1}, std::size_t{32}}) {
      EXPECT_EQ(pairs_of(build(m, 1.0005F, cap, leaf)), expected) << "cap=" << cap << " leaf=" << leaf;
    }
  }
}

TEST(RadiusGraph, MatchesBruteForceOnUniformPoints) {
  struct Case {
    std::size_t n, dim;
    float radius;
  };
  // Radii chosen for roughly 5-60 neighbours per point.
  const Case cases[] = {{1000, 1, 0.01F}, {1000, 2, 0.1F}, {800, 3, 0.17F}, {700, 8, 0.6F}, {500, 11, 0.85F}};
  std::uint64_t seed = 1;
  for (const Case& c : cases) {
    const Matrix m = uniform_points(c.n, c.dim, seed++);
    for (const std::size_t cap : {std::size_t{0}, std::size_t{5}, std::size_t{64}}) {
      const Pairs expected = pairs_of(radius_graph_brute_force(m, c.radius, cap));
      ASSERT_GT(expected.size(), 2 * c.n) << "too few pairs to be a meaningful check";
      for (const std::size_t leaf : {std::size_t{1}, std::size_t{7}, std::size_t{32}, std::size_t{5000}}) {
        EXPECT_EQ(pairs_of(build(m, c.radius, cap, leaf)), expected)
            << "n=" << c.n << " dim=" << c.dim << " cap=" << cap << " leaf=" << leaf;
      }
    }
  }
}

TEST(RadiusGraph, MatchesBruteForceOnTrackLikeEmbedding) {
  const Matrix m = make_track_like_embedding(3000, 8, 42);
  for (const std::size_t cap : {std::size_t{0}, std::size_t{8}}) {
    const Pairs expected = pairs_of(radius_graph_brute_force(m, 2.0F * kTrackRadius, cap));
    ASSERT_GT(expected.size(), 3000U);
    EXPECT_EQ(pairs_of(build(m, 2.0F * kTrackRadius, cap)), expected) << "cap=" << cap;
  }
}

/// nanoflann dataset adaptor over a row-major Matrix.
struct MatrixAdaptor {
  const Matrix& m;
  [[nodiscard]] std::size_t kdtree_get_point_count() const { return m.rows; }
  [[nodiscard]] float kdtree_get_pt(std::size_t i, std::size_t d) const { return m(i, d); }
  template <class Box>
  bool kdtree_get_bbox(Box& /*box*/) const {
    return false;
  }
};

TEST(RadiusGraph, MatchesNanoflannOnTrackLikeEmbedding) {
  const Matrix m = make_track_like_embedding(12000, 8, 7);
  const float radius = 1.5F * kTrackRadius;
  // Double accumulation of float differences: the same distance definition.
  using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Adaptor<float, MatrixAdaptor, double>,
                                                   MatrixAdaptor, -1, std::uint32_t>;
  const MatrixAdaptor adaptor{m};
  Tree tree(static_cast<int>(m.cols), adaptor, nanoflann::KDTreeSingleIndexAdaptorParams(10));
  tree.buildIndex();
  Pairs expected;
  std::vector<std::pair<std::uint32_t, double>> found;
  const double r2 = static_cast<double>(radius) * static_cast<double>(radius);
  for (std::size_t i = 0; i < m.rows; ++i) {
    tree.radiusSearch(m.row(i), r2, found, nanoflann::SearchParams(32, 0.0F, false));
    for (const auto& [j, d2] : found) {
      if (j > i) expected.emplace_back(i, j);
    }
  }
  std::sort(expected.begin(), expected.end());
  ASSERT_GT(expected.size(), 12000U);
  EXPECT_EQ(pairs_of(build(m, radius, 0)), expected);
}

TEST(RadiusGraph, ResultDoesNotDependOnThreadCount) {
  const Matrix m = make_track_like_embedding(10000, 8, 3);
  const RadiusGraphBuilder builder({.radius = kTrackRadius, .max_neighbours = 6});
  EdgeList one;
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    one = builder.build(m);
  }
  EdgeList many;
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 4);
    many = builder.build(m);
  }
  ASSERT_GT(one.size(), 0U);
  EXPECT_EQ(one.src, many.src);
  EXPECT_EQ(one.dst, many.dst);
}

TEST(RadiusGraph, RejectsBadInput) {
  Matrix m(3, 2);
  m(1, 1) = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW((void)build(m, 1.0F, 0), Error);
  EXPECT_THROW((void)radius_graph_brute_force(m, 1.0F, 0), Error);
  m(1, 1) = std::numeric_limits<float>::infinity();
  EXPECT_THROW((void)build(m, 1.0F, 0), Error);
  EXPECT_THROW(RadiusGraphBuilder({.radius = -1.0F}), Error);
  EXPECT_THROW(RadiusGraphBuilder({.radius = 1.0F, .max_neighbours = 4, .leaf_size = 0}), Error);
  EXPECT_THROW((void)build(Matrix(3, 0), 1.0F, 0), Error);
  Matrix broken(3, 2);
  broken.data.pop_back();
  EXPECT_THROW((void)build(broken, 1.0F, 0), Error);
}

TEST(RadiusGraph, TrackLikeEmbeddingIsDeterministic) {
  const Matrix a = make_track_like_embedding(1000, 8, 11);
  const Matrix b = make_track_like_embedding(1000, 8, 11);
  const Matrix c = make_track_like_embedding(1000, 8, 12);
  EXPECT_EQ(a.data, b.data);
  EXPECT_NE(a.data, c.data);
  EXPECT_EQ(a.rows, 1000U);
  EXPECT_EQ(a.cols, 8U);
}

}  // namespace
}  // namespace trkx
