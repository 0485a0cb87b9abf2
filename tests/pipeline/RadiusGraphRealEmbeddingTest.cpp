// RadiusGraphBuilder on REAL embeddings: the shipped models/embedding.onnx run
// through trkx's Embedding stage on a small simulated event (pile-up 10, made
// in-process), compared with an independent brute-force search written here
// from the documented distance definition (RadiusGraph.hpp): identical edge
// sets with and without the k cap.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <utility>
#include <vector>

#include "trkx/pipeline/Embedding.hpp"
#include "trkx/pipeline/HitFeatures.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/RadiusGraph.hpp"
#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/Simulator.hpp"

namespace trkx {
namespace {

namespace fs = std::filesystem;
using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;

/// The shipped models directory of the source tree.
fs::path shipped_models() { return fs::path(TRKX_SOURCE_DIR) / "models"; }

/// Embedded hits of a pile-up-10 event and the shipped radius / k cap.
struct RealPoints {
  Matrix points;
  float radius = 0;
  std::size_t max_neighbours = 0;
};

const RealPoints& real_points() {
  static const RealPoints p = [] {
    RealPoints out;
    const ModelSet models = ModelSet::load(shipped_models());
    const auto& emb = *models.embedding;
    sim::Simulator::Config sc;
    sc.seed = 77;
    sc.physics.pileup = 10;
    const Event event = sim::Simulator(sim::trackml_detector(), sc).simulate(3);
    const Matrix features = HitFeatures().compute(event.hits.view(), event.cells.view());
    out.points = Embedding(emb.file, HitFeatures::n_features(), emb.dim, {}).run(features);
    out.radius = emb.radius;
    out.max_neighbours = emb.max_neighbours;
    return out;
  }();
  return p;
}

/// Every point's neighbours within `radius`, nearest first (ties: smaller
/// index first), with d^2 = sum_k double(float(a_k - b_k))^2 < double(r)^2.
std::vector<std::vector<std::pair<double, std::int64_t>>> sorted_neighbours(const Matrix& m, float radius) {
  const double r2 = static_cast<double>(radius) * static_cast<double>(radius);
  std::vector<std::vector<std::pair<double, std::int64_t>>> out(m.rows);
  for (std::size_t i = 0; i < m.rows; ++i) {
    const float* a = m.row(i);
    for (std::size_t j = i + 1; j < m.rows; ++j) {  // d2(i, j) == d2(j, i) exactly
      const float* b = m.row(j);
      double d2 = 0;
      for (std::size_t c = 0; c < m.cols; ++c) {
        const float diff = a[c] - b[c];
        d2 += static_cast<double>(diff) * static_cast<double>(diff);
      }
      if (d2 < r2) {
        out[i].emplace_back(d2, static_cast<std::int64_t>(j));
        out[j].emplace_back(d2, static_cast<std::int64_t>(i));
      }
    }
  }
  for (auto& list : out) std::sort(list.begin(), list.end());
  return out;
}

/// Undirected pairs (smaller index first, sorted, unique): the union over
/// points of their `cap` nearest neighbours (0 = all).
Pairs brute_force_pairs(const std::vector<std::vector<std::pair<double, std::int64_t>>>& nb,
                        std::size_t cap) {
  Pairs out;
  for (std::size_t i = 0; i < nb.size(); ++i) {
    const std::size_t keep = cap == 0 ? nb[i].size() : std::min(cap, nb[i].size());
    for (std::size_t k = 0; k < keep; ++k) {
      const auto a = static_cast<std::int64_t>(i);
      out.emplace_back(std::min(a, nb[i][k].second), std::max(a, nb[i][k].second));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Pairs sorted_pairs(const EdgeList& edges) {
  Pairs out;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    out.emplace_back(std::min(edges.src[e], edges.dst[e]), std::max(edges.src[e], edges.dst[e]));
  }
  std::sort(out.begin(), out.end());
  return out;
}

TEST(RadiusGraphRealEmbedding, MatchesBruteForceWithAndWithoutCap) {
  const RealPoints& p = real_points();
  ASSERT_GT(p.points.rows, 1000U) << "the pile-up-10 event should have thousands of hits";
  ASSERT_EQ(p.points.cols, 8U);
  const auto nb = sorted_neighbours(p.points, p.radius);
  std::size_t max_degree = 0;
  for (const auto& list : nb) max_degree = std::max(max_degree, list.size());
  // No cap, the shipped cap, and caps that bind for some / most hits.
  const std::size_t small_cap = 4;
  ASSERT_GT(max_degree, small_cap) << "the small cap must bind for some hits";
  std::size_t n_uncapped = 0;
  for (const std::size_t cap : {std::size_t{0}, p.max_neighbours, std::size_t{12}, small_cap}) {
    const Pairs expected = brute_force_pairs(nb, cap);
    const EdgeList built = RadiusGraphBuilder({.radius = p.radius, .max_neighbours = cap}).build(p.points);
    const Pairs got = sorted_pairs(built);
    EXPECT_EQ(std::adjacent_find(got.begin(), got.end()), got.end()) << "duplicate edges, cap " << cap;
    EXPECT_EQ(got.size(), expected.size()) << "cap " << cap;
    EXPECT_TRUE(got == expected) << "edge sets differ, cap " << cap;
    EXPECT_GT(expected.size(), p.points.rows / 2) << "a real embedding gives many candidate edges";
    std::printf("%zu embedded hits, radius %.3f, cap %zu: %zu edges\n", p.points.rows,
                static_cast<double>(p.radius), cap, expected.size());
    if (cap == 0) n_uncapped = expected.size();
    if (cap == small_cap) {
      EXPECT_LT(expected.size(), n_uncapped);
    }
  }
}

TEST(RadiusGraphRealEmbedding, SmallerRadiusGivesASubset) {
  const RealPoints& p = real_points();
  const Pairs full =
      sorted_pairs(RadiusGraphBuilder({.radius = p.radius, .max_neighbours = 0}).build(p.points));
  const Pairs half =
      sorted_pairs(RadiusGraphBuilder({.radius = 0.5F * p.radius, .max_neighbours = 0}).build(p.points));
  EXPECT_LT(half.size(), full.size());
  EXPECT_TRUE(std::includes(full.begin(), full.end(), half.begin(), half.end()));
}

}  // namespace
}  // namespace trkx
