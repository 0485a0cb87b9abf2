#include "trkx/eval/TrackParameters.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "EvalFixtures.hpp"
#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

using testing::helix_points;

const std::vector<double> kRadii = {32.0, 72.0, 116.0, 172.0, 260.0, 360.0, 500.0, 660.0, 820.0, 1020.0};

TEST(TrackParameters, HelixOfKnownMomentumIsFittedExactly) {
  struct Case {
    double pt, eta, phi0, z0;
    int charge;
  };
  for (const Case c :
       {Case{0.5, 0.3, 0.7, 12.0, 1}, Case{2.0, -1.7, -2.9, -40.0, -1}, Case{10.0, 3.2, 1.9, 3.0, 1}}) {
    const auto h = helix_points(c.pt, c.eta, c.phi0, c.charge, c.z0, 2.0, kRadii);
    const TrackParameters p = estimate_track_parameters(h.x, h.y, h.z, 2.0);
    ASSERT_TRUE(p.valid()) << c.pt;
    EXPECT_NEAR(p.pt / c.pt, 1.0, 1e-6) << c.pt;
    EXPECT_NEAR(p.eta, c.eta, 1e-6) << c.pt;
    EXPECT_NEAR(p.z0, c.z0, 1e-6) << c.pt;
    // Centre of the circle: perpendicular to the initial direction, R away.
    const double radius = c.pt / (kPtPerTeslaMillimetre * 2.0);
    EXPECT_NEAR(p.circle.radius() / radius, 1.0, 1e-6);
    EXPECT_NEAR(p.circle.x0, c.charge * radius * std::sin(c.phi0), 1e-6 * radius);
    EXPECT_NEAR(p.circle.y0, -c.charge * radius * std::cos(c.phi0), 1e-6 * radius);
    // The field scales the momentum, not the geometry.
    EXPECT_NEAR(estimate_track_parameters(h.x, h.y, h.z, 4.0).pt / (2.0 * c.pt), 1.0, 1e-6);
  }
}

TEST(TrackParameters, ThreePointsAndHitOrderDoNotMatter) {
  const auto h = helix_points(1.3, 0.8, 0.2, -1, 0.0, 2.0, {700.0, 60.0, 300.0});
  const TrackParameters p = estimate_track_parameters(h.x, h.y, h.z, 2.0);
  ASSERT_TRUE(p.valid());
  EXPECT_NEAR(p.pt / 1.3, 1.0, 1e-6);
  EXPECT_NEAR(p.eta, 0.8, 1e-6);
}

TEST(TrackParameters, FloatRoundedHitsGiveCloseMomentum) {
  // Hits are stored as float: the fit goes through the general (noisy) path.
  for (const double pt : {0.5, 2.0, 10.0}) {
    auto h = helix_points(pt, 1.1, 2.2, 1, 5.0, 2.0, kRadii);
    for (auto* v : {&h.x, &h.y, &h.z}) {
      for (double& value : *v) value = static_cast<float>(value);
    }
    const TrackParameters p = estimate_track_parameters(h.x, h.y, h.z, 2.0);
    ASSERT_TRUE(p.valid());
    EXPECT_NEAR(p.pt / pt, 1.0, 1e-4) << pt;
    EXPECT_NEAR(p.eta, 1.1, 1e-5) << pt;
  }
}

TEST(TrackParameters, StraightLineHasZeroCurvature) {
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> z;
  for (const double r : kRadii) {
    x.push_back(r * std::cos(-0.4));
    y.push_back(r * std::sin(-0.4));
    z.push_back(7.0 + r * std::sinh(-0.6));
  }
  const TrackParameters p = estimate_track_parameters(x, y, z, 2.0);
  ASSERT_TRUE(p.valid());
  EXPECT_LT(p.circle.curvature, 1e-12);
  EXPECT_GT(p.pt, 1e6);
  EXPECT_NEAR(p.eta, -0.6, 1e-9);
  EXPECT_NEAR(p.z0, 7.0, 1e-9);
}

