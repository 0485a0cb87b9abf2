#pragma once
/// @file Simulator.hpp
/// The detector simulation: event generation, transport and detector
/// response for one crossing at a time. Every event is a pure function of
/// (run seed, event id), so events may be made in any order on any number
/// of threads with identical results.
///
/// Pile-up 0 with no hard scatter gives an empty but valid event (no
/// particles, no hits: noise is a fixed share of the signal hits, so there is
/// none either). Defaults are tuned so that a pile-up-200 event resembles a
/// TrackML event: ~112k hits, ~11k listed charged particles (every generated
/// charged particle, nhits 0 included) with ~8.6 hits each, ~11% of them above
/// 1 GeV, ~30% secondaries, 15% noise (figures: docs/measurements.md).

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/core/Geometry.hpp"
#include "trkx/sim/DetectorResponse.hpp"
#include "trkx/sim/EventGenerator.hpp"
#include "trkx/sim/Propagator.hpp"
#include "trkx/sim/TrackingGeometry.hpp"

namespace trkx::sim {

/// Particle statistics of one event over one set of particles.
struct ParticleStats {
  std::size_t count = 0;        ///< charged particles in the set
  std::size_t secondaries = 0;  ///< ... produced more than 1 mm from the beam line
  std::size_t pt_above_1 = 0;   ///< ... with pT > 1 GeV
  std::size_t hits = 0;         ///< sum of their nhits
  double pt_sum = 0;            ///< sum of their pT [GeV]
  [[nodiscard]] double mean_pt() const { return count ? pt_sum / static_cast<double>(count) : 0.0; }
  /// Mean nhits over the set.
  [[nodiscard]] double hits_per_particle() const {
    return count ? static_cast<double>(hits) / static_cast<double>(count) : 0.0;
  }
};

/// Numbers that characterise one simulated event.
struct EventSummary {
  std::uint64_t event_id = 0;
  std::size_t hits = 0;
  std::size_t noise_hits = 0;
  std::size_t cells = 0;
  /// Every charged particle of particles.csv, those with nhits = 0 included (as TrackML lists them).
  ParticleStats listed;
  /// The charged particles with at least one hit.
  ParticleStats with_hits;
  std::size_t primaries_central = 0;  ///< listed primaries (generation 0, vertex r <= 1 mm), |eta| < 4
  std::size_t primaries_eta1 = 0;     ///< ... of which |eta| < 1
  std::size_t interactions = 0;       ///< interactions that left at least one listed particle
  double weight_sum = 0;              ///< sum of the truth weights (1 unless empty)
  [[nodiscard]] double noise_fraction() const { return hits ? static_cast<double>(noise_hits) / hits : 0.0; }
  /// Hits per particle the TrackML way: signal hits / listed particles (the mean of the nhits column).
  [[nodiscard]] double hits_per_particle() const { return listed.hits_per_particle(); }
};

/// Computes the summary of an event (from its hits, truth and particles).
[[nodiscard]] EventSummary summarize(const Event& event);
/// Formats per-event averages of `summaries` as a short multi-line report.
[[nodiscard]] std::string format_summary(const std::vector<EventSummary>& summaries);

/// Orchestrates generator, propagator and detector response.
class Simulator {
 public:
  struct Config {
    std::uint64_t seed = 1;  ///< run seed; event streams derive from (seed, event id)
    EventGenerator::Config physics;
    Propagator::Config propagation;
    DetectorResponse::Config response;
    TrackingGeometry::Config navigation;
  };

  /// Simulates on `detector` (e.g. trackml_detector() or io::read_detectors()).
  Simulator(DetectorGeometry detector, Config config);
  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] const DetectorGeometry& detector() const { return geometry_->detector(); }
  [[nodiscard]] const TrackingGeometry& tracking_geometry() const { return *geometry_; }
  /// The primary-particle generator (its dN/deta and pT figures).
  [[nodiscard]] const EventGenerator& generator() const { return generator_; }

  /// Simulates one event. Thread-safe; depends only on the seed and `event_id`.
  [[nodiscard]] Event simulate(std::uint64_t event_id) const;

  /// Simulates the given particles (e.g. a single test particle) without the
  /// generator: transport, secondaries and detector response.
  [[nodiscard]] Event simulate_particles(std::uint64_t event_id, std::vector<SimParticle> particles) const;

 private:
  Config config_;
  std::unique_ptr<TrackingGeometry> geometry_;
  EventGenerator generator_;
  Propagator propagator_;
  DetectorResponse response_;
};

}  // namespace trkx::sim
