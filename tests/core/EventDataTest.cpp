#include "trkx/core/EventData.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

namespace trkx {
namespace {

TEST(HitContainer, DerivedQuantitiesFollowFromPosition) {
  HitContainer hits;
  hits.push_back(7, 30.0F, 40.0F, 0.0F, 8, 2, 11);   // r = 50, phi = atan2(4,3), eta = 0
  hits.push_back(9, 0.0F, -10.0F, 10.0F, 8, 4, 12);  // phi = -pi/2, eta = asinh(1)
  hits.compute_derived();
  ASSERT_EQ(hits.size(), 2U);
  EXPECT_FLOAT_EQ(hits.r[0], 50.0F);
  EXPECT_NEAR(hits.phi[0], std::atan2(4.0, 3.0), 1e-6);
  EXPECT_NEAR(hits.eta[0], 0.0, 1e-7);
  EXPECT_NEAR(hits.phi[1], -std::numbers::pi / 2, 1e-6);
  EXPECT_NEAR(hits.eta[1], std::asinh(1.0), 1e-6);

  const HitsView v = hits.view();
  EXPECT_EQ(v.size(), 2U);
  EXPECT_EQ(v.hit_id[1], 9U);
  EXPECT_EQ(v.module_id[0], 11);
  EXPECT_EQ(v.r.data(), hits.r.data()) << "views must not copy";
}

TEST(HitContainer, ClearEmptiesEveryColumn) {
  HitContainer hits;
  hits.push_back(1, 1.0F, 2.0F, 3.0F, 7, 2, 1);
  hits.compute_derived();
  hits.clear();
  EXPECT_EQ(hits.size(), 0U);
  EXPECT_TRUE(hits.r.empty());
  EXPECT_TRUE(hits.x.empty());
}

TEST(Containers, ViewsMirrorColumns) {
  CellContainer cells;
  cells.push_back(3, 10, 20, 0.5F);
  EXPECT_EQ(cells.view().ch1[0], 20);
  TruthContainer truth;
  truth.push_back(3, 123456789012345ULL, 1, 2, 3, 0.1F, 0.2F, 0.3F, 1e-5F);
  EXPECT_EQ(truth.view().particle_id[0], 123456789012345ULL);
  ParticleContainer particles;
  particles.push_back(123456789012345ULL, 0, 0, 1, 1, 0, 0, -1, 9);
  EXPECT_EQ(particles.view().q[0], -1);
  EXPECT_EQ(particles.view().nhits[0], 9);
  Event event;
  EXPECT_FALSE(event.has_truth());
  event.truth = truth;
  EXPECT_TRUE(event.has_truth());
}

}  // namespace
}  // namespace trkx
