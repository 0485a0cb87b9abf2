#include "trkx/sim/Propagator.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "trkx/core/Error.hpp"

namespace trkx::sim {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kTwoPi = 2.0 * std::numbers::pi;
constexpr double kC = 0.299792458e-3;  // GeV / (T mm)
constexpr double kEps = 1e-4;          // smallest step between surfaces [mm]
constexpr double kElectronMass = 0.000511;

/// Helix parametrised by the transverse path length t from its start point.
struct Helix {
  double x0, y0, z0;
  double phi0;  // azimuth of the momentum at t = 0
  double rho;   // signed curvature [1/mm]; dphi/dt = rho
  double cot;   // pz / pT
  double pt;
  double pz;

  [[nodiscard]] std::array<double, 3> position(double t) const {
    const double half = 0.5 * rho * t;
    const double s = std::abs(half) < 1e-12 ? t : std::sin(half) / (0.5 * rho);
    const double a = phi0 + half;
    return {x0 + s * std::cos(a), y0 + s * std::sin(a), z0 + cot * t};
  }
  [[nodiscard]] std::array<double, 3> direction(double t) const {  // d position / dt
    const double a = phi0 + rho * t;
    return {std::cos(a), std::sin(a), cot};
  }
  [[nodiscard]] std::array<double, 3> momentum(double t) const {
    const double a = phi0 + rho * t;
    return {pt * std::cos(a), pt * std::sin(a), pz};
  }
};

Helix make_helix(const std::array<double, 3>& pos, const std::array<double, 3>& mom, int charge, double bz,
                 double phi) {
  Helix h{};
  h.x0 = pos[0];
  h.y0 = pos[1];
  h.z0 = pos[2];
  h.pt = std::sqrt(mom[0] * mom[0] + mom[1] * mom[1]);
  h.pz = mom[2];
  h.phi0 = phi;
  h.rho = -charge * kC * bz / h.pt;
  h.cot = mom[2] / h.pt;
  return h;
}

double wrap_positive(double a) {
  while (a < 0) a += kTwoPi;
  while (a >= kTwoPi) a -= kTwoPi;
  return a;
}

/// The transverse circle of a helix, for intersections with cylinders.
struct Circle {
  double xc, yc;  // centre [mm]
  double d;       // distance of the centre from the z axis [mm]
  double rh;      // radius [mm]
  double alpha;   // azimuth of the centre
  double beta0;   // angle of the start point seen from the centre
  double rho;     // signed curvature
};

Circle make_circle(const Helix& h) {
  Circle c{};
  const double s0 = std::sin(h.phi0), c0 = std::cos(h.phi0);
  c.xc = h.x0 - s0 / h.rho;
  c.yc = h.y0 + c0 / h.rho;
  c.d = std::sqrt(c.xc * c.xc + c.yc * c.yc);
  c.rh = 1.0 / std::abs(h.rho);
  c.alpha = std::atan2(c.yc, c.xc);
  // start - centre = (sin phi0, -cos phi0) / rho
  c.beta0 = h.rho > 0 ? h.phi0 - 0.5 * kPi : h.phi0 + 0.5 * kPi;
  c.rho = h.rho;
  return c;
}

/// Smallest t > kEps at which the helix reaches radius `radius`, or +inf.
double cylinder_crossing(const Circle& h, double radius) {
  if (h.d < 1e-9) return std::numeric_limits<double>::infinity();
  const double c = (radius * radius - h.d * h.d - h.rh * h.rh) / (2.0 * h.d * h.rh);
  if (c < -1.0 || c > 1.0) return std::numeric_limits<double>::infinity();
  const double delta = std::acos(c);
  double best = std::numeric_limits<double>::infinity();
  for (double target : {h.alpha + delta, h.alpha - delta}) {
    const double dbeta = h.rho > 0 ? wrap_positive(target - h.beta0) : wrap_positive(h.beta0 - target);
    const double t = dbeta * h.rh;
    if (t < kEps || (kTwoPi - dbeta) * h.rh < kEps) continue;
    best = std::min(best, t);
  }
  return best;
}

/// Newton iteration for the helix parameter t (near 0) where it crosses the plane of `plane`;
/// `c0`, `s0` are cos and sin of the helix's phi0. On success `point` is the crossing. Returns
/// false early when the straight-line estimate is outside the module by more than the sagitta.
bool plane_crossing(const Helix& h, double c0, double s0, const ModulePlane& plane, double& t,
                    std::array<double, 3>& point) {
  // Start on the straight line through the reference point, then Newton on the helix.
  const double f0 = plane.w[0] * (h.x0 - plane.center[0]) + plane.w[1] * (h.y0 - plane.center[1]) +
                    plane.w[2] * (h.z0 - plane.center[2]);
  const double df0 = plane.w[0] * c0 + plane.w[1] * s0 + plane.w[2] * h.cot;
  if (std::abs(df0) < 1e-9) return false;
  t = -f0 / df0;
  {
    const double dx = h.x0 + c0 * t - plane.center[0], dy = h.y0 + s0 * t - plane.center[1],
                 dz = h.z0 + h.cot * t - plane.center[2];
    const double cos_inc = std::abs(df0) / std::sqrt(1.0 + h.cot * h.cot);
    const double margin = (0.75 * std::abs(h.rho) * t * t) / std::max(cos_inc, 0.05) + 0.05;
    const double v = plane.v[0] * dx + plane.v[1] * dy + plane.v[2] * dz;
    if (std::abs(v) > plane.hv + margin) return false;
    const double u = plane.u[0] * dx + plane.u[1] * dy + plane.u[2] * dz;
    if (std::abs(u) > std::max(plane.min_hu, plane.max_hu) + margin) return false;
  }
  for (int it = 0; it < 10; ++it) {
    const double half = 0.5 * h.rho * t;
    const double sh = std::sin(half), ch = std::cos(half);
    const double s = std::abs(half) < 1e-12 ? t : sh / (0.5 * h.rho);
    const double a = h.phi0 + half;
    const double ca = std::cos(a), sa = std::sin(a);
    point = {h.x0 + s * ca, h.y0 + s * sa, h.z0 + h.cot * t};
    const double f = plane.w[0] * (point[0] - plane.center[0]) + plane.w[1] * (point[1] - plane.center[1]) +
                     plane.w[2] * (point[2] - plane.center[2]);
    if (std::abs(f) < 1e-8) return std::abs(t) < 1000.0;
    // direction at phi0 + rho t = a + half
    const double cb = ca * ch - sa * sh, sb = sa * ch + ca * sh;
    const double df = plane.w[0] * cb + plane.w[1] * sb + plane.w[2] * h.cot;
    if (std::abs(df) < 1e-9) return false;
    t -= f / df;
    if (std::abs(t) > 1000.0) return false;
  }
  return false;
}

bool inside(const ModulePlane& plane, const std::array<double, 3>& p) {
  const double dx = p[0] - plane.center[0], dy = p[1] - plane.center[1], dz = p[2] - plane.center[2];
  const double v = plane.v[0] * dx + plane.v[1] * dy + plane.v[2] * dz;
  if (std::abs(v) > plane.hv) return false;
  const double u = plane.u[0] * dx + plane.u[1] * dy + plane.u[2] * dz;
  const double hu = plane.min_hu + (plane.max_hu - plane.min_hu) * (v + plane.hv) / (2.0 * plane.hv);
  return std::abs(u) <= hu;
}

/// Rotates unit vector `d` by the small plane angles (a1, a2) about two axes orthogonal to it.
std::array<double, 3> scatter(const std::array<double, 3>& d, double a1, double a2) {
  std::array<double, 3> e1 = std::abs(d[2]) < 0.9 ? std::array<double, 3>{-d[1], d[0], 0.0}
                                                  : std::array<double, 3>{0.0, -d[2], d[1]};
  const double n1 = std::sqrt(e1[0] * e1[0] + e1[1] * e1[1] + e1[2] * e1[2]);
  for (auto& x : e1) x /= n1;
  const std::array<double, 3> e2{d[1] * e1[2] - d[2] * e1[1], d[2] * e1[0] - d[0] * e1[2],
                                 d[0] * e1[1] - d[1] * e1[0]};
  const double t1 = std::tan(a1), t2 = std::tan(a2);
  std::array<double, 3> out{d[0] + t1 * e1[0] + t2 * e2[0], d[1] + t1 * e1[1] + t2 * e2[1],
                            d[2] + t1 * e1[2] + t2 * e2[2]};
  const double n = std::sqrt(out[0] * out[0] + out[1] * out[1] + out[2] * out[2]);
  for (auto& x : out) x /= n;
  return out;
}

constexpr double kPionCtau = 7804.5;  // mm
constexpr double kKaonCtau = 3711.4;  // mm
constexpr double kPi0Mass = 0.134977;

bool is_hadron(Species s) { return s == Species::kPion || s == Species::kKaon || s == Species::kProton; }

double norm(const std::array<double, 3>& v) { return std::sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]); }

}  // namespace

