#pragma once
/// @file HitFeatures.hpp
/// Node features of the hit graph: scaled cylindrical coordinates plus
/// cluster-shape features computed from the cells that form each hit.

#include <string>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/pipeline/Graph.hpp"

namespace trkx {

/// Computes the node feature matrix [n_hits x n_features] of an event, one row
/// per hit in the order of the HitContainer, columns named by feature_names():
///
///   r               transverse radius / r_scale
///   phi             azimuth / phi_scale                 (phi in [-pi, pi])
///   z               z / z_scale
///   cell_count      number of cells of the hit / count_scale
///   cell_charge     summed cell value / charge_scale
///   cell_extent_ch0 (max ch0 - min ch0 + 1) / extent_scale   (cluster length along u)
///   cell_extent_ch1 (max ch1 - min ch1 + 1) / extent_scale   (cluster length along v)
///
/// The cluster shape carries the direction of the particle through the module
/// (long clusters = inclined tracks). Hits without cells get 0 in the four cell
/// columns. Thread-safe: compute() is const.
class HitFeatures {
 public:
  struct Config {
    float r_scale = 1000.0F;              ///< [mm] r / r_scale is O(1) in a TrackML-sized detector
    float phi_scale = 3.14159265358979F;  ///< [rad] phi / phi_scale in [-1, 1]
    float z_scale = 1000.0F;              ///< [mm] z / z_scale is O(1) (|z| < ~3 m)
    float count_scale = 10.0F;            ///< cells per hit; pixel clusters have ~1-20 cells
    float charge_scale = 1.0F;            ///< summed cell value (arbitrary units as in cells.csv)
    float extent_scale = 10.0F;           ///< cluster extent in channels
  };

  HitFeatures() : HitFeatures(Config{}) {}
  explicit HitFeatures(Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// Column names, in column order (what pipeline.json's node_features must equal).
  [[nodiscard]] static const std::vector<std::string>& feature_names();
  [[nodiscard]] static std::size_t n_features() { return feature_names().size(); }
  /// Column of the azimuth phi (the GNN's partition key: tracks are local in phi).
  static constexpr std::size_t kPhiColumn = 1;

  /// Features of all hits. `cells` may be empty or list cells of only some hits;
  /// cells whose hit_id is not among the hits throw trkx::InputError.
  [[nodiscard]] Matrix compute(const HitsView& hits, const CellsView& cells) const;

 private:
  Config config_;
};

}  // namespace trkx
