#pragma once
/// @file EventGenerator.hpp
/// Generator of the primary particles of a bunch crossing: Poisson(mu)
/// minimum-bias pile-up interactions and an optional hard scatter with jets.
///
/// Units: mm, GeV, radians; charge in e.

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "trkx/sim/Random.hpp"

namespace trkx::sim {

/// Particle species known to the simulation.
enum class Species : std::uint8_t { kPion, kKaon, kProton, kElectron, kMuon, kPhoton, kK0Short, kLambda };

/// Rest mass of a species [GeV].
[[nodiscard]] double mass_of(Species s);
/// PDG code of a species with the given charge sign (+1/-1; ignored for neutrals).
[[nodiscard]] int pdg_of(Species s, int charge);

/// How a particle was produced.
enum class Origin : std::uint8_t { kPrimary, kDecay, kConversion, kHadronic };

/// A particle before (or between) propagation steps.
struct SimParticle {
  std::array<double, 3> vertex{};    ///< production point [mm]
  std::array<double, 3> momentum{};  ///< momentum at production [GeV]
  std::int32_t charge = 0;           ///< [e]
  Species species = Species::kPion;
  Origin origin = Origin::kPrimary;
  std::uint32_t interaction = 0;  ///< 0 = hard scatter, 1.. = pile-up interactions
  std::uint8_t generation = 0;    ///< 0 = primary, 1 = its daughters, ...
};

/// Minimum-bias and hard-scatter event generator.
class EventGenerator {
 public:
  enum class HardScatter : std::uint8_t { kNone, kJets };

  struct Config {
    double pileup = 200.0;                          ///< mean number of pile-up interactions (Poisson)
    HardScatter hard_scatter = HardScatter::kJets;  ///< hard-scatter interaction (TrackML: ttbar + pile-up)
    // Charged-primary density dN/deta per interaction (all pT; only pT > pt_min is generated): flat at
    // `dndeta` for |eta| < eta_plateau, as measured at the LHC (dN/deta of minimum bias is broad, with no
    // central peak, out to |eta| ~ 4-5), falling beyond as a Gaussian of width eta_falloff, cut at
    // |eta| = eta_max. The plateau height is set by the hit budget: a primary inside the acceptance makes
    // ~10-11 hits here (plus ~2.5 from its secondaries), so TrackML's ~109k hits per pile-up-200 event
    // leave room for ~4.6 per unit eta per interaction, below the 6-7 of non-diffractive collisions
    // (averaged over all inelastic interactions, diffractive ones included, the LHC figure is ~5.5).
    // Primaries are generated beyond the tracker's acceptance (|eta| ~4): those are listed with nhits 0.
    double dndeta = 4.6;       ///< plateau density, charged particles per unit eta, all pT
    double eta_plateau = 4.0;  ///< half-width of the flat region
    double eta_falloff = 0.8;  ///< Gaussian width of the fall-off beyond the plateau (<= 0: flat to eta_max)
    double eta_max = 5.5;      ///< no primaries beyond |eta| = eta_max
    // Species mix of charged primaries (normalised internally).
    double frac_pion = 0.80, frac_kaon = 0.12, frac_proton = 0.06, frac_electron = 0.015, frac_muon = 0.005;
    // Tsallis pT spectrum dN/dpT ~ pT (1 + (mT - m)/(n T))^-n. With the secondaries (~30% of the listed
    // particles, mean pT ~0.25 GeV) this gives TrackML's ~11% of particles above 1 GeV at a mean pT of
    // ~0.52 GeV. Pions: N(pT > 0.5) / N(pT > 0.1) = 0.40 (was 0.47; ATLAS, 13 TeV, all charged: 0.45).
    double tsallis_n = 5.5;    ///< power (larger: softer high-pT tail)
    double tsallis_t = 0.135;  ///< temperature [GeV]
    double pt_min = 0.15;      ///< lowest generated primary pT [GeV]
    double pt_max = 100.0;     ///< highest generated primary pT [GeV]
    // Neutral primaries that give charged secondaries, per charged primary.
    double pi0_per_charged = 0.30;      ///< pi0 -> 2 photons (may convert in the material)
    double k0short_per_charged = 0.06;  ///< K0S -> pi+ pi- (decays in flight)
    double lambda_per_charged = 0.02;   ///< Lambda -> p pi- (decays in flight)
    // Luminous region.
    double beam_sigma_xy = 0.015;  ///< transverse beam-spot width [mm]
    double beam_sigma_z = 55.0;    ///< longitudinal width [mm]
    // Hard scatter: back-to-back jets plus one minimum-bias underlying event.
    int n_jets = 2;
    double jet_pt_min = 50.0;   ///< jet pT spectrum ~ pT^-4 above this [GeV]
    double jet_pt_max = 500.0;  ///< [GeV]
    double jet_eta_max = 2.5;
    double jet_charged_fraction = 0.6;  ///< fraction of the jet pT carried by charged particles
    double jet_width = 0.05;            ///< angular spread of constituents of unit momentum fraction [rad]
  };