Propagator::Propagator(const TrackingGeometry& geometry, Config config)
    : geometry_(&geometry), config_(config) {
  TRKX_CHECK(config_.bz > 0, "the solenoid field must be positive");
  if (config_.world_r <= 0) config_.world_r = geometry.max_r() + 10.0;
  if (config_.world_z <= 0) config_.world_z = geometry.max_abs_z() + 10.0;
  const auto& layers = geometry.layers();
  layer_x0_.assign(layers.size(), 0.0);
  std::vector<int> count(layers.size(), 0);
  for (const auto& p : geometry.planes()) {
    layer_x0_[p.layer] += p.x_over_x0;
    ++count[p.layer];
  }
  r_min_sensitive_ = std::numeric_limits<double>::max();
  for (std::size_t l = 0; l < layers.size(); ++l) {
    layer_x0_[l] /= std::max(count[l], 1);
    r_min_sensitive_ = std::min(r_min_sensitive_, layers[l].barrel ? layers[l].env_lo : layers[l].lo);
  }
}

bool Propagator::inside_world(const std::array<double, 3>& p) const {
  return p[0] * p[0] + p[1] * p[1] < config_.world_r * config_.world_r && std::abs(p[2]) < config_.world_z;
}

void Propagator::transport_all(std::vector<SimParticle>& particles, Rng& rng,
                               std::vector<SimHit>& hits) const {
  for (std::size_t i = 0; i < particles.size(); ++i) transport(particles, i, rng, hits);
}

