#include "trkx/sim/DetectorBuilder.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <numeric>

#include "trkx/core/Error.hpp"

namespace trkx::sim {
namespace {

struct ModuleRecord {
  ModuleKey key;
  std::array<double, 3> center;
  std::array<double, 9> rot;
  double thickness, min_hu, max_hu, half_v, pitch_u, pitch_v;
};

/// Row-major rotation whose columns are the local axes u, v, w in global coordinates.
std::array<double, 9> frame(const std::array<double, 3>& u, const std::array<double, 3>& v,
                            const std::array<double, 3>& w) {
  return {u[0], v[0], w[0], u[1], v[1], w[1], u[2], v[2], w[2]};
}

void add_barrel(const DetectorBuilder::Barrel& b, std::vector<ModuleRecord>& out) {
  TRKX_CHECK(b.radii.size() == b.n_phi.size(), "barrel radii and n_phi must have equal length");
  for (std::size_t l = 0; l < b.radii.size(); ++l) {
    const auto layer = static_cast<std::int32_t>(2 * (l + 1));
    const int n_phi = b.n_phi[l];
    ModuleId module = 1;
    for (int iz = 0; iz < b.n_z; ++iz) {
      const double z = (iz - 0.5 * (b.n_z - 1)) * b.z_pitch;
      const double r = b.radii[l] + ((iz % 2 == 0) ? -b.r_stagger : b.r_stagger);
      for (int ip = 0; ip < n_phi; ++ip) {
        const double phi = -std::numbers::pi + (ip + 0.5) * 2.0 * std::numbers::pi / n_phi;
        const double nphi = phi + b.tilt;
        const std::array<double, 3> w{std::cos(nphi), std::sin(nphi), 0.0};
        const std::array<double, 3> v{0.0, 0.0, 1.0};
        const std::array<double, 3> u{-w[1], w[0], 0.0};  // u = v x w
        out.push_back({{b.volume, layer, module++},
                       {r * std::cos(phi), r * std::sin(phi), z},
                       frame(u, v, w),
                       b.sensor.thickness,
                       b.half_u,
                       b.half_u,
                       b.half_v,
                       b.sensor.pitch_u,
                       b.sensor.pitch_v});
      }
    }
  }
}

void add_endcap(const DetectorBuilder::Endcap& e, std::vector<ModuleRecord>& out) {
  const std::size_t n = e.z.size();
  for (int side = 0; side < 2; ++side) {
    const std::int32_t volume = side == 0 ? e.volume_neg : e.volume_pos;
    for (std::size_t d = 0; d < n; ++d) {
      // Layer ids increase with z: at -z the outermost disk comes first.
      const double zdisk = side == 0 ? -e.z[n - 1 - d] : e.z[d];
      const auto layer = static_cast<std::int32_t>(2 * (d + 1));
      ModuleId module = 1;
      for (const auto& ring : e.rings) {
        for (int ip = 0; ip < ring.n_phi; ++ip) {
          const double phi = -std::numbers::pi + (ip + 0.5) * 2.0 * std::numbers::pi / ring.n_phi;
          // The -z endcap mirrors the +z one, offsets included.
          const double zoff =
              (side == 0 ? -1.0 : 1.0) * (ring.z_offset + ((ip % 2 == 0) ? -e.z_stagger : e.z_stagger));
          const std::array<double, 3> v{std::cos(phi), std::sin(phi), 0.0};
          const std::array<double, 3> w{0.0, 0.0, 1.0};
          const std::array<double, 3> u{v[1], -v[0], 0.0};  // u = v x w
          out.push_back({{volume, layer, module++},
                         {ring.radius * std::cos(phi), ring.radius * std::sin(phi), zdisk + zoff},
                         frame(u, v, w),
                         e.sensor.thickness,
                         ring.min_hu,
                         ring.max_hu,
                         ring.half_v,
                         e.sensor.pitch_u,
                         e.sensor.pitch_v});
        }
      }
    }
  }
}

}  // namespace

DetectorBuilder::Config DetectorBuilder::trackml() {
  const Sensor pixel{0.15, 0.05, 0.05625};
  const Sensor short_strip{0.25, 0.08, 1.2};
  const Sensor long_strip_barrel{0.35, 0.12, 10.8};
  const Sensor long_strip_endcap{0.35, 0.12, 10.4};
  const std::vector<double> strip_z{1220, 1500, 1800, 2150, 2550, 2950};

  Config c;
  c.barrels.push_back({8, {32, 72, 116, 172}, {16, 32, 52, 78}, 14, 70.0, 8.4, 36.0, 0.14, 0.25, pixel});
  c.barrels.push_back(
      {13, {260, 360, 500, 660}, {40, 56, 78, 102}, 21, 103.0, 24.0, 54.0, -0.15, 1.5, short_strip});
  c.barrels.push_back({17, {820, 1020}, {120, 152}, 21, 103.0, 24.0, 54.0, -0.15, 1.5, long_strip_barrel});

  c.endcaps.push_back({7,
                       9,
                       {600, 700, 820, 960, 1100, 1300, 1500},
                       {{66, 40, 8.4, 8.4, 36, 0.5}, {140, 68, 8.4, 8.4, 36, 0.0}},
                       2.0,
                       pixel});
  c.endcaps.push_back(
      {12,
       14,
       strip_z,
       {{318, 54, 16.4, 24.2, 78, -3.0}, {470, 56, 24.2, 32.2, 78, 3.0}, {622, 60, 32.2, 40.0, 78, -3.0}},
       1.5,
       short_strip});
  c.endcaps.push_back(
      {16, 18, strip_z, {{828, 48, 54, 64.2, 78, -4.0}, {942, 50, 66, 72, 78, 4.0}}, 1.5, long_strip_endcap});
  return c;
}

DetectorBuilder::DetectorBuilder(Config config) : config_(std::move(config)) {}

DetectorGeometry DetectorBuilder::build() const {
  std::vector<ModuleRecord> records;
  for (const auto& b : config_.barrels) add_barrel(b, records);
  for (const auto& e : config_.endcaps) add_endcap(e, records);
  std::stable_sort(records.begin(), records.end(), [](const ModuleRecord& a, const ModuleRecord& b) {
    if (a.key.volume != b.key.volume) return a.key.volume < b.key.volume;
    if (a.key.layer != b.key.layer) return a.key.layer < b.key.layer;
    return a.key.module < b.key.module;
  });
  DetectorGeometry geometry;
  for (const auto& m : records) {
    geometry.push_back(m.key, m.center, m.rot, m.thickness, m.min_hu, m.max_hu, m.half_v, m.pitch_u,
                       m.pitch_v);
  }
  geometry.build_index();
  return geometry;
}

DetectorGeometry trackml_detector() { return DetectorBuilder{}.build(); }

}  // namespace trkx::sim
