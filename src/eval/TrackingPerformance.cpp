#include "trkx/eval/TrackingPerformance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "TrackGrouping.hpp"
#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

double pseudorapidity(double px, double py, double pz) {
  const double pt = std::hypot(px, py);
  if (pt == 0.0) {
    if (pz == 0.0) return 0.0;
    return pz > 0.0 ? std::numeric_limits<double>::infinity() : -std::numeric_limits<double>::infinity();
  }
  return std::asinh(pz / pt);
}

}  // namespace

void TrackingPerformance::merge(const TrackingPerformance& other) {
  if (other.pt_thresholds != pt_thresholds) {
    throw Error("cannot merge tracking performances with different pT thresholds");
  }
  if (other.track_pt_min != track_pt_min || other.track_eta_max != track_eta_max ||
      other.track_min_hits != track_min_hits) {
    throw Error("cannot merge tracking performances with different track selections");
  }
  for (std::size_t i = 0; i < efficiency.size(); ++i) {
    efficiency[i] += other.efficiency[i];
    selected_efficiency[i] += other.selected_efficiency[i];
  }
  fake_rate += other.fake_rate;
  duplicate_rate += other.duplicate_rate;
  impure_rate += other.impure_rate;
  selected_impure_rate += other.selected_impure_rate;
  selected_fake_rate += other.selected_fake_rate;
  selected_duplicate_rate += other.selected_duplicate_rate;
  efficiency_vs_pt.merge(other.efficiency_vs_pt);
  efficiency_vs_eta.merge(other.efficiency_vs_eta);
  selected_efficiency_vs_pt.merge(other.selected_efficiency_vs_pt);
  selected_efficiency_vs_eta.merge(other.selected_efficiency_vs_eta);
  resolution.merge(other.resolution);
  n_events += other.n_events;
  n_particles += other.n_particles;
  n_tracks += other.n_tracks;
  n_short_tracks += other.n_short_tracks;
  n_matched_tracks += other.n_matched_tracks;
  n_pure_tracks += other.n_pure_tracks;
  n_assigned_hits += other.n_assigned_hits;
  n_truth_hits += other.n_truth_hits;
}

TrackingEvaluator::TrackingEvaluator(Config config) : config_(std::move(config)) {
  if (config_.pt_thresholds.empty()) throw Error("TrackingEvaluator: pt_thresholds must not be empty");
  if (!(config_.match_fraction >= 0.0 && config_.match_fraction < 1.0)) {
    throw Error("TrackingEvaluator: match_fraction must be in [0, 1), found " +
                std::to_string(config_.match_fraction));
  }
  if (!(config_.bz > 0.0)) {
    throw Error("TrackingEvaluator: bz must be positive, found " + std::to_string(config_.bz) + " T");
  }
  if (std::isnan(config_.track_pt_min) || std::isnan(config_.track_eta_max)) {
    throw Error("TrackingEvaluator: track_pt_min and track_eta_max must not be NaN");
  }
  // Validates the binning (throws on bad edges).
  (void)empty_result();
}

TrackingPerformance TrackingEvaluator::empty_result() const {
  TrackingPerformance result;
  result.pt_thresholds = config_.pt_thresholds;
  result.efficiency.assign(config_.pt_thresholds.size(), Ratio{});
  result.selected_efficiency.assign(config_.pt_thresholds.size(), Ratio{});
  result.track_pt_min = config_.track_pt_min;
  result.track_eta_max = config_.track_eta_max;
  result.track_min_hits = config_.track_min_hits;
  result.efficiency_vs_pt = BinnedRatio("pt", config_.pt_bins);
  result.efficiency_vs_eta = BinnedRatio("eta", config_.eta_bins);
  result.selected_efficiency_vs_pt = result.efficiency_vs_pt;
  result.selected_efficiency_vs_eta = result.efficiency_vs_eta;
  result.resolution = ParameterResolution(config_.resolution_pt_bins);
  return result;
}

std::vector<TrackMatch> TrackingEvaluator::match_tracks(const TruthView& truth,
                                                        const TrackAssignment& tracks) const {
  const auto truth_index = detail::index_truth_hits(truth);
  const auto particle_hits = detail::count_particle_hits(truth);
  const auto rows = detail::submission_rows(truth_index, tracks, truth.size());

  std::vector<detail::TrackHit> hits;
  hits.reserve(tracks.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] == detail::kNoRow) continue;
    if (config_.track_id_zero_is_unassigned && tracks.track_id[i] == 0) continue;
    hits.push_back({tracks.track_id[i], truth.particle_id[rows[i]], 0.0});
  }

  std::vector<TrackMatch> matches;
  detail::for_each_track(hits, [&](const detail::TrackMajority& track) {
    TrackMatch match;
    match.track_id = track.track_id;
    match.n_hits = track.n_hits;
    match.majority_particle = track.particle_id;
    match.n_majority_hits = track.n_particle_hits_in_track;
    match.n_particle_hits = particle_hits.at(track.particle_id);
    match.pure = track.particle_id != 0 &&
                 detail::exceeds_fraction(match.n_majority_hits, match.n_hits, config_.match_fraction);
    match.matched = match.pure && detail::exceeds_fraction(match.n_majority_hits, match.n_particle_hits,
                                                           config_.match_fraction);
    matches.push_back(match);
  });
  return matches;
}

