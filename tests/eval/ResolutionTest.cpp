#include "trkx/eval/Resolution.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

TrackParameters reco(double pt, double eta, double phi, double z0, int charge) {
  TrackParameters p;
  p.pt = pt;
  p.eta = eta;
  p.phi = phi;
  p.z0 = z0;
  p.charge = charge;
  p.circle.valid = true;
  p.circle.curvature = 1.0;
  return p;
}

TEST(ParameterResolution, SummaryIsTheMedianAndHalfTheCentral68Percent) {
  // 1..101 shuffled: median 51; quantile q at position q * 100 (linear), so
  // sigma68 = (100 * 0.841345 + 1 - (100 * 0.158655 + 1)) / 2 = 34.1345.
  std::vector<double> values;
  for (int i = 0; i < 101; ++i) values.push_back(static_cast<double>((37 * i) % 101 + 1));
  const ResidualSummary s = ParameterResolution::summarise(values);
  EXPECT_EQ(s.n, 101U);
  EXPECT_DOUBLE_EQ(s.median, 51.0);
  EXPECT_NEAR(s.sigma68, 34.1345, 1e-9);
  const ResidualSummary none = ParameterResolution::summarise({});
  EXPECT_EQ(none.n, 0U);
  EXPECT_TRUE(std::isnan(none.median));
  EXPECT_TRUE(std::isnan(none.sigma68));
}

TEST(ParameterResolution, FillsTheBinOfTheTruePt) {
  ParameterResolution r({0.5, 1.0, 10.0});
  TrueParameters truth{2.0, 0.5, std::numbers::pi - 0.01, 3.0, 1};
  r.fill(reco(2.2, 0.51, -std::numbers::pi + 0.01, 2.0, 1), truth);  // phi wraps: residual 0.02
  r.fill(reco(1.8, 0.49, std::numbers::pi - 0.03, 4.0, -1), truth);  // wrong charge
  r.fill(reco(1.8, 0.49, std::numbers::pi - 0.03, 4.0, 0), truth);   // no charge: not counted
  TrackParameters invalid = reco(1.0, 0.0, 0.0, 0.0, 1);
  invalid.circle.valid = false;
  r.fill(invalid, truth);                                   // skipped
  r.fill(reco(1.0, 0.0, 0.0, 0.0, 1), {20.0, 0, 0, 0, 1});  // outside the bins
  r.fill(reco(0.7, 0.0, 0.0, 0.0, 1), {0.6, 0.0, 0.0, 0.0, -1});

  const auto bins = r.summarise();
  ASSERT_EQ(bins.size(), 2U);
  EXPECT_EQ(bins[0].pt_low, 0.5);
  EXPECT_EQ(bins[0].pt_relative.n, 1U);
  EXPECT_NEAR(bins[0].pt_relative.median, 0.7 / 0.6 - 1.0, 1e-12);
  EXPECT_EQ(bins[0].charge_misid, (Ratio{1, 1}));
  EXPECT_EQ(bins[1].pt_relative.n, 3U);
  EXPECT_NEAR(bins[1].pt_relative.median, -0.1, 1e-12);
  EXPECT_NEAR(bins[1].phi.median, -0.02, 1e-12);  // of +0.02, -0.02, -0.02
  EXPECT_NEAR(bins[1].z0.median, 1.0, 1e-12);
  EXPECT_EQ(bins[1].charge_misid, (Ratio{1, 2}));

  // merge() adds the residuals of another set with the same bins.
  ParameterResolution more({0.5, 1.0, 10.0});
  more.fill(reco(2.0, 0.5, 0.0, 3.0, 1), {2.0, 0.5, 0.0, 3.0, 1});
  r.merge(more);
  EXPECT_EQ(r.summarise()[1].pt_relative.n, 4U);
  EXPECT_EQ(r.summarise()[1].charge_misid, (Ratio{1, 3}));
  EXPECT_THROW(r.merge(ParameterResolution({0.5, 2.0})), Error);
}

TEST(ParameterResolution, RejectsBadBins) {
  EXPECT_THROW(ParameterResolution({1.0}), Error);
  EXPECT_THROW(ParameterResolution({1.0, 1.0}), Error);
  EXPECT_THROW(ParameterResolution({2.0, 1.0}), Error);
}

}  // namespace
}  // namespace trkx::eval
