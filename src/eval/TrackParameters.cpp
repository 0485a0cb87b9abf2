#include "trkx/eval/TrackParameters.hpp"

// GCC 12 reports a false -Wmaybe-uninitialized (SelfAdjointEigenSolver) and
// -Wuninitialized (JacobiSVD on fixed-capacity matrices) inside Eigen's AVX-512
// max reduction, whose _mm512_undefined_pd operand is unused by design.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "trkx/core/Error.hpp"

namespace trkx::eval {

namespace {

/// Coefficients a = (A, B, C, D) of A (u^2 + v^2) + B u + C v + D = 0 for the
/// points ((x - xm) / scale, (y - ym) / scale): Pratt's algebraic circle fit.
/// False when the eigen solver fails. `Design` is the n x 4 matrix type.
template <typename Design>
bool pratt_solution(std::span<const double> x, std::span<const double> y, double xm, double ym, double scale,
                    Eigen::Vector4d& a) {
  const auto n = static_cast<Eigen::Index>(x.size());
  // Design matrix rows (u^2 + v^2, u, v, 1) of the scaled points (u, v).
  Design design(n, 4);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double u = (x[static_cast<std::size_t>(i)] - xm) / scale;
    const double v = (y[static_cast<std::size_t>(i)] - ym) / scale;
    design(i, 0) = u * u + v * v;
    design(i, 1) = u;
    design(i, 2) = v;
    design(i, 3) = 1.0;
  }
  const Eigen::JacobiSVD<Design> svd(design, Eigen::ComputeFullV);
  const Eigen::Matrix4d v_matrix = svd.matrixV();
  const auto& sigma = svd.singularValues();

  if (n < 4 || sigma(3) < 1e-12 * sigma(0)) {
    // The points lie on a circle (or line) up to rounding: the null vector of
    // the design matrix is the exact solution for any normalisation.
    a = v_matrix.col(3);
  } else {
    // Minimise |design a|^2 subject to a^T N a = 1 (N: the Pratt constraint
    // B^2 + C^2 - 4 A D). With Y = V S V^T and b = Y a this is the eigenvector
    // of Y N^-1 Y with the smallest non-negative eigenvalue. Y N^-1 Y is
    // congruent to N^-1, so it has exactly one negative eigenvalue: the
    // solution is the second smallest. (Choosing "the first > 0" instead picks
    // a wrong conic for near-exact data, whose ~0 eigenvalue can round below 0.)
    const Eigen::Matrix4d y_matrix = v_matrix * sigma.asDiagonal() * v_matrix.transpose();
    Eigen::Matrix4d n_inverse = Eigen::Matrix4d::Zero();
    n_inverse(0, 3) = -0.5;
    n_inverse(3, 0) = -0.5;
    n_inverse(1, 1) = 1.0;
    n_inverse(2, 2) = 1.0;
    const Eigen::SelfAdjointEigenSolver<Eigen::Matrix4d> eigen(y_matrix * n_inverse * y_matrix);
    if (eigen.info() != Eigen::Success) return false;
    const Eigen::Vector4d inverse_sigma = sigma.cwiseInverse();
    a = v_matrix * inverse_sigma.asDiagonal() * v_matrix.transpose() * eigen.eigenvectors().col(1);
  }

