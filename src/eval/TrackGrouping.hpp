#pragma once
// Internal helpers shared by the score and the performance: hit id lookup and
// the per-track majority-particle sweep.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "trkx/core/Error.hpp"
#include "trkx/core/EventData.hpp"

namespace trkx::eval::detail {

/// hit id -> row of the truth; throws on a duplicate hit id.
inline std::unordered_map<HitId, std::size_t> index_truth_hits(const TruthView& truth) {
  std::unordered_map<HitId, std::size_t> index;
  index.reserve(truth.size());
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (!index.emplace(truth.hit_id[i], i).second) {
      throw InputError("truth", i + 1, "hit_id",
                       "hit id " + std::to_string(truth.hit_id[i]) + " appears twice");
    }
  }
  return index;
}

/// particle id -> number of truth hits (noise, id 0, included).
inline std::unordered_map<ParticleId, std::uint64_t> count_particle_hits(const TruthView& truth) {
  std::unordered_map<ParticleId, std::uint64_t> counts;
  for (const ParticleId p : truth.particle_id) ++counts[p];
  return counts;
}

/// One assigned hit: its track, its particle and its weight.
struct TrackHit {
  std::int64_t track_id;
  ParticleId particle_id;
  double weight;
};

/// For each submission row: the truth row of its hit, or npos if the hit is
/// not in the truth. Throws on a duplicate hit id in the submission.
inline constexpr std::size_t kNoRow = static_cast<std::size_t>(-1);
inline std::vector<std::size_t> submission_rows(const std::unordered_map<HitId, std::size_t>& truth_index,
                                                const TrackAssignment& tracks, std::size_t n_truth) {
  if (tracks.hit_id.size() != tracks.track_id.size()) {
    throw InputError("submission", 0, "track_id",
                     "expected one track id per hit, found " + std::to_string(tracks.track_id.size()) +
                         " track ids for " + std::to_string(tracks.hit_id.size()) + " hits");
  }
  std::vector<std::size_t> rows(tracks.size(), kNoRow);
  std::vector<bool> seen(n_truth, false);
  std::unordered_map<HitId, std::size_t> unknown_seen;
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    const auto it = truth_index.find(tracks.hit_id[i]);
    if (it == truth_index.end()) {
      if (!unknown_seen.emplace(tracks.hit_id[i], i).second) {
        throw InputError("submission of event " + std::to_string(tracks.event_id), i + 1, "hit_id",
                         "hit id " + std::to_string(tracks.hit_id[i]) + " appears twice");
      }
      continue;
    }
    if (seen[it->second]) {
      throw InputError("submission of event " + std::to_string(tracks.event_id), i + 1, "hit_id",
                       "hit id " + std::to_string(tracks.hit_id[i]) + " appears twice");
    }
    seen[it->second] = true;
    rows[i] = it->second;
  }
  return rows;
}

/// Majority particle of one track.
struct TrackMajority {
  std::int64_t track_id = 0;
  std::uint64_t n_hits = 0;
  ParticleId particle_id = 0;
  std::uint64_t n_particle_hits_in_track = 0;
  double particle_weight_in_track = 0.0;
};

/// Sorts `hits` by (track, particle) and calls `visit(TrackMajority)` once per
/// track, in increasing track id. Ties between particles go to the smaller id.
template <typename Visit>
void for_each_track(std::vector<TrackHit>& hits, Visit&& visit) {
  std::sort(hits.begin(), hits.end(), [](const TrackHit& a, const TrackHit& b) {
    return a.track_id != b.track_id ? a.track_id < b.track_id : a.particle_id < b.particle_id;
  });
  std::size_t begin = 0;
  while (begin < hits.size()) {
    TrackMajority track;
    track.track_id = hits[begin].track_id;
    std::size_t end = begin;
    while (end < hits.size() && hits[end].track_id == track.track_id) {
      // One run of equal particle ids inside the track.
      const ParticleId particle = hits[end].particle_id;
      std::uint64_t count = 0;
      double weight = 0.0;
      while (end < hits.size() && hits[end].track_id == track.track_id && hits[end].particle_id == particle) {
        ++count;
        weight += hits[end].weight;
        ++end;
      }
      if (count > track.n_particle_hits_in_track) {
        track.particle_id = particle;
        track.n_particle_hits_in_track = count;
        track.particle_weight_in_track = weight;
      }
      track.n_hits += count;
    }
    visit(track);
    begin = end;
  }
}

/// a / b > fraction, exactly for fraction 0.5 (integer arithmetic).
inline bool exceeds_fraction(std::uint64_t part, std::uint64_t whole, double fraction) {
  if (fraction == 0.5) return 2 * part > whole;
  return static_cast<double>(part) > fraction * static_cast<double>(whole);
}

}  // namespace trkx::eval::detail
