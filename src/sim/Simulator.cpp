#include "trkx/sim/Simulator.hpp"

#include <fmt/format.h>

#include <algorithm>
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
  std::unordered_set<std::uint64_t> interactions;
  for (std::size_t i = 0; i < event.particles.size(); ++i) {
    // Simulated ids: (interaction + 1) << 40 | generation << 32 | index + 1.
    const auto id = static_cast<std::uint64_t>(event.particles.particle_id[i]);
    interactions.insert(id >> 40);
    const double pt = std::hypot(event.particles.px[i], event.particles.py[i]);
    const bool secondary = std::hypot(event.particles.vx[i], event.particles.vy[i]) > 1.0;
    const auto nhits = static_cast<std::size_t>(std::max(event.particles.nhits[i], 0));
    for (ParticleStats* set : {&s.listed, &s.with_hits}) {
      if (set == &s.with_hits && nhits == 0) continue;
      ++set->count;
      set->pt_sum += pt;
      set->hits += nhits;
      if (pt > 1.0) ++set->pt_above_1;
      if (secondary) ++set->secondaries;
    }
    const double eta = pt > 0 ? std::asinh(event.particles.pz[i] / pt) : 0.0;
    if (!secondary && ((id >> 32) & 0xFFu) == 0 && std::abs(eta) < 4.0) {
      ++s.primaries_central;
      if (std::abs(eta) < 1.0) ++s.primaries_eta1;
    }
  }
  s.interactions = interactions.size();
  return s;
}

std::string format_summary(const std::vector<EventSummary>& summaries) {
  if (summaries.empty()) return "no events\n";
  double hits = 0, noise = 0, cells = 0, primaries = 0, primaries_eta1 = 0, interactions = 0;
  double min_hits = 1e300, max_hits = 0;
  ParticleStats listed, with_hits;
  auto add = [](ParticleStats& sum, const ParticleStats& x) {
    sum.count += x.count;
    sum.secondaries += x.secondaries;
    sum.pt_above_1 += x.pt_above_1;
    sum.hits += x.hits;
    sum.pt_sum += x.pt_sum;
  };
  for (const auto& s : summaries) {
    hits += static_cast<double>(s.hits);
    noise += static_cast<double>(s.noise_hits);
    cells += static_cast<double>(s.cells);
    add(listed, s.listed);
    add(with_hits, s.with_hits);
    primaries += static_cast<double>(s.primaries_central);
    primaries_eta1 += static_cast<double>(s.primaries_eta1);
    interactions += static_cast<double>(s.interactions);
    min_hits = std::min(min_hits, static_cast<double>(s.hits));
    max_hits = std::max(max_hits, static_cast<double>(s.hits));
  }
  const double n = static_cast<double>(summaries.size());
  auto ratio = [](double a, double b) { return b > 0 ? a / b : 0.0; };
  auto share = [&](std::size_t a, std::size_t b) {
    return ratio(static_cast<double>(a), static_cast<double>(b));
  };
  std::string out;
  out += fmt::format("events                   {}\n", summaries.size());
  out +=
      fmt::format("hits per event           {:.0f} (min {:.0f}, max {:.0f})\n", hits / n, min_hits, max_hits);
  out += fmt::format("cells per hit            {:.2f}\n", ratio(cells, hits));
  out += fmt::format("noise fraction           {:.3f}\n", ratio(noise, hits));
  out += fmt::format("                         listed (particles.csv)   with hits\n");
  out += fmt::format("particles per event      {:<24.0f} {:.0f}\n", static_cast<double>(listed.count) / n,
                     static_cast<double>(with_hits.count) / n);
  out += fmt::format(
      "hits per particle        {:<24.2f} {:.2f}  (signal hits / particles = mean nhits; all hits / "
      "listed: {:.2f})\n",
      listed.hits_per_particle(), with_hits.hits_per_particle(),
      ratio(hits, static_cast<double>(listed.count)));
  out += fmt::format("mean pT [GeV]            {:<24.3f} {:.3f}\n", listed.mean_pt(), with_hits.mean_pt());
  out += fmt::format("fraction pT > 1 GeV      {:<24.3f} {:.3f}\n", share(listed.pt_above_1, listed.count),
                     share(with_hits.pt_above_1, with_hits.count));
  out += fmt::format("fraction vertex r > 1 mm {:<24.3f} {:.3f}  (secondaries)\n",
                     share(listed.secondaries, listed.count), share(with_hits.secondaries, with_hits.count));
  out += fmt::format("interactions per event   {:.1f}  (that left listed particles)\n", interactions / n);
  out += fmt::format(
      "primary dN/deta          {:.2f}  (listed charged primaries per interaction and unit eta, |eta| < 4, "
      "generated pT > pt_min)\n",
      ratio(primaries, interactions * 8.0));
  out += fmt::format("primary dN/deta |eta|<1  {:.2f}  (same, central)\n",
                     ratio(primaries_eta1, interactions * 2.0));
  return out;
}

}  // namespace trkx::sim
