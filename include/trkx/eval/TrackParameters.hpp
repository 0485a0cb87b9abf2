#pragma once
/// @file TrackParameters.hpp
/// Track parameters estimated from a track's measured hit positions only (no
/// truth): transverse momentum from a circle fit in x-y and pseudorapidity from
/// a straight-line fit in the s-z plane. Used by the evaluation for the track
/// selection of the fake and duplicate rates; usable by any stage that has the
/// hits of a track candidate.
///
/// Circle fit. Pratt's algebraic fit (V. Pratt, Computer Graphics 21 (1987) 145;
/// the SVD form of N. Chernov, "Circular and linear regression", 2010): the
/// circle A (x^2 + y^2) + B x + C y + D = 0 minimising sum_i (A z_i + B x_i +
/// C y_i + D)^2 under the constraint B^2 + C^2 - 4 A D = 1, for which
/// 1 / radius = 2 |A|. A straight line is the limit A = 0 and comes out with
/// curvature 0 instead of failing. Points exactly on a circle (or a line) are
/// fitted exactly up to rounding. The data are centred and scaled before the
/// fit, so the result does not depend on where the points are. Computed by
/// Newton's method on the points' moments (Chernov, section 5.5; ~0.1 us for a
/// few hits), with the SVD form for nearly collinear points (~2 us); the two
/// agree to ~1e-8 relative on random arcs, lines and float-rounded data.
///
/// Momentum. pT [GeV] = c B R with c = 0.299792458e-3 GeV / (T mm), B the
/// solenoid field [T] and R the radius [mm] (pT = 0.3 B[T] R[m]).
///
/// Pseudorapidity. Each hit gets its transverse path length from the beam line
/// along the fitted circle, s = 2 R asin(r / 2R) (s = r for a straight line),
/// with r its distance from the z axis; a least-squares line z = z0 + s cot(theta)
/// gives eta = asinh(cot(theta)). Exact for a helix that passes through the z
/// axis (the transverse impact parameter of prompt particles is tiny); not meant
/// for loopers past half a turn.
///
/// Perigee (the point of the fitted circle nearest the beam line, P). The
/// track is taken to move outwards, from its hit nearest the beam line to the
/// one farthest from it. phi is the azimuth of its direction at P. The charge
/// is the sense of rotation: in a field along +z a positive particle turns
/// clockwise seen from +z; charge 0 for a straight line (curvature times the
/// hits' span below 1e-7). d0 is the signed distance of P from the beam line
/// in the ATLAS convention, P = (-d0 sin phi, d0 cos phi). Like eta, not meant
/// for loopers past half a turn (the direction of motion is then ambiguous).

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <vector>

#include "trkx/core/EventData.hpp"

namespace trkx::eval {

/// pT [GeV] per tesla and millimetre of radius.
inline constexpr double kPtPerTeslaMillimetre = 0.299792458e-3;

/// A circle (or line) fitted to points in the transverse plane.
struct CircleFit {
  double x0 = std::numeric_limits<double>::quiet_NaN();         ///< centre [mm]; NaN when curvature is 0
  double y0 = std::numeric_limits<double>::quiet_NaN();         ///< centre [mm]; NaN when curvature is 0
  double curvature = std::numeric_limits<double>::quiet_NaN();  ///< 1 / radius [1/mm], >= 0; 0 = line
  bool valid = false;  ///< false for fewer than 3 points or all points (nearly) equal

  /// Radius [mm]; infinity for a straight line, NaN when invalid.
  [[nodiscard]] double radius() const { return 1.0 / curvature; }
};

/// Pratt circle fit to the points (x[i], y[i]) [mm]. Needs >= 3 points that
/// are not all at the same place (invalid result otherwise); throws
/// trkx::Error if x and y differ in size.
[[nodiscard]] CircleFit fit_circle(std::span<const double> x, std::span<const double> y);

/// Reconstructed parameters of one track.
struct TrackParameters {
  double pt = std::numeric_limits<double>::quiet_NaN();   ///< transverse momentum [GeV]; inf for a line
  double eta = std::numeric_limits<double>::quiet_NaN();  ///< pseudorapidity
  double z0 = std::numeric_limits<double>::quiet_NaN();   ///< z where the s-z line meets s = 0 [mm]
  double phi = std::numeric_limits<double>::quiet_NaN();  ///< azimuth of the direction at the perigee [rad]
  double d0 = std::numeric_limits<double>::quiet_NaN();   ///< signed transverse impact parameter [mm]
  int charge = 0;    ///< +1 / -1 from the sense of rotation; 0 for a straight line or when invalid
  CircleFit circle;  ///< the transverse fit

  /// Both pT and eta could be estimated.
  [[nodiscard]] bool valid() const { return circle.valid && !std::isnan(eta); }
};

/// Estimates pT, eta, z0, phi, d0 and the charge of a track from its hit positions [mm] (any
/// order) in a solenoid field `bz_tesla` along z. Invalid (NaN) parameters
/// for fewer than 3 hits, for hits on one point in x-y, or when all hits have
/// the same transverse path length. Throws trkx::Error if the spans differ in
/// size or bz_tesla <= 0.
[[nodiscard]] TrackParameters estimate_track_parameters(std::span<const double> x, std::span<const double> y,
                                                        std::span<const double> z, double bz_tesla);

/// One reconstructed track: its id, number of hits and parameters.
struct FittedTrack {
  std::int64_t track_id = 0;
  std::size_t n_hits = 0;
  TrackParameters parameters;
};

/// Parameters of every track of `tracks` (track id != 0) from the positions of
/// its hits in `hits` (looked up by hit id; no truth needed), sorted by track
/// id. Throws trkx::InputError when a track's hit id is not in `hits` or
/// appears twice in `tracks`, trkx::Error when bz_tesla <= 0.
[[nodiscard]] std::vector<FittedTrack> fit_tracks(const HitsView& hits, const TrackAssignment& tracks,
                                                  double bz_tesla);

}  // namespace trkx::eval
