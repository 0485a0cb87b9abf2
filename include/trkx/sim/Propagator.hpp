#pragma once
/// @file Propagator.hpp
/// Transport of particles through the detector: charged particles follow
/// helices in a uniform solenoid field along z and are intersected with every
/// module plane they cross (overlapping modules give two hits); at each
/// crossed module they scatter (Highland) and hadrons may interact; photons
/// may convert in the layers; K0S and Lambda decay in flight, and so do
/// charged pions and kaons (a kink: the track ends, its charged daughter
/// starts there). Secondaries are appended to the particle list and
/// transported in turn.
///
/// Units: mm, GeV, T, radians.

#include <array>
#include <cstdint>
#include <vector>

#include "trkx/sim/EventGenerator.hpp"
#include "trkx/sim/Random.hpp"
#include "trkx/sim/TrackingGeometry.hpp"

namespace trkx::sim {

/// The true crossing of a charged particle with a module plane.
struct SimHit {
  std::uint32_t particle = 0;        ///< index into the particle list
  std::uint32_t module = 0;          ///< module index in the detector geometry
  std::array<double, 3> position{};  ///< on the module's mid-plane [mm]
  std::array<double, 3> momentum{};  ///< at the crossing [GeV]
};

/// Helix/straight-line transport with material effects.
class Propagator {
 public:
  struct Config {
    double bz = 2.0;                    ///< solenoid field along z [T]
    double max_turns = 0.75;            ///< loopers stop after this many turns in the transverse plane
    int max_crossings = 200;            ///< surface crossings per particle at most
    bool multiple_scattering = true;    ///< Highland-formula scattering at every crossed module
    bool hadronic_interactions = true;  ///< inelastic hadron interactions in the modules
    double hadronic_scale = 1.0;        ///< interaction probability = scale * x/lambda_I (services, supports)
    double x0_over_lambda = 0.2;        ///< X0 / lambda_I of the material (silicon: 0.2)
    bool conversions = true;            ///< photon conversions in the layers
    bool decays = true;                 ///< K0S / Lambda decays in flight
    bool charged_decays = true;         ///< pi+- -> mu nu, K+- -> mu nu / pi pi0 in flight (kinks)
    double secondary_p_min = 0.075;     ///< secondaries below this momentum are not made [GeV]
    int max_generation = 3;             ///< no secondaries of particles of this generation
    double world_r = 0;                 ///< leaves the tracker beyond this radius [mm] (0: detector + 10 mm)
    double world_z = 0;                 ///< ... or beyond this |z| [mm] (0: detector + 10 mm)
  };

  Propagator(const TrackingGeometry& geometry, Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// Transports particle `index` of `particles`: appends its hits (in the
  /// order they are made) to `hits` and its secondaries to `particles`.
  void transport(std::vector<SimParticle>& particles, std::size_t index, Rng& rng,
                 std::vector<SimHit>& hits) const;
  /// Transports all particles, including secondaries appended on the way.
  void transport_all(std::vector<SimParticle>& particles, Rng& rng, std::vector<SimHit>& hits) const;

 private:
  void transport_charged(std::vector<SimParticle>& particles, std::size_t index, Rng& rng,
                         std::vector<SimHit>& hits) const;
  void transport_photon(std::vector<SimParticle>& particles, std::size_t index, Rng& rng) const;
  void decay_in_flight(std::vector<SimParticle>& particles, std::size_t index, Rng& rng) const;
  /// Decays charged pion or kaon `parent` at `at` with momentum `mom`; appends its daughters.
  void decay_charged(std::vector<SimParticle>& particles, const SimParticle& parent,
                     const std::array<double, 3>& at, const std::array<double, 3>& mom, Rng& rng) const;
  [[nodiscard]] bool inside_world(const std::array<double, 3>& p) const;

  const TrackingGeometry* geometry_;
  Config config_;
  std::vector<double> layer_x0_;  ///< mean x/X0 per layer
  double r_min_sensitive_ = 0;    ///< no module is closer to the beam line [mm]
};

}  // namespace trkx::sim