  return true;
}

/// Pratt's fit by Newton's method on the moments of the centred, scaled points (u, v)
/// (Chernov, "Circular and linear regression", 2010, section 5.5): the root of Pratt's
/// characteristic polynomial nearest to 0, then the centre (cu, cv) and the radius.
/// ~27x faster than the SVD form and equal to it to ~1e-8 relative. False when the
/// points are nearly collinear (the centre is then ill-conditioned) or Newton's method
/// does not converge: the caller falls back to the SVD form.
bool pratt_newton(std::span<const double> x, std::span<const double> y, double xm, double ym, double scale,
                  Eigen::Vector4d& a) {
  const auto n = static_cast<double>(x.size());
  double mxx = 0.0, myy = 0.0, mxy = 0.0, mxz = 0.0, myz = 0.0, mzz = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double u = (x[i] - xm) / scale;
    const double v = (y[i] - ym) / scale;
    const double z = u * u + v * v;
    mxx += u * u;
    myy += v * v;
    mxy += u * v;
    mxz += u * z;
    myz += v * z;
    mzz += z * z;
  }
  mxx /= n;
  myy /= n;
  mxy /= n;
  mxz /= n;
  myz /= n;
  mzz /= n;
  const double mz = mxx + myy;  // = 1 by the scaling
  const double cov = mxx * myy - mxy * mxy;
  // Nearly collinear points (cov ~ (sagitta / spread)^2, 1e-6: pT above ~20 GeV over a few
  // hundred mm): the centre is ill-conditioned and Newton's method may find another root.
  if (!(cov > 1e-6)) return false;
  const double a2 = 4.0 * cov - 3.0 * mz * mz - mzz;
  const double a1 = mzz * mz + 4.0 * cov * mz - mxz * mxz - myz * myz - mz * mz * mz;
  const double a0 = mxz * mxz * myy + myz * myz * mxx - mzz * cov - 2.0 * mxz * myz * mxy + mz * mz * cov;
  double root = 0.0;
  double value = std::numeric_limits<double>::infinity();
  bool converged = false;
  for (int iteration = 0; iteration < 30 && !converged; ++iteration) {
    const double previous_value = value;
    value = a0 + root * (a1 + root * (a2 + 4.0 * root * root));
    if (!(std::abs(value) <= std::abs(previous_value))) return false;  // diverging (or NaN)
    const double slope = a1 + root * (2.0 * a2 + 16.0 * root * root);
    const double next = root - value / slope;
    converged = std::abs(next - root) <= 1e-12 * std::abs(next);
    root = next;
  }
  const double det = root * root - root * mz + cov;
  const double cu = (mxz * (myy - root) - myz * mxy) / det / 2.0;
  const double cv = (myz * (mxx - root) - mxz * mxy) / det / 2.0;
  const double radius = std::sqrt(cu * cu + cv * cv + mz + 2.0 * root);
  if (!converged || !std::isfinite(radius)) return false;
  // (u - cu)^2 + (v - cv)^2 = radius^2 as A (u^2 + v^2) + B u + C v + D = 0.
  a = Eigen::Vector4d(1.0, -2.0 * cu, -2.0 * cv, cu * cu + cv * cv - radius * radius);
  return true;
}

}  // namespace

CircleFit fit_circle(std::span<const double> x, std::span<const double> y) {
  if (x.size() != y.size()) {
    throw Error("fit_circle: " + std::to_string(x.size()) + " x values but " + std::to_string(y.size()) +
                " y values");
  }
  CircleFit fit;
  const auto n = static_cast<Eigen::Index>(x.size());
  if (n < 3) return fit;

  // Centre on the centroid and scale to unit mean square distance from it, so
  // that the four columns of the design matrix are of order one.
  double xm = 0.0;
  double ym = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    xm += x[static_cast<std::size_t>(i)];
    ym += y[static_cast<std::size_t>(i)];
  }
  xm /= static_cast<double>(n);
  ym /= static_cast<double>(n);
  double spread = 0.0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const double dx = x[static_cast<std::size_t>(i)] - xm;
    const double dy = y[static_cast<std::size_t>(i)] - ym;
    spread += dx * dx + dy * dy;
  }
  const double scale = std::sqrt(spread / static_cast<double>(n));
  if (!(scale > 0.0) || !std::isfinite(scale)) return fit;

  // Few-hit fits (stitching, hit recovery) use fixed-capacity storage: no heap allocation.
  constexpr Eigen::Index kSmall = 32;
  Eigen::Vector4d a;
  // Newton's method on the moments first; the SVD form for nearly straight tracks (and
  // should Newton's method not converge).
  bool solved = pratt_newton(x, y, xm, ym, scale, a);
  if (!solved) {
    solved = n <= kSmall
                 ? pratt_solution<Eigen::Matrix<double, Eigen::Dynamic, 4, Eigen::ColMajor, kSmall, 4>>(
                       x, y, xm, ym, scale, a)
                 : pratt_solution<Eigen::MatrixXd>(x, y, xm, ym, scale, a);
  }
  if (!solved) return fit;

  const double norm = a(1) * a(1) + a(2) * a(2) - 4.0 * a(0) * a(3);  // B^2 + C^2 - 4AD
  if (!(norm > 0.0)) return fit;
  fit.curvature = 2.0 * std::abs(a(0)) / std::sqrt(norm) / scale;
  if (a(0) != 0.0) {
    fit.x0 = xm - scale * a(1) / (2.0 * a(0));
    fit.y0 = ym - scale * a(2) / (2.0 * a(0));
  }
  fit.valid = std::isfinite(fit.curvature);
  return fit;
}