void Propagator::transport(std::vector<SimParticle>& particles, std::size_t index, Rng& rng,
                           std::vector<SimHit>& hits) const {
  const SimParticle& p = particles[index];
  if (!inside_world(p.vertex)) return;
  if (p.charge != 0) {
    transport_charged(particles, index, rng, hits);
  } else if (p.species == Species::kPhoton) {
    if (config_.conversions) transport_photon(particles, index, rng);
  } else if (config_.decays) {
    decay_in_flight(particles, index, rng);
  }
}

void Propagator::transport_charged(std::vector<SimParticle>& particles, std::size_t index, Rng& rng,
                                   std::vector<SimHit>& hits) const {
  const SimParticle particle = particles[index];  // copy: secondaries may reallocate the list
  const auto& geo = *geometry_;
  const auto& radii = geo.cylinder_radii();
  const auto& disks = geo.disk_z();
  const double mass = mass_of(particle.species);
  std::array<double, 3> pos = particle.vertex;
  std::array<double, 3> mom = particle.momentum;
  std::normal_distribution<double> gauss(0.0, 1.0);
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  std::vector<std::uint32_t> cand;
  struct Crossed {
    double t;
    std::uint32_t module;
  };
  std::vector<Crossed> crossed;
  std::vector<SimHit> current;
  std::vector<SimHit> previous;  // hits of the previous crossing, to drop double counts at tangent points

  double t_total = 0;
  double phi = std::atan2(mom[1], mom[0]);  // azimuth of the momentum
  // Decay in flight of charged pions and kaons: path length (3D) at which the particle decays.
  double s_total = 0;
  double decay_path = std::numeric_limits<double>::infinity();
  if (config_.charged_decays && particle.generation < config_.max_generation &&
      (particle.species == Species::kPion || particle.species == Species::kKaon)) {
    const double ctau = particle.species == Species::kPion ? kPionCtau : kKaonCtau;
    decay_path = norm(mom) / mass * ctau * -std::log(1.0 - uni(rng));
  }
  for (int step = 0; step < config_.max_crossings; ++step) {
    const Helix h = make_helix(pos, mom, particle.charge, config_.bz, phi);
    if (h.pt < 1e-4) return;
    const Circle circle = make_circle(h);
    const double rh = circle.rh;
    // A helix that never reaches the innermost module cannot make hits.
    if (step == 0 && circle.d + rh < r_min_sensitive_) return;
    // Next reference surface: a neighbouring cylinder or the next disk along z.
    const double r0 = std::sqrt(pos[0] * pos[0] + pos[1] * pos[1]);
    double t_next = std::numeric_limits<double>::infinity();
    int surface = -1;  // >= 0 cylinder index, <= -2 disk index (-2 - k)
    const auto j = static_cast<int>(std::upper_bound(radii.begin(), radii.end(), r0) - radii.begin());
    for (int k = std::max(j - 2, 0); k <= std::min(j + 1, static_cast<int>(radii.size()) - 1); ++k) {
      const double t = cylinder_crossing(circle, radii[static_cast<std::size_t>(k)]);
      if (t < t_next) {
        t_next = t;
        surface = k;
      }
    }
    if (std::abs(h.cot) > 1e-12 && !disks.empty()) {
      int k = -1;
      if (h.cot > 0) {
        k = static_cast<int>(std::upper_bound(disks.begin(), disks.end(), pos[2] + kEps) - disks.begin());
        if (k >= static_cast<int>(disks.size())) k = -1;
      } else {
        k = static_cast<int>(std::lower_bound(disks.begin(), disks.end(), pos[2] - kEps) - disks.begin()) - 1;
      }
      if (k >= 0) {
        const double t = (disks[static_cast<std::size_t>(k)] - pos[2]) / h.cot;
        if (t > kEps && t < t_next) {
          t_next = t;
          surface = -2 - k;
        }
      }
    }
    if (surface == -1) return;
    const double path_per_t = std::sqrt(1.0 + h.cot * h.cot);
    if (s_total + t_next * path_per_t > decay_path) {
      // Decays before the next surface (unless the looper cut-off stops it first).
      const double td = (decay_path - s_total) / path_per_t;
      if (t_total + td <= config_.max_turns * kTwoPi * rh) {
        const auto where = h.position(td);
        if (inside_world(where)) decay_charged(particles, particle, where, h.momentum(td), rng);
      }
      return;
    }
    s_total += t_next * path_per_t;
    t_total += t_next;
    if (t_total > config_.max_turns * kTwoPi * rh) return;
    const auto at = h.position(t_next);
    if (!inside_world(at)) return;
    const Helix hs = make_helix(at, h.momentum(t_next), particle.charge, config_.bz, h.phi0 + h.rho * t_next);

    // Candidate modules of the layers on this surface.
    cand.clear();
    const double r_at = std::sqrt(at[0] * at[0] + at[1] * at[1]);
    const double phi_at = std::atan2(at[1], at[0]);
    const auto dir = hs.direction(0);
    const auto& members = surface >= 0 ? geo.cylinder_layers()[static_cast<std::size_t>(surface)]
                                       : geo.disk_layers()[static_cast<std::size_t>(-2 - surface)];
    for (auto l : members) {
      const auto& layer = geo.layers()[l];
      const double ref = surface >= 0 ? radii[static_cast<std::size_t>(surface)]
                                      : disks[static_cast<std::size_t>(-2 - surface)];
      const double depth = std::max(ref - layer.env_lo, layer.env_hi - ref) + 0.5;
      if (surface >= 0) {
        const double cos_r = (dir[0] * at[0] + dir[1] * at[1]) / std::max(r_at, 1e-9);
        const double sin_r = std::sqrt(std::max(0.0, 1.0 - cos_r * cos_r));
        const double dt = std::min(depth / std::max(std::abs(cos_r), 0.02), 300.0);
        const double dz = dt * std::abs(h.cot) + 1.0;
        const double dphi = (dt * sin_r + 1.0) / std::max(r_at, 1.0);
        geo.candidates(l, phi_at - dphi, phi_at + dphi, at[2] - dz, at[2] + dz, cand);
      } else {
        const double dt = std::min(depth / std::abs(h.cot), 300.0);
        const double dphi = (dt + 1.0) / std::max(r_at, 1.0);
        geo.candidates(l, phi_at - dphi, phi_at + dphi, r_at - dt - 1.0, r_at + dt + 1.0, cand);
      }
    }
    std::sort(cand.begin(), cand.end());
    cand.erase(std::unique(cand.begin(), cand.end()), cand.end());

    crossed.clear();
    const auto& planes = geo.planes();
    const double hc0 = std::cos(hs.phi0), hs0 = std::sin(hs.phi0);
    for (auto m : cand) {
      double t = 0;
      std::array<double, 3> point{};
      if (!plane_crossing(hs, hc0, hs0, planes[m], t, point)) continue;
      if (t_next + t <= kEps) continue;  // behind the start of this step
      if (!inside(planes[m], point)) continue;
      crossed.push_back({t, m});
    }
    std::sort(crossed.begin(), crossed.end(), [](const Crossed& a, const Crossed& b) { return a.t < b.t; });

    double x_total = 0;
    const double inv_len = 1.0 / std::sqrt(1.0 + h.cot * h.cot);
    current.clear();
    for (const auto& c : crossed) {
      const auto& plane = planes[c.module];
      SimHit hit;
      hit.particle = static_cast<std::uint32_t>(index);
      hit.module = c.module;
      hit.position = hs.position(c.t);
      hit.momentum = hs.momentum(c.t);
      const bool repeated = std::any_of(previous.begin(), previous.end(), [&](const SimHit& q) {
        return q.module == hit.module && std::abs(q.position[0] - hit.position[0]) < 1e-3 &&
               std::abs(q.position[1] - hit.position[1]) < 1e-3 &&
               std::abs(q.position[2] - hit.position[2]) < 1e-3;
      });
      if (repeated) continue;
      hits.push_back(hit);
      current.push_back(hit);
      const auto d = hs.direction(c.t);
      const double cos_inc = std::abs(plane.w[0] * d[0] + plane.w[1] * d[1] + plane.w[2] * d[2]) * inv_len;
      x_total += plane.x_over_x0 / std::max(cos_inc, 0.05);
    }

    std::swap(previous, current);
    pos = at;
    mom = hs.momentum(0);
    phi = hs.phi0;
    while (phi > kPi) phi -= kTwoPi;
    while (phi < -kPi) phi += kTwoPi;
    if (x_total <= 0) continue;
    const double p = norm(mom);
    if (config_.multiple_scattering) {
      const double beta = p / std::sqrt(p * p + mass * mass);
      const double bracket = std::max(0.0, 1.0 + 0.038 * std::log(x_total / (beta * beta)));
      const double theta0 = 0.0136 / (beta * p) * std::sqrt(x_total) * bracket;
      const std::array<double, 3> u{mom[0] / p, mom[1] / p, mom[2] / p};
      const auto d = scatter(u, theta0 * gauss(rng), theta0 * gauss(rng));
      mom = {p * d[0], p * d[1], p * d[2]};
      phi = std::atan2(mom[1], mom[0]);
    }
    if (config_.hadronic_interactions && is_hadron(particle.species)) {
      const double prob = 1.0 - std::exp(-x_total * config_.x0_over_lambda * config_.hadronic_scale);
      if (uni(rng) < prob) {
        if (particle.generation < config_.max_generation) {
          const int n_sec = 1 + std::poisson_distribution<int>(1.5)(rng);
          const std::array<double, 3> u{mom[0] / p, mom[1] / p, mom[2] / p};
          for (int s = 0; s < n_sec; ++s) {
            const double ps = std::min(p, 0.05 - std::log(1.0 - uni(rng)) * std::min(0.25, 0.3 * p));
            if (ps < config_.secondary_p_min) continue;
            const double theta = std::min(std::abs(0.6 * gauss(rng)), 0.5 * kPi);
            const double psi = kTwoPi * uni(rng);
            const auto d = scatter(u, theta * std::cos(psi), theta * std::sin(psi));
            SimParticle sec;
            sec.vertex = pos;
            sec.momentum = {ps * d[0], ps * d[1], ps * d[2]};
            sec.species = uni(rng) < 0.75 ? Species::kPion : Species::kProton;
            sec.charge = (sec.species == Species::kProton || uni(rng) < 0.5) ? 1 : -1;
            sec.origin = Origin::kHadronic;
            sec.interaction = particle.interaction;
            sec.generation = static_cast<std::uint8_t>(particle.generation + 1);
            particles.push_back(sec);
          }
        }
        return;  // inelastic: the incoming hadron ends here
      }
    }
  }
}

