#include "trkx/pipeline/HitFeatures.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "TinyEvent.hpp"
#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

TEST(HitFeatures, NamesMatchColumns) {
  const auto& names = HitFeatures::feature_names();
  ASSERT_EQ(names.size(), 7U);
  EXPECT_EQ(names[0], "r");
  EXPECT_EQ(names[1], "phi");
  EXPECT_EQ(names[2], "z");
  EXPECT_EQ(names[3], "cell_count");
  const Event event = test::make_tiny_event();
  const Matrix f = HitFeatures().compute(event.hits.view(), event.cells.view());
  EXPECT_EQ(f.cols, names.size());
  EXPECT_EQ(f.rows, event.hits.size());
}

TEST(HitFeatures, KnownValuesOnHandMadeHits) {
  HitContainer hits;
  hits.push_back(7, 300.0F, 400.0F, -250.0F, 8, 2, 1);  // r = 500, phi = atan2(4, 3)
  hits.push_back(9, 0.0F, -100.0F, 1500.0F, 8, 2, 1);   // r = 100, phi = -pi/2
  hits.push_back(12, -50.0F, 0.0F, 0.0F, 8, 2, 1);      // no cells
  hits.compute_derived();
  CellContainer cells;
  cells.push_back(7, 100, 20, 0.5F);
  cells.push_back(7, 101, 20, 0.25F);
  cells.push_back(7, 103, 22, 1.0F);  // extent ch0 = 4, ch1 = 3
  cells.push_back(9, 5, 5, 2.0F);     // single cell
  HitFeatures::Config config;
  config.charge_scale = 2.0F;
  const Matrix f = HitFeatures(config).compute(hits.view(), cells.view());
  ASSERT_EQ(f.rows, 3U);
  const float pi = 3.14159265358979F;
  EXPECT_NEAR(f(0, 0), 0.5F, 1e-6);
  EXPECT_NEAR(f(0, 1), std::atan2(4.0F, 3.0F) / pi, 1e-6);
  EXPECT_NEAR(f(0, 2), -0.25F, 1e-6);
  EXPECT_NEAR(f(0, 3), 0.3F, 1e-6);    // 3 cells / 10
  EXPECT_NEAR(f(0, 4), 0.875F, 1e-6);  // 1.75 / 2
  EXPECT_NEAR(f(0, 5), 0.4F, 1e-6);    // (103 - 100 + 1) / 10
  EXPECT_NEAR(f(0, 6), 0.3F, 1e-6);    // (22 - 20 + 1) / 10
  EXPECT_NEAR(f(1, 0), 0.1F, 1e-6);
  EXPECT_NEAR(f(1, 1), -0.5F, 1e-6);
  EXPECT_NEAR(f(1, 2), 1.5F, 1e-6);
  EXPECT_NEAR(f(1, 3), 0.1F, 1e-6);
  EXPECT_NEAR(f(1, 4), 1.0F, 1e-6);
  EXPECT_NEAR(f(1, 5), 0.1F, 1e-6);
  EXPECT_NEAR(f(1, 6), 0.1F, 1e-6);
  EXPECT_NEAR(f(2, 0), 0.05F, 1e-6);
  EXPECT_NEAR(std::abs(f(2, 1)), 1.0F, 1e-6);
  for (std::size_t c = 3; c < 7; ++c) EXPECT_EQ(f(2, c), 0.0F) << "column " << c;
}

TEST(HitFeatures, WorksWithoutDerivedQuantitiesAndWithoutCells) {
  HitContainer hits;
  hits.push_back(1, 0.0F, 200.0F, 10.0F, 8, 2, 1);  // compute_derived() not called
  const Matrix f = HitFeatures().compute(hits.view(), CellsView{});
  EXPECT_NEAR(f(0, 0), 0.2F, 1e-6);
  EXPECT_NEAR(f(0, 1), 0.5F, 1e-6);
  EXPECT_EQ(f(0, 3), 0.0F);
}

TEST(HitFeatures, CellOfUnknownHitIsAnInputError) {
  HitContainer hits;
  hits.push_back(1, 10.0F, 0.0F, 0.0F, 8, 2, 1);
  hits.compute_derived();
  CellContainer cells;
  cells.push_back(2, 0, 0, 1.0F);
  EXPECT_THROW((void)HitFeatures().compute(hits.view(), cells.view()), InputError);
}

TEST(HitFeatures, RejectsNonPositiveScales) {
  HitFeatures::Config config;
  config.z_scale = 0.0F;
  EXPECT_THROW(HitFeatures{config}, Error);
}

}  // namespace
}  // namespace trkx