std::vector<std::pair<std::int64_t, TrackParameters>> TrackingEvaluator::track_parameters(
    const Event& event, const TrackAssignment& tracks) const {
  const TruthView truth = event.truth.view();
  const HitsView hits = event.hits.view();
  const auto rows = detail::submission_rows(detail::index_truth_hits(truth), tracks, truth.size());
  std::unordered_map<HitId, std::size_t> hit_row;
  hit_row.reserve(hits.size());
  for (std::size_t i = 0; i < hits.size(); ++i) hit_row.emplace(hits.hit_id[i], i);

  // (track id, row in the hits table or kNoRow), the same hits as match_tracks().
  std::vector<std::pair<std::int64_t, std::size_t>> members;
  members.reserve(tracks.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] == detail::kNoRow) continue;
    if (config_.track_id_zero_is_unassigned && tracks.track_id[i] == 0) continue;
    const auto it = hit_row.find(tracks.hit_id[i]);
    members.emplace_back(tracks.track_id[i], it == hit_row.end() ? detail::kNoRow : it->second);
  }
  std::sort(members.begin(), members.end());

  std::vector<std::pair<std::int64_t, TrackParameters>> result;
  std::vector<double> x;
  std::vector<double> y;
  std::vector<double> z;
  std::size_t begin = 0;
  while (begin < members.size()) {
    const std::int64_t track_id = members[begin].first;
    std::size_t end = begin;
    bool complete = true;
    x.clear();
    y.clear();
    z.clear();
    for (; end < members.size() && members[end].first == track_id; ++end) {
      const std::size_t row = members[end].second;
      if (row == detail::kNoRow) {
        complete = false;
        continue;
      }
      x.push_back(hits.x[row]);
      y.push_back(hits.y[row]);
      z.push_back(hits.z[row]);
    }
    result.emplace_back(track_id,
                        complete ? estimate_track_parameters(x, y, z, config_.bz) : TrackParameters{});
    begin = end;
  }
  return result;
}

std::vector<ParticleInfo> TrackingEvaluator::particle_infos(const Event& event) {
  const TruthView truth = event.truth.view();
  const ParticlesView particles = event.particles.view();
  std::unordered_map<ParticleId, std::size_t> particle_row;
  particle_row.reserve(particles.size());
  for (std::size_t i = 0; i < particles.size(); ++i) particle_row.emplace(particles.particle_id[i], i);

  // particle id -> (hit count, truth row of the hit nearest the origin)
  struct Accumulator {
    std::uint64_t n_hits = 0;
    std::size_t innermost_row = 0;
    double innermost_r2 = std::numeric_limits<double>::infinity();
  };
  std::unordered_map<ParticleId, Accumulator> per_particle;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const ParticleId p = truth.particle_id[i];
    if (p == 0) continue;
    Accumulator& acc = per_particle[p];
    ++acc.n_hits;
    if (!truth.tx.empty()) {
      const double r2 = static_cast<double>(truth.tx[i]) * truth.tx[i] +
                        static_cast<double>(truth.ty[i]) * truth.ty[i] +
                        static_cast<double>(truth.tz[i]) * truth.tz[i];
      if (r2 < acc.innermost_r2) {
        acc.innermost_r2 = r2;
        acc.innermost_row = i;
      }
    }
  }

  std::vector<ParticleInfo> infos;
  infos.reserve(per_particle.size());
  for (const auto& [id, acc] : per_particle) {
    ParticleInfo info;
    info.particle_id = id;
    info.n_hits = acc.n_hits;
    double px = 0.0;
    double py = 0.0;
    double pz = 0.0;
    if (const auto it = particle_row.find(id); it != particle_row.end()) {
      px = particles.px[it->second];
      py = particles.py[it->second];
      pz = particles.pz[it->second];
      info.listed = true;
      info.vertex_r = std::hypot(static_cast<double>(particles.vx[it->second]), particles.vy[it->second]);
    } else if (!truth.tpx.empty()) {
      px = truth.tpx[acc.innermost_row];
      py = truth.tpy[acc.innermost_row];
      pz = truth.tpz[acc.innermost_row];
    }
    info.pt = std::hypot(px, py);
    info.eta = pseudorapidity(px, py, pz);
    infos.push_back(info);
  }
  std::sort(infos.begin(), infos.end(),
            [](const ParticleInfo& a, const ParticleInfo& b) { return a.particle_id < b.particle_id; });
  return infos;
}

