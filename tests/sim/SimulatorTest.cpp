// Tests of the event simulation: hits on module planes, helix curvature,
// reproducibility across thread counts, event-level statistics and truth.
#include <gtest/gtest.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "trkx/core/Error.hpp"
#include "trkx/io/TrackML.hpp"
#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/Simulator.hpp"

namespace {

using trkx::Event;
using trkx::sim::Simulator;

Simulator::Config config_with(double pileup, trkx::sim::EventGenerator::HardScatter hs) {
  Simulator::Config c;
  c.seed = 42;
  c.physics.pileup = pileup;
  c.physics.hard_scatter = hs;
  return c;
}

constexpr auto kJets = trkx::sim::EventGenerator::HardScatter::kJets;
constexpr auto kNone = trkx::sim::EventGenerator::HardScatter::kNone;

const trkx::DetectorGeometry& builtin() {
  static const trkx::DetectorGeometry g = trkx::sim::trackml_detector();
  return g;
}

/// Checks that every hit (measured and true position) lies on its module's plane and inside it.
void expect_hits_on_modules(const Event& event, const trkx::DetectorGeometry& g) {
  ASSERT_GT(event.hits.size(), 0u);
  for (std::size_t i = 0; i < event.hits.size(); ++i) {
    const auto m = g.find({event.hits.volume_id[i], event.hits.layer_id[i], event.hits.module_id[i]});
    ASSERT_TRUE(m.has_value()) << "hit " << event.hits.hit_id[i] << " names a module not in the geometry";
    for (int truth = 0; truth < 2; ++truth) {
      const std::array<double, 3> p =
          truth ? std::array<double, 3>{event.truth.tx[i], event.truth.ty[i], event.truth.tz[i]}
                : std::array<double, 3>{event.hits.x[i], event.hits.y[i], event.hits.z[i]};
      const auto local = g.to_local(*m, p);
      ASSERT_LT(std::abs(local[2]), 1e-3) << "hit " << event.hits.hit_id[i] << " is off its module plane";
      const double hv = g.hv[*m];
      ASSERT_LE(std::abs(local[1]), hv + 1e-3);
      const double hu = g.min_hu[*m] + (g.max_hu[*m] - g.min_hu[*m]) * (local[1] + hv) / (2 * hv);
      ASSERT_LE(std::abs(local[0]), hu + 1e-3);
    }
  }
}

TEST(Simulator, HitsLieOnTheirModulePlanesAndInsideThem) {
  const Simulator sim(builtin(), config_with(10, kJets));
  expect_hits_on_modules(sim.simulate(7), builtin());
}

TEST(Simulator, RunsOnTheRealTrackMLDetectorFile) {
  const auto path =
      std::filesystem::path(TRKX_SOURCE_DIR) / ".." / "shared" / "data" / "trackml" / "detectors.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  const auto real = trkx::io::read_detectors(path);
  const Simulator sim(real, config_with(5, kJets));
  const Event event = sim.simulate(3);
  expect_hits_on_modules(event, sim.detector());
  EXPECT_GT(event.particles.size(), 100u);
}

/// Radius of the circle through (x, y) points (algebraic least-squares fit).
double fit_circle_radius(const std::vector<double>& x, const std::vector<double>& y) {
  // Solve x^2 + y^2 + D x + E y + F = 0 in the least-squares sense (normal equations, 3x3).
  double a[3][4] = {};
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double row[3] = {x[i], y[i], 1.0};
    const double rhs = -(x[i] * x[i] + y[i] * y[i]);
    for (int r = 0; r < 3; ++r) {
      for (int c = 0; c < 3; ++c) a[r][c] += row[r] * row[c];
      a[r][3] += row[r] * rhs;
    }
  }
  for (int p = 0; p < 3; ++p) {
    for (int r = p + 1; r < 3; ++r) {
      const double f = a[r][p] / a[p][p];
      for (int c = p; c < 4; ++c) a[r][c] -= f * a[p][c];
    }
  }
  double s[3];
  for (int r = 2; r >= 0; --r) {
    double v = a[r][3];
    for (int c = r + 1; c < 3; ++c) v -= a[r][c] * s[c];
    s[r] = v / a[r][r];
  }
  return std::sqrt(s[0] * s[0] / 4 + s[1] * s[1] / 4 - s[2]);
}

