#include "trkx/sim/DetectorResponse.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "trkx/core/Error.hpp"

namespace trkx::sim {
namespace {

struct Cell {
  std::int32_t ch0, ch1;
  float value;
};

/// One measured hit before sorting.
struct RecHit {
  std::uint32_t module;
  std::uint32_t particle;  ///< index into particles, or UINT32_MAX for noise
  std::array<double, 3> measured;
  std::array<double, 3> true_pos;
  std::array<double, 3> momentum;
  std::uint32_t cell_begin, cell_end;
  double weight;
};

constexpr std::uint32_t kNoise = 0xFFFFFFFFu;

double half_width(const ModulePlane& p, double v) {
  return p.min_hu + (p.max_hu - p.min_hu) * (v + p.hv) / (2.0 * p.hv);
}

std::int32_t channel(double x, double half, double pitch) {
  const auto n = static_cast<std::int32_t>(std::ceil(2.0 * half / pitch));
  return std::clamp(static_cast<std::int32_t>(std::floor((x + half) / pitch)), 0, std::max(n - 1, 0));
}

}  // namespace

double order_weight(std::size_t k, std::size_t n) {
  if (n == 0 || k >= n) return 0.0;
  const std::size_t from_end = n - 1 - k;
  static constexpr double kFirst[3] = {10.0, 8.0, 6.0};
  static constexpr double kLast[3] = {6.0, 5.0, 4.0};
  double w = 3.0;
  if (k < 3) w = std::max(w, kFirst[k]);
  if (from_end < 3) w = std::max(w, kLast[from_end]);
  return w;
}

double pt_weight(double pt) {
  if (pt < 0.5) return 0.2;
  if (pt > 3.0) return 1.0;
  return 0.2 + 0.8 * (pt - 0.5) / 2.5;
}

DetectorResponse::DetectorResponse(const TrackingGeometry& geometry, Config config)
    : geometry_(&geometry), config_(config) {
  TRKX_CHECK(config_.efficiency >= 0 && config_.efficiency <= 1, "hit efficiency must be in [0, 1]");
  TRKX_CHECK(config_.noise_fraction >= 0 && config_.noise_fraction < 1, "noise fraction must be in [0, 1)");
  const auto& planes = geometry.planes();
  area_cdf_.resize(planes.size());
  double sum = 0;
  for (std::size_t i = 0; i < planes.size(); ++i) {
    sum += 2.0 * planes[i].hv * (planes[i].min_hu + planes[i].max_hu);
    area_cdf_[i] = sum;
  }
  for (auto& a : area_cdf_) a /= sum;
}

Event DetectorResponse::digitize(std::uint64_t event_id, const std::vector<SimParticle>& particles,
                                 const std::vector<SimHit>& hits, Rng& rng) const {
  const auto& planes = geometry_->planes();
  const auto& det = geometry_->detector();
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);

  std::vector<RecHit> rec;
  rec.reserve(hits.size() * 6 / 5 + 16);
  std::vector<Cell> cells;
  cells.reserve(hits.size() * 4);
  std::vector<std::int32_t> nhits(particles.size(), 0);

