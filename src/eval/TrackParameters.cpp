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
#include <limits>
#include <span>
#include <string>
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

}  // namespace trkx::eval
