#include "trkx/eval/Metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "trkx/core/Error.hpp"

namespace trkx::eval {

double Ratio::value() const {
  if (denominator == 0) return std::numeric_limits<double>::quiet_NaN();
  return static_cast<double>(numerator) / static_cast<double>(denominator);
}

double Ratio::uncertainty() const {
  if (denominator == 0) return std::numeric_limits<double>::quiet_NaN();
  const double p = value();
  return std::sqrt(p * (1.0 - p) / static_cast<double>(denominator));
}

BinnedRatio::BinnedRatio(std::string variable, std::vector<double> edges)
    : variable_(std::move(variable)), edges_(std::move(edges)) {
  if (edges_.size() < 2) {
    throw Error("binning of '" + variable_ + "' needs at least two edges, found " +
                std::to_string(edges_.size()));
  }
  for (std::size_t i = 0; i + 1 < edges_.size(); ++i) {
    if (!(edges_[i] < edges_[i + 1])) {
      throw Error("bin edges of '" + variable_ + "' must be strictly increasing: edge " + std::to_string(i) +
                  " = " + std::to_string(edges_[i]) + ", edge " + std::to_string(i + 1) + " = " +
                  std::to_string(edges_[i + 1]));
    }
  }
  bins_.resize(edges_.size() - 1);
}

void BinnedRatio::fill(double x, bool pass) {
  if (bins_.empty() || std::isnan(x) || x < edges_.front() || x >= edges_.back()) return;
  // upper_bound gives the first edge > x; the bin index is one before it.
  const auto it = std::upper_bound(edges_.begin(), edges_.end(), x);
  const auto bin = static_cast<std::size_t>(it - edges_.begin()) - 1;
  bins_[bin].fill(pass);
}

void BinnedRatio::merge(const BinnedRatio& other) {
  if (other.edges_ != edges_ || other.variable_ != variable_) {
    throw Error("cannot merge binned ratios of '" + variable_ + "' and '" + other.variable_ +
                "' with different binning");
  }
  for (std::size_t i = 0; i < bins_.size(); ++i) bins_[i] += other.bins_[i];
}

}  // namespace trkx::eval
