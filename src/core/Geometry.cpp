#include "trkx/core/Geometry.hpp"

namespace trkx {

void DetectorGeometry::clear() {
  volume_id.clear();
  layer_id.clear();
  module_id.clear();
  center.clear();
  rot.clear();
  thickness.clear();
  min_hu.clear();
  max_hu.clear();
  hv.clear();
  pitch_u.clear();
  pitch_v.clear();
  index_.clear();
}

std::size_t DetectorGeometry::push_back(const ModuleKey& key, const std::array<double, 3>& c,
                                        const std::array<double, 9>& r, double t, double minhu, double maxhu,
                                        double half_v, double pu, double pv) {
  volume_id.push_back(key.volume);
  layer_id.push_back(key.layer);
  module_id.push_back(key.module);
  center.push_back(c);
  rot.push_back(r);
  thickness.push_back(t);
  min_hu.push_back(minhu);
  max_hu.push_back(maxhu);
  hv.push_back(half_v);
  pitch_u.push_back(pu);
  pitch_v.push_back(pv);
  return size() - 1;
}

void DetectorGeometry::build_index() {
  index_.clear();
  index_.reserve(size());
  for (std::size_t i = 0; i < size(); ++i) {
    index_.emplace(ModuleKey{volume_id[i], layer_id[i], module_id[i]}, i);
  }
}

std::optional<std::size_t> DetectorGeometry::find(const ModuleKey& key) const {
  const auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

std::array<double, 3> DetectorGeometry::to_local(std::size_t i, const std::array<double, 3>& global) const {
  const auto& c = center[i];
  const auto& m = rot[i];
  const double d[3] = {global[0] - c[0], global[1] - c[1], global[2] - c[2]};
  // local = rot^T * (global - c)
  return {m[0] * d[0] + m[3] * d[1] + m[6] * d[2], m[1] * d[0] + m[4] * d[1] + m[7] * d[2],
          m[2] * d[0] + m[5] * d[1] + m[8] * d[2]};
}

std::array<double, 3> DetectorGeometry::to_global(std::size_t i, const std::array<double, 3>& local) const {
  const auto& c = center[i];
  const auto& m = rot[i];
  return {c[0] + m[0] * local[0] + m[1] * local[1] + m[2] * local[2],
          c[1] + m[3] * local[0] + m[4] * local[1] + m[5] * local[2],
          c[2] + m[6] * local[0] + m[7] * local[1] + m[8] * local[2]};
}

}  // namespace trkx
