#pragma once
/// @file TrackingPerformance.hpp
/// Track-level performance with double-majority matching (the Exa.TrkX /
/// TrackML "two-way 50%" convention):
///
/// Tracks. Hits with the same track id form one track; hits with track id 0
/// are unassigned when Config::track_id_zero_is_unassigned (default) and belong
/// to no track. Submission rows whose hit is not in the truth are ignored.
///
/// Matching. A track's majority particle owns the most of its hits (ties go to
/// the smaller particle id; a tie can never pass the cuts below). The track is
/// "pure" when that particle is not noise (id != 0) and owns strictly more than
/// `match_fraction` of the track's hits; it is "matched" (double majority) when
/// it is pure AND holds strictly more than `match_fraction` of the particle's
/// truth hits. Since every hit is in at most one track, with match_fraction
/// >= 0.5 a particle is matched by at most one track; exactly 50% never matches.
///
/// Particles. Every non-noise particle id in the truth. Its hit count is its
/// number of truth rows; pT [GeV] and eta come from the particles table
/// (momentum at production), or, for a particle missing from it, from the truth
/// momentum (tpx, tpy, tpz) at its hit nearest the origin.
/// A particle is reconstructable at threshold t when it has >= min_particle_hits
/// hits, pT >= t and |eta| <= eta_max.
///
/// Rates (tracks with fewer than min_track_hits hits are not counted anywhere):
/// - efficiency(t)  = reconstructable particles matched by a track / reconstructable particles
/// - fake rate      = tracks not matched (double majority) to any particle / tracks
/// - impure rate    = tracks that are not pure (no particle owns more than match_fraction
///                    of their hits, or noise does) / tracks: the looser "fake" of
///                    ATLAS-style truth matching (truth-match probability > 50%), under
///                    which a correct but partial track (a looper's first leg, a
///                    fragment) is not a fake. Always <= the fake rate.
/// - duplicate rate = (pure tracks - distinct particles they belong to) / pure tracks,
///                    i.e. the fraction of pure tracks whose particle already has
///                    another pure track. (With double-majority matching alone a
///                    particle can never be matched twice, so duplicates are
///                    counted on the one-way "pure" matching, as ATLAS-style
///                    duplicate rates are.) A particle split 6 + 4 into two pure
///                    tracks gives one matched track, one fake and one duplicate.
/// - selected efficiency, fake and duplicate rates: the same rates over the
///   tracks that also pass a selection on *reconstructed* quantities (as ITk and
///   Exa.TrkX papers quote them, and as an analysis selects its tracks):
///   pT_reco > track_pt_min, |eta_reco| < track_eta_max and at least
///   track_min_hits hits; the selected efficiency counts a particle as found
///   only when a selected track matches it. The TrackML score counts every
///   track. pT_reco and eta_reco are estimated from the track's hit positions
///   in the hits table (never the truth) by estimate_track_parameters()
///   (TrackParameters.hpp) in the field bz. Tracks whose parameters cannot be
///   estimated (hits missing from the hits table, degenerate geometry) fail the
///   selection. Duplicates count only selected pure tracks.
/// - efficiency vs pT: reconstructable particles without the pT threshold, in pT
///   bins; efficiency vs eta: reconstructable at the first (headline) pT
///   threshold, in eta bins. Each bin has numerator, denominator, efficiency and
///   binomial uncertainty sqrt(eff (1 - eff) / denominator). The same bins
///   once more with a particle found only by a selected track (the selected
///   efficiency per bin).
/// - parameter resolution (Resolution.hpp): matched tracks (>= min_track_hits)
///   of particles in the particles table with |eta| <= eta_max produced within
///   resolution_max_vertex_r of the beam line, their parameters estimated from
///   the hits in the field bz against the particle's momentum at production,
///   vertex z and charge, in bins of the particle's pT.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/eval/Metrics.hpp"
#include "trkx/eval/Resolution.hpp"
#include "trkx/eval/TrackParameters.hpp"

