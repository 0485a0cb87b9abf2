#pragma once
/// @file Resolution.hpp
/// Resolution of the track parameters that estimate_track_parameters() gives
/// (TrackParameters.hpp): residuals reconstructed - true of matched tracks, in
/// bins of the particle's true pT. Widths are robust: sigma68 is half the
/// width of the central 68.27% of the residuals (the Gaussian sigma for
/// Gaussian residuals, insensitive to tails), with the median as the bias.
/// Quantiles interpolate linearly between order statistics.

#include <cstddef>
#include <vector>

#include "trkx/eval/Metrics.hpp"
#include "trkx/eval/TrackParameters.hpp"

namespace trkx::eval {

/// Median and robust width of one set of residuals.
struct ResidualSummary {
  std::size_t n = 0;
  double median = 0.0;   ///< NaN when n = 0
  double sigma68 = 0.0;  ///< half the 15.87%-84.13% quantile range; NaN when n = 0
};

/// The true parameters of a particle the residuals are taken against.
struct TrueParameters {
  double pt = 0.0;  ///< [GeV]
  double eta = 0.0;
  double phi = 0.0;  ///< azimuth of the momentum [rad]
  double z0 = 0.0;   ///< z of the production vertex [mm]
  int charge = 0;
};

/// Residuals of track parameters in bins of true pT; merge() adds events.
class ParameterResolution {
 public:
  /// One bin's summary. pt_relative is pT_reco / pT_true - 1; phi is wrapped to
  /// [-pi, pi]; charge_misid counts tracks whose reconstructed charge (when
  /// not 0) differs from the particle's.
  struct Bin {
    double pt_low = 0.0;
    double pt_high = 0.0;
    ResidualSummary pt_relative;
    ResidualSummary phi;
    ResidualSummary eta;
    ResidualSummary z0;
    Ratio charge_misid;
  };

  ParameterResolution() = default;
  /// `pt_edges` [GeV] strictly increasing, >= 2 entries (throws trkx::Error otherwise).
  explicit ParameterResolution(std::vector<double> pt_edges);

  /// Adds one track's residuals in the bin of truth.pt (nothing outside the
  /// bins or when `reco` is not valid(); NaN parameters are skipped one by one).
  void fill(const TrackParameters& reco, const TrueParameters& truth);
  /// Adds the residuals of `other`; throws trkx::Error if the bins differ.
  void merge(const ParameterResolution& other);

  [[nodiscard]] const std::vector<double>& pt_edges() const { return edges_; }
  [[nodiscard]] std::vector<Bin> summarise() const;

  /// Median and sigma68 of `values` (any order; NaN summary for none).
  [[nodiscard]] static ResidualSummary summarise(std::vector<double> values);

 private:
  struct Residuals {
    std::vector<double> pt_relative, phi, eta, z0;
    Ratio charge_misid;
  };
  std::vector<double> edges_;
  std::vector<Residuals> bins_;
};

}  // namespace trkx::eval
