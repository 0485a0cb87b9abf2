#pragma once
/// @file TruthGraph.hpp
/// Truth-level graphs and edge labels, shared by `trkx prepare` (training
/// targets) and evaluation (per-stage edge efficiency and purity).

#include <span>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/pipeline/Graph.hpp"

namespace trkx {

/// True edges of an event: for every particle, its hits ordered by increasing
/// distance from the particle's production vertex (particles.csv vx, vy, vz;
/// the origin if the particle is not listed), joined consecutively, src first
/// (i.e. src is the hit nearer the vertex). Noise hits (particle_id 0) and hits
/// without a truth row have no edge. Hits at exactly the same distance keep
/// the order of their hit index. Indices are rows of event.hits. Edges are
/// grouped by particle (ascending particle id). Requires truth; throws
/// trkx::InputError if a truth hit id is not a hit of the event.
[[nodiscard]] EdgeList true_edges(const Event& event);

/// Particle id of every hit row (0 for noise and for hits without truth).
[[nodiscard]] std::vector<ParticleId> hit_particles(const Event& event);

/// Truth pT of every hit's particle [GeV] from particles.csv (0 for noise or
/// unknown particles).
[[nodiscard]] std::vector<float> hit_particle_pt(const Event& event);

/// 1 for each edge of `edges` that is a true edge in either orientation, else 0.
[[nodiscard]] std::vector<float> edge_truth(const EdgeList& edges, const EdgeList& truth, std::size_t n_hits);

/// Orients every edge so that src is the hit nearer the origin (distance
/// sqrt(r^2 + z^2)); ties keep the smaller index as src. Scores follow their edge.
/// Throws trkx::Error naming the first edge with a hit index outside the event.
void orient_outward(EdgeList& edges, const HitsView& hits);

/// Edges with score >= cut, with their scores, in their original order.
[[nodiscard]] EdgeList select_edges(const EdgeList& edges, float cut);

}  // namespace trkx