namespace trkx::eval {

/// One reconstructed track and its best-matching particle.
struct TrackMatch {
  std::int64_t track_id = 0;
  std::uint64_t n_hits = 0;           ///< hits of the track (found in the truth)
  ParticleId majority_particle = 0;   ///< particle owning most hits (0 = noise)
  std::uint64_t n_majority_hits = 0;  ///< hits of the track owned by it
  std::uint64_t n_particle_hits = 0;  ///< truth hits of the majority particle
  bool pure = false;                  ///< non-noise majority owns > match_fraction of the track
  bool matched = false;               ///< pure and holds > match_fraction of the particle's hits
};

/// Truth-level summary of one particle as used for the efficiency.
struct ParticleInfo {
  ParticleId particle_id = 0;
  std::uint64_t n_hits = 0;  ///< truth hits
  double pt = 0.0;           ///< transverse momentum [GeV]
  double eta = 0.0;          ///< pseudorapidity
  /// the particle has a row in the particles table (else pT and eta come from its innermost truth hit)
  bool listed = false;
  double vertex_r = 0.0;  ///< production vertex distance from the beam line [mm]; 0 unless listed
};

/// Performance of a set of tracks; counts add over events with merge().
struct TrackingPerformance {
  std::vector<double> pt_thresholds;  ///< [GeV], as in the Config
  std::vector<Ratio> efficiency;      ///< one per pt threshold
  Ratio fake_rate;                    ///< unmatched tracks / tracks (>= min_track_hits)
  Ratio duplicate_rate;               ///< surplus pure tracks / pure tracks
  Ratio impure_rate;                  ///< tracks that are not pure / tracks (>= min_track_hits)
  double track_pt_min = 0.0;          ///< [GeV], selection of the selected rates below, as in the Config
  double track_eta_max = 0.0;         ///< as in the Config
  std::size_t track_min_hits = 0;     ///< as in the Config
  std::vector<Ratio>
      selected_efficiency;  ///< as efficiency, found only by selected tracks; one per pt threshold
  /// as fake_rate, tracks with pT_reco > track_pt_min, |eta_reco| < track_eta_max, >= track_min_hits hits
  Ratio selected_fake_rate;
  Ratio selected_duplicate_rate;  ///< as duplicate_rate, selected pure tracks only
  Ratio selected_impure_rate;     ///< as impure_rate, selected tracks
  BinnedRatio efficiency_vs_pt;   ///< variable "pt" [GeV]
  BinnedRatio efficiency_vs_eta;  ///< variable "eta"
  /// as efficiency_vs_pt / _vs_eta, found only by selected tracks (the selected efficiency per bin)
  BinnedRatio selected_efficiency_vs_pt;
  BinnedRatio selected_efficiency_vs_eta;
  ParameterResolution resolution;  ///< track parameter residuals of matched tracks, bins of true pT
  std::uint64_t n_events = 0;
  std::uint64_t n_particles = 0;       ///< non-noise particles with >= 1 truth hit
  std::uint64_t n_tracks = 0;          ///< all tracks, before the min_track_hits cut
  std::uint64_t n_short_tracks = 0;    ///< tracks with fewer than min_track_hits hits
  std::uint64_t n_matched_tracks = 0;  ///< tracks (>= min_track_hits) matched to a particle
  std::uint64_t n_pure_tracks = 0;     ///< tracks (>= min_track_hits) that are pure
  std::uint64_t n_assigned_hits = 0;   ///< truth hits that are in some track
  std::uint64_t n_truth_hits = 0;

  /// Adds the counts of another result with the same configuration (throws
  /// trkx::Error if the pT thresholds or the track selection differ).
  void merge(const TrackingPerformance& other);
};

/// Matches tracks to particles and computes efficiencies, fake and duplicate
/// rates for one event. Thread-safe: evaluate() is const.
class TrackingEvaluator {
 public:
  struct Config {
    std::vector<double> pt_thresholds = {1.0, 0.5};  ///< [GeV]; the first is the headline one
    std::size_t min_particle_hits = 5;        ///< reconstructable particles have at least this many hits
    std::size_t min_track_hits = 5;           ///< shorter tracks are ignored by all rates
    double eta_max = 4.0;                     ///< reconstructable particles have |eta| <= eta_max
    double match_fraction = 0.5;              ///< both shared-hit fractions must exceed this
    double track_pt_min = 1.0;                ///< [GeV] selected rates: tracks with reconstructed pT > this
    double track_eta_max = 4.0;               ///< selected rates: tracks with reconstructed |eta| < this
    std::size_t track_min_hits = 0;           ///< selected rates: tracks with at least this many hits
    double bz = 2.0;                          ///< solenoid field [T] for the reconstructed pT
    bool track_id_zero_is_unassigned = true;  ///< track id 0 = hit in no track
    /// pT bin edges [GeV] of the parameter resolution.
    std::vector<double> resolution_pt_bins = {0.5, 1.0, 2.0, 5.0, 100.0};
    /// [mm] the parameter resolution counts particles produced this close to the beam line.
    double resolution_max_vertex_r = 1.0;
    /// pT bin edges [GeV] of the efficiency-versus-pT histogram.
    std::vector<double> pt_bins = {0.5, 0.6, 0.7, 0.8, 0.9, 1.0,  1.2,  1.5,  2.0,
                                   2.5, 3.0, 4.0, 5.0, 7.0, 10.0, 20.0, 50.0, 100.0};
    /// eta bin edges of the efficiency-versus-eta histogram.
    std::vector<double> eta_bins = {-4.0, -3.6, -3.2, -2.8, -2.4, -2.0, -1.6, -1.2, -0.8, -0.4, 0.0,
                                    0.4,  0.8,  1.2,  1.6,  2.0,  2.4,  2.8,  3.2,  3.6,  4.0};
  };

  /// Throws trkx::Error for an invalid configuration (no thresholds, bad bins,
  /// match_fraction outside [0, 1), bz <= 0, NaN track selection).
  explicit TrackingEvaluator(Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// Performance of `tracks` on one event (needs truth; particles optional;
  /// hits for the selected rates). Throws trkx::InputError if a hit id appears
  /// twice in truth or tracks.
  [[nodiscard]] TrackingPerformance evaluate(const Event& event, const TrackAssignment& tracks) const;

  /// An empty result with this configuration (the start of an aggregation).
  [[nodiscard]] TrackingPerformance empty_result() const;

  /// All tracks of one event with their majority particle, sorted by track id
  /// (no min_track_hits cut).
  [[nodiscard]] std::vector<TrackMatch> match_tracks(const TruthView& truth,
                                                     const TrackAssignment& tracks) const;

  /// Reconstructed parameters of every track of one event from its hits in
  /// event.hits, sorted by track id (same tracks and order as match_tracks();
  /// invalid parameters when the track has hits missing from event.hits).
  [[nodiscard]] std::vector<std::pair<std::int64_t, TrackParameters>> track_parameters(
      const Event& event, const TrackAssignment& tracks) const;

  /// Hit counts and kinematics of every non-noise particle of the truth,
  /// sorted by particle id.
  [[nodiscard]] static std::vector<ParticleInfo> particle_infos(const Event& event);

 private:
  Config config_;
};

}  // namespace trkx::eval