void Propagator::transport_photon(std::vector<SimParticle>& particles, std::size_t index, Rng& rng) const {
  const SimParticle photon = particles[index];
  if (photon.generation >= config_.max_generation) return;
  const double e = norm(photon.momentum);
  if (e < 2.0 * config_.secondary_p_min) return;
  const auto& geo = *geometry_;
  const std::array<double, 3> d{photon.momentum[0] / e, photon.momentum[1] / e, photon.momentum[2] / e};
  const auto& o = photon.vertex;
  struct Crossing {
    double s;
    std::uint32_t layer;
    double cos_inc;
  };
  std::vector<Crossing> crossings;
  const double a = d[0] * d[0] + d[1] * d[1];
  for (std::size_t k = 0; k < geo.cylinder_radii().size(); ++k) {
    if (a < 1e-12) break;
    const double radius = geo.cylinder_radii()[k];
    const double b = o[0] * d[0] + o[1] * d[1];
    const double c = o[0] * o[0] + o[1] * o[1] - radius * radius;
    const double disc = b * b - a * c;
    if (disc < 0) continue;
    const double s = (-b + std::sqrt(disc)) / a;
    if (s <= 0) continue;
    const double z = o[2] + s * d[2];
    const double cos_inc = std::sqrt(a) * std::abs((o[0] + s * d[0]) * d[0] + (o[1] + s * d[1]) * d[1]) /
                           (radius * std::sqrt(a));
    for (auto l : geo.cylinder_layers()[k]) {
      const auto& layer = geo.layers()[l];
      if (z >= layer.lo && z <= layer.hi) crossings.push_back({s, l, cos_inc});
    }
  }
  if (std::abs(d[2]) > 1e-9) {
    for (std::size_t k = 0; k < geo.disk_z().size(); ++k) {
      const double s = (geo.disk_z()[k] - o[2]) / d[2];
      if (s <= 0) continue;
      const double r = std::hypot(o[0] + s * d[0], o[1] + s * d[1]);
      for (auto l : geo.disk_layers()[k]) {
        const auto& layer = geo.layers()[l];
        if (r >= layer.lo && r <= layer.hi) crossings.push_back({s, l, std::abs(d[2])});
      }
    }
  }
  std::sort(crossings.begin(), crossings.end(),
            [](const Crossing& x, const Crossing& y) { return x.s < y.s; });
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  for (const auto& c : crossings) {
    const double x = layer_x0_[c.layer] / std::max(c.cos_inc, 0.05);
    if (uni(rng) >= 1.0 - std::exp(-7.0 / 9.0 * x)) continue;
    const std::array<double, 3> at{o[0] + c.s * d[0], o[1] + c.s * d[1], o[2] + c.s * d[2]};
    if (!inside_world(at)) return;
    const double f = uni(rng);
    for (int leg = 0; leg < 2; ++leg) {
      const double p = (leg == 0 ? f : 1.0 - f) * e;
      if (p < config_.secondary_p_min || p < kElectronMass) continue;
      SimParticle ele;
      ele.vertex = at;
      ele.momentum = {p * d[0], p * d[1], p * d[2]};
      ele.species = Species::kElectron;
      ele.charge = leg == 0 ? -1 : 1;
      ele.origin = Origin::kConversion;
      ele.interaction = photon.interaction;
      ele.generation = static_cast<std::uint8_t>(photon.generation + 1);
      particles.push_back(ele);
    }
    return;
  }
}

