#include "trkx/eval/Resolution.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <utility>

#include "trkx/core/Error.hpp"

namespace trkx::eval {

namespace {

/// Quantile q in [0, 1] of sorted values, linear between order statistics.
double quantile(const std::vector<double>& sorted, double q) {
  const double position = q * static_cast<double>(sorted.size() - 1);
  const auto below = static_cast<std::size_t>(std::floor(position));
  const std::size_t above = std::min(below + 1, sorted.size() - 1);
  const double fraction = position - static_cast<double>(below);
  return sorted[below] + fraction * (sorted[above] - sorted[below]);
}

void append(std::vector<double>& to, const std::vector<double>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

}  // namespace

ParameterResolution::ParameterResolution(std::vector<double> pt_edges) : edges_(std::move(pt_edges)) {
  bool increasing = edges_.size() >= 2;
  for (std::size_t i = 1; i < edges_.size(); ++i) increasing = increasing && edges_[i] > edges_[i - 1];
  if (!increasing)
    throw Error("ParameterResolution: the pT bin edges must be strictly increasing, at least two");
  bins_.resize(edges_.size() - 1);
}

void ParameterResolution::fill(const TrackParameters& reco, const TrueParameters& truth) {
  if (!reco.valid() || bins_.empty() || !(truth.pt >= edges_.front()) || !(truth.pt < edges_.back())) return;
  const auto bin =
      static_cast<std::size_t>(std::upper_bound(edges_.begin(), edges_.end(), truth.pt) - edges_.begin() - 1);
  Residuals& r = bins_[bin];
  if (std::isfinite(reco.pt)) r.pt_relative.push_back(reco.pt / truth.pt - 1.0);
  r.eta.push_back(reco.eta - truth.eta);
  if (!std::isnan(reco.phi)) {
    r.phi.push_back(std::remainder(reco.phi - truth.phi, 2.0 * std::numbers::pi));
  }
  if (!std::isnan(reco.z0)) r.z0.push_back(reco.z0 - truth.z0);
  if (reco.charge != 0) r.charge_misid.fill(reco.charge != truth.charge);
}

void ParameterResolution::merge(const ParameterResolution& other) {
  if (other.edges_ != edges_) throw Error("ParameterResolution: cannot merge different pT bins");
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    append(bins_[i].pt_relative, other.bins_[i].pt_relative);
    append(bins_[i].phi, other.bins_[i].phi);
    append(bins_[i].eta, other.bins_[i].eta);
    append(bins_[i].z0, other.bins_[i].z0);
    bins_[i].charge_misid += other.bins_[i].charge_misid;
  }
}

ResidualSummary ParameterResolution::summarise(std::vector<double> values) {
  ResidualSummary s;
  s.n = values.size();
  if (values.empty()) {
    s.median = s.sigma68 = std::numeric_limits<double>::quiet_NaN();
    return s;
  }
  std::sort(values.begin(), values.end());
  constexpr double kLow = 0.158655;  // (1 - 0.682689) / 2
  s.median = quantile(values, 0.5);
  s.sigma68 = 0.5 * (quantile(values, 1.0 - kLow) - quantile(values, kLow));
  return s;
}

std::vector<ParameterResolution::Bin> ParameterResolution::summarise() const {
  std::vector<Bin> out;
  for (std::size_t i = 0; i < bins_.size(); ++i) {
    Bin b;
    b.pt_low = edges_[i];
    b.pt_high = edges_[i + 1];
    b.pt_relative = summarise(bins_[i].pt_relative);
    b.phi = summarise(bins_[i].phi);
    b.eta = summarise(bins_[i].eta);
    b.z0 = summarise(bins_[i].z0);
    b.charge_misid = bins_[i].charge_misid;
    out.push_back(b);
  }
  return out;
}

}  // namespace trkx::eval