  for (const auto& h : hits) {
    if (uni(rng) >= config_.efficiency) continue;
    const auto& p = planes[h.module];
    const double pitch_u = det.pitch_u[h.module], pitch_v = det.pitch_v[h.module];
    const double dx = h.position[0] - p.center[0], dy = h.position[1] - p.center[1],
                 dz = h.position[2] - p.center[2];
    const double u0 = p.u[0] * dx + p.u[1] * dy + p.u[2] * dz;
    const double v0 = p.v[0] * dx + p.v[1] * dy + p.v[2] * dz;
    double u = u0, v = v0;
    if (config_.smear) {
      v = std::clamp(v0 + pitch_v / std::sqrt(12.0) * gauss(rng), -p.hv, p.hv);
      const double hu = half_width(p, v);
      u = std::clamp(u0 + pitch_u / std::sqrt(12.0) * gauss(rng), -hu, hu);
    }
    RecHit r;
    r.module = h.module;
    r.particle = h.particle;
    r.measured = {p.center[0] + u * p.u[0] + v * p.v[0], p.center[1] + u * p.u[1] + v * p.v[1],
                  p.center[2] + u * p.u[2] + v * p.v[2]};
    r.true_pos = h.position;
    r.momentum = h.momentum;
    r.weight = 0;

    // Cluster: the straight path through the sensor thickness, sampled finely,
    // charge shared among the cells it crosses.
    const double pm = std::sqrt(h.momentum[0] * h.momentum[0] + h.momentum[1] * h.momentum[1] +
                                h.momentum[2] * h.momentum[2]);
    const double du = (p.u[0] * h.momentum[0] + p.u[1] * h.momentum[1] + p.u[2] * h.momentum[2]) / pm;
    const double dv = (p.v[0] * h.momentum[0] + p.v[1] * h.momentum[1] + p.v[2] * h.momentum[2]) / pm;
    double dw = (p.w[0] * h.momentum[0] + p.w[1] * h.momentum[1] + p.w[2] * h.momentum[2]) / pm;
    if (std::abs(dw) < 1e-3) dw = dw < 0 ? -1e-3 : 1e-3;
    const double thickness = 2.0 * p.half_t;
    const double cap_u = config_.max_cells_per_axis * pitch_u, cap_v = config_.max_cells_per_axis * pitch_v;
    const double ext_u = std::clamp(thickness * du / dw, -cap_u, cap_u);
    const double ext_v = std::clamp(thickness * dv / dw, -cap_v, cap_v);
    const double path = std::sqrt(ext_u * ext_u + ext_v * ext_v + thickness * thickness);
    const double charge = path / 0.3 * std::exp(config_.landau_sigma * gauss(rng));
    const int steps = std::clamp(
        static_cast<int>(4.0 * (std::abs(ext_u) / pitch_u + std::abs(ext_v) / pitch_v)) + 1, 1, 256);
    const double max_half = std::max(p.min_hu, p.max_hu);
    r.cell_begin = static_cast<std::uint32_t>(cells.size());
    for (int s = 0; s < steps; ++s) {
      const double f = (s + 0.5) / steps - 0.5;
      const auto c0 = channel(u0 + f * ext_u, max_half, pitch_u);
      const auto c1 = channel(v0 + f * ext_v, p.hv, pitch_v);
      const auto q = static_cast<float>(charge / steps);
      if (cells.size() > r.cell_begin && cells.back().ch0 == c0 && cells.back().ch1 == c1) {
        cells.back().value += q;
      } else {
        cells.push_back({c0, c1, q});
      }
    }
    r.cell_end = static_cast<std::uint32_t>(cells.size());
    ++nhits[h.particle];
    rec.push_back(r);
  }

  // Scoring weights, along each particle's hits in the order they were made.
  {
    std::vector<std::int32_t> seen(particles.size(), 0);
    for (auto& r : rec) {
      const auto n = static_cast<std::size_t>(nhits[r.particle]);
      if (n < config_.min_hits_for_weight) continue;
      const auto& m = particles[r.particle].momentum;
      r.weight =
          order_weight(static_cast<std::size_t>(seen[r.particle]++), n) * pt_weight(std::hypot(m[0], m[1]));
    }
  }

