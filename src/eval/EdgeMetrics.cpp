#include "trkx/eval/EdgeMetrics.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "trkx/core/Error.hpp"
#include "trkx/eval/TrackingPerformance.hpp"

namespace trkx::eval {
namespace {

/// Particle id of every row of event.hits (0 for noise or hits without truth).
std::vector<ParticleId> particle_of_hits(const Event& event) {
  std::unordered_map<HitId, std::size_t> row_of_hit;
  row_of_hit.reserve(event.hits.size());
  for (std::size_t i = 0; i < event.hits.size(); ++i) row_of_hit.emplace(event.hits.hit_id[i], i);
  std::vector<ParticleId> particle(event.hits.size(), 0);
  for (std::size_t t = 0; t < event.truth.size(); ++t) {
    const auto it = row_of_hit.find(event.truth.hit_id[t]);
    if (it != row_of_hit.end()) particle[it->second] = event.truth.particle_id[t];
  }
  return particle;
}

void check_indices(const EdgeList& edges, std::size_t n_hits, const std::string& what) {
  if (edges.dst.size() != edges.src.size()) {
    throw InputError(what, 0, "dst",
                     "expected as many dst as src indices (" + std::to_string(edges.src.size()) +
                         "), found " + std::to_string(edges.dst.size()));
  }
  if (!edges.score.empty() && edges.score.size() != edges.src.size()) {
    throw InputError(what, 0, "score",
                     "expected no score or one per edge (" + std::to_string(edges.src.size()) + "), found " +
                         std::to_string(edges.score.size()));
  }
  for (std::size_t e = 0; e < edges.size(); ++e) {
    for (const std::int64_t v : {edges.src[e], edges.dst[e]}) {
      if (v < 0 || static_cast<std::uint64_t>(v) >= n_hits) {
        throw InputError(
            what, e + 1, "src/dst",
            "expected a hit index in [0, " + std::to_string(n_hits) + "), found " + std::to_string(v));
      }
    }
  }
}

}  // namespace

void EdgeMetrics::merge(const EdgeMetrics& other) {
  if (stage.empty()) stage = other.stage;
  if (other.stage != stage)
    throw Error("cannot merge edge metrics of stages '" + stage + "' and '" + other.stage + "'");
  n_events += other.n_events;
  n_edges += other.n_edges;
  n_truth_edges += other.n_truth_edges;
  efficiency += other.efficiency;
  efficiency_pt += other.efficiency_pt;
  purity += other.purity;
  same_particle_purity += other.same_particle_purity;
}

EdgeMetrics EdgeEvaluator::evaluate(const std::string& stage, const Event& event, const EdgeList& truth_edges,
                                    const EdgeList& graph) const {
  const std::size_t n_hits = event.hits.size();
  check_indices(truth_edges, n_hits, "truth graph");
  check_indices(graph, n_hits, "graph '" + stage + "'");
  const auto pair_key = [n_hits](std::int64_t a, std::int64_t b) {
    const auto lo = static_cast<std::uint64_t>(std::min(a, b));
    const auto hi = static_cast<std::uint64_t>(std::max(a, b));
    return lo * static_cast<std::uint64_t>(n_hits) + hi;
  };

  const std::vector<ParticleId> particle = particle_of_hits(event);
  std::unordered_map<ParticleId, double> pt;
  for (const ParticleInfo& p : TrackingEvaluator::particle_infos(event)) pt.emplace(p.particle_id, p.pt);

  EdgeMetrics m;
  m.stage = stage;
  m.n_events = 1;

  std::unordered_set<std::uint64_t> graph_pairs;
  graph_pairs.reserve(graph.size() * 2);
  std::unordered_set<std::uint64_t> truth_pairs;
  truth_pairs.reserve(truth_edges.size() * 2);
  for (std::size_t e = 0; e < truth_edges.size(); ++e) {
    truth_pairs.insert(pair_key(truth_edges.src[e], truth_edges.dst[e]));
  }

  const bool scored = !graph.score.empty();
  for (std::size_t e = 0; e < graph.size(); ++e) {
    if (scored && graph.score[e] < config_.score_cut) continue;
    ++m.n_edges;
    const std::uint64_t key = pair_key(graph.src[e], graph.dst[e]);
    graph_pairs.insert(key);
    m.purity.fill(truth_pairs.contains(key));
    const ParticleId a = particle[static_cast<std::size_t>(graph.src[e])];
    const ParticleId b = particle[static_cast<std::size_t>(graph.dst[e])];
    m.same_particle_purity.fill(a != 0 && a == b);
  }

  // Each truth pair once, even if the truth graph lists it twice.
  std::unordered_set<std::uint64_t> counted;
  counted.reserve(truth_edges.size() * 2);
  for (std::size_t e = 0; e < truth_edges.size(); ++e) {
    const std::uint64_t key = pair_key(truth_edges.src[e], truth_edges.dst[e]);
    if (!counted.insert(key).second) continue;
    ++m.n_truth_edges;
    const bool found = graph_pairs.contains(key);
    m.efficiency.fill(found);
    const ParticleId p = particle[static_cast<std::size_t>(truth_edges.src[e])];
    const auto it = pt.find(p);
    if (it != pt.end() && it->second >= config_.pt_min) m.efficiency_pt.fill(found);
  }
  return m;
}

}  // namespace trkx::eval