TrackingPerformance TrackingEvaluator::evaluate(const Event& event, const TrackAssignment& tracks) const {
  const TruthView truth = event.truth.view();
  TrackingPerformance result = empty_result();
  result.n_events = 1;
  result.n_truth_hits = truth.size();

  const std::vector<TrackMatch> matches = match_tracks(truth, tracks);
  const auto parameters = track_parameters(event, tracks);
  if (parameters.size() != matches.size()) {
    throw Error("TrackingEvaluator: internal error, " + std::to_string(parameters.size()) +
                " track parameters for " + std::to_string(matches.size()) + " tracks");
  }
  // Particles produced near the beam line, for the parameter resolution.
  const ParticlesView particles = event.particles.view();
  std::unordered_map<ParticleId, std::size_t> prompt_row;
  const double max_r2 = config_.resolution_max_vertex_r * config_.resolution_max_vertex_r;
  for (std::size_t i = 0; i < particles.size(); ++i) {
    const double vx = particles.vx[i];
    const double vy = particles.vy[i];
    if (vx * vx + vy * vy <= max_r2) prompt_row.emplace(particles.particle_id[i], i);
  }
  std::unordered_set<ParticleId> matched_particles;
  std::unordered_set<ParticleId> pure_particles;
  std::unordered_set<ParticleId> selected_pure_particles;
  std::unordered_set<ParticleId> selected_matched_particles;
  for (std::size_t i = 0; i < matches.size(); ++i) {
    const TrackMatch& m = matches[i];
    if (parameters[i].first != m.track_id)
      throw Error("TrackingEvaluator: internal error, track order differs");
    ++result.n_tracks;
    result.n_assigned_hits += m.n_hits;
    if (m.n_hits < config_.min_track_hits) {
      ++result.n_short_tracks;
      continue;
    }
    const TrackParameters& reco = parameters[i].second;
    if (reco.valid() && reco.pt > config_.track_pt_min && std::abs(reco.eta) < config_.track_eta_max &&
        m.n_hits >= config_.track_min_hits) {
      if (m.matched) selected_matched_particles.insert(m.majority_particle);
      result.selected_fake_rate.fill(!m.matched);
      result.selected_impure_rate.fill(!m.pure);
      if (m.pure) {
        result.selected_duplicate_rate.fill(!selected_pure_particles.insert(m.majority_particle).second);
      }
    }
    result.fake_rate.fill(!m.matched);
    result.impure_rate.fill(!m.pure);
    if (m.matched) {
      ++result.n_matched_tracks;
      matched_particles.insert(m.majority_particle);
      if (const auto it = prompt_row.find(m.majority_particle); it != prompt_row.end()) {
        const std::size_t row = it->second;
        const double px = particles.px[row];
        const double py = particles.py[row];
        TrueParameters particle;
        particle.pt = std::hypot(px, py);
        particle.eta = pseudorapidity(px, py, particles.pz[row]);
        particle.phi = std::atan2(py, px);
        particle.z0 = particles.vz[row];
        particle.charge = particles.q[row];
        if (std::abs(particle.eta) <= config_.eta_max) result.resolution.fill(reco, particle);
      }
    }
    if (m.pure) {
      ++result.n_pure_tracks;
      // A pure track whose particle already has a pure track is a duplicate.
      result.duplicate_rate.fill(!pure_particles.insert(m.majority_particle).second);
    }
  }

  for (const ParticleInfo& p : particle_infos(event)) {
    ++result.n_particles;
    if (p.n_hits < config_.min_particle_hits || !(std::abs(p.eta) <= config_.eta_max)) continue;
    const bool found = matched_particles.contains(p.particle_id);
    const bool found_selected = selected_matched_particles.contains(p.particle_id);
    for (std::size_t t = 0; t < config_.pt_thresholds.size(); ++t) {
      if (!(p.pt >= config_.pt_thresholds[t])) continue;
      result.efficiency[t].fill(found);
      result.selected_efficiency[t].fill(found_selected);
    }
    result.efficiency_vs_pt.fill(p.pt, found);
    result.selected_efficiency_vs_pt.fill(p.pt, found_selected);
    if (p.pt >= config_.pt_thresholds.front()) {
      result.efficiency_vs_eta.fill(p.eta, found);
      result.selected_efficiency_vs_eta.fill(p.eta, found_selected);
    }
  }
  return result;
}

}  // namespace trkx::eval
