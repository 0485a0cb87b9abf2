#pragma once
/// @file HelixHits.hpp
/// Test helper: hits on a helix from the origin (track stitching and extension tests).

#include <cmath>
#include <vector>

#include "trkx/core/EventData.hpp"

namespace trkx::test {

/// Hits on a helix from the origin: transverse radius `radius_mm` of the
/// circle (sign = turning direction), z = s * cot_theta with s the arc length,
/// at the given distances r from the z axis.
inline void add_helix(HitContainer& hits, double radius_mm, double cot_theta, const std::vector<double>& r,
                      double phi0 = 0.3) {
  for (const double rr : r) {
    const double turn = 2.0 * std::asin(rr / (2.0 * std::abs(radius_mm)));  // angle on the circle
    const double local_x = std::abs(radius_mm) * std::sin(turn);
    const double local_y = radius_mm * (1.0 - std::cos(turn));
    const double x = local_x * std::cos(phi0) - local_y * std::sin(phi0);
    const double y = local_x * std::sin(phi0) + local_y * std::cos(phi0);
    const double z = std::abs(radius_mm) * turn * cot_theta;
    hits.push_back(static_cast<HitId>(hits.size() + 1), static_cast<float>(x), static_cast<float>(y),
                   static_cast<float>(z), 8, 2,
                   static_cast<ModuleId>(hits.size() + 1));  // one module per hit
  }
}

}  // namespace trkx::test