TEST(Simulator, HighPtTrackFitsAHelixWithTheRightRadius) {
  auto config = config_with(0, kNone);
  config.response.noise_fraction = 0;
  const Simulator sim(builtin(), config);
  for (const double pt : {5.0, 20.0}) {
    for (const int charge : {-1, 1}) {
      trkx::sim::SimParticle p;
      p.momentum = {pt * std::cos(0.7), pt * std::sin(0.7), pt * std::sinh(0.3)};
      p.charge = charge;
      p.species = trkx::sim::Species::kMuon;
      const Event event = sim.simulate_particles(11, {p});
      std::vector<double> x, y;
      for (std::size_t i = 0; i < event.hits.size(); ++i) {
        if (event.truth.particle_id[i] == 0) continue;
        x.push_back(event.hits.x[i]);
        y.push_back(event.hits.y[i]);
      }
      ASSERT_GE(x.size(), 9u);
      const double radius_m = fit_circle_radius(x, y) / 1000.0;
      EXPECT_NEAR(0.3 * 2.0 * radius_m / pt, 1.0, 0.03) << "pT " << pt << " charge " << charge;
      // Positive particles turn clockwise in a field along +z: phi decreases with r.
      const auto inner = std::min_element(event.hits.r.begin(), event.hits.r.end()) - event.hits.r.begin();
      const auto outer = std::max_element(event.hits.r.begin(), event.hits.r.end()) - event.hits.r.begin();
      const double dphi =
          event.hits.phi[static_cast<std::size_t>(outer)] - event.hits.phi[static_cast<std::size_t>(inner)];
      EXPECT_LT(dphi * charge, 0.0);
    }
  }
}

TEST(Simulator, LoopersHitTheSameLayerAgainOnTheWayBack) {
  auto config = config_with(0, kNone);
  config.response.noise_fraction = 0;
  config.response.efficiency = 1.0;
  config.propagation.hadronic_interactions = false;
  config.propagation.charged_decays = false;
  // pT = 0.12 GeV: radius 200 mm in 2 T, so the track turns back at r = 400 mm.
  trkx::sim::SimParticle p;
  const double pt = 0.12;
  p.momentum = {pt * std::cos(-1.0), pt * std::sin(-1.0), pt * std::sinh(0.05)};
  p.charge = -1;
  p.species = trkx::sim::Species::kPion;
  const Event event = Simulator(builtin(), config).simulate_particles(5, {p});
  ASSERT_GE(event.hits.size(), 6u);
  double max_r = 0;
  for (auto r : event.hits.r) max_r = std::max(max_r, static_cast<double>(r));
  EXPECT_LT(max_r, 401.0);
  EXPECT_GT(max_r, 350.0);
  // The short-strip layer at r = 360 mm is crossed going out and coming back.
  std::vector<std::array<float, 3>> at360;
  for (std::size_t i = 0; i < event.hits.size(); ++i) {
    if (event.hits.volume_id[i] == 13 && event.hits.layer_id[i] == 4) {
      at360.push_back({event.hits.x[i], event.hits.y[i], event.hits.z[i]});
    }
  }
  ASSERT_GE(at360.size(), 2u);
  double spread = 0;
  for (const auto& a : at360) {
    for (const auto& b : at360)
      spread = std::max(spread, static_cast<double>(std::hypot(a[0] - b[0], a[1] - b[1])));
  }
  EXPECT_GT(spread, 50.0);
}

