#pragma once
/// @file TrackBuilding.hpp
/// Track labelling: turns scored edges into track candidates.

#include <cstddef>
#include <memory>

#include "trkx/pipeline/Graph.hpp"

namespace trkx {

/// Interface of a track builder. `edges` are directed (src nearer the
/// interaction point) and carry a score in [0, 1] per edge.
class TrackBuilder {
 public:
  virtual ~TrackBuilder() = default;
  /// Returns one label per hit (-1: in no track of at least min_hits hits).
  [[nodiscard]] virtual TrackLabels build(std::size_t n_hits, const EdgeList& edges) const = 0;
};

/// Connected components over edges with score >= cut (parallel union-find).
class ConnectedComponentsTrackBuilder final : public TrackBuilder {
 public:
  struct Config {
    float cut = 0.5F;            ///< edge score threshold
    std::size_t min_hits = 3;    ///< smaller components are dropped (label -1)
  };
  explicit ConnectedComponentsTrackBuilder(Config config);
  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] TrackLabels build(std::size_t n_hits, const EdgeList& edges) const override;

 private:
  Config config_;
};

/// GNN4ITk-style "connected components + walk-through": components without
/// branching are accepted as they are; branching components are resolved by
/// walking from their innermost hits along the highest-scoring outgoing edge.
class WalkthroughTrackBuilder final : public TrackBuilder {
 public:
  struct Config {
    float cut = 0.5F;            ///< edges below are ignored entirely
    float walk_cut = 0.7F;       ///< in branching components, only edges above are followed
    std::size_t min_hits = 3;    ///< shorter candidates are dropped (label -1)
  };
  explicit WalkthroughTrackBuilder(Config config);
  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] TrackLabels build(std::size_t n_hits, const EdgeList& edges) const override;

 private:
  Config config_;
};

/// Plain connected components of an undirected graph (all edges), labels
/// 0..k-1 in order of each component's smallest node. Exposed for tests and
/// benchmarks against Boost.Graph.
TrackLabels connected_components(std::size_t n_nodes, const EdgeList& edges);

}  // namespace trkx