void Propagator::decay_charged(std::vector<SimParticle>& particles, const SimParticle& parent,
                               const std::array<double, 3>& at, const std::array<double, 3>& mom,
                               Rng& rng) const {
  // pi+- -> mu+- nu (99.99%). K+- -> mu+- nu (63.6%; with K -> pi0 mu nu, 67%), otherwise pi+- pi0
  // (20.7%; the 3-body modes, whose charged daughter is mostly a pion, are folded in with its kinematics).
  // The neutrino is not listed; the pi0 becomes two photons that may convert.
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  const bool to_muon = parent.species == Species::kPion || uni(rng) < 0.67;
  const Species charged = to_muon ? Species::kMuon : Species::kPion;
  const double m_neutral = to_muon ? 0.0 : kPi0Mass;
  const auto daughters = two_body_decay(mom, mass_of(parent.species), mass_of(charged), m_neutral, rng);
  SimParticle dau;
  dau.vertex = at;
  dau.interaction = parent.interaction;
  dau.generation = static_cast<std::uint8_t>(parent.generation + 1);
  dau.origin = Origin::kDecay;
  if (norm(daughters[0]) >= config_.secondary_p_min) {
    dau.momentum = daughters[0];
    dau.species = charged;
    dau.charge = parent.charge;
    particles.push_back(dau);
  }
  if (!to_muon) {
    for (const auto& pg : two_body_decay(daughters[1], kPi0Mass, 0.0, 0.0, rng)) {
      dau.momentum = pg;
      dau.species = Species::kPhoton;
      dau.charge = 0;
      particles.push_back(dau);
    }
  }
}

