#include "trkx/core/EventData.hpp"

#include <cmath>

namespace trkx {

void HitContainer::reserve(std::size_t n) {
  hit_id.reserve(n);
  x.reserve(n);
  y.reserve(n);
  z.reserve(n);
  volume_id.reserve(n);
  layer_id.reserve(n);
  module_id.reserve(n);
}

void HitContainer::clear() {
  hit_id.clear();
  x.clear();
  y.clear();
  z.clear();
  volume_id.clear();
  layer_id.clear();
  module_id.clear();
  r.clear();
  phi.clear();
  eta.clear();
}

void HitContainer::push_back(HitId id, float x_mm, float y_mm, float z_mm, std::int32_t volume,
                             std::int32_t layer, ModuleId module) {
  hit_id.push_back(id);
  x.push_back(x_mm);
  y.push_back(y_mm);
  z.push_back(z_mm);
  volume_id.push_back(volume);
  layer_id.push_back(layer);
  module_id.push_back(module);
}

void HitContainer::compute_derived() {
  const std::size_t n = size();
  r.resize(n);
  phi.resize(n);
  eta.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const double rr = std::hypot(static_cast<double>(x[i]), static_cast<double>(y[i]));
    r[i] = static_cast<float>(rr);
    phi[i] = static_cast<float>(std::atan2(static_cast<double>(y[i]), static_cast<double>(x[i])));
    // eta = asinh(z / r); r == 0 never happens for detector hits, guard anyway.
    eta[i] = rr > 0.0 ? static_cast<float>(std::asinh(static_cast<double>(z[i]) / rr)) : 0.0F;
  }
}

HitsView HitContainer::view() const {
  return HitsView{hit_id, x, y, z, volume_id, layer_id, module_id, r, phi, eta};
}

void CellContainer::reserve(std::size_t n) {
  hit_id.reserve(n);
  ch0.reserve(n);
  ch1.reserve(n);
  value.reserve(n);
}

void CellContainer::clear() {
  hit_id.clear();
  ch0.clear();
  ch1.clear();
  value.clear();
}

void CellContainer::push_back(HitId id, std::int32_t c0, std::int32_t c1, float v) {
  hit_id.push_back(id);
  ch0.push_back(c0);
  ch1.push_back(c1);
  value.push_back(v);
}

CellsView CellContainer::view() const { return CellsView{hit_id, ch0, ch1, value}; }

void TruthContainer::reserve(std::size_t n) {
  hit_id.reserve(n);
  particle_id.reserve(n);
  tx.reserve(n);
  ty.reserve(n);
  tz.reserve(n);
  tpx.reserve(n);
  tpy.reserve(n);
  tpz.reserve(n);
  weight.reserve(n);
}

void TruthContainer::clear() {
  hit_id.clear();
  particle_id.clear();
  tx.clear();
  ty.clear();
  tz.clear();
  tpx.clear();
  tpy.clear();
  tpz.clear();
  weight.clear();
}

void TruthContainer::push_back(HitId id, ParticleId particle, float x, float y, float z, float px, float py,
                               float pz, float w) {
  hit_id.push_back(id);
  particle_id.push_back(particle);
  tx.push_back(x);
  ty.push_back(y);
  tz.push_back(z);
  tpx.push_back(px);
  tpy.push_back(py);
  tpz.push_back(pz);
  weight.push_back(w);
}

TruthView TruthContainer::view() const {
  return TruthView{hit_id, particle_id, tx, ty, tz, tpx, tpy, tpz, weight};
}

void ParticleContainer::reserve(std::size_t n) {
  particle_id.reserve(n);
  vx.reserve(n);
  vy.reserve(n);
  vz.reserve(n);
  px.reserve(n);
  py.reserve(n);
  pz.reserve(n);
  q.reserve(n);
  nhits.reserve(n);
}

void ParticleContainer::clear() {
  particle_id.clear();
  vx.clear();
  vy.clear();
  vz.clear();
  px.clear();
  py.clear();
  pz.clear();
  q.clear();
  nhits.clear();
}

void ParticleContainer::push_back(ParticleId id, float x, float y, float z, float mx, float my, float mz,
                                  std::int32_t charge, std::int32_t n) {
  particle_id.push_back(id);
  vx.push_back(x);
  vy.push_back(y);
  vz.push_back(z);
  px.push_back(mx);
  py.push_back(my);
  pz.push_back(mz);
  q.push_back(charge);
  nhits.push_back(n);
}

ParticlesView ParticleContainer::view() const {
  return ParticlesView{particle_id, vx, vy, vz, px, py, pz, q, nhits};
}

}  // namespace trkx
