#pragma once
/// @file EdgeMetrics.hpp
/// Edge-level efficiency and purity of the intermediate graphs of the
/// pipeline (radius graph, filter output, GNN output), against a truth graph.
///
/// Edges are pairs of hit indices (rows of event.hits), undirected for the
/// comparison: (a, b) and (b, a) are the same pair. The truth graph is given
/// by the caller, normally trkx::true_edges() (include/trkx/pipeline/TruthGraph.hpp:
/// consecutive hits of each particle ordered by distance from its production
/// vertex). Definitions, per stage:
/// - efficiency       = truth pairs present in the graph / truth pairs
/// - efficiency_pt    = the same for truth pairs of particles with pT >= Config::pt_min
/// - purity           = graph edges that are truth pairs / graph edges
/// - same_particle_purity = graph edges joining two hits of the same non-noise
///                      particle (consecutive or not) / graph edges
/// A pair listed twice in the graph (both orientations) counts twice in the
/// purity denominators and once in the efficiency numerators.

#include <cstdint>
#include <string>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/eval/Metrics.hpp"
#include "trkx/pipeline/Graph.hpp"

namespace trkx::eval {

/// Edge metrics of one pipeline stage; counts add over events.
struct EdgeMetrics {
  std::string stage;  ///< e.g. "radius", "filter", "gnn"
  std::uint64_t n_events = 0;
  std::uint64_t n_edges = 0;        ///< edges evaluated (after the score cut)
  std::uint64_t n_truth_edges = 0;  ///< truth pairs
  Ratio efficiency;
  Ratio efficiency_pt;
  Ratio purity;
  Ratio same_particle_purity;

  /// Adds the counts of another result of the same stage.
  void merge(const EdgeMetrics& other);
};

/// Computes EdgeMetrics for one graph of one event. Thread-safe.
class EdgeEvaluator {
 public:
  struct Config {
    double pt_min = 1.0;     ///< [GeV] particle pT threshold of efficiency_pt
    float score_cut = 0.0F;  ///< edges with score < cut are ignored (scored graphs only; 0 keeps all)
  };

  explicit EdgeEvaluator(Config config) : config_(config) {}
  [[nodiscard]] const Config& config() const { return config_; }

  /// Metrics of `graph` (hit indices; `score` empty or one per edge) against
  /// `truth_edges` (hit indices) for `event` (hits, truth and, for the pT, particles).
  /// Throws trkx::InputError if an index is outside [0, n_hits).
  [[nodiscard]] EdgeMetrics evaluate(const std::string& stage, const Event& event,
                                     const EdgeList& truth_edges, const EdgeList& graph) const;

 private:
  Config config_;
};

}  // namespace trkx::eval
