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
  /// Throws trkx::Error when an edge refers to a hit outside [0, n_hits),
  /// when src and dst differ in length, or when there is not exactly one
  /// (non-NaN) score per edge.
  [[nodiscard]] virtual TrackLabels build(std::size_t n_hits, const EdgeList& edges) const = 0;
};

/// Connected components over edges with score >= cut (parallel lock-free
/// union-find). Labels are 0..k-1 in order of each kept component's
/// smallest hit index (deterministic, independent of edge order and threads).
class ConnectedComponentsTrackBuilder final : public TrackBuilder {
 public:
  struct Config {
    float cut = 0.5F;          ///< edge score threshold
    std::size_t min_hits = 3;  ///< smaller components are dropped (label -1)
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
///
/// Details: components are formed by edges with score >= cut (self-loops
/// ignored). A component branches when one of its hits has more than one
/// incoming or outgoing such edge. In a branching component only edges with
/// score >= max(cut, walk_cut) are followed. Walks start (1) from hits
/// without an incoming followable edge, best first (higher best outgoing
/// score, then smaller hit index), then (2) from leftover unused hits all of
/// whose predecessors are used, in the same order, and (3) inside cycles from
/// the smallest unused hit. A walk takes the highest-scoring outgoing edge to
/// an unused hit (ties: smaller hit index) until none is left; every hit is
/// used by exactly one walk. Candidates with fewer than min_hits hits get -1.
/// Then, with attach_min_edges > 0, every hit left without a track joins the
/// track with the most distinct hits it shares edges >= cut with, if that is
/// at least attach_min_edges (ties: the smaller label). With the default 2 this puts
/// back the second hit of a layer crossed twice (module overlaps): the walk
/// goes from the hit before it straight to the hit after it and leaves it out,
/// while both of its edges are kept; the first hit of a branch the walk did
/// not take has one such edge and stays out. Labels are 0..k-1 in order of
/// each candidate's smallest hit index, so the result depends neither on the
/// edge order nor on the thread count.
class WalkthroughTrackBuilder final : public TrackBuilder {
 public:
  struct Config {
    float cut = 0.5F;                  ///< edges below are ignored entirely
    float walk_cut = 0.7F;             ///< in branching components, only edges above are followed
    std::size_t min_hits = 3;          ///< shorter candidates are dropped (label -1)
    std::size_t attach_min_edges = 2;  ///< a leftover hit joins a track whose hits it has edges
                                       ///< >= cut to, to this many of them (0 = never)
  };
  explicit WalkthroughTrackBuilder(Config config);
  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] TrackLabels build(std::size_t n_hits, const EdgeList& edges) const override;

 private:
  Config config_;
};

/// Plain connected components of an undirected graph (all edges, scores not
/// needed), labels 0..k-1 in order of each component's smallest node.
/// Exposed for tests and benchmarks against Boost.Graph.
TrackLabels connected_components(std::size_t n_nodes, const EdgeList& edges);

}  // namespace trkx
