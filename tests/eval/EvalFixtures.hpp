#pragma once
// Hand-made events with exactly known answers, shared by the eval tests.
//
// The "four particles" event: 4 particles x 5 hits + 2 noise hits. Hit ids
// start at 101 (not 1) and particle ids are large, as in TrackML.
//
//   particle   hit ids    weight/hit  pT [GeV]  eta
//   kP1        101..105   0.05        2.0        0.0
//   kP2        106..110   0.05        0.8        1.0   (0.5 < pT < 1)
//   kP3        111..115   0.04        1.5       -2.0
//   kP4        116..120   0.06        5.0        0.5
//   noise      121, 122   0           -          -
//
// Weights sum to exactly 1 (in double; in float up to ~1e-7). The hits of a
// particle lie on a straight line from the origin at r = 30, 60, ..., 150 mm.

#include <cmath>
#include <cstdint>
#include <vector>

#include "trkx/core/EventData.hpp"

namespace trkx::eval::testing {

inline constexpr ParticleId kP1 = 4503599644147712ULL;
inline constexpr ParticleId kP2 = 4503599644147713ULL;
inline constexpr ParticleId kP3 = 4503599710781440ULL;
inline constexpr ParticleId kP4 = 4503599711830016ULL;
inline constexpr HitId kFirstHit = 101;

/// Hit id of hit `k` (0..4) of particle number `p` (0..3); noise: p = 4, k = 0..1.
inline HitId hit(int p, int k) { return kFirstHit + static_cast<HitId>(5 * p + k); }

inline Event four_particle_event() {
  Event event;
  event.event_id = 1000;
  const ParticleId ids[4] = {kP1, kP2, kP3, kP4};
  const float weights[4] = {0.05F, 0.05F, 0.04F, 0.06F};
  const double pts[4] = {2.0, 0.8, 1.5, 5.0};
  const double etas[4] = {0.0, 1.0, -2.0, 0.5};
  const double phis[4] = {0.1, 1.2, 2.5, -2.0};
  for (int p = 0; p < 4; ++p) {
    const double px = pts[p] * std::cos(phis[p]);
    const double py = pts[p] * std::sin(phis[p]);
    const double pz = pts[p] * std::sinh(etas[p]);
    event.particles.push_back(ids[p], 0.0F, 0.0F, 0.0F, static_cast<float>(px), static_cast<float>(py),
                              static_cast<float>(pz), 1, 5);
    for (int k = 0; k < 5; ++k) {
      const double r = 30.0 * (k + 1);
      const auto x = static_cast<float>(r * std::cos(phis[p]));
      const auto y = static_cast<float>(r * std::sin(phis[p]));
      const auto z = static_cast<float>(r * std::sinh(etas[p]));
      event.hits.push_back(hit(p, k), x, y, z, 8, 2 * (k + 1), 100 + k);
      event.truth.push_back(hit(p, k), ids[p], x, y, z, static_cast<float>(px), static_cast<float>(py),
                            static_cast<float>(pz), weights[p]);
    }
  }
  for (int k = 0; k < 2; ++k) {
    const auto x = static_cast<float>(-40.0 - 10.0 * k);
    event.hits.push_back(hit(4, k), x, 5.0F, 7.0F, 8, 2, 300 + k);
    event.truth.push_back(hit(4, k), 0, x, 5.0F, 7.0F, 0.0F, 0.0F, 0.0F, 0.0F);
  }
  event.hits.compute_derived();
  return event;
}

/// Submission of the four-particle event in which hit (p, k) gets
/// `track_of[p][k]` (noise: p = 4).
inline TrackAssignment assign(const std::vector<std::vector<std::int64_t>>& track_of) {
  TrackAssignment tracks;
  tracks.event_id = 1000;
  for (std::size_t p = 0; p < track_of.size(); ++p) {
    for (std::size_t k = 0; k < track_of[p].size(); ++k) {
      tracks.hit_id.push_back(hit(static_cast<int>(p), static_cast<int>(k)));
      tracks.track_id.push_back(track_of[p][k]);
    }
  }
  return tracks;
}

/// Points [mm] of a helix that starts at (0, 0, z0) with transverse momentum
/// `pt` [GeV], pseudorapidity `eta`, azimuth `phi0` [rad] and charge `charge`
/// [e] in a field `bz` [T] along z, where it crosses the cylinders of radius
/// `radii` [mm] (all < 2 R). Exact in double precision.
struct HelixPoints {
  std::vector<double> x, y, z;
};
inline HelixPoints helix_points(double pt, double eta, double phi0, int charge, double z0, double bz,
                                const std::vector<double>& radii) {
  const double radius = pt / (0.299792458e-3 * bz);
  const double q = charge > 0 ? 1.0 : -1.0;
  const double cx = q * radius * std::sin(phi0);
  const double cy = -q * radius * std::cos(phi0);
  const double start = std::atan2(-cy, -cx);  // the origin seen from the centre
  HelixPoints points;
  for (const double r : radii) {
    const double turned = 2.0 * std::asin(r / (2.0 * radius));
    const double angle = start - q * turned;
    points.x.push_back(cx + radius * std::cos(angle));
    points.y.push_back(cy + radius * std::sin(angle));
    points.z.push_back(z0 + radius * turned * std::sinh(eta));
  }
  return points;
}

/// The perfect reconstruction: one track per particle (ids 7..10), noise unassigned.
inline TrackAssignment perfect_tracks() {
  return assign({{7, 7, 7, 7, 7}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {0, 0}});
}

}  // namespace trkx::eval::testing
