// Tests of the primary generator: the charged-primary dN/deta follows the
// configured plateau + fall-off shape and its normalisation; the pT spectrum.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "trkx/core/Error.hpp"
#include "trkx/sim/EventGenerator.hpp"

namespace {

using trkx::sim::EventGenerator;
using trkx::sim::SimParticle;

double eta_of(const SimParticle& p) {
  return std::asinh(p.momentum[2] / std::hypot(p.momentum[0], p.momentum[1]));
}

/// Integral of the generator's eta shape over [a, b] (midpoint rule).
double shape_integral(const EventGenerator& gen, double a, double b) {
  constexpr int kSteps = 1000;
  const double step = (b - a) / kSteps;
  double sum = 0;
  for (int i = 0; i < kSteps; ++i) sum += gen.eta_shape(a + (i + 0.5) * step) * step;
  return sum;
}

TEST(EventGenerator, ChargedPrimaryDensityFollowsTheEtaShape) {
  const EventGenerator gen;  // defaults: 4.6 on |eta| < 4, Gaussian fall-off (width 0.8) to |eta| = 5.5
  trkx::sim::Rng rng(12345);
  constexpr int kInteractions = 3000;
  std::vector<SimParticle> particles;
  for (int i = 0; i < kInteractions; ++i) gen.minimum_bias({0.0, 0.0, 0.0}, 1, rng, particles);
  double central = 0, edge = 0, forward = 0, total = 0, beyond = 0;
  for (const auto& p : particles) {
    if (p.charge == 0) continue;
    ++total;
    const double a = std::abs(eta_of(p));
    if (a < 1.0) ++central;
    if (a >= 3.0 && a < 4.0) ++edge;
    if (a >= 4.5 && a < 5.5) ++forward;
    if (a > gen.config().eta_max) ++beyond;
  }
  const double per_interaction_eta = gen.config().dndeta * gen.fraction_above_pt_min();
  // Central plateau: dN/deta * share above pt_min, both signs of eta (2 units).
  EXPECT_NEAR(central / (kInteractions * 2.0), per_interaction_eta, 0.04 * per_interaction_eta);
  // The plateau covers the tracker's acceptance: as many per unit eta at 3 < |eta| < 4 as at |eta| < 1.
  EXPECT_NEAR(edge / (kInteractions * 2.0), per_interaction_eta, 0.04 * per_interaction_eta);
  // The fall-off region holds what the shape says, well below the plateau.
  const double expected_forward = per_interaction_eta * 2.0 * shape_integral(gen, 4.5, 5.5);
  EXPECT_NEAR(forward / kInteractions, expected_forward, 0.08 * expected_forward);
  EXPECT_LT(forward / kInteractions, 0.5 * central / kInteractions);
  EXPECT_NEAR(total / kInteractions, gen.mean_charged_per_interaction(),
              0.03 * gen.mean_charged_per_interaction());
  EXPECT_EQ(beyond, 0.0);
  // Flat over the acceptance (|eta| < 4): the mean there is the plateau; over |eta| < eta_max it is lower
  // and matches the shape's integral.
  EXPECT_NEAR(gen.mean_dndeta(4.0), gen.config().dndeta, 1e-9);
  EXPECT_NEAR(gen.mean_dndeta(gen.config().eta_max),
              gen.config().dndeta * shape_integral(gen, 0.0, gen.config().eta_max) / gen.config().eta_max,
              1e-3);
  EXPECT_GT(gen.mean_dndeta(4.0), gen.mean_dndeta(gen.config().eta_max));
  // Primaries are generated beyond the acceptance (they leave no hit and are listed with nhits 0).
  double outside = 0;
  for (const auto& p : particles) {
    if (p.charge != 0 && std::abs(eta_of(p)) > 4.0) ++outside;
  }
  const double expected_outside =
      per_interaction_eta * 2.0 * shape_integral(gen, 4.0, gen.config().eta_max) * kInteractions;
  EXPECT_GT(expected_outside, 0.0);
  EXPECT_NEAR(outside, expected_outside, 5.0 * std::sqrt(expected_outside));
}

TEST(EventGenerator, PrimaryPtSpectrumIsSoftWithATail) {
  // Charged primaries of the default Tsallis spectrum (pT > 0.15 GeV): mean ~0.64 GeV, ~15% above 1 GeV
  // (the listed particles of an event, with their ~30% soft secondaries: ~0.52 GeV and ~11%), and a tail
  // to tens of GeV.
  const EventGenerator gen;
  trkx::sim::Rng rng(777);
  std::vector<SimParticle> particles;
  for (int i = 0; i < 2000; ++i) gen.minimum_bias({0.0, 0.0, 0.0}, 1, rng, particles);
  double n = 0, sum = 0, above1 = 0, above10 = 0, below_min = 0;
  for (const auto& p : particles) {
    if (p.charge == 0) continue;
    const double pt = std::hypot(p.momentum[0], p.momentum[1]);
    ++n;
    sum += pt;
    if (pt > 1.0) ++above1;
    if (pt > 10.0) ++above10;
    if (pt < gen.config().pt_min) ++below_min;
  }
  ASSERT_GT(n, 50000.0);
  EXPECT_EQ(below_min, 0.0);
  EXPECT_GT(sum / n, 0.60);
  EXPECT_LT(sum / n, 0.68);
  EXPECT_GT(above1 / n, 0.13);
  EXPECT_LT(above1 / n, 0.17);
  EXPECT_GT(above10, 0.0);
  EXPECT_LT(above10 / n, 1e-3);
}

TEST(EventGenerator, FlatShapeWithoutFalloff) {
  EventGenerator::Config c;
  c.dndeta = 6.0;
  c.eta_falloff = 0;  // flat to eta_max
  const EventGenerator gen(c);
  EXPECT_DOUBLE_EQ(gen.eta_shape(c.eta_max - 0.1), 1.0);
  EXPECT_DOUBLE_EQ(gen.eta_shape(c.eta_max + 0.1), 0.0);
  c.eta_max = 4.0;
  const EventGenerator gen4(c);
  EXPECT_NEAR(gen.mean_dndeta(), 6.0, 1e-9);
  EXPECT_NEAR(gen4.mean_charged_per_interaction(), 6.0 * 8.0 * gen4.fraction_above_pt_min(), 1e-6);
  EXPECT_NEAR(gen.mean_charged_per_interaction(),
              6.0 * 2.0 * gen.config().eta_max * gen.fraction_above_pt_min(), 1e-6);
  // A Tsallis spectrum from 0 has most of its particles above 0.15 GeV.
  EXPECT_GT(gen.fraction_above_pt_min(), 0.8);
  EXPECT_LT(gen.fraction_above_pt_min(), 0.95);
}

TEST(EventGenerator, RejectsBadEtaConfiguration) {
  EventGenerator::Config c;
  c.eta_max = 0;
  EXPECT_THROW(static_cast<void>(EventGenerator{c}), trkx::Error);
  c = {};
  c.dndeta = -1;
  EXPECT_THROW(static_cast<void>(EventGenerator{c}), trkx::Error);
}

}  // namespace
