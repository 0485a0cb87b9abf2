#pragma once
/// @file TrackingGeometry.hpp
/// Navigation structure for the simulation, built from any TrackML-format
/// module description: modules grouped into layers (barrel cylinders or
/// endcap disks), reference surfaces for fast helix stepping, and per-layer
/// (phi, z) or (phi, r) bins so that only a few candidate modules are tested
/// for each surface crossing.
///
/// Units: mm, radians.

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "trkx/core/Geometry.hpp"

namespace trkx::sim {

/// Plane of one module in the form the propagator needs.
struct ModulePlane {
  std::array<double, 3> center{};         ///< [mm]
  std::array<double, 3> u{}, v{}, w{};    ///< local axes in global coordinates (w = normal)
  double half_t = 0;                      ///< half thickness [mm]
  double min_hu = 0, max_hu = 0, hv = 0;  ///< outline [mm]
  double x_over_x0 = 0;                   ///< material of the module at normal incidence
  std::uint32_t layer = 0;                ///< index into TrackingGeometry::layers()
};

/// One sensitive layer: a barrel cylinder or an endcap disk.
struct SurfaceLayer {
  bool barrel = true;
  std::int32_t volume_id = 0, layer_id = 0;
  double ref = 0;                 ///< reference radius (barrel) or z (disk) [mm]
  double env_lo = 0, env_hi = 0;  ///< extent of the module planes in r (barrel) or z (disk) [mm]
  double lo = 0, hi = 0;          ///< extent along the layer: z (barrel) or r (disk) [mm]
  // (phi, w) bins: w = z for barrels, r for disks.
  int n_phi = 1, n_w = 1;
  double w_min = 0, w_max = 0;
  std::vector<std::uint32_t> bin_offset;  ///< size n_phi * n_w + 1
  std::vector<std::uint32_t> bin_module;  ///< module indices, grouped by bin
};

/// Layers, reference surfaces and module lookup of a detector.
class TrackingGeometry {
 public:
  struct Config {
    double material_scale = 8.0;  ///< x/X0 of a layer = scale * module_t / X0(Si): sensors plus services
    double silicon_x0 = 93.7;     ///< radiation length of silicon [mm]
    double bin_margin = 1.0;      ///< modules are registered in bins they reach within this margin [mm]
  };

  /// Groups the modules of `detector` into layers. Throws trkx::Error when a
  /// layer is neither barrel-like (normals transverse) nor disk-like (normals along z).
  explicit TrackingGeometry(DetectorGeometry detector, Config config);
  explicit TrackingGeometry(DetectorGeometry detector) : TrackingGeometry(std::move(detector), Config{}) {}

  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] const DetectorGeometry& detector() const { return detector_; }
  [[nodiscard]] const std::vector<SurfaceLayer>& layers() const { return layers_; }
  [[nodiscard]] const std::vector<ModulePlane>& planes() const { return planes_; }

  /// Distinct barrel reference radii, increasing, and the layers at each.
  [[nodiscard]] const std::vector<double>& cylinder_radii() const { return cyl_r_; }
  [[nodiscard]] const std::vector<std::vector<std::uint32_t>>& cylinder_layers() const { return cyl_layers_; }
  /// Distinct disk reference z, increasing, and the layers at each.
  [[nodiscard]] const std::vector<double>& disk_z() const { return disk_z_; }
  [[nodiscard]] const std::vector<std::vector<std::uint32_t>>& disk_layers() const { return disk_layers_; }

  /// Appends to `out` the modules of layer `layer` whose bins overlap
  /// phi in [phi_lo, phi_hi] (may wrap, radians) and w in [w_lo, w_hi] (mm).
  /// May contain duplicates.
  void candidates(std::uint32_t layer, double phi_lo, double phi_hi, double w_lo, double w_hi,
                  std::vector<std::uint32_t>& out) const;

  /// Largest extent of the sensitive volume: max r and max |z| of any module corner [mm].
  [[nodiscard]] double max_r() const { return max_r_; }
  [[nodiscard]] double max_abs_z() const { return max_abs_z_; }

 private:
  DetectorGeometry detector_;
  Config config_;
  std::vector<SurfaceLayer> layers_;
  std::vector<ModulePlane> planes_;
  std::vector<double> cyl_r_, disk_z_;
  std::vector<std::vector<std::uint32_t>> cyl_layers_, disk_layers_;
  double max_r_ = 0, max_abs_z_ = 0;
};

}  // namespace trkx::sim
