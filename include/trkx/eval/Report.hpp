#pragma once
/// @file Report.hpp
/// Aggregation of the evaluation over many events, its JSON form and a short
/// human-readable summary.
///
/// JSON layout (format_version 1; NaN, e.g. a ratio with denominator 0, is null):
/// {
///   "format_version": 1,
///   "n_events": 10,
///   "config": {"pt_thresholds": [1.0, 0.5], "min_particle_hits": 5, "min_track_hits": 5,
///              "eta_max": 4.0, "match_fraction": 0.5, "track_pt_min": 1.0, "track_eta_max": 4.0,
///              "track_min_hits": 0,
///              "bz": 2.0, "track_id_zero_is_unassigned": true, "edge_pt_min": 1.0,
///              "edge_score_cut": 0.0},
///   "trackml_score": {"mean": 0.87, "per_event": [{"event_id": 1000, "score": 0.87,
///        "total_weight": 1.0, "n_tracks": 9000, "n_good_tracks": 8000,
///        "n_missing_hits": 0, "n_unknown_hits": 0}, ...],
///        "breakdown": {"total_weight": 10.0, "n_events": 10,     // only with add_score_breakdown()
///          "histograms": [{"variable": "pt", "unit": "GeV", "low": [0.0, 0.2, ...],
///                          "weight": [..], "found": [..], "matched": [..], "particles": [..],
///                          "particles_found": [..]}, ...],      // weight / found / matched: shares of
///          "unlisted": {"weight": .., "found": .., "matched": .., // total_weight (ScoreShare)
///                       "particles": .., "particles_found": ..}}},
///   "tracking": {
///     "efficiency": [{"pt_min": 1.0, "numerator": 900, "denominator": 1000, "value": 0.9,
///                     "uncertainty": 0.0095}, ...],
///     "fake_rate": {"numerator": .., "denominator": .., "value": .., "uncertainty": ..},
///     "duplicate_rate": {...},
///     "selected_efficiency": [...],      // as efficiency, found only by selected tracks
///     "selected_fake_rate": {...},       // tracks with reco pT > track_pt_min, |eta| < track_eta_max,
///                                        // >= track_min_hits hits
///     "selected_duplicate_rate": {...},  // pure tracks passing the same selection
///     "counts": {"n_events": .., "n_particles": .., "n_tracks": .., "n_short_tracks": ..,
///                "n_matched_tracks": .., "n_pure_tracks": .., "n_assigned_hits": .., "n_truth_hits": ..},
///     "efficiency_vs_pt":  {"variable": "pt", "unit": "GeV", "edges": [n+1], "numerator": [n],
///                           "denominator": [n], "efficiency": [n], "uncertainty": [n]},
///     "efficiency_vs_eta": {"variable": "eta", "unit": "", ...same arrays...}
///   },
///   "edges": [{"stage": "filter", "n_events": .., "n_edges": .., "n_truth_edges": ..,
///              "efficiency": {ratio}, "efficiency_pt": {ratio}, "purity": {ratio},
///              "same_particle_purity": {ratio}}, ...]
/// }
/// Definitions: TrackMLScore.hpp, TrackingPerformance.hpp, EdgeMetrics.hpp.

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "trkx/eval/EdgeMetrics.hpp"
#include "trkx/eval/ScoreBreakdown.hpp"
#include "trkx/eval/TrackMLScore.hpp"
#include "trkx/eval/TrackingPerformance.hpp"

namespace trkx::eval {

/// TrackML score of one event.
struct EventScore {
  std::uint64_t event_id = 0;
  TrackMLScore score;
};

/// Results of many events, added one event at a time.
class EvaluationReport {
 public:
  EvaluationReport(TrackingEvaluator::Config tracking_config, EdgeEvaluator::Config edge_config);

  /// Adds the score and performance of one event.
  void add_event(std::uint64_t event_id, const TrackMLScore& score, const TrackingPerformance& performance);
  /// Adds the edge metrics of one stage of one event (merged by stage name;
  /// stages keep the order in which they first appear).
  void add_edges(const EdgeMetrics& metrics);
  /// Adds the score breakdown of one event (ScoreBreakdown.hpp).
  void add_score_breakdown(const ScoreBreakdown& breakdown);

  /// Mean of the per-event scores (events with an undefined score are skipped);
  /// NaN without events.
  [[nodiscard]] double mean_score() const;
  [[nodiscard]] const std::vector<EventScore>& events() const { return events_; }
  [[nodiscard]] const TrackingPerformance& tracking() const { return tracking_; }
  [[nodiscard]] const std::vector<EdgeMetrics>& edges() const { return edges_; }
  /// Summed over the events added with add_score_breakdown() (no histograms without).
  [[nodiscard]] const ScoreBreakdown& score_breakdown() const { return breakdown_; }

  /// The JSON document described in the file comment.
  [[nodiscard]] nlohmann::json to_json() const;
  /// A few lines for humans: score, efficiencies, fake and duplicate rates, edge metrics
  /// (the score breakdown is apart: score_breakdown().summary()).
  [[nodiscard]] std::string summary() const;

 private:
  TrackingEvaluator::Config tracking_config_;
  EdgeEvaluator::Config edge_config_;
  std::vector<EventScore> events_;
  TrackingPerformance tracking_;
  std::vector<EdgeMetrics> edges_;
  ScoreBreakdown breakdown_;
};

/// {"numerator", "denominator", "value", "uncertainty"} of a ratio.
[[nodiscard]] nlohmann::json ratio_to_json(const Ratio& ratio);
/// The "breakdown" object of the file comment.
[[nodiscard]] nlohmann::json score_breakdown_to_json(const ScoreBreakdown& breakdown);
/// {"variable", "unit", "edges", "numerator", "denominator", "efficiency", "uncertainty"}.
[[nodiscard]] nlohmann::json binned_to_json(const BinnedRatio& binned, const std::string& unit);

}  // namespace trkx::eval