std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Simulator, OutputDoesNotDependOnTheThreadCount) {
  const Simulator sim(builtin(), config_with(3, kJets));
  const auto base = std::filesystem::temp_directory_path() / ("trkx_sim_repro_" + std::to_string(::getpid()));
  std::filesystem::remove_all(base);
  for (int threads : {1, 2}) {
    const auto dir = base / std::to_string(threads);
    std::filesystem::create_directories(dir);
    tbb::task_arena arena(threads);
    arena.execute([&] {
      tbb::parallel_for(0, 3, [&](int i) {
        trkx::io::write_event(sim.simulate(100 + static_cast<std::uint64_t>(i)), dir);
      });
    });
  }
  std::size_t compared = 0;
  for (const auto& entry : std::filesystem::directory_iterator(base / "1")) {
    const auto other = base / "2" / entry.path().filename();
    ASSERT_TRUE(std::filesystem::exists(other)) << other;
    EXPECT_EQ(slurp(entry.path()), slurp(other)) << entry.path().filename();
    ++compared;
  }
  EXPECT_EQ(compared, 12u);
  // A different seed gives a different event.
  auto other_config = config_with(5, kJets);
  other_config.seed = 43;
  EXPECT_NE(Simulator(builtin(), other_config).simulate(100).hits.size(), sim.simulate(100).hits.size());
  std::filesystem::remove_all(base);
}

