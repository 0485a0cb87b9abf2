#include "trkx/sim/Simulator.hpp"

#include <fmt/format.h>

#include <cmath>
#include <unordered_set>

namespace trkx::sim {

Simulator::Simulator(DetectorGeometry detector, Config config)
    : config_(config),
      geometry_(std::make_unique<TrackingGeometry>(std::move(detector), config.navigation)),
      generator_(config.physics),
      propagator_(*geometry_, config.propagation),
      response_(*geometry_, config.response) {}

Event Simulator::simulate(std::uint64_t event_id) const {
  Rng rng(event_seed(config_.seed, event_id));
  auto particles = generator_.generate(rng);
  std::vector<SimHit> hits;
  hits.reserve(particles.size() * 10);
  propagator_.transport_all(particles, rng, hits);
  return response_.digitize(event_id, particles, hits, rng);
}

Event Simulator::simulate_particles(std::uint64_t event_id, std::vector<SimParticle> particles) const {
  Rng rng(event_seed(config_.seed, event_id));
  std::vector<SimHit> hits;
  propagator_.transport_all(particles, rng, hits);
  return response_.digitize(event_id, particles, hits, rng);
}

EventSummary summarize(const Event& event) {
  EventSummary s;
  s.event_id = event.event_id;
  s.hits = event.hits.size();
  s.cells = event.cells.size();
  for (std::size_t i = 0; i < event.truth.size(); ++i) {
    if (event.truth.particle_id[i] == 0) ++s.noise_hits;
    s.weight_sum += event.truth.weight[i];
  }
  double sum_pt = 0;
  std::unordered_set<std::uint64_t> interactions;
  for (std::size_t i = 0; i < event.particles.size(); ++i) {
    if (event.particles.nhits[i] <= 0) continue;
    ++s.particles;
    // Simulated ids: (interaction + 1) << 40 | generation << 32 | index + 1.
    const auto id = static_cast<std::uint64_t>(event.particles.particle_id[i]);
    interactions.insert(id >> 40);
    const double pt = std::hypot(event.particles.px[i], event.particles.py[i]);
    sum_pt += pt;
    if (pt > 1.0) ++s.particles_pt_above_1;
    const bool secondary = std::hypot(event.particles.vx[i], event.particles.vy[i]) > 1.0;
    if (secondary) ++s.secondaries;
    const double eta = pt > 0 ? std::asinh(event.particles.pz[i] / pt) : 0.0;
    if (!secondary && ((id >> 32) & 0xFFu) == 0 && std::abs(eta) < 4.0) {
      ++s.primaries_central;
      if (std::abs(eta) < 1.0) ++s.primaries_eta1;
    }
  }
  s.interactions = interactions.size();
  s.mean_pt = s.particles ? sum_pt / static_cast<double>(s.particles) : 0.0;
  return s;
}

std::string format_summary(const std::vector<EventSummary>& summaries) {
  if (summaries.empty()) return "no events\n";
  double hits = 0, noise = 0, particles = 0, secondaries = 0, above1 = 0, sum_pt = 0, cells = 0;
  double primaries = 0, primaries_eta1 = 0, interactions = 0;
  double min_hits = 1e300, max_hits = 0;
  for (const auto& s : summaries) {
    hits += static_cast<double>(s.hits);
    noise += static_cast<double>(s.noise_hits);
    cells += static_cast<double>(s.cells);
    particles += static_cast<double>(s.particles);
    secondaries += static_cast<double>(s.secondaries);
    above1 += static_cast<double>(s.particles_pt_above_1);
    primaries += static_cast<double>(s.primaries_central);
    primaries_eta1 += static_cast<double>(s.primaries_eta1);
    interactions += static_cast<double>(s.interactions);
    sum_pt += s.mean_pt * static_cast<double>(s.particles);
    min_hits = std::min(min_hits, static_cast<double>(s.hits));
    max_hits = std::max(max_hits, static_cast<double>(s.hits));
  }
  const double n = static_cast<double>(summaries.size());
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  std::string out;
  out += fmt::format("events                   {}\n", summaries.size());
  out +=
      fmt::format("hits per event           {:.0f} (min {:.0f}, max {:.0f})\n", hits / n, min_hits, max_hits);
  out += fmt::format("cells per hit            {:.2f}\n", ratio(cells, hits));
  out += fmt::format("noise fraction           {:.3f}\n", ratio(noise, hits));
  out += fmt::format("particles per event      {:.0f}  (charged, with hits)\n", particles / n);
  out += fmt::format("hits per particle        {:.2f}\n", ratio(hits - noise, particles));
  out += fmt::format("mean pT                  {:.3f} GeV\n", ratio(sum_pt, particles));
  out += fmt::format("fraction pT > 1 GeV      {:.3f}\n", ratio(above1, particles));
  out += fmt::format("fraction vertex r > 1 mm {:.3f}  (secondaries)\n", ratio(secondaries, particles));
  out += fmt::format("interactions per event   {:.1f}  (that left particles with hits)\n", interactions / n);
  out += fmt::format(
      "primary dN/deta          {:.2f}  (per interaction and unit eta, |eta| < 4: charged primaries with "
      "hits)\n",
      ratio(primaries, interactions * 8.0));
  out += fmt::format("primary dN/deta |eta|<1  {:.2f}  (same, central; generated pT > pt_min only)\n",
                     ratio(primaries_eta1, interactions * 2.0));
  return out;
}

}  // namespace trkx::sim
