#include "trkx/sim/EventGenerator.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "trkx/core/Error.hpp"

namespace trkx::sim {
namespace {

constexpr double kPi = std::numbers::pi;

std::array<double, 3> from_pt_eta_phi(double pt, double eta, double phi) {
  return {pt * std::cos(phi), pt * std::sin(phi), pt * std::sinh(eta)};
}

}  // namespace

double mass_of(Species s) {
  switch (s) {
    case Species::kPion:
      return 0.13957;
    case Species::kKaon:
      return 0.493677;
    case Species::kProton:
      return 0.938272;
    case Species::kElectron:
      return 0.000511;
    case Species::kMuon:
      return 0.105658;
    case Species::kPhoton:
      return 0.0;
    case Species::kK0Short:
      return 0.497611;
    case Species::kLambda:
      return 1.115683;
  }
  return 0.0;
}

int pdg_of(Species s, int charge) {
  const int sign = charge < 0 ? -1 : 1;
  switch (s) {
    case Species::kPion:
      return 211 * sign;
    case Species::kKaon:
      return 321 * sign;
    case Species::kProton:
      return 2212 * sign;
    case Species::kElectron:
      return -11 * sign;
    case Species::kMuon:
      return -13 * sign;
    case Species::kPhoton:
      return 22;
    case Species::kK0Short:
      return 310;
    case Species::kLambda:
      return 3122;
  }
  return 0;
}

EventGenerator::HardScatter parse_hard_scatter(std::string_view name) {
  if (name == "none") return EventGenerator::HardScatter::kNone;
  if (name == "jets") return EventGenerator::HardScatter::kJets;
  throw Error("unknown hard scatter '" + std::string(name) + "': expected 'none' or 'jets'");
}

std::array<std::array<double, 3>, 2> two_body_decay(const std::array<double, 3>& p, double M, double m1,
                                                    double m2, Rng& rng) {
  const double a = M * M - (m1 + m2) * (m1 + m2);
  const double b = M * M - (m1 - m2) * (m1 - m2);
  const double pstar = std::sqrt(std::max(a * b, 0.0)) / (2.0 * M);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const double cos_t = 2.0 * uni(rng) - 1.0;
  const double sin_t = std::sqrt(std::max(0.0, 1.0 - cos_t * cos_t));
  const double phi = 2.0 * kPi * uni(rng);
  const std::array<double, 3> d{sin_t * std::cos(phi), sin_t * std::sin(phi), cos_t};
  const double pabs = std::sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2]);
  const double energy = std::sqrt(pabs * pabs + M * M);
  const double gamma = energy / M;
  const double beta = pabs / energy;
  std::array<double, 3> n{0.0, 0.0, 1.0};
  if (pabs > 0) n = {p[0] / pabs, p[1] / pabs, p[2] / pabs};
  std::array<std::array<double, 3>, 2> out{};
  const double masses[2] = {m1, m2};
  for (int k = 0; k < 2; ++k) {
    const double sgn = k == 0 ? 1.0 : -1.0;
    const std::array<double, 3> ps{sgn * pstar * d[0], sgn * pstar * d[1], sgn * pstar * d[2]};
    const double estar = std::sqrt(pstar * pstar + masses[k] * masses[k]);
    const double pn = ps[0] * n[0] + ps[1] * n[1] + ps[2] * n[2];
    const double f = (gamma - 1.0) * pn + gamma * beta * estar;
    out[static_cast<std::size_t>(k)] = {ps[0] + f * n[0], ps[1] + f * n[1], ps[2] + f * n[2]};
  }
  return out;
}

