#pragma once
/// @file Geometry.hpp
/// Detector geometry in the TrackML `detectors.csv` model: planar modules,
/// each with a centre, a rotation from its local (u, v, w) frame to the
/// global (x, y, z) frame, a thickness and a (trapezoidal) outline.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include "trkx/core/EventData.hpp"

namespace trkx {

/// Key of a module: (volume, layer, module).
struct ModuleKey {
  std::int32_t volume = 0;
  std::int32_t layer = 0;
  ModuleId module = 0;
  friend bool operator==(const ModuleKey&, const ModuleKey&) = default;
};

struct ModuleKeyHash {
  std::size_t operator()(const ModuleKey& k) const noexcept {
    return (static_cast<std::size_t>(k.volume) * 1000003u) ^ (static_cast<std::size_t>(k.layer) * 10007u) ^
           static_cast<std::size_t>(k.module);
  }
};

/// All modules of a detector, structure of arrays, one entry per module.
/// `rot` is row-major: global = c + rot * (u, v, w), i.e. rot[0..2] is the
/// first row (rot_xu, rot_xv, rot_xw) as in TrackML.
struct DetectorGeometry {
  std::vector<std::int32_t> volume_id, layer_id;
  std::vector<ModuleId> module_id;
  std::vector<std::array<double, 3>> center;  ///< [mm]
  std::vector<std::array<double, 9>> rot;     ///< local -> global rotation, row-major
  std::vector<double> thickness;              ///< module_t [mm]
  std::vector<double> min_hu, max_hu, hv;     ///< half-widths in u at -hv / +hv, half-length in v [mm]
  std::vector<double> pitch_u, pitch_v;       ///< readout pitch [mm]

  [[nodiscard]] std::size_t size() const { return module_id.size(); }
  void clear();
  /// Appends one module; returns its index.
  std::size_t push_back(const ModuleKey& key, const std::array<double, 3>& c, const std::array<double, 9>& r,
                        double t, double minhu, double maxhu, double half_v, double pu, double pv);
  /// Index of a module, or nullopt. Built lazily by build_index().
  [[nodiscard]] std::optional<std::size_t> find(const ModuleKey& key) const;
  /// (Re)builds the lookup table used by find(); call after filling.
  void build_index();
  /// Transforms a global point into the local frame of module `i`.
  [[nodiscard]] std::array<double, 3> to_local(std::size_t i, const std::array<double, 3>& global) const;
  /// Transforms a local point of module `i` into the global frame.
  [[nodiscard]] std::array<double, 3> to_global(std::size_t i, const std::array<double, 3>& local) const;

 private:
  std::unordered_map<ModuleKey, std::size_t, ModuleKeyHash> index_;
};

}  // namespace trkx
