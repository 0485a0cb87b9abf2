#pragma once
/// @file RadiusGraph.hpp
/// Graph construction: fixed-radius nearest-neighbour search in the learned
/// embedding space.

#include <cstddef>

#include "trkx/pipeline/Graph.hpp"

namespace trkx {

/// Builds candidate edges between all pairs of points closer than `radius`
/// (Euclidean, in the embedding space), keeping for each query point at most
/// `max_neighbours` nearest neighbours. Thread-safe: build() is const.
class RadiusGraphBuilder {
 public:
  struct Config {
    float radius = 0.1F;               ///< search radius in embedding units
    std::size_t max_neighbours = 64;   ///< cap k per query point (nearest kept)
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

}  // namespace trkx