EventGenerator::EventGenerator(Config config) : config_(config) {
  TRKX_CHECK(config_.pt_min > 0 && config_.pt_max > config_.pt_min, "need 0 < pt_min < pt_max");
  TRKX_CHECK(config_.pileup >= 0, "pile-up must not be negative");
  TRKX_CHECK(config_.dndeta >= 0 && config_.eta_max > 0 && config_.eta_plateau >= 0,
             "need dndeta >= 0, eta_max > 0, eta_plateau >= 0");
  {
    // Integral of the eta shape over [0, eta_max] (midpoint rule; the shape is smooth).
    constexpr int kSteps = 4000;
    const double step = config_.eta_max / kSteps;
    eta_integral_ = 0;
    for (int i = 0; i < kSteps; ++i) eta_integral_ += eta_shape((i + 0.5) * step) * step;
  }
  constexpr int kGrid = 4000;
  pt_grid_.resize(kGrid);
  const double lmin = std::log(config_.pt_min), lmax = std::log(config_.pt_max);
  for (int i = 0; i < kGrid; ++i)
    pt_grid_[static_cast<std::size_t>(i)] = std::exp(lmin + (lmax - lmin) * i / (kGrid - 1));
  double pion_integral_above = 0;
  const Species tabulated[5] = {Species::kPion, Species::kKaon, Species::kProton, Species::kElectron,
                                Species::kMuon};
  for (int s = 0; s < 5; ++s) {
    const double m = mass_of(tabulated[s]);
    auto density = [&](double pt) {
      const double mt = std::sqrt(pt * pt + m * m);
      return pt * std::pow(1.0 + (mt - m) / (config_.tsallis_n * config_.tsallis_t), -config_.tsallis_n);
    };
    auto& cdf = pt_cdf_[static_cast<std::size_t>(s)];
    cdf.assign(kGrid, 0.0);
    for (std::size_t i = 1; i < pt_grid_.size(); ++i) {
      cdf[i] = cdf[i - 1] +
               0.5 * (density(pt_grid_[i]) + density(pt_grid_[i - 1])) * (pt_grid_[i] - pt_grid_[i - 1]);
    }
    if (s == 0) pion_integral_above = cdf.back();
    for (auto& c : cdf) c /= cdf.back();
  }
  {
    // Share of the pion spectrum (integrated from 0) above pt_min.
    const double m = mass_of(Species::kPion);
    auto density = [&](double pt) {
      const double mt = std::sqrt(pt * pt + m * m);
      return pt * std::pow(1.0 + (mt - m) / (config_.tsallis_n * config_.tsallis_t), -config_.tsallis_n);
    };
    // Trapezoids on [0, pt_min]; the part above is the (unnormalised) pion table.
    double below = 0;
    constexpr int kSteps = 2000;
    const double step = config_.pt_min / kSteps;
    for (int i = 0; i < kSteps; ++i) below += 0.5 * (density(i * step) + density((i + 1) * step)) * step;
    const double above = pion_integral_above;
    fraction_above_pt_min_ = above / (above + below);
  }
  const double fr[5] = {config_.frac_pion, config_.frac_kaon, config_.frac_proton, config_.frac_electron,
                        config_.frac_muon};
  double total = 0;
  for (int s = 0; s < 5; ++s) {
    TRKX_CHECK(fr[s] >= 0, "species fractions must not be negative");
    total += fr[s];
    species_cdf_[static_cast<std::size_t>(s)] = total;
  }
  TRKX_CHECK(total > 0, "species fractions must not all be zero");
  for (auto& c : species_cdf_) c /= total;
}

double EventGenerator::eta_shape(double eta) const {
  const double a = std::abs(eta);
  if (a > config_.eta_max) return 0.0;
  if (a <= config_.eta_plateau || config_.eta_falloff <= 0) return 1.0;
  const double x = (a - config_.eta_plateau) / config_.eta_falloff;
  return std::exp(-0.5 * x * x);
}

double EventGenerator::mean_dndeta(double eta_limit) const {
  if (eta_limit <= 0) return config_.dndeta * eta_shape(0.0);
  constexpr int kSteps = 4000;
  const double step = eta_limit / kSteps;
  double integral = 0;
  for (int i = 0; i < kSteps; ++i) integral += eta_shape((i + 0.5) * step) * step;
  return config_.dndeta * integral / eta_limit;
}

double EventGenerator::sample_pt(Species s, Rng& rng) const {
  std::size_t table = 0;
  switch (s) {
    case Species::kKaon:
    case Species::kK0Short:
      table = 1;
      break;
    case Species::kProton:
    case Species::kLambda:
      table = 2;
      break;
    case Species::kElectron:
      table = 3;
      break;
    case Species::kMuon:
      table = 4;
      break;
    default:
      table = 0;
  }
  const auto& cdf = pt_cdf_[table];
  const double u = std::uniform_real_distribution<double>(0.0, 1.0)(rng);
  const auto it = std::lower_bound(cdf.begin(), cdf.end(), u);
  const auto i = static_cast<std::size_t>(
      std::clamp<std::ptrdiff_t>(it - cdf.begin(), 1, static_cast<std::ptrdiff_t>(cdf.size()) - 1));
  const double f = (u - cdf[i - 1]) / std::max(cdf[i] - cdf[i - 1], 1e-300);
  return pt_grid_[i - 1] + f * (pt_grid_[i] - pt_grid_[i - 1]);
}

