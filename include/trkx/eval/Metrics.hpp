#pragma once
/// @file Metrics.hpp
/// Counting ratios (efficiencies, rates) that can be summed over events, and
/// histograms of them in bins of one variable.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace trkx::eval {

/// A ratio of two counts, numerator / denominator, e.g. matched particles /
/// reconstructable particles. Counts add over events; the value is computed
/// from the totals.
struct Ratio {
  std::uint64_t numerator = 0;
  std::uint64_t denominator = 0;

  /// numerator / denominator; NaN when the denominator is 0.
  [[nodiscard]] double value() const;
  /// Binomial uncertainty sqrt(p (1 - p) / n) of value(); NaN when n = 0.
  [[nodiscard]] double uncertainty() const;
  /// Counts one trial (denominator += 1, numerator += pass).
  void fill(bool pass) {
    ++denominator;
    numerator += pass ? 1U : 0U;
  }
  Ratio& operator+=(const Ratio& other) {
    numerator += other.numerator;
    denominator += other.denominator;
    return *this;
  }
  friend bool operator==(const Ratio&, const Ratio&) = default;
};

/// Ratios in bins of one variable. Bin i covers [edges[i], edges[i+1]);
/// values outside [edges.front(), edges.back()) are not counted.
class BinnedRatio {
 public:
  BinnedRatio() = default;
  /// `edges` must be strictly increasing with at least two entries (throws
  /// trkx::Error otherwise). `variable` names the binned quantity ("pt", "eta").
  BinnedRatio(std::string variable, std::vector<double> edges);

  /// Counts one trial at `x` in its bin (nothing if x is outside the range or NaN).
  void fill(double x, bool pass);
  /// Adds the counts of `other`; throws trkx::Error if the binning differs.
  void merge(const BinnedRatio& other);

  [[nodiscard]] const std::string& variable() const { return variable_; }
  [[nodiscard]] const std::vector<double>& edges() const { return edges_; }
  [[nodiscard]] const std::vector<Ratio>& bins() const { return bins_; }
  [[nodiscard]] std::size_t size() const { return bins_.size(); }

 private:
  std::string variable_;
  std::vector<double> edges_;
  std::vector<Ratio> bins_;
};

}  // namespace trkx::eval
