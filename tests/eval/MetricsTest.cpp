#include "trkx/eval/Metrics.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

TEST(Ratio, ValueAndBinomialUncertainty) {
  const Ratio r{3, 4};
  EXPECT_DOUBLE_EQ(r.value(), 0.75);
  EXPECT_DOUBLE_EQ(r.uncertainty(), std::sqrt(0.75 * 0.25 / 4.0));
  EXPECT_TRUE(std::isnan(Ratio{}.value()));
  EXPECT_TRUE(std::isnan(Ratio{}.uncertainty()));
  Ratio sum{1, 2};
  sum += Ratio{2, 3};
  EXPECT_EQ(sum, (Ratio{3, 5}));
  sum.fill(true);
  sum.fill(false);
  EXPECT_EQ(sum, (Ratio{4, 7}));
}

TEST(BinnedRatio, FillsHalfOpenBinsAndSkipsOutOfRange) {
  BinnedRatio h("pt", {0.5, 1.0, 2.0});
  h.fill(0.5, true);   // first bin (lower edge included)
  h.fill(1.0, false);  // second bin
  h.fill(1.99, true);
  h.fill(2.0, true);  // upper edge excluded
  h.fill(0.1, true);
  h.fill(std::numeric_limits<double>::quiet_NaN(), true);
  ASSERT_EQ(h.size(), 2U);
  EXPECT_EQ(h.bins()[0], (Ratio{1, 1}));
  EXPECT_EQ(h.bins()[1], (Ratio{1, 2}));
  BinnedRatio other("pt", {0.5, 1.0, 2.0});
  other.fill(0.7, false);
  h.merge(other);
  EXPECT_EQ(h.bins()[0], (Ratio{1, 2}));
  EXPECT_THROW(h.merge(BinnedRatio("pt", {0.5, 2.0})), Error);
  EXPECT_THROW(h.merge(BinnedRatio("eta", {0.5, 1.0, 2.0})), Error);
}

TEST(BinnedRatio, RejectsBadEdges) {
  EXPECT_THROW(BinnedRatio("pt", {1.0}), Error);
  EXPECT_THROW(BinnedRatio("pt", {1.0, 0.5}), Error);
  EXPECT_THROW(BinnedRatio("pt", {0.0, 1.0, 1.0}), Error);
}

}  // namespace
}  // namespace trkx::eval
