#include "trkx/core/Geometry.hpp"

#include <gtest/gtest.h>

namespace trkx {
namespace {

TEST(DetectorGeometry, LocalGlobalRoundTrip) {
  DetectorGeometry geo;
  // Module rotated by 90 degrees about z: u -> y, v -> z, w -> -x.
  const std::array<double, 9> rot = {0, 0, -1,  //
                                     1, 0, 0,   //
                                     0, 1, 0};
  geo.push_back({8, 2, 5}, {32.0, 0.0, 10.0}, rot, 0.15, 8.4, 8.4, 36.0, 0.05, 0.05625);
  geo.build_index();
  const auto idx = geo.find({8, 2, 5});
  ASSERT_TRUE(idx.has_value());
  EXPECT_FALSE(geo.find({8, 2, 6}).has_value());

  const auto g = geo.to_global(*idx, {1.0, 2.0, 0.0});
  EXPECT_DOUBLE_EQ(g[0], 32.0);
  EXPECT_DOUBLE_EQ(g[1], 1.0);
  EXPECT_DOUBLE_EQ(g[2], 12.0);
  const auto l = geo.to_local(*idx, g);
  EXPECT_NEAR(l[0], 1.0, 1e-12);
  EXPECT_NEAR(l[1], 2.0, 1e-12);
  EXPECT_NEAR(l[2], 0.0, 1e-12);
}

}  // namespace
}  // namespace trkx