namespace {

/// Fills phi, d0 and the charge of `params` from its valid circle fit and the
/// hits (see the header: the track moves from its innermost to its outermost hit).
void set_perigee(std::span<const double> x, std::span<const double> y, TrackParameters& params) {
  std::size_t inner = 0;
  std::size_t outer = 0;
  for (std::size_t i = 1; i < x.size(); ++i) {
    const double r2 = x[i] * x[i] + y[i] * y[i];
    if (r2 < x[inner] * x[inner] + y[inner] * y[inner]) inner = i;
    if (r2 > x[outer] * x[outer] + y[outer] * y[outer]) outer = i;
  }
  const double chord_x = x[outer] - x[inner];
  const double chord_y = y[outer] - y[inner];
  const double span = std::hypot(chord_x, chord_y);
  double px = 0.0;  // perigee
  double py = 0.0;
  // A sagitta below ~1e-7 of the hits' span is rounding, not curvature: such
  // nearly straight tracks take the straight-line perigee (a circle's |c| - R
  // would cancel catastrophically) and charge 0.
  constexpr double kStraight = 1e-7;
  if (params.circle.curvature * span < kStraight) {
    // Straight line: the direction of the chord; P is the origin's projection on
    // the line through the hits' mean along it.
    if (!(span > 0.0)) return;
    const double ux = chord_x / span;
    const double uy = chord_y / span;
    double mx = 0.0;
    double my = 0.0;
    for (std::size_t i = 0; i < x.size(); ++i) {
      mx += x[i];
      my += y[i];
    }
    mx /= static_cast<double>(x.size());
    my /= static_cast<double>(y.size());
    const double along = mx * ux + my * uy;
    px = mx - along * ux;
    py = my - along * uy;
    params.phi = std::atan2(uy, ux);
    params.charge = 0;
  } else {
    const double cx = params.circle.x0;
    const double cy = params.circle.y0;
    const double radius = params.circle.radius();
    const double centre_distance = std::hypot(cx, cy);
    if (!(centre_distance > 0.0)) return;  // a circle around the beam line: no perigee
    // Clockwise (positive in a field along +z) when the centre is to the right of the chord.
    const double turn = chord_x * (cy - y[inner]) - chord_y * (cx - x[inner]);
    const int charge = turn < 0.0 ? 1 : -1;
    const double scale = 1.0 - radius / centre_distance;
    px = cx * scale;
    py = cy * scale;
    // Tangent at P for the sense of rotation: (P - c) turned by -90 degrees (clockwise) or +90.
    const double rx = px - cx;
    const double ry = py - cy;
    params.phi = charge > 0 ? std::atan2(-rx, ry) : std::atan2(rx, -ry);
    params.charge = charge;
  }
  params.d0 = -px * std::sin(params.phi) + py * std::cos(params.phi);
}

}  // namespace