void EventGenerator::minimum_bias(const std::array<double, 3>& vertex, std::uint32_t interaction, Rng& rng,
                                  std::vector<SimParticle>& out) const {
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const double eta_max = config_.eta_max;
  auto direction = [&](double pt) {
    // Rejection sampling of eta from eta_shape (acceptance >= eta_integral_ / eta_max).
    double eta = eta_max * (2.0 * uni(rng) - 1.0);
    while (uni(rng) >= eta_shape(eta)) eta = eta_max * (2.0 * uni(rng) - 1.0);
    const double phi = kPi * (2.0 * uni(rng) - 1.0);
    return from_pt_eta_phi(pt, eta, phi);
  };
  const auto n_charged = std::poisson_distribution<int>(mean_charged_per_interaction())(rng);
  const Species charged[5] = {Species::kPion, Species::kKaon, Species::kProton, Species::kElectron,
                              Species::kMuon};
  for (int k = 0; k < n_charged; ++k) {
    const double u = uni(rng);
    std::size_t s = 0;
    while (s < 4 && u > species_cdf_[s]) ++s;
    SimParticle p;
    p.vertex = vertex;
    p.species = charged[s];
    p.charge = uni(rng) < 0.5 ? -1 : 1;
    p.momentum = direction(sample_pt(p.species, rng));
    p.interaction = interaction;
    out.push_back(p);
  }
  const auto n_pi0 = std::poisson_distribution<int>(config_.pi0_per_charged * n_charged)(rng);
  for (int k = 0; k < n_pi0; ++k) {
    const auto pi0 = direction(sample_pt(Species::kPion, rng));
    for (const auto& pg : two_body_decay(pi0, 0.134977, 0.0, 0.0, rng)) {
      SimParticle g;
      g.vertex = vertex;
      g.momentum = pg;
      g.species = Species::kPhoton;
      g.origin = Origin::kPrimary;
      g.interaction = interaction;
      out.push_back(g);
    }
  }
  const auto n_k0 = std::poisson_distribution<int>(config_.k0short_per_charged * n_charged)(rng);
  for (int k = 0; k < n_k0; ++k) {
    SimParticle p;
    p.vertex = vertex;
    p.species = Species::kK0Short;
    p.momentum = direction(sample_pt(p.species, rng));
    p.interaction = interaction;
    out.push_back(p);
  }
  const auto n_lambda = std::poisson_distribution<int>(config_.lambda_per_charged * n_charged)(rng);
  for (int k = 0; k < n_lambda; ++k) {
    SimParticle p;
    p.vertex = vertex;
    p.species = Species::kLambda;
    p.momentum = direction(sample_pt(p.species, rng));
    p.interaction = interaction;
    out.push_back(p);
  }
}

void EventGenerator::jets(const std::array<double, 3>& vertex, std::uint32_t interaction, Rng& rng,
                          std::vector<SimParticle>& out) const {
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::normal_distribution<double> gauss(0.0, 1.0);
  const double a = std::pow(config_.jet_pt_min, -3.0), b = std::pow(config_.jet_pt_max, -3.0);
  const double phi0 = kPi * (2.0 * uni(rng) - 1.0);
  for (int j = 0; j < config_.n_jets; ++j) {
    const double jet_pt = std::pow(a - uni(rng) * (a - b), -1.0 / 3.0);
    const double jet_eta = config_.jet_eta_max * (2.0 * uni(rng) - 1.0);
    const double jet_phi = phi0 + 2.0 * kPi * j / std::max(config_.n_jets, 1) + 0.1 * gauss(rng);
    const double budget = config_.jet_charged_fraction * jet_pt;
    const int n = 1 + std::poisson_distribution<int>(std::max(1.0, 3.0 * std::log(jet_pt / 5.0)))(rng);
    std::vector<double> z(static_cast<std::size_t>(n));
    double sum = 0;
    for (auto& zi : z) sum += (zi = -std::log(1.0 - uni(rng)));
    for (auto& zi : z) {
      zi /= sum;
      const double pt = zi * budget;
      if (pt < config_.pt_min) continue;
      const double spread = config_.jet_width / std::sqrt(zi);
      SimParticle p;
      p.vertex = vertex;
      const double u = uni(rng);
      p.species = u < 0.7 ? Species::kPion : (u < 0.9 ? Species::kKaon : Species::kProton);
      p.charge = uni(rng) < 0.5 ? -1 : 1;
      p.momentum = from_pt_eta_phi(pt, jet_eta + spread * gauss(rng), jet_phi + spread * gauss(rng));
      p.interaction = interaction;
      out.push_back(p);
    }
  }
}

std::vector<SimParticle> EventGenerator::generate(Rng& rng) const {
  std::vector<SimParticle> out;
  const auto n_pileup = config_.pileup > 0 ? std::poisson_distribution<int>(config_.pileup)(rng) : 0;
  out.reserve(static_cast<std::size_t>((n_pileup + 1) * mean_charged_per_interaction() * 2.5));
  std::normal_distribution<double> gauss(0.0, 1.0);
  auto vertex = [&] {
    return std::array<double, 3>{config_.beam_sigma_xy * gauss(rng), config_.beam_sigma_xy * gauss(rng),
                                 config_.beam_sigma_z * gauss(rng)};
  };
  if (config_.hard_scatter == HardScatter::kJets) {
    const auto v = vertex();
    jets(v, 0, rng, out);
    minimum_bias(v, 0, rng, out);
  }
  for (int i = 0; i < n_pileup; ++i) minimum_bias(vertex(), static_cast<std::uint32_t>(i + 1), rng, out);
  return out;
}

}  // namespace trkx::sim
