#pragma once
/// @file DetectorBuilder.hpp
/// The built-in TrackML-like detector: generates the module layout of the
/// TrackML challenge detector (pixel, short-strip and long-strip barrels and
/// endcaps) as a DetectorGeometry that can be written as `detectors.csv`.
///
/// Units: mm, radians.

#include <cstdint>
#include <vector>

#include "trkx/core/Geometry.hpp"

namespace trkx::sim {

/// Builds planar-module detectors from a compact layer table.
///
/// Barrel layers are cylinders of rectangular modules (staves): n_phi modules
/// around, tilted by `tilt` about their long (z) axis so that neighbours
/// overlap in phi, and n_z modules along z, alternately shifted by
/// +-`r_stagger` in radius so that neighbours overlap in z. Local frame:
/// u = around phi, v = along z, w = normal (outwards, tilted).
///
/// Endcap layers are disks of rings of trapezoids, mirrored at -z (first
/// volume id) and +z (second volume id). Local frame: v = radial outwards,
/// w = +z, u = v x w. Neighbours in a ring alternate in z by +-`z_stagger`.
///
/// Layer ids are 2, 4, 6, ... per volume, increasing with z in endcaps and
/// with r in barrels; module ids are 1, 2, ... per layer.
class DetectorBuilder {
 public:
  /// Module technology shared by a set of layers.
  struct Sensor {
    double thickness = 0.15;   ///< module_t [mm]
    double pitch_u = 0.05;     ///< [mm]
    double pitch_v = 0.05625;  ///< [mm]
  };
  /// One barrel volume (several cylinders of identical modules).
  struct Barrel {
    std::int32_t volume = 8;
    std::vector<double> radii;  ///< layer radii [mm]
    std::vector<int> n_phi;     ///< modules around phi per layer
    int n_z = 14;               ///< modules along z
    double z_pitch = 70.0;      ///< distance between module centres in z [mm]
    double half_u = 8.4;        ///< module half-width [mm]
    double half_v = 36.0;       ///< module half-length (along z) [mm]
    double tilt = 0.14;         ///< rotation about z [rad]
    double r_stagger = 0.25;    ///< alternating radial offset of z-neighbours [mm]
    Sensor sensor;
  };
  /// One ring of trapezoidal modules of an endcap disk.
  struct Ring {
    double radius = 0;    ///< radius of the module centres [mm]
    int n_phi = 0;        ///< modules in the ring
    double min_hu = 0;    ///< half-width at the inner edge [mm]
    double max_hu = 0;    ///< half-width at the outer edge [mm]
    double half_v = 0;    ///< radial half-length [mm]
    double z_offset = 0;  ///< offset of the ring from the disk z [mm]
  };
  /// A pair of endcaps (at -z and +z) of identical disks.
  struct Endcap {
    std::int32_t volume_neg = 7;  ///< volume id at z < 0
    std::int32_t volume_pos = 9;  ///< volume id at z > 0
    std::vector<double> z;        ///< |z| of the disks [mm], increasing
    std::vector<Ring> rings;
    double z_stagger = 2.0;  ///< alternating z offset of phi-neighbours [mm]
    Sensor sensor;
  };
  /// The full layer table; volumes are emitted in increasing volume id.
  struct Config {
    std::vector<Barrel> barrels;
    std::vector<Endcap> endcaps;
  };

  /// The TrackML challenge layout (volumes 7-9, 12-14, 16-18).
  [[nodiscard]] static Config trackml();

  explicit DetectorBuilder(Config config = trackml());
  [[nodiscard]] const Config& config() const { return config_; }

  /// Generates all modules, sorted by volume, layer, module; index built.
  [[nodiscard]] DetectorGeometry build() const;

 private:
  Config config_;
};

/// Shorthand for DetectorBuilder{}.build(): the built-in TrackML geometry.
[[nodiscard]] DetectorGeometry trackml_detector();

}  // namespace trkx::sim
