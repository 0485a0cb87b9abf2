#include "trkx/eval/TrackMLScore.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <vector>

#include "TrackGrouping.hpp"

namespace trkx::eval {

namespace {

/// The score; `on_good(particle_id, weight)` is called for every good track.
template <typename OnGood>
TrackMLScore score_event(const TruthView& truth, const TrackAssignment& tracks, OnGood&& on_good) {
  const auto truth_index = detail::index_truth_hits(truth);
  const auto particle_hits = detail::count_particle_hits(truth);
  const auto rows = detail::submission_rows(truth_index, tracks, truth.size());

  TrackMLScore result;
  for (const float w : truth.weight) result.total_weight += static_cast<double>(w);

  std::vector<bool> in_submission(truth.size(), false);
  std::vector<detail::TrackHit> hits;
  hits.reserve(tracks.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] == detail::kNoRow) {
      ++result.n_unknown_hits;
      continue;
    }
    in_submission[rows[i]] = true;
    const double weight = truth.weight.empty() ? 0.0 : static_cast<double>(truth.weight[rows[i]]);
    hits.push_back({tracks.track_id[i], truth.particle_id[rows[i]], weight});
  }

  const auto score_track = [&](const detail::TrackMajority& track) {
    ++result.n_tracks;
    const std::uint64_t particle_total = particle_hits.at(track.particle_id);
    if (2 * track.n_particle_hits_in_track > track.n_hits &&
        2 * track.n_particle_hits_in_track > particle_total) {
      ++result.n_good_tracks;
      result.good_weight += track.particle_weight_in_track;
      on_good(track.particle_id, track.particle_weight_in_track);
    }
  };
  detail::for_each_track(hits, score_track);

  // Truth hits missing from the submission: one one-hit track each.
  for (std::size_t row = 0; row < truth.size(); ++row) {
    if (in_submission[row]) continue;
    ++result.n_missing_hits;
    detail::TrackMajority single;
    single.n_hits = 1;
    single.particle_id = truth.particle_id[row];
    single.n_particle_hits_in_track = 1;
    single.particle_weight_in_track = truth.weight.empty() ? 0.0 : static_cast<double>(truth.weight[row]);
    score_track(single);
  }

  result.score = result.total_weight > 0.0 ? result.good_weight / result.total_weight
                                           : std::numeric_limits<double>::quiet_NaN();
  return result;
}

}  // namespace

TrackMLScore trackml_score(const TruthView& truth, const TrackAssignment& tracks) {
  return score_event(truth, tracks, [](ParticleId, double) {});
}

TrackMLScore trackml_score(const TruthView& truth, const TrackAssignment& tracks,
                           std::vector<ParticleScore>& particles) {
  std::unordered_map<ParticleId, std::size_t> slot;
  particles.clear();
  for (std::size_t row = 0; row < truth.size(); ++row) {
    const ParticleId p = truth.particle_id[row];
    if (p == 0) continue;
    const auto [it, added] = slot.emplace(p, particles.size());
    if (added) particles.push_back({p, 0.0, 0.0, false});
    particles[it->second].weight += truth.weight.empty() ? 0.0 : static_cast<double>(truth.weight[row]);
  }
  const TrackMLScore result = score_event(truth, tracks, [&](ParticleId p, double weight) {
    // A particle has at most one good track (it holds more than half of the particle's hits).
    if (p == 0) return;
    ParticleScore& particle = particles[slot.at(p)];
    particle.found_weight += weight;
    particle.found = true;
  });
  std::sort(particles.begin(), particles.end(),
            [](const ParticleScore& a, const ParticleScore& b) { return a.particle_id < b.particle_id; });
  return result;
}

}  // namespace trkx::eval