  // Noise hits, uniform over the sensitive area.
  const std::size_t n_signal = rec.size();
  if (n_signal > 0 && config_.noise_fraction > 0) {
    const double mean =
        config_.noise_fraction / (1.0 - config_.noise_fraction) * static_cast<double>(n_signal);
    const auto n_noise = std::poisson_distribution<long>(mean)(rng);
    for (long k = 0; k < n_noise; ++k) {
      const auto m = static_cast<std::uint32_t>(std::min<std::ptrdiff_t>(
          std::lower_bound(area_cdf_.begin(), area_cdf_.end(), uni(rng)) - area_cdf_.begin(),
          static_cast<std::ptrdiff_t>(area_cdf_.size()) - 1));
      const auto& p = planes[m];
      double u = 0, v = 0;
      const double max_half = std::max(p.min_hu, p.max_hu);
      do {
        v = p.hv * (2.0 * uni(rng) - 1.0);
        u = max_half * (2.0 * uni(rng) - 1.0);
      } while (std::abs(u) > half_width(p, v));
      RecHit r;
      r.module = m;
      r.particle = kNoise;
      r.measured = {p.center[0] + u * p.u[0] + v * p.v[0], p.center[1] + u * p.u[1] + v * p.v[1],
                    p.center[2] + u * p.u[2] + v * p.v[2]};
      r.true_pos = r.measured;
      r.momentum = {0.0, 0.0, 0.0};
      r.weight = 0;
      r.cell_begin = static_cast<std::uint32_t>(cells.size());
      cells.push_back({channel(u, max_half, det.pitch_u[m]), channel(v, p.hv, det.pitch_v[m]),
                       static_cast<float>(std::exp(config_.landau_sigma * gauss(rng)) * 0.5)});
      r.cell_end = static_cast<std::uint32_t>(cells.size());
      rec.push_back(r);
    }
  }

  // TrackML order: by volume, layer, module (the geometry's order).
  // Stable counting sort by module index.
  std::vector<std::uint32_t> start(planes.size() + 1, 0);
  for (const auto& r : rec) ++start[r.module + 1];
  for (std::size_t m = 0; m < planes.size(); ++m) start[m + 1] += start[m];
  std::vector<std::uint32_t> order(rec.size());
  for (std::uint32_t k = 0; k < rec.size(); ++k) order[start[rec[k].module]++] = k;

  double weight_sum = 0;
  for (const auto& r : rec) weight_sum += r.weight;
  const double weight_norm = weight_sum > 0 ? 1.0 / weight_sum : 0.0;

  std::vector<ParticleId> ids(particles.size());
  for (std::size_t i = 0; i < particles.size(); ++i) {
    ids[i] = make_particle_id(particles[i].interaction, particles[i].generation, i);
  }

  Event event;
  event.event_id = event_id;
  event.hits.reserve(rec.size());
  event.truth.reserve(rec.size());
  event.cells.reserve(cells.size());
  HitId next_id = 1;
  for (auto k : order) {
    const auto& r = rec[k];
    const HitId id = next_id++;
    event.hits.push_back(id, static_cast<float>(r.measured[0]), static_cast<float>(r.measured[1]),
                         static_cast<float>(r.measured[2]), det.volume_id[r.module], det.layer_id[r.module],
                         det.module_id[r.module]);
    event.truth.push_back(id, r.particle == kNoise ? 0 : ids[r.particle], static_cast<float>(r.true_pos[0]),
                          static_cast<float>(r.true_pos[1]), static_cast<float>(r.true_pos[2]),
                          static_cast<float>(r.momentum[0]), static_cast<float>(r.momentum[1]),
                          static_cast<float>(r.momentum[2]), static_cast<float>(r.weight * weight_norm));
    for (auto c = r.cell_begin; c < r.cell_end; ++c)
      event.cells.push_back(id, cells[c].ch0, cells[c].ch1, cells[c].value);
  }
  event.hits.compute_derived();

  for (std::size_t i = 0; i < particles.size(); ++i) {
    const auto& p = particles[i];
    if (p.charge == 0) continue;
    if (nhits[i] == 0 && !config_.keep_particles_without_hits) continue;
    event.particles.push_back(ids[i], static_cast<float>(p.vertex[0]), static_cast<float>(p.vertex[1]),
                              static_cast<float>(p.vertex[2]), static_cast<float>(p.momentum[0]),
                              static_cast<float>(p.momentum[1]), static_cast<float>(p.momentum[2]), p.charge,
                              nhits[i]);
  }
  return event;
}

}  // namespace trkx::sim