TEST(TrackParameters, FloatRoundedStraightLinesStayStraight) {
  // Nearly exact lines: the Pratt eigenvalue of the solution is ~0 and may
  // come out slightly negative by rounding; the fit must still pick it.
  for (int k = 0; k < 200; ++k) {
    const double phi = -3.1 + 0.031 * k;
    const double eta = -2.5 + 0.025 * k;
    std::vector<double> x;
    std::vector<double> y;
    std::vector<double> z;
    for (int layer = 1; layer <= 5; ++layer) {
      const double r = 30.0 * layer;
      x.push_back(static_cast<float>(r * std::cos(phi)));
      y.push_back(static_cast<float>(r * std::sin(phi)));
      z.push_back(static_cast<float>(r * std::sinh(eta)));
    }
    const TrackParameters p = estimate_track_parameters(x, y, z, 2.0);
    ASSERT_TRUE(p.valid()) << k;
    // Rounding of 1e-5 mm over 120 mm allows a sagitta of that size at most.
    EXPECT_GT(p.pt, 1e3) << k;
    EXPECT_NEAR(p.eta, eta, 1e-5) << k;
  }
}

TEST(TrackParameters, PrattFitOfScatteredPointsHasTheKnownRadius) {
  // 8 points at 45 degree steps, alternately at radius 10 + 1 and 10 - 1,
  // around (500, -300). By symmetry the centre is exact, and Pratt's fit
  // minimises sum (z_i - t)^2 / t with z_i = squared distances, t = R^2:
  // t = sqrt(mean z_i^2), i.e. R^4 = (11^4 + 9^4) / 2. (The Kasa fit would
  // give R^2 = mean z_i = 101 instead.)
  std::vector<double> x;
  std::vector<double> y;
  for (int k = 0; k < 8; ++k) {
    const double r = k % 2 == 0 ? 11.0 : 9.0;
    const double angle = k * std::numbers::pi / 4.0;
    x.push_back(500.0 + r * std::cos(angle));
    y.push_back(-300.0 + r * std::sin(angle));
  }
  const CircleFit fit = fit_circle(x, y);
  ASSERT_TRUE(fit.valid);
  EXPECT_NEAR(fit.radius(), std::pow((14641.0 + 6561.0) / 2.0, 0.25), 1e-9);
  EXPECT_NEAR(fit.x0, 500.0, 1e-9);
  EXPECT_NEAR(fit.y0, -300.0, 1e-9);
}

TEST(TrackParameters, PerigeeOfHelicesFromTheBeamLineAndDisplaced) {
  // A helix through the origin has d0 = 0 and phi = its initial direction. Moving
  // every hit by delta along (-sin phi0, cos phi0) puts the perigee there: d0 = delta.
  struct Case {
    double pt, eta, phi0;
    int charge;
  };
  for (const Case c : {Case{0.6, 0.3, 0.7, 1}, Case{0.6, 0.3, 0.7, -1}, Case{2.0, -1.7, -2.9, -1},
                       Case{10.0, 3.2, 3.1, 1}}) {
    for (const double delta : {0.0, 2.5, -7.0}) {
      auto h = helix_points(c.pt, c.eta, c.phi0, c.charge, 0.0, 2.0, kRadii);
      for (std::size_t i = 0; i < h.x.size(); ++i) {
        h.x[i] -= delta * std::sin(c.phi0);
        h.y[i] += delta * std::cos(c.phi0);
      }
      const TrackParameters p = estimate_track_parameters(h.x, h.y, h.z, 2.0);
      ASSERT_TRUE(p.valid());
      EXPECT_EQ(p.charge, c.charge) << c.pt << " " << delta;
      EXPECT_NEAR(std::remainder(p.phi - c.phi0, 2.0 * std::numbers::pi), 0.0, 1e-9) << c.pt << " " << delta;
      EXPECT_NEAR(p.d0, delta, 1e-6) << c.pt << " " << delta;
    }
  }
}

TEST(TrackParameters, PerigeeOfAStraightLine) {
  // The line through (0, 4) at azimuth -0.4, hits moving outwards: charge 0,
  // phi -0.4, and the perigee (-d0 sin phi, d0 cos phi) = the point nearest the origin.
  const double phi = -0.4;
  const double d0 = 4.0;
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> z;
  for (const double s : {50.0, 10.0, 200.0, 90.0}) {
    x.push_back(-d0 * std::sin(phi) + s * std::cos(phi));
    y.push_back(d0 * std::cos(phi) + s * std::sin(phi));
    z.push_back(0.5 * s);
  }
  const TrackParameters p = estimate_track_parameters(x, y, z, 2.0);
  ASSERT_TRUE(p.valid());
  EXPECT_EQ(p.charge, 0);
  EXPECT_NEAR(p.phi, phi, 1e-9);
  EXPECT_NEAR(p.d0, d0, 1e-9);
}