TrackParameters estimate_track_parameters(std::span<const double> x, std::span<const double> y,
                                          std::span<const double> z, double bz_tesla) {
  if (x.size() != z.size()) {
    throw Error("estimate_track_parameters: " + std::to_string(x.size()) + " x values but " +
                std::to_string(z.size()) + " z values");
  }
  if (!(bz_tesla > 0.0)) {
    throw Error("estimate_track_parameters: the field must be positive, found " + std::to_string(bz_tesla) +
                " T");
  }
  TrackParameters params;
  params.circle = fit_circle(x, y);
  if (!params.circle.valid) return params;
  const double curvature = params.circle.curvature;
  params.pt = kPtPerTeslaMillimetre * bz_tesla / curvature;  // inf for a line
  set_perigee(x, y, params);

  // Transverse path length from the beam line along the circle through it.
  const std::size_t n = x.size();
  double sm = 0.0;
  double zm = 0.0;
  std::vector<double> path(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double r = std::hypot(x[i], y[i]);
    path[i] = curvature > 0.0 ? 2.0 * std::asin(std::min(1.0, 0.5 * curvature * r)) / curvature : r;
    sm += path[i];
    zm += z[i];
  }
  sm /= static_cast<double>(n);
  zm /= static_cast<double>(n);
  double sss = 0.0;
  double ssz = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    sss += (path[i] - sm) * (path[i] - sm);
    ssz += (path[i] - sm) * (z[i] - zm);
  }
  if (!(sss > 0.0)) return params;
  const double cot_theta = ssz / sss;
  params.eta = std::asinh(cot_theta);
  params.z0 = zm - cot_theta * sm;
  return params;
}

std::vector<FittedTrack> fit_tracks(const HitsView& hits, const TrackAssignment& tracks, double bz_tesla) {
  if (!(bz_tesla > 0.0)) {
    throw Error("fit_tracks: the field must be positive, found " + std::to_string(bz_tesla) + " T");
  }
  // The pipeline's assignments list the hits in the hits table's order: then row i is
  // hit i and no lookup table is needed.
  const bool aligned =
      std::equal(tracks.hit_id.begin(), tracks.hit_id.end(), hits.hit_id.begin(), hits.hit_id.end());
  std::unordered_map<HitId, std::size_t> hit_row;
  if (!aligned) {
    hit_row.reserve(hits.size());
    for (std::size_t i = 0; i < hits.size(); ++i) hit_row.emplace(hits.hit_id[i], i);
  }

  // (track id, hit row), grouped by track.
  std::vector<std::pair<std::int64_t, std::size_t>> members;
  members.reserve(tracks.size());
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    if (tracks.track_id[i] == 0) continue;
    if (aligned) {
      members.emplace_back(tracks.track_id[i], i);
      continue;
    }
    const auto it = hit_row.find(tracks.hit_id[i]);
    if (it == hit_row.end()) {
      throw InputError("tracks", i + 1, "hit_id",
                       "track " + std::to_string(tracks.track_id[i]) +
                           ": expected a hit id of the event, found " + std::to_string(tracks.hit_id[i]));
    }
    members.emplace_back(tracks.track_id[i], it->second);
  }
  std::sort(members.begin(), members.end());
  for (std::size_t i = 1; i < members.size(); ++i) {
    if (members[i] == members[i - 1]) {
      throw InputError("tracks", 0, "hit_id",
                       "hit id " + std::to_string(hits.hit_id[members[i].second]) +
                           " appears twice in track " + std::to_string(members[i].first));
    }
  }

  std::vector<FittedTrack> result;
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> z;
  for (std::size_t begin = 0; begin < members.size();) {
    std::size_t end = begin;
    x.clear();
    y.clear();
    z.clear();
    for (; end < members.size() && members[end].first == members[begin].first; ++end) {
      const std::size_t row = members[end].second;
      x.push_back(hits.x[row]);
      y.push_back(hits.y[row]);
      z.push_back(hits.z[row]);
    }
    result.push_back({members[begin].first, end - begin, estimate_track_parameters(x, y, z, bz_tesla)});
    begin = end;
  }
  return result;
}

}  // namespace trkx::eval