void Propagator::decay_in_flight(std::vector<SimParticle>& particles, std::size_t index, Rng& rng) const {
  const SimParticle parent = particles[index];
  if (parent.generation >= config_.max_generation) return;
  std::uniform_real_distribution<double> uni(0.0, 1.0);
  double ctau = 0, branching = 0;
  Species d1 = Species::kPion;
  if (parent.species == Species::kK0Short) {
    ctau = 26.84;
    branching = 0.692;  // pi+ pi-
  } else if (parent.species == Species::kLambda) {
    ctau = 78.9;
    branching = 0.639;  // p pi-
    d1 = Species::kProton;
  } else {
    return;
  }
  if (uni(rng) >= branching) return;
  const double m = mass_of(parent.species);
  const double p = norm(parent.momentum);
  const double length = p / m * ctau * -std::log(1.0 - uni(rng));
  const std::array<double, 3> at{parent.vertex[0] + length * parent.momentum[0] / p,
                                 parent.vertex[1] + length * parent.momentum[1] / p,
                                 parent.vertex[2] + length * parent.momentum[2] / p};
  if (!inside_world(at)) return;
  const auto daughters = two_body_decay(parent.momentum, m, mass_of(d1), mass_of(Species::kPion), rng);
  for (int k = 0; k < 2; ++k) {
    SimParticle dau;
    dau.vertex = at;
    dau.momentum = daughters[static_cast<std::size_t>(k)];
    dau.species = k == 0 ? d1 : Species::kPion;
    dau.charge = k == 0 ? 1 : -1;
    dau.origin = Origin::kDecay;
    dau.interaction = parent.interaction;
    dau.generation = static_cast<std::uint8_t>(parent.generation + 1);
    if (norm(dau.momentum) >= config_.secondary_p_min) particles.push_back(dau);
  }
}

}  // namespace trkx::sim
