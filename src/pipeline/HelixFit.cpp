#include "HelixFit.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>

#include "trkx/eval/TrackParameters.hpp"

namespace trkx::detail {

HelixFit helix_residuals(const HitsView& hits, const std::vector<std::int64_t>& ids) {
  constexpr double kInf = std::numeric_limits<double>::infinity();
  const HelixFit failed{kInf, kInf, kInf};
  // Per-thread buffers: called for every link and every recovered-hit candidate.
  thread_local std::vector<double> x;
  thread_local std::vector<double> y;
  thread_local std::vector<double> z;
  thread_local std::vector<double> s;
  x.resize(ids.size());
  y.resize(ids.size());
  z.resize(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto h = static_cast<std::size_t>(ids[i]);
    x[i] = hits.x[h];
    y[i] = hits.y[h];
    z[i] = hits.z[h];
  }
  const eval::CircleFit circle = eval::fit_circle(x, y);
  if (!circle.valid) return failed;
  s.assign(ids.size(), 0.0);
  double xy = 0.0;
  if (circle.curvature > 0.0) {
    const double radius = circle.radius();
    double previous = std::atan2(y[0] - circle.y0, x[0] - circle.x0);
    double turned = 0.0;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      xy = std::max(xy, std::abs(std::hypot(x[i] - circle.x0, y[i] - circle.y0) - radius));
      const double angle = std::atan2(y[i] - circle.y0, x[i] - circle.x0);
      double step = angle - previous;  // unwrapped to (-pi, pi]
      if (step > std::numbers::pi) step -= 2.0 * std::numbers::pi;
      if (step <= -std::numbers::pi) step += 2.0 * std::numbers::pi;
      turned += step;
      previous = angle;
      s[i] = radius * std::abs(turned);
    }
  } else {  // a straight line in x-y: distances along and across the first-to-last direction
    const double dx = x.back() - x.front();
    const double dy = y.back() - y.front();
    const double length = std::hypot(dx, dy);
    if (!(length > 0.0)) return failed;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const double ax = x[i] - x.front();
      const double ay = y[i] - y.front();
      s[i] = (ax * dx + ay * dy) / length;
      xy = std::max(xy, std::abs(ax * dy - ay * dx) / length);
    }
  }
  // Least-squares line z = a + b s.
  const double n = static_cast<double>(ids.size());
  const double ms = std::accumulate(s.begin(), s.end(), 0.0) / n;
  const double mz = std::accumulate(z.begin(), z.end(), 0.0) / n;
  double sss = 0.0;
  double ssz = 0.0;
  for (std::size_t i = 0; i < ids.size(); ++i) {
    sss += (s[i] - ms) * (s[i] - ms);
    ssz += (s[i] - ms) * (z[i] - mz);
  }
  if (!(sss > 0.0)) return failed;
  const double slope = ssz / sss;
  double dz = 0.0;
  for (std::size_t i = 0; i < ids.size(); ++i) dz = std::max(dz, std::abs(z[i] - mz - slope * (s[i] - ms)));
  return {xy, dz, circle.curvature};
}

/// Largest x-y distance [mm] of the hits `ids` from their algebraic (Kasa) circle:
/// a cheap, slightly biased stand-in for helix_residuals' x-y part, used to
/// reject hopeless candidates before the full fit. Infinite when no circle fits.
double quick_xy_residual(const HitsView& hits, const std::vector<std::int64_t>& ids) {
  const double n = static_cast<double>(ids.size());
  double xm = 0.0;
  double ym = 0.0;
  for (const std::int64_t h : ids) {
    xm += hits.x[static_cast<std::size_t>(h)];
    ym += hits.y[static_cast<std::size_t>(h)];
  }
  xm /= n;
  ym /= n;
  // Minimise sum (u^2 + v^2 + a u + b v + c)^2 over centred points (u, v): normal equations.
  double suu = 0.0, svv = 0.0, suv = 0.0, sw = 0.0, swu = 0.0, swv = 0.0;
  for (const std::int64_t h : ids) {
    const double u = hits.x[static_cast<std::size_t>(h)] - xm;
    const double v = hits.y[static_cast<std::size_t>(h)] - ym;
    const double w = u * u + v * v;
    suu += u * u;
    svv += v * v;
    suv += u * v;
    sw += w;
    swu += w * u;
    swv += w * v;
  }
  // With centred data (sum u = sum v = 0): c = -sw / n, and [suu suv; suv svv] (a, b) = -(swu, swv).
  const double det = suu * svv - suv * suv;
  if (!(std::abs(det) > 1e-12 * (suu * svv + 1e-300))) return std::numeric_limits<double>::infinity();
  const double a = -(swu * svv - swv * suv) / det;
  const double b = -(swv * suu - swu * suv) / det;
  const double c = -sw / n;
  const double x0 = -a / 2.0;
  const double y0 = -b / 2.0;
  const double radius = std::sqrt(std::max(0.0, x0 * x0 + y0 * y0 - c));
  double worst = 0.0;
  for (const std::int64_t h : ids) {
    const double u = hits.x[static_cast<std::size_t>(h)] - xm;
    const double v = hits.y[static_cast<std::size_t>(h)] - ym;
    worst = std::max(worst, std::abs(std::hypot(u - x0, v - y0) - radius));
  }
  return worst;
}

bool on_a_module_of(const HitsView& hits, std::span<const std::int64_t> track, std::size_t h) {
  return std::any_of(track.begin(), track.end(), [&](std::int64_t k) {
    const auto ku = static_cast<std::size_t>(k);
    return hits.module_id[ku] == hits.module_id[h] && hits.layer_id[ku] == hits.layer_id[h] &&
           hits.volume_id[ku] == hits.volume_id[h];
  });
}

/// Distance of every hit from the origin [mm].
std::vector<double> distances_from_origin(const HitsView& hits) {
  std::vector<double> d(hits.size());
  for (std::size_t h = 0; h < d.size(); ++h) d[h] = std::hypot(hits.x[h], hits.y[h], hits.z[h]);
  return d;
}

/// The hits of every candidate (labels 0..k-1, -1 ignored), each ordered by distance from
/// the origin (ties: smaller hit index).
std::vector<std::vector<std::int64_t>> members_by_distance(const TrackLabels& labels,
                                                           const std::vector<double>& distance) {
  std::int64_t n_tracks = 0;
  for (const std::int64_t l : labels) n_tracks = std::max(n_tracks, l + 1);
  std::vector<std::vector<std::int64_t>> members(static_cast<std::size_t>(n_tracks));
  for (std::size_t h = 0; h < labels.size(); ++h) {
    if (labels[h] >= 0) members[static_cast<std::size_t>(labels[h])].push_back(static_cast<std::int64_t>(h));
  }
  for (auto& m : members) {
    std::sort(m.begin(), m.end(), [&](std::int64_t a, std::int64_t b) {
      const double da = distance[static_cast<std::size_t>(a)];
      const double db = distance[static_cast<std::size_t>(b)];
      return da < db || (da == db && a < b);
    });
  }
  return members;
}

}  // namespace trkx::detail
