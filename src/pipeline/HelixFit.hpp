#pragma once
/// @file HelixFit.hpp
/// Helix fits and per-track hit lists shared by the track stitcher and the track extender
/// (internal to trkx::pipeline).

#include <cstdint>
#include <span>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/pipeline/Graph.hpp"

namespace trkx::detail {

/// Largest x-y and z residuals [mm] of a helix fitted to the hits `ids`
/// (circle in x-y, then a line z(s) with s the arc length on the circle), and
/// the circle's curvature [1/mm]. Infinite residuals when no circle can be fitted.
struct HelixFit {
  double xy;
  double z;
  double curvature;
};
[[nodiscard]] HelixFit helix_residuals(const HitsView& hits, const std::vector<std::int64_t>& ids);

/// Largest x-y distance [mm] of the hits `ids` from their algebraic (Kasa) circle:
/// a cheap, slightly biased stand-in for helix_residuals' x-y part, the hit
/// recovery's gate before the full fit. Infinite when no circle fits.
[[nodiscard]] double quick_xy_residual(const HitsView& hits, const std::vector<std::int64_t>& ids);

/// Whether one of the hits `track` lies on the module of hit `h` (a particle crosses a module once).
[[nodiscard]] bool on_a_module_of(const HitsView& hits, std::span<const std::int64_t> track, std::size_t h);

/// Distance of every hit from the origin [mm].
[[nodiscard]] std::vector<double> distances_from_origin(const HitsView& hits);

/// The hits of every candidate (labels 0..k-1, -1 ignored), each ordered by distance from
/// the origin (ties: smaller hit index).
[[nodiscard]] std::vector<std::vector<std::int64_t>> members_by_distance(const TrackLabels& labels,
                                                                         const std::vector<double>& distance);

}  // namespace trkx::detail
