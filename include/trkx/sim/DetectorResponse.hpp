#pragma once
/// @file DetectorResponse.hpp
/// Turns true module crossings into a TrackML event: hit efficiency, position
/// smearing in the module frame by the readout pitch, clusters of cells whose
/// size and charge follow the crossing angle, noise hits, particle ids, hit
/// ids, truth and TrackML scoring weights.
///
/// Units: mm, GeV.

#include <cstdint>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/sim/EventGenerator.hpp"
#include "trkx/sim/Propagator.hpp"
#include "trkx/sim/Random.hpp"
#include "trkx/sim/TrackingGeometry.hpp"

namespace trkx::sim {

/// Particle id of particle number `index` (0-based, in generation order) of
/// an event: (interaction + 1) << 40 | generation << 32 | (index + 1). Unique
/// per event, never 0 (0 is noise).
[[nodiscard]] constexpr ParticleId make_particle_id(std::uint32_t interaction, std::uint8_t generation,
                                                    std::size_t index) {
  return (static_cast<ParticleId>(interaction) + 1) << 40 | static_cast<ParticleId>(generation) << 32 |
         (static_cast<ParticleId>(index) + 1);
}

/// TrackML-style weight of a hit by its position `k` (0-based) along a track
/// of `n` hits: the first and last hits weigh more than the middle ones.
[[nodiscard]] double order_weight(std::size_t k, std::size_t n);
/// TrackML-style weight by transverse momentum: 0.2 below 0.5 GeV, rising
/// linearly to 1 at 3 GeV, 1 above.
[[nodiscard]] double pt_weight(double pt);

/// Digitisation and truth of one event.
class DetectorResponse {
 public:
  struct Config {
    double efficiency = 0.98;      ///< probability that a crossing gives a hit
    double noise_fraction = 0.15;  ///< expected noise hits / all hits (noise = this / (1 - this) * signal)
    bool smear = true;             ///< Gaussian smearing by pitch / sqrt(12) in u and v
    double landau_sigma = 0.3;     ///< relative spread of the deposited charge (log-normal)
    int max_cells_per_axis = 16;   ///< cluster length cap along u and along v
    std::size_t min_hits_for_weight = 4;  ///< particles with fewer hits weigh 0
    bool keep_particles_without_hits =
        true;  ///< list charged particles that left no hit (nhits 0, as TrackML)
  };

  DetectorResponse(const TrackingGeometry& geometry, Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// Builds the event: hits sorted by module (volume, layer, module) with ids
  /// 1..N, cells grouped by hit, one truth row per hit, weights normalised to
  /// sum 1 (0 when no particle qualifies), particles with their hit counts.
  [[nodiscard]] Event digitize(std::uint64_t event_id, const std::vector<SimParticle>& particles,
                               const std::vector<SimHit>& hits, Rng& rng) const;

 private:
  const TrackingGeometry* geometry_;
  Config config_;
  std::vector<double> area_cdf_;  ///< cumulative module area, for placing noise hits
};

}  // namespace trkx::sim
