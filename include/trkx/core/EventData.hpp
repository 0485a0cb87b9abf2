#pragma once
/// @file EventData.hpp
/// The event data model: structure-of-arrays containers for one collision
/// event in the TrackML format, plus cheap non-owning views for the stages.
///
/// Units: positions in mm, momenta in GeV, angles in radians, charge in e.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trkx {

/// Identifier types as used by TrackML. Hit ids start at 1 and are dense in
/// files written by trkx, but readers accept any unique positive value.
using HitId = std::uint64_t;
using ParticleId = std::uint64_t;  ///< 0 = noise
using ModuleId = std::int64_t;

/// Non-owning view of the hits of one event (all spans have equal size).
struct HitsView {
  std::span<const HitId> hit_id;
  std::span<const float> x, y, z;  ///< global position [mm]
  std::span<const std::int32_t> volume_id, layer_id;
  std::span<const ModuleId> module_id;
  std::span<const float> r, phi, eta;  ///< derived: transverse radius [mm], azimuth [rad], pseudorapidity
  [[nodiscard]] std::size_t size() const { return hit_id.size(); }
};

/// Hits of one event, one entry per measurement.
struct HitContainer {
  std::vector<HitId> hit_id;
  std::vector<float> x, y, z;
  std::vector<std::int32_t> volume_id, layer_id;
  std::vector<ModuleId> module_id;
  std::vector<float> r, phi, eta;  ///< filled by compute_derived()

  [[nodiscard]] std::size_t size() const { return hit_id.size(); }
  void reserve(std::size_t n);
  void clear();
  /// Appends one hit (derived quantities are left for compute_derived()).
  void push_back(HitId id, float x_mm, float y_mm, float z_mm, std::int32_t volume, std::int32_t layer,
                 ModuleId module);
  /// Computes r, phi and eta from x, y, z for every hit. Call once after filling.
  void compute_derived();
  [[nodiscard]] HitsView view() const;
};

/// Non-owning view of the cells (pixels / strips) that form the hits.
struct CellsView {
  std::span<const HitId> hit_id;
  std::span<const std::int32_t> ch0, ch1;  ///< channel ids on the module (u, v)
  std::span<const float> value;            ///< deposited charge (arbitrary units)
  [[nodiscard]] std::size_t size() const { return hit_id.size(); }
};

/// Cells of one event, grouped by hit (a hit's cells are consecutive).
struct CellContainer {
  std::vector<HitId> hit_id;
  std::vector<std::int32_t> ch0, ch1;
  std::vector<float> value;

  [[nodiscard]] std::size_t size() const { return hit_id.size(); }
  void reserve(std::size_t n);
  void clear();
  void push_back(HitId id, std::int32_t c0, std::int32_t c1, float v);
  [[nodiscard]] CellsView view() const;
};

/// Non-owning view of the truth association of hits.
struct TruthView {
  std::span<const HitId> hit_id;
  std::span<const ParticleId> particle_id;
  std::span<const float> tx, ty, tz;     ///< true position [mm]
  std::span<const float> tpx, tpy, tpz;  ///< true momentum at the hit [GeV]
  std::span<const float> weight;         ///< TrackML scoring weight
  [[nodiscard]] std::size_t size() const { return hit_id.size(); }
};

/// Truth of one event: one row per hit, in the order of the hits.
struct TruthContainer {
  std::vector<HitId> hit_id;
  std::vector<ParticleId> particle_id;
  std::vector<float> tx, ty, tz;
  std::vector<float> tpx, tpy, tpz;
  std::vector<float> weight;

  [[nodiscard]] std::size_t size() const { return hit_id.size(); }
  void reserve(std::size_t n);
  void clear();
  void push_back(HitId id, ParticleId particle, float x, float y, float z, float px, float py, float pz,
                 float w);
  [[nodiscard]] TruthView view() const;
};

/// Non-owning view of the generated particles.
struct ParticlesView {
  std::span<const ParticleId> particle_id;
  std::span<const float> vx, vy, vz;  ///< production vertex [mm]
  std::span<const float> px, py, pz;  ///< momentum at production [GeV]
  std::span<const std::int32_t> q;    ///< charge [e]
  std::span<const std::int32_t> nhits;
  [[nodiscard]] std::size_t size() const { return particle_id.size(); }
};

/// Generated particles of one event.
struct ParticleContainer {
  std::vector<ParticleId> particle_id;
  std::vector<float> vx, vy, vz;
  std::vector<float> px, py, pz;
  std::vector<std::int32_t> q;
  std::vector<std::int32_t> nhits;

  [[nodiscard]] std::size_t size() const { return particle_id.size(); }
  void reserve(std::size_t n);
  void clear();
  void push_back(ParticleId id, float x, float y, float z, float mx, float my, float mz, std::int32_t charge,
                 std::int32_t n);
  [[nodiscard]] ParticlesView view() const;
};

/// One collision event. Cells, truth and particles may be empty (a
/// reconstruction input needs hits only).
struct Event {
  std::uint64_t event_id = 0;
  HitContainer hits;
  CellContainer cells;
  TruthContainer truth;
  ParticleContainer particles;

  [[nodiscard]] bool has_truth() const { return !truth.hit_id.empty(); }
};

/// A track candidate assignment: one track id per hit (TrackML submission).
struct TrackAssignment {
  std::uint64_t event_id = 0;
  std::vector<HitId> hit_id;
  std::vector<std::int64_t> track_id;  ///< 0 = unassigned (its own track in scoring)
  [[nodiscard]] std::size_t size() const { return hit_id.size(); }
};

}  // namespace trkx
