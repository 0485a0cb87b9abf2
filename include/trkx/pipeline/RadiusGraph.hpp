#pragma once
/// @file RadiusGraph.hpp
/// Graph construction: fixed-radius nearest-neighbour search in the learned
/// embedding space.

#include <cstddef>
#include <cstdint>

#include "trkx/pipeline/Graph.hpp"

namespace trkx {

/// Builds candidate edges between all pairs of points closer than `radius`
/// (Euclidean, in the embedding space), keeping for each query point at most
/// `max_neighbours` nearest neighbours. Thread-safe: build() is const.
///
/// Distance definition (shared with radius_graph_brute_force, so results are
/// bit-identical): d^2(a, b) = sum_k double(float(a_k - b_k))^2, summed in
/// dimension order in double precision; a pair is within the radius when
/// d^2 < double(radius)^2 (strict). Among equally distant neighbours the one
/// with the smaller index counts as nearer. The result does not depend on the
/// number of threads.
///
/// Implementation: a balanced k-d tree with tight bounding boxes whose leaves
/// (`leaf_size` points) are stored as padded structure-of-arrays blocks; for
/// each leaf of queries the candidate leaves are found once by box-to-box
/// distance, then each query checks candidate leaves by point-to-box distance
/// and scans their points with a SIMD-friendly float kernel; pairs that pass a
/// slightly widened float test are confirmed with the exact double distance.
/// A capped query visits its candidate leaves nearest first and, once it holds
/// 2 x max_neighbours points, narrows its float limits to what can still be
/// among the nearest (like a k-nearest-neighbour search; same result).
/// Query leaves run in parallel (TBB).
class RadiusGraphBuilder {
 public:
  struct Config {
    float radius = 0.1F;              ///< search radius in embedding units
    std::size_t max_neighbours = 64;  ///< cap k per query point (nearest kept); 0 = no cap
    std::size_t leaf_size = 32;       ///< k-d tree leaf size (points per leaf, >= 1; tuning only)
  };

  explicit RadiusGraphBuilder(Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// Returns each unordered pair {i, j} (i != j) once, as src = min(i, j),
  /// dst = max(i, j), sorted by (src, dst). A pair is kept when j is among
  /// the max_neighbours nearest of i within radius, or i among those of j.
  /// `points` is [n x dim] row-major.
  [[nodiscard]] EdgeList build(const Matrix& points) const;

 private:
  Config config_;
};

/// Reference implementation: O(n^2) brute force with the same semantics
/// (used by tests to check build()).
EdgeList radius_graph_brute_force(const Matrix& points, float radius, std::size_t max_neighbours);

/// Synthetic stand-in for a metric-learning hit embedding, for tests and
/// benchmarks: hits lie along short 1-D "track" curves (about 12 hits each,
/// with Gaussian noise) whose centres lie on a smooth 3-parameter manifold
/// curled through `dim` dimensions, plus 5% uniform noise hits; coordinates
/// are of order 1. Deterministic for a given seed on every platform. With
/// dim = 8, radius 0.09 gives about 30 neighbours per point at 100k points
/// (see bench/bench_graph.cpp).
Matrix make_track_like_embedding(std::size_t n_points, std::size_t dim, std::uint64_t seed);

}  // namespace trkx
