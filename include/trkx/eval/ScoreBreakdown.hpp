#pragma once
/// @file ScoreBreakdown.hpp
/// Where the TrackML score's weight sits and how much of it the tracks
/// collect, per class of particle: in bins of true pT, |eta|, number of truth
/// hits and distance of the production vertex from the beam line.
///
/// For every bin: the truth weight of the particles in it, the part of that
/// weight collected by their good tracks (TrackMLScore.hpp), and how many of
/// those particles have a good track. Weights add over events; the shares are
/// divided by the summed truth weight of all events, so with weights summing
/// to 1 per event (official events, trkx simulate) the found shares of any one
/// variable add up to the mean TrackML score, and `weight - found` is the
/// score lost in that bin. Noise carries no particle and is not binned;
/// particles missing from the particles table are summed apart (`unlisted`).

#include <cstdint>
#include <string>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/eval/TrackMLScore.hpp"

namespace trkx::eval {

/// Summed weights and particle counts of one bin.
struct ScoreShare {
  double weight = 0.0;        ///< truth weight of the bin's particles
  double found_weight = 0.0;  ///< the part of it in good tracks
  /// weight of the bin's particles that have a good track: matched_weight - found_weight is
  /// the score lost on hits missing from good tracks, weight - matched_weight on particles without one
  double matched_weight = 0.0;
  std::uint64_t particles = 0;
  std::uint64_t particles_found = 0;  ///< particles with a good track
};

/// One variable's bins: bin i holds values in [low[i], low[i+1]); the last bin is open.
struct ScoreHistogram {
  std::string variable;  ///< "pt", "abs_eta", "n_hits", "vertex_r"
  std::string unit;      ///< "GeV", "", "", "mm"
  std::vector<double> low;
  std::vector<ScoreShare> bins;
};

/// The breakdown of one or more events (merge() adds events).
struct ScoreBreakdown {
  double total_weight = 0.0;  ///< truth weight of all hits, noise included
  std::uint64_t n_events = 0;
  ScoreShare unlisted;  ///< particles with hits but no row in the particles table (not binned)
  std::vector<ScoreHistogram> histograms;

  /// Adds another event's breakdown (throws trkx::Error if the bins differ).
  void merge(const ScoreBreakdown& other);
  /// A small table per variable: weight, found and lost shares per bin, the lost share split into
  /// particles without a good track and hits missing from good tracks.
  [[nodiscard]] std::string summary() const;
};

/// Bins the per-particle score weights of events.
class ScoreBreakdownEvaluator {
 public:
  struct Config {
    /// pT [GeV] lower bin edges; the TrackML weight rises from 0.2 at 0.5 GeV to 1 at 3 GeV.
    std::vector<double> pt_low = {0.0, 0.2, 0.3, 0.5, 0.75, 1.0, 2.0, 3.0};
    std::vector<double> abs_eta_low = {0.0, 1.0, 2.0, 2.5, 3.0, 3.5};
    std::vector<double> n_hits_low = {1, 4, 6, 8, 11, 15};
    /// production vertex distance from the beam line [mm]: prompt, secondaries.
    std::vector<double> vertex_r_low = {0.0, 1.0, 30.0, 200.0};
  };

  /// Throws trkx::Error unless every bin list is non-empty and strictly increasing.
  explicit ScoreBreakdownEvaluator(Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// An empty breakdown with this configuration's bins.
  [[nodiscard]] ScoreBreakdown empty_result() const;
  /// The breakdown of one event from the per-particle weights of
  /// trackml_score(); pT, eta and the vertex come from event.particles.
  [[nodiscard]] ScoreBreakdown evaluate(const Event& event, double total_weight,
                                        const std::vector<ParticleScore>& particles) const;

 private:
  Config config_;
};

}  // namespace trkx::eval