TEST(Simulator, WrittenEventsReadBackIdentically) {
  const Simulator sim(builtin(), config_with(5, kJets));
  const Event event = sim.simulate(12);
  const auto dir = std::filesystem::temp_directory_path() / ("trkx_sim_read_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  trkx::io::write_event(event, dir);
  trkx::io::write_detectors(sim.detector(), dir / "detectors.csv");
  trkx::io::ReadOptions all;
  all.require_all = true;
  const Event back = trkx::io::read_event(dir / trkx::io::event_prefix_name(12), all);
  EXPECT_TRUE(trkx::io::identical(event, back));
  const auto detectors = trkx::io::read_detectors(dir / "detectors.csv");
  ASSERT_EQ(detectors.size(), sim.detector().size());
  for (std::size_t i = 0; i < detectors.size(); i += 97) {
    EXPECT_EQ(detectors.module_id[i], sim.detector().module_id[i]);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(detectors.center[i][k], sim.detector().center[i][k], 1e-6);
  }
  std::filesystem::remove_all(dir);
}

/// Number of interactions that left particles (the id encodes the interaction).
std::size_t interactions(const Event& e) {
  std::set<std::uint64_t> seen;
  for (auto id : e.particles.particle_id) seen.insert(id >> 40);
  return seen.size();
}

TEST(Simulator, PileupScalesToTrackMLLikeEventSizes) {
  const Simulator sim(builtin(), config_with(20, kNone));
  std::vector<trkx::sim::EventSummary> summaries;
  double n_interactions = 0;
  for (std::uint64_t e = 0; e < 5; ++e) {
    const Event event = sim.simulate(e);
    summaries.push_back(trkx::sim::summarize(event));
    n_interactions += static_cast<double>(interactions(event));
  }
  double hits = 0, noise = 0, central = 0, all_central = 0, summary_interactions = 0;
  trkx::sim::ParticleStats listed, with_hits;
  for (const auto& s : summaries) {
    central += static_cast<double>(s.primaries_eta1);
    all_central += static_cast<double>(s.primaries_central);
    summary_interactions += static_cast<double>(s.interactions);
    hits += static_cast<double>(s.hits);
    noise += static_cast<double>(s.noise_hits);
    for (auto [sum, x] : {std::pair{&listed, &s.listed}, std::pair{&with_hits, &s.with_hits}}) {
      sum->count += x->count;
      sum->secondaries += x->secondaries;
      sum->pt_above_1 += x->pt_above_1;
      sum->hits += x->hits;
      sum->pt_sum += x->pt_sum;
    }
  }
  const double scale = 200.0 / n_interactions;
  const auto n_listed = static_cast<double>(listed.count);
  EXPECT_GT(hits * scale, 90e3);
  EXPECT_LT(hits * scale, 120e3);
  EXPECT_NEAR(noise / hits, 0.15, 0.03);
  // TrackML pile-up 200: ~10-12k listed particles, ~8.5 hits per particle, mean pT ~0.55 GeV,
  // ~11% above 1 GeV, ~30% starting more than 1 mm from the beam line (here ~11k, 8.6, 0.52 GeV, 11%,
  // 30%; PileupTwoHundredMatchesTrackMLStatistics checks them tighter on a full event).
  EXPECT_GT(n_listed * scale, 9.5e3);
  EXPECT_LT(n_listed * scale, 12.5e3);
  EXPECT_LT(with_hits.count, listed.count);
  EXPECT_GT(static_cast<double>(with_hits.count), 0.8 * n_listed);
  EXPECT_EQ(static_cast<double>(listed.hits), hits - noise);
  EXPECT_GT(listed.hits_per_particle(), 7.8);
  EXPECT_LT(listed.hits_per_particle(), 9.3);
  EXPECT_GT(listed.mean_pt(), 0.5);
  EXPECT_LT(listed.mean_pt(), 0.6);
  EXPECT_GT(static_cast<double>(listed.pt_above_1) / n_listed, 0.08);
  EXPECT_LT(static_cast<double>(listed.pt_above_1) / n_listed, 0.14);
  EXPECT_GT(static_cast<double>(listed.secondaries) / n_listed, 0.22);
  EXPECT_LT(static_cast<double>(listed.secondaries) / n_listed, 0.38);
  // Charged-primary density (generated pT > pt_min): the generator's plateau (all pT) times the share
  // above pt_min, the same at |eta| < 1 as over the whole acceptance |eta| < 4 (flat).
  EXPECT_EQ(summary_interactions, n_interactions);
  const double expected = sim.generator().config().dndeta * sim.generator().fraction_above_pt_min();
  EXPECT_NEAR(central / (2.0 * n_interactions), expected, 0.1 * expected);
  EXPECT_NEAR(all_central / (8.0 * n_interactions), expected, 0.1 * expected);
}

TEST(Simulator, PileupTwoHundredMatchesTrackMLStatistics) {
  // One TrackML-like event (hard scatter + pile-up 200) with the default physics.
  const Simulator sim(builtin(), config_with(200, kJets));
  const auto s = trkx::sim::summarize(sim.simulate(3));
  const auto n = static_cast<double>(s.listed.count);
  EXPECT_GT(s.hits, 100000u);
  EXPECT_LT(s.hits, 125000u);
  EXPECT_NEAR(s.noise_fraction(), 0.15, 0.01);
  EXPECT_GT(n, 10e3);
  EXPECT_LT(n, 12e3);
  EXPECT_GT(s.hits_per_particle(), 8.0);
  EXPECT_LT(s.hits_per_particle(), 9.0);
  EXPECT_GT(s.listed.mean_pt(), 0.5);
  EXPECT_LT(s.listed.mean_pt(), 0.6);
  EXPECT_GT(static_cast<double>(s.listed.pt_above_1) / n, 0.095);
  EXPECT_LT(static_cast<double>(s.listed.pt_above_1) / n, 0.13);
  EXPECT_GT(static_cast<double>(s.listed.secondaries) / n, 0.26);
  EXPECT_LT(static_cast<double>(s.listed.secondaries) / n, 0.34);
  // Most listed particles leave hits; those without are mostly beyond the acceptance (|eta| > 4).
  EXPECT_GT(static_cast<double>(s.with_hits.count), 0.85 * n);
}

TEST(Simulator, ChargedPionsAndKaonsDecayInFlight) {
  // Kaons of pT 0.6 GeV at eta 0 (helix radius 1 m): decay length beta gamma c tau = 4.51 m, so a share
  // 1 - exp(-s / 4.51 m) decays within a path s; s = 505 mm to r = 500 mm. Pions of the same pT: 33.5 m.
  using trkx::sim::Species;
  const trkx::sim::TrackingGeometry geometry(builtin());
  trkx::sim::Propagator::Config config;
  config.hadronic_interactions = false;
  const trkx::sim::Propagator propagator(geometry, config);
  trkx::sim::Rng rng(2024);
  for (const auto species : {Species::kKaon, Species::kPion}) {
    constexpr int kParticles = 4000;
    double inside_500 = 0, decayed = 0, muons = 0;
    for (int k = 0; k < kParticles; ++k) {
      std::vector<trkx::sim::SimParticle> particles(1);
      auto& p = particles[0];
      const double phi = 0.001 * k;
      p.momentum = {0.6 * std::cos(phi), 0.6 * std::sin(phi), 0.0};
      p.charge = k % 2 == 0 ? 1 : -1;
      p.species = species;
      std::vector<trkx::sim::SimHit> hits;
      propagator.transport_all(particles, rng, hits);
      // The charged daughter (generation 1; a pi0's photons may convert into generation-2 electrons).
      const auto daughter = std::find_if(particles.begin() + 1, particles.end(),
                                         [](const auto& d) { return d.charge != 0 && d.generation == 1; });
      if (daughter == particles.end()) continue;
      ++decayed;
      ASSERT_EQ(daughter->origin, trkx::sim::Origin::kDecay);
      ASSERT_EQ(daughter->charge, particles[0].charge);
      if (daughter->species == Species::kMuon) ++muons;
      const double r_decay = std::hypot(daughter->vertex[0], daughter->vertex[1]);
      if (r_decay < 500.0) ++inside_500;
      // A kink: the parent makes no hit beyond the decay point (r grows along this track; a layer's hits
      // are made with the step to its reference surface, so up to the layer's depth).
      for (const auto& h : hits) {
        if (h.particle == 0) {
          ASSERT_LT(std::hypot(h.position[0], h.position[1]), r_decay + 20.0);
        }
      }
    }
    const double length = species == Species::kKaon ? 0.6 / 0.493677 * 3711.4 : 0.6 / 0.13957 * 7804.5;
    const double expected = kParticles * (1.0 - std::exp(-505.0 / length));
    EXPECT_NEAR(inside_500, expected, 4.0 * std::sqrt(expected)) << "species " << static_cast<int>(species);
    ASSERT_GT(decayed, 0.0);
    if (species == Species::kPion) {
      EXPECT_EQ(muons, decayed);  // pi -> mu nu
    } else {
      EXPECT_NEAR(muons / decayed, 0.67, 0.06);  // K -> mu nu, otherwise pi pi0
    }
  }
  // Switched off, nothing decays.
  config.charged_decays = false;
  const trkx::sim::Propagator stable(geometry, config);
  std::vector<trkx::sim::SimParticle> kaons(200);
  for (auto& k : kaons) {
    k.momentum = {0.3, 0.0, 0.1};
    k.charge = 1;
    k.species = Species::kKaon;
  }
  std::vector<trkx::sim::SimHit> hits;
  stable.transport_all(kaons, rng, hits);
  EXPECT_EQ(kaons.size(), 200u);
}

TEST(Simulator, TruthIsConsistent) {
  const Simulator sim(builtin(), config_with(10, kJets));
  const Event event = sim.simulate(5);
  const std::size_t n = event.hits.size();
  ASSERT_EQ(event.truth.size(), n);
  // Dense hit ids 1..N, truth in hit order.
  for (std::size_t i = 0; i < n; ++i) {
    ASSERT_EQ(event.hits.hit_id[i], i + 1);
    ASSERT_EQ(event.truth.hit_id[i], i + 1);
  }
  // Hits sorted by volume, layer, module.
  for (std::size_t i = 1; i < n; ++i) {
    const auto a =
        std::make_tuple(event.hits.volume_id[i - 1], event.hits.layer_id[i - 1], event.hits.module_id[i - 1]);
    const auto b = std::make_tuple(event.hits.volume_id[i], event.hits.layer_id[i], event.hits.module_id[i]);
    ASSERT_LE(a, b);
  }
  // particles.csv nhits equals the particle's number of truth rows (0 for listed particles without
  // hits); every truth particle is listed, once.
  std::map<trkx::ParticleId, int> counted;
  for (auto pid : event.truth.particle_id) {
    if (pid != 0) ++counted[pid];
  }
  std::set<trkx::ParticleId> listed(event.particles.particle_id.begin(), event.particles.particle_id.end());
  ASSERT_EQ(listed.size(), event.particles.size());
  for (const auto& entry : counted) ASSERT_TRUE(listed.contains(entry.first)) << "particle " << entry.first;
  std::size_t without_hits = 0;
  for (std::size_t i = 0; i < event.particles.size(); ++i) {
    const auto it = counted.find(event.particles.particle_id[i]);
    EXPECT_EQ(event.particles.nhits[i], it == counted.end() ? 0 : it->second);
    if (event.particles.nhits[i] == 0) ++without_hits;
    EXPECT_TRUE(event.particles.q[i] == 1 || event.particles.q[i] == -1);
  }
  // Some particles leave no hit (|eta| beyond the acceptance, secondaries made in the outer layers).
  EXPECT_GT(without_hits, 0u);
  EXPECT_LT(without_hits, event.particles.size() / 2);
  // Weights: non-negative, zero for noise and short particles, summing to 1.
  double sum = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto pid = event.truth.particle_id[i];
    ASSERT_GE(event.truth.weight[i], 0.0f);
    if (pid == 0 || counted[pid] < 4) {
      ASSERT_EQ(event.truth.weight[i], 0.0f);
    }
    sum += event.truth.weight[i];
  }
  EXPECT_NEAR(sum, 1.0, 1e-4);
  // Every hit has at least one cell; cells are grouped by hit in hit order.
  std::vector<int> cells(n + 1, 0);
  for (std::size_t c = 0; c < event.cells.size(); ++c) {
    ASSERT_GE(event.cells.hit_id[c], 1u);
    ASSERT_LE(event.cells.hit_id[c], n);
    if (c > 0) {
      ASSERT_LE(event.cells.hit_id[c - 1], event.cells.hit_id[c]);
    }
    ++cells[event.cells.hit_id[c]];
    ASSERT_GT(event.cells.value[c], 0.0f);
  }
  for (std::size_t i = 1; i <= n; ++i) ASSERT_GE(cells[i], 1) << "hit " << i;
}

