#include "trkx/pipeline/TruthGraph.hpp"

#include <tbb/parallel_for.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <numeric>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "HitIndex.hpp"
#include "trkx/core/Error.hpp"

namespace trkx {

std::vector<ParticleId> hit_particles(const Event& event) {
  const std::size_t n = event.hits.size();
  std::vector<ParticleId> particle(n, 0);
  const auto& truth = event.truth;
  // Truth usually lists the hits in the same order; fall back to a lookup.
  bool same_order = truth.size() == n;
  for (std::size_t i = 0; same_order && i < n; ++i) same_order = truth.hit_id[i] == event.hits.hit_id[i];
  if (same_order) {
    std::copy(truth.particle_id.begin(), truth.particle_id.end(), particle.begin());
    return particle;
  }
  const detail::HitIndex index(event.hits.hit_id);
  for (std::size_t t = 0; t < truth.size(); ++t) {
    const auto row = index.find(truth.hit_id[t]);
    if (!row) {
      throw InputError("truth", t + 1, "hit_id",
                       "truth refers to hit id " + std::to_string(truth.hit_id[t]) + ", which is not a hit");
    }
    particle[*row] = truth.particle_id[t];
  }
  return particle;
}

std::vector<float> hit_particle_pt(const Event& event) {
  const auto particle = hit_particles(event);
  std::unordered_map<ParticleId, float> pt;
  pt.reserve(event.particles.size());
  for (std::size_t p = 0; p < event.particles.size(); ++p) {
    pt.emplace(event.particles.particle_id[p], std::hypot(event.particles.px[p], event.particles.py[p]));
  }
  std::vector<float> out(particle.size(), 0.0F);
  for (std::size_t i = 0; i < particle.size(); ++i) {
    if (particle[i] == 0) continue;
    const auto it = pt.find(particle[i]);
    if (it != pt.end()) out[i] = it->second;
  }
  return out;
}

EdgeList true_edges(const Event& event) {
  const auto particle = hit_particles(event);
  const std::size_t n = particle.size();
  std::unordered_map<ParticleId, std::size_t> vertex_row;
  vertex_row.reserve(event.particles.size());
  for (std::size_t p = 0; p < event.particles.size(); ++p)
    vertex_row.emplace(event.particles.particle_id[p], p);

  // Distance of every non-noise hit from its particle's production vertex.
  std::vector<double> dist(n, 0.0);
  std::vector<std::size_t> order;
  order.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (particle[i] == 0) continue;
    double vx = 0;
    double vy = 0;
    double vz = 0;
    if (const auto it = vertex_row.find(particle[i]); it != vertex_row.end()) {
      vx = event.particles.vx[it->second];
      vy = event.particles.vy[it->second];
      vz = event.particles.vz[it->second];
    }
    const double dx = event.hits.x[i] - vx;
    const double dy = event.hits.y[i] - vy;
    const double dz = event.hits.z[i] - vz;
    dist[i] = std::sqrt(dx * dx + dy * dy + dz * dz);
    order.push_back(i);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (particle[a] != particle[b]) return particle[a] < particle[b];
    if (dist[a] != dist[b]) return dist[a] < dist[b];
    return a < b;
  });
  EdgeList edges;
  edges.reserve(order.size());
  for (std::size_t k = 1; k < order.size(); ++k) {
    if (particle[order[k]] != particle[order[k - 1]]) continue;
    edges.src.push_back(static_cast<std::int64_t>(order[k - 1]));
    edges.dst.push_back(static_cast<std::int64_t>(order[k]));
  }
  return edges;
}

std::vector<float> edge_truth(const EdgeList& edges, const EdgeList& truth, std::size_t n_hits) {
  const auto key = [n_hits](std::int64_t a, std::int64_t b) {
    const auto lo = static_cast<std::uint64_t>(std::min(a, b));
    const auto hi = static_cast<std::uint64_t>(std::max(a, b));
    return lo * static_cast<std::uint64_t>(n_hits) + hi;
  };
  std::unordered_set<std::uint64_t> true_keys;
  true_keys.reserve(truth.size() * 2);
  for (std::size_t e = 0; e < truth.size(); ++e) true_keys.insert(key(truth.src[e], truth.dst[e]));
  std::vector<float> y(edges.size(), 0.0F);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    y[e] = true_keys.contains(key(edges.src[e], edges.dst[e])) ? 1.0F : 0.0F;
  }
  return y;
}

void orient_outward(EdgeList& edges, const HitsView& hits) {
  // Each hit's squared distance once (the edges read them ~100 times each), then the edges in
  // parallel blocks.
  const std::size_t n_hits = hits.x.size();
  std::vector<double> dist2(n_hits);
  for (std::size_t k = 0; k < n_hits; ++k) {
    const double x = hits.x[k];
    const double y = hits.y[k];
    const double z = hits.z[k];
    dist2[k] = x * x + y * y + z * z;
  }
  std::atomic<std::size_t> first_bad{edges.size()};
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, edges.size(), 65536), [&](const auto& range) {
    for (std::size_t e = range.begin(); e != range.end(); ++e) {
      const auto a = static_cast<std::size_t>(edges.src[e]);  // a negative index wraps: caught below
      const auto b = static_cast<std::size_t>(edges.dst[e]);
      if (a >= n_hits || b >= n_hits) {
        std::size_t seen = first_bad.load();
        while (e < seen && !first_bad.compare_exchange_weak(seen, e)) {
        }
        continue;
      }
      if (dist2[b] < dist2[a] || (dist2[b] == dist2[a] && b < a)) std::swap(edges.src[e], edges.dst[e]);
    }
  });
  if (const std::size_t e = first_bad.load(); e < edges.size()) {
    throw Error("orient_outward: edge " + std::to_string(e) + " (" + std::to_string(edges.src[e]) + " -> " +
                std::to_string(edges.dst[e]) + ") refers to a hit outside [0, " + std::to_string(n_hits) +
                ")");
  }
}

EdgeList select_edges(const EdgeList& edges, float cut) {
  TRKX_CHECK(edges.score.size() == edges.size(), "select_edges: edges carry no scores");
  EdgeList out;
  std::size_t kept = 0;
  for (float s : edges.score) kept += s >= cut ? 1 : 0;
  out.reserve(kept);
  out.score.reserve(kept);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    if (edges.score[e] >= cut) {
      out.src.push_back(edges.src[e]);
      out.dst.push_back(edges.dst[e]);
      out.score.push_back(edges.score[e]);
    }
  }
  return out;
}

}  // namespace trkx