TEST(TrackParameters, FitTracksGroupsHitsByTrackId) {
  HitContainer hits;
  const auto a = helix_points(1.5, 0.4, 1.0, 1, 3.0, 2.0, kRadii);
  const auto b = helix_points(0.7, -1.2, -2.0, -1, -20.0, 2.0, {40.0, 90.0, 150.0, 250.0, 400.0});
  HitId id = 11;
  TrackAssignment tracks;
  // Interleave the two tracks' hits and add an unassigned hit (track id 0).
  for (std::size_t i = 0; i < a.x.size(); ++i) {
    hits.push_back(id, static_cast<float>(a.x[i]), static_cast<float>(a.y[i]), static_cast<float>(a.z[i]), 8,
                   2, 1);
    tracks.hit_id.push_back(id++);
    tracks.track_id.push_back(42);
    if (i < b.x.size()) {
      hits.push_back(id, static_cast<float>(b.x[i]), static_cast<float>(b.y[i]), static_cast<float>(b.z[i]),
                     8, 2, 1);
      tracks.hit_id.push_back(id++);
      tracks.track_id.push_back(7);
    }
  }
  hits.push_back(id, 1.0F, 2.0F, 3.0F, 8, 2, 1);
  tracks.hit_id.push_back(id);
  tracks.track_id.push_back(0);
  hits.compute_derived();

  const auto fitted = fit_tracks(hits.view(), tracks, 2.0);
  ASSERT_EQ(fitted.size(), 2U);
  EXPECT_EQ(fitted[0].track_id, 7);
  EXPECT_EQ(fitted[0].n_hits, b.x.size());
  EXPECT_NEAR(fitted[0].parameters.pt / 0.7, 1.0, 1e-3);
  EXPECT_NEAR(fitted[0].parameters.z0, -20.0, 1e-2);
  EXPECT_EQ(fitted[0].parameters.charge, -1);
  EXPECT_EQ(fitted[1].track_id, 42);
  EXPECT_EQ(fitted[1].n_hits, a.x.size());
  EXPECT_NEAR(fitted[1].parameters.pt / 1.5, 1.0, 1e-3);
  EXPECT_NEAR(fitted[1].parameters.eta, 0.4, 1e-4);
  EXPECT_EQ(fitted[1].parameters.charge, 1);

  TrackAssignment unknown = tracks;
  unknown.hit_id[3] = 999;
  EXPECT_THROW((void)fit_tracks(hits.view(), unknown, 2.0), InputError);
  TrackAssignment twice = tracks;
  twice.hit_id[2] = twice.hit_id[0];  // both in track 42
  EXPECT_THROW((void)fit_tracks(hits.view(), twice, 2.0), InputError);
  EXPECT_THROW((void)fit_tracks(hits.view(), tracks, 0.0), Error);
}

TEST(TrackParameters, DegenerateInputIsInvalid) {
  const std::vector<double> two = {1.0, 2.0};
  EXPECT_FALSE(fit_circle(two, two).valid);
  const std::vector<double> same = {3.0, 3.0, 3.0, 3.0};
  EXPECT_FALSE(fit_circle(same, same).valid);
  EXPECT_FALSE(estimate_track_parameters(same, same, same, 2.0).valid());
  // Points on a circle around the beam line all have the same path length: no eta.
  const std::vector<double> cx = {100.0, 0.0, -100.0, 0.0};
  const std::vector<double> cy = {0.0, 100.0, 0.0, -100.0};
  const std::vector<double> cz = {1.0, 2.0, 3.0, 4.0};
  const TrackParameters ring = estimate_track_parameters(cx, cy, cz, 2.0);
  EXPECT_TRUE(ring.circle.valid);
  EXPECT_FALSE(ring.valid());
  EXPECT_THROW((void)fit_circle(two, same), Error);
  EXPECT_THROW((void)estimate_track_parameters(same, same, two, 2.0), Error);
  EXPECT_THROW((void)estimate_track_parameters(same, same, same, 0.0), Error);
}

}  // namespace
}  // namespace trkx::eval