  explicit EventGenerator(Config config);
  EventGenerator() : EventGenerator(Config{}) {}
  [[nodiscard]] const Config& config() const { return config_; }

  /// Generates all primary particles of one crossing (charged and neutral).
  [[nodiscard]] std::vector<SimParticle> generate(Rng& rng) const;

  /// Generates the particles of one minimum-bias interaction at `vertex` into `out`.
  void minimum_bias(const std::array<double, 3>& vertex, std::uint32_t interaction, Rng& rng,
                    std::vector<SimParticle>& out) const;
  /// Generates the jets of a hard scatter at `vertex` into `out`.
  void jets(const std::array<double, 3>& vertex, std::uint32_t interaction, Rng& rng,
            std::vector<SimParticle>& out) const;

  /// Mean number of charged primaries (pT > pt_min) per minimum-bias interaction.
  [[nodiscard]] double mean_charged_per_interaction() const {
    return config_.dndeta * 2.0 * eta_integral_ * fraction_above_pt_min_;
  }
  /// Mean charged-primary dN/deta per interaction over |eta| < `eta_limit` (default: the tracker's
  /// acceptance, |eta| < 4), all pT.
  [[nodiscard]] double mean_dndeta(double eta_limit = 4.0) const;
  /// Share of the charged primaries (all pT) that are generated, i.e. have pT > pt_min.
  [[nodiscard]] double fraction_above_pt_min() const { return fraction_above_pt_min_; }
  /// Relative density of primaries at pseudorapidity `eta` (1 on the central plateau, 0 beyond eta_max).
  [[nodiscard]] double eta_shape(double eta) const;
  /// Samples a pT [GeV] from the Tsallis spectrum of species `s` (neutrals use their charged partner's
  /// table).
  [[nodiscard]] double sample_pt(Species s, Rng& rng) const;

 private:
  Config config_;
  // Inverse-CDF tables of pT per species (pion, kaon, proton, electron, muon).
  std::vector<double> pt_grid_;
  std::array<std::vector<double>, 5> pt_cdf_;
  std::array<double, 5> species_cdf_{};
  double fraction_above_pt_min_ = 1.0;  ///< share of the (pion) spectrum above pt_min
  double eta_integral_ = 0;             ///< integral of eta_shape over [0, eta_max]
};

/// Parses "none" or "jets".
[[nodiscard]] EventGenerator::HardScatter parse_hard_scatter(std::string_view name);

/// Decays `parent` (momentum p [GeV], mass M) isotropically in its rest frame
/// into two particles of masses m1, m2; returns their momenta in the lab frame.
[[nodiscard]] std::array<std::array<double, 3>, 2> two_body_decay(const std::array<double, 3>& p, double M,
                                                                  double m1, double m2, Rng& rng);

}  // namespace trkx::sim