TEST(Simulator, ParticlesWithoutHitsAreListedWithNhitsZero) {
  auto config = config_with(0, kNone);
  config.response.efficiency = 1.0;
  config.propagation.hadronic_interactions = false;
  config.propagation.charged_decays = false;
  const Simulator sim(builtin(), config);
  // A pion at eta 5.5 passes the beam pipe and leaves the tracker without a hit; a muon at eta 0.3
  // crosses every barrel layer; a photon is neutral and never listed.
  trkx::sim::SimParticle forward, central, photon;
  forward.momentum = {std::cos(0.2), std::sin(0.2), std::sinh(5.5)};
  forward.charge = 1;
  forward.species = trkx::sim::Species::kPion;
  central.momentum = {2.0 * std::cos(-2.0), 2.0 * std::sin(-2.0), 2.0 * std::sinh(0.3)};
  central.charge = -1;
  central.species = trkx::sim::Species::kMuon;
  photon.momentum = {0.0, 0.01, 50.0};  // along the beam: no conversion in the layers
  photon.species = trkx::sim::Species::kPhoton;
  const Event event = sim.simulate_particles(21, {forward, photon, central});
  ASSERT_EQ(event.particles.size(), 2u);
  const auto forward_id = trkx::sim::make_particle_id(0, 0, 0);
  const auto central_id = trkx::sim::make_particle_id(0, 0, 2);
  std::map<trkx::ParticleId, int> rows;
  for (auto pid : event.truth.particle_id) ++rows[pid];
  EXPECT_EQ(rows.count(forward_id), 0u);
  for (std::size_t i = 0; i < event.particles.size(); ++i) {
    const auto pid = event.particles.particle_id[i];
    ASSERT_TRUE(pid == forward_id || pid == central_id) << pid;
    const auto it = rows.find(pid);
    EXPECT_EQ(event.particles.nhits[i], it == rows.end() ? 0 : it->second) << "particle " << pid;
    if (pid == forward_id) {
      EXPECT_EQ(event.particles.nhits[i], 0);
      EXPECT_EQ(event.particles.q[i], 1);
      EXPECT_NEAR(event.particles.pz[i], std::sinh(5.5), 1e-3 * std::sinh(5.5));
    } else {
      EXPECT_GE(event.particles.nhits[i], 10);
    }
  }
  // The event survives a write / read round trip with its nhits = 0 row.
  const auto dir = std::filesystem::temp_directory_path() / ("trkx_sim_nohits_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  trkx::io::write_event(event, dir);
  trkx::io::ReadOptions all;
  all.require_all = true;
  EXPECT_TRUE(trkx::io::identical(event, trkx::io::read_event(dir / trkx::io::event_prefix_name(21), all)));
  std::filesystem::remove_all(dir);
  // Without the option only particles with hits are listed.
  config.response.keep_particles_without_hits = false;
  const Event with_hits_only =
      Simulator(builtin(), config).simulate_particles(21, {forward, photon, central});
  ASSERT_EQ(with_hits_only.particles.size(), 1u);
  EXPECT_EQ(with_hits_only.particles.particle_id[0], central_id);
  // The summary counts the listed particles and the ones with hits separately.
  const auto summary = trkx::sim::summarize(event);
  EXPECT_EQ(summary.listed.count, 2u);
  EXPECT_EQ(summary.with_hits.count, 1u);
  EXPECT_EQ(summary.listed.hits, summary.hits - summary.noise_hits);
  EXPECT_DOUBLE_EQ(summary.hits_per_particle(), static_cast<double>(summary.hits - summary.noise_hits) / 2.0);
}

TEST(Simulator, ClusterLengthFollowsTheCrossingAngle) {
  const Simulator sim(builtin(), config_with(10, kNone));
  const Event event = sim.simulate(9);
  // Pixel-barrel clusters: length along z (ch1) grows with |cot theta| of the crossing.
  std::map<trkx::HitId, std::pair<int, int>> span;
  for (std::size_t c = 0; c < event.cells.size(); ++c) {
    auto [it, fresh] = span.try_emplace(event.cells.hit_id[c], event.cells.ch1[c], event.cells.ch1[c]);
    it->second.first = std::min(it->second.first, event.cells.ch1[c]);
    it->second.second = std::max(it->second.second, event.cells.ch1[c]);
  }
  double central = 0, forward = 0;
  int n_central = 0, n_forward = 0;
  for (std::size_t i = 0; i < event.hits.size(); ++i) {
    if (event.hits.volume_id[i] != 8 || event.truth.particle_id[i] == 0) continue;
    const double pt = std::hypot(event.truth.tpx[i], event.truth.tpy[i]);
    const double cot = std::abs(event.truth.tpz[i]) / pt;
    const auto& s = span[event.hits.hit_id[i]];
    const double length = s.second - s.first + 1;
    if (cot < 0.3) {
      central += length;
      ++n_central;
    } else if (cot > 3.0) {
      forward += length;
      ++n_forward;
    }
  }
  ASSERT_GT(n_central, 50);
  ASSERT_GT(n_forward, 50);
  EXPECT_LT(central / n_central, 2.0);
  EXPECT_GT(forward / n_forward, 5.0);
}

TEST(Simulator, PileupZeroWithoutHardScatterIsEmpty) {
  const Event empty = Simulator(builtin(), config_with(0, kNone)).simulate(1);
  EXPECT_EQ(empty.hits.size(), 0u);
  EXPECT_EQ(empty.particles.size(), 0u);
  EXPECT_EQ(empty.event_id, 1u);
  // Written with all four files (headers only), it reads back with every part required.
  const auto dir = std::filesystem::temp_directory_path() / ("trkx_sim_empty_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  trkx::io::write_event(empty, dir, false, /*all_parts=*/true);
  trkx::io::ReadOptions all;
  all.require_all = true;
  EXPECT_TRUE(trkx::io::identical(empty, trkx::io::read_event(dir / trkx::io::event_prefix_name(1), all)));
  std::filesystem::remove_all(dir);
  const Event jets = Simulator(builtin(), config_with(0, kJets)).simulate(1);
  EXPECT_GT(jets.hits.size(), 50u);
  EXPECT_GT(jets.particles.size(), 5u);
  EXPECT_EQ(interactions(jets), 1u);
}

TEST(Simulator, RejectsBadConfiguration) {
  auto c = config_with(-1, kNone);
  EXPECT_THROW(Simulator(builtin(), c), trkx::Error);
  c = config_with(1, kNone);
  c.response.noise_fraction = 1.0;
  EXPECT_THROW(Simulator(builtin(), c), trkx::Error);
  EXPECT_THROW(static_cast<void>(trkx::sim::parse_hard_scatter("ttbar")), trkx::Error);
}

}  // namespace
