#pragma once
/// @file TrackMLScore.hpp
/// The TrackML challenge score of one event (Amrouche et al., "The Tracking
/// Machine Learning challenge: Accuracy phase", 2019; the `score_event`
/// function of the official trackml-library), re-implemented from its
/// definition:
///
/// - Every hit of the truth carries a weight (0 for noise hits and for hits of
///   particles with 3 or fewer hits in the official data sets).
/// - The submission assigns each hit a track id. All hits with the same track
///   id form one track, including track id 0 (the official scorer gives 0 no
///   special meaning). Hits of the truth missing from the submission each form
///   a one-hit track (what the official scorer's left join does). Submission
///   rows whose hit is not in the truth are ignored (counted in `n_unknown_hits`).
/// - A track's majority particle is the particle (noise, id 0, included) owning
///   the most of its hits. The track is good when that particle owns strictly
///   more than half of the track's hits AND the track holds strictly more than
///   half of that particle's hits (hit counts of particles from the truth).
///   A track with exactly 50% is not good.
/// - score = (sum of the weights of the majority particle's hits in good tracks)
///   / (sum of all truth weights). Official events have weights summing to 1.
///   Each particle can be matched by at most one good track (double majority).

#include <cstddef>
#include <cstdint>
#include <vector>

#include "trkx/core/EventData.hpp"

namespace trkx::eval {

/// TrackML score of one event and what went into it.
struct TrackMLScore {
  double score = 0.0;                ///< in [0, 1]; NaN if all truth weights are 0
  double total_weight = 0.0;         ///< sum of the truth weights (normalisation)
  double good_weight = 0.0;          ///< un-normalised sum over good tracks
  std::uint64_t n_tracks = 0;        ///< tracks scored (incl. one-hit tracks of missing hits)
  std::uint64_t n_good_tracks = 0;   ///< tracks passing the double 50% majority
  std::uint64_t n_missing_hits = 0;  ///< truth hits absent from the submission
  std::uint64_t n_unknown_hits = 0;  ///< submission hits absent from the truth (ignored)
};

/// The score weight of one particle: all of its truth hits, and the part its
/// good track (if any) collects.
struct ParticleScore {
  ParticleId particle_id = 0;
  double weight = 0.0;        ///< sum of the weights of the particle's truth hits
  double found_weight = 0.0;  ///< weight of its hits in its good track; 0 without one
  bool found = false;         ///< it has a good track (also when its weight is 0)
};

/// Scores `tracks` against `truth` (hit_id, particle_id and weight are used).
/// Throws trkx::InputError if a hit id appears twice in the truth or in the
/// submission.
TrackMLScore trackml_score(const TruthView& truth, const TrackAssignment& tracks);

/// As above; also fills `particles` with every non-noise particle of the
/// truth, sorted by particle id (the sum of found_weight is good_weight).
TrackMLScore trackml_score(const TruthView& truth, const TrackAssignment& tracks,
                           std::vector<ParticleScore>& particles);

}  // namespace trkx::eval
