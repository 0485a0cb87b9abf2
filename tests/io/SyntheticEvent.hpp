#pragma once
// A synthetic TrackML-like event for I/O tests and benchmarks: realistic value
// ranges and digit counts (6 significant digits, large particle ids, ~10%
// noise, ~2.5 cells per hit), hit ids 1..N sorted by volume/layer/module as in
// TrackML files. Not physics: straight-ish tracks through the TrackML layer
// layout. Depends only on the core event model.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <numeric>
#include <random>
#include <vector>

#include "trkx/core/EventData.hpp"

namespace trkx::io::testing {

/// Rounds to 6 significant digits, as TrackML files print their values.
inline float round6(double v) {
  if (v == 0.0 || !std::isfinite(v)) return static_cast<float>(v);
  const double scale = std::pow(10.0, 5 - static_cast<int>(std::floor(std::log10(std::fabs(v)))));
  return static_cast<float>(std::round(v * scale) / scale);
}

/// Builds an event with about `target_hits` hits (10% noise) and ~10k
/// particles per 120k hits. Deterministic for a given seed.
inline Event make_synthetic_event(std::size_t target_hits, std::uint64_t seed = 42,
                                  std::uint64_t event_id = 1000) {
  struct Layer {
    std::int32_t volume, layer;
    bool barrel;
    double pos;     // radius (barrel) or |z| (endcap) [mm]
    double lo, hi;  // |z| range (barrel) or r range (endcap) [mm]
  };
  std::vector<Layer> layers;
  const double pix_r[] = {32, 72, 116, 172};
  for (int i = 0; i < 4; ++i) layers.push_back({8, 2 * (i + 1), true, pix_r[i], 0, 455});
  const double ss_r[] = {260, 360, 500, 660};
  for (int i = 0; i < 4; ++i) layers.push_back({13, 2 * (i + 1), true, ss_r[i], 0, 1030});
  layers.push_back({17, 2, true, 820, 0, 1030});
  layers.push_back({17, 4, true, 1020, 0, 1030});
  const double pix_z[] = {600, 700, 820, 960, 1100, 1300, 1500};
  for (int i = 0; i < 7; ++i) {
    layers.push_back({9, 2 * (i + 1), false, pix_z[i], 30, 175});
    layers.push_back({7, 14 - 2 * i, false, -pix_z[i], 30, 175});
  }
  const double strip_z[] = {1220, 1500, 1800, 2150, 2550, 2950};
  for (int i = 0; i < 6; ++i) {
    layers.push_back({14, 2 * (i + 1), false, strip_z[i], 260, 700});
    layers.push_back({12, 12 - 2 * i, false, -strip_z[i], 260, 700});
    layers.push_back({18, 2 * (i + 1), false, strip_z[i], 720, 1020});
    layers.push_back({16, 12 - 2 * i, false, -strip_z[i], 720, 1020});
  }

  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  struct RawHit {
    std::int32_t volume, layer;
    ModuleId module;
    float x, y, z, tx, ty, tz, tpx, tpy, tpz, weight;
    ParticleId particle;
  };
  std::vector<RawHit> raw;
  raw.reserve(target_hits + 64);
  Event event;
  event.event_id = event_id;
  const std::size_t signal_hits = target_hits - target_hits / 10;
  while (raw.size() < signal_hits) {
    const double pt = 0.3 + 5.0 * std::pow(uni(rng), 3.0);  // GeV
    const double eta = -3.5 + 7.0 * uni(rng);
    const double phi0 = -std::numbers::pi + 2 * std::numbers::pi * uni(rng);
    const int q = uni(rng) < 0.5 ? -1 : 1;
    const double vz = round6(-50 + 100 * uni(rng));
    const double curvature = q * 0.0003 / pt;  // phi bend per mm [rad/mm], 2 T
    const ParticleId pid = (static_cast<ParticleId>(1 + rng() % 1000000) << 32) | (rng() & 0xFFFFF000u);
    std::int32_t nhits = 0;
    for (const auto& l : layers) {
      double r = 0;
      double z = 0;
      if (l.barrel) {
        r = l.pos;
        z = vz + r * std::sinh(eta);
        if (std::fabs(z) > l.hi) continue;
      } else {
        z = l.pos;
        if ((z - vz) * eta <= 0) continue;
        r = (z - vz) / std::sinh(eta);
        if (r < l.lo || r > l.hi) continue;
      }
      const double phi = phi0 + curvature * r;
      const double x = r * std::cos(phi);
      const double y = r * std::sin(phi);
      const double p = pt * std::cosh(eta);
      const auto module =
          static_cast<ModuleId>(1 + std::floor((phi + std::numbers::pi) / (2 * std::numbers::pi) * 40) * 30 +
                                std::floor(std::fabs(z) / 100));
      raw.push_back({l.volume, l.layer, module, round6(x), round6(y), round6(z), round6(x + 0.002 * uni(rng)),
                     round6(y - 0.002 * uni(rng)), round6(z), round6(pt * std::cos(phi)),
                     round6(pt * std::sin(phi)), round6(p * std::tanh(eta)), round6(1e-5 * (0.5 + uni(rng))),
                     pid});
      ++nhits;
    }
    if (nhits == 0) continue;
    event.particles.push_back(pid, round6(0.01 * (uni(rng) - 0.5)), round6(0.01 * (uni(rng) - 0.5)),
                              static_cast<float>(vz), round6(pt * std::cos(phi0)),
                              round6(pt * std::sin(phi0)), round6(pt * std::sinh(eta)), q, nhits);
  }
  while (raw.size() < target_hits) {
    const auto& l = layers[static_cast<std::size_t>(uni(rng) * static_cast<double>(layers.size()))];
    const double phi = -std::numbers::pi + 2 * std::numbers::pi * uni(rng);
    const double r = l.barrel ? l.pos : l.lo + (l.hi - l.lo) * uni(rng);
    const double z = l.barrel ? -l.hi + 2 * l.hi * uni(rng) : l.pos;
    const auto module =
        static_cast<ModuleId>(1 + std::floor((phi + std::numbers::pi) / (2 * std::numbers::pi) * 40) * 30 +
                              std::floor(std::fabs(z) / 100));
    const float x = round6(r * std::cos(phi));
    const float y = round6(r * std::sin(phi));
    raw.push_back({l.volume, l.layer, module, x, y, round6(z), x, y, round6(z), 0, 0, 0, 0, 0});
  }
  std::vector<std::size_t> order(raw.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const auto& ha = raw[a];
    const auto& hb = raw[b];
    if (ha.volume != hb.volume) return ha.volume < hb.volume;
    if (ha.layer != hb.layer) return ha.layer < hb.layer;
    return ha.module < hb.module;
  });
  event.hits.reserve(raw.size());
  event.truth.reserve(raw.size());
  event.cells.reserve(raw.size() * 3);
  HitId id = 1;
  for (const auto i : order) {
    const auto& h = raw[i];
    event.hits.push_back(id, h.x, h.y, h.z, h.volume, h.layer, h.module);
    event.truth.push_back(id, h.particle, h.tx, h.ty, h.tz, h.tpx, h.tpy, h.tpz, h.weight);
    const int ncells = 1 + static_cast<int>(uni(rng) * 3.0) + (uni(rng) < 0.5 ? 1 : 0);  // 1..4, mean 2.5
    const auto ch0 = static_cast<std::int32_t>(uni(rng) * 1150);
    const auto ch1 = static_cast<std::int32_t>(uni(rng) * 1150);
    for (int c = 0; c < ncells; ++c) {
      const float value = h.volume >= 12 ? 1.0F : round6(0.002 + 0.02 * uni(rng));
      event.cells.push_back(id, ch0 + c % 2, ch1 + c / 2, value);
    }
    ++id;
  }
  event.hits.compute_derived();
  return event;
}

}  // namespace trkx::io::testing
