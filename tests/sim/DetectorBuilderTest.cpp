// Tests of the built-in TrackML geometry and of the navigation built on it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "trkx/core/Error.hpp"
#include "trkx/io/TrackML.hpp"
#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/TrackingGeometry.hpp"

namespace {

using trkx::DetectorGeometry;

struct LayerStats {
  std::size_t modules = 0;
  double r_sum = 0, z_sum = 0, z_min = 1e9, z_max = -1e9;
  double pitch_u = 0, pitch_v = 0;
};

std::map<std::pair<int, int>, LayerStats> layer_stats(const DetectorGeometry& g) {
  std::map<std::pair<int, int>, LayerStats> out;
  for (std::size_t i = 0; i < g.size(); ++i) {
    auto& s = out[{g.volume_id[i], g.layer_id[i]}];
    ++s.modules;
    s.r_sum += std::hypot(g.center[i][0], g.center[i][1]);
    s.z_sum += g.center[i][2];
    s.z_min = std::min(s.z_min, g.center[i][2]);
    s.z_max = std::max(s.z_max, g.center[i][2]);
    s.pitch_u = g.pitch_u[i];
    s.pitch_v = g.pitch_v[i];
  }
  return out;
}

std::filesystem::path real_detectors() {
  return std::filesystem::path(TRKX_SOURCE_DIR) / ".." / "shared" / "data" / "trackml" / "detectors.csv";
}

const DetectorGeometry& builtin() {
  static const DetectorGeometry g = trkx::sim::trackml_detector();
  return g;
}

TEST(DetectorBuilder, ReproducesTheTrackMLLayout) {
  const auto stats = layer_stats(builtin());
  // Pixel barrel radii and |z| extent.
  const double pixel_r[] = {32, 72, 116, 172};
  for (int l = 0; l < 4; ++l) {
    const auto& s = stats.at({8, 2 * (l + 1)});
    EXPECT_NEAR(s.r_sum / static_cast<double>(s.modules), pixel_r[l], 0.5);
    EXPECT_NEAR(s.z_max, 455.0, 1.0);
    EXPECT_NEAR(s.z_min, -455.0, 1.0);
    EXPECT_DOUBLE_EQ(s.pitch_u, 0.05);
    EXPECT_DOUBLE_EQ(s.pitch_v, 0.05625);
  }
  const double strip_r[] = {260, 360, 500, 660};
  for (int l = 0; l < 4; ++l) {
    const auto& s = stats.at({13, 2 * (l + 1)});
    EXPECT_NEAR(s.r_sum / static_cast<double>(s.modules), strip_r[l], 1.0);
    EXPECT_NEAR(s.z_max, 1030.0, 1.0);
  }
  EXPECT_NEAR(stats.at({17, 2}).r_sum / static_cast<double>(stats.at({17, 2}).modules), 820, 1.0);
  EXPECT_NEAR(stats.at({17, 4}).r_sum / static_cast<double>(stats.at({17, 4}).modules), 1020, 1.0);
  // Endcap disks: layer ids increase with z.
  const double pixel_z[] = {600, 700, 820, 960, 1100, 1300, 1500};
  for (int d = 0; d < 7; ++d) {
    const auto& pos = stats.at({9, 2 * (d + 1)});
    const auto& neg = stats.at({7, 2 * (7 - d)});
    EXPECT_NEAR(pos.z_sum / static_cast<double>(pos.modules), pixel_z[d], 3.0);
    EXPECT_NEAR(neg.z_sum / static_cast<double>(neg.modules), -pixel_z[d], 3.0);
  }
  const double strip_z[] = {1220, 1500, 1800, 2150, 2550, 2950};
  for (int d = 0; d < 6; ++d) {
    for (int volume : {14, 18}) {
      const auto& s = stats.at({volume, 2 * (d + 1)});
      EXPECT_NEAR(s.z_sum / static_cast<double>(s.modules), strip_z[d], 6.0) << volume;
    }
  }
  EXPECT_EQ(stats.size(), 48u);
  EXPECT_EQ(builtin().size(), 18728u);
}

TEST(DetectorBuilder, ModuleFramesAreRightHandedAndIdsUnique) {
  const auto& g = builtin();
  std::set<std::tuple<int, int, long>> keys;
  for (std::size_t i = 0; i < g.size(); ++i) {
    const auto& m = g.rot[i];
    const double u[3] = {m[0], m[3], m[6]}, v[3] = {m[1], m[4], m[7]}, w[3] = {m[2], m[5], m[8]};
    const double cross[3] = {u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]};
    for (int k = 0; k < 3; ++k) ASSERT_NEAR(cross[k], w[k], 1e-12) << i;
    ASSERT_NEAR(u[0] * v[0] + u[1] * v[1] + u[2] * v[2], 0.0, 1e-12);
    ASSERT_TRUE(keys.emplace(g.volume_id[i], g.layer_id[i], static_cast<long>(g.module_id[i])).second);
    ASSERT_EQ(g.find({g.volume_id[i], g.layer_id[i], g.module_id[i]}), i);
  }
}

TEST(DetectorBuilder, MatchesTheRealTrackMLDetectorFile) {
  const auto path = real_detectors();
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  const auto real = trkx::io::read_detectors(path);
  const auto mine = layer_stats(builtin());
  const auto theirs = layer_stats(real);
  ASSERT_EQ(mine.size(), theirs.size());
  for (const auto& [key, t] : theirs) {
    ASSERT_TRUE(mine.count(key)) << key.first << "/" << key.second;
    const auto& m = mine.at(key);
    EXPECT_EQ(m.modules, t.modules) << key.first << "/" << key.second;
    EXPECT_NEAR(m.r_sum / m.modules, t.r_sum / t.modules, 1.0) << key.first << "/" << key.second;
    EXPECT_NEAR(m.z_sum / m.modules, t.z_sum / t.modules, 1.0) << key.first << "/" << key.second;
    EXPECT_DOUBLE_EQ(m.pitch_u, t.pitch_u);
    EXPECT_DOUBLE_EQ(m.pitch_v, t.pitch_v);
  }
}

TEST(TrackingGeometry, GroupsLayersAndFindsEveryModuleAtItsCentre) {
  const trkx::sim::TrackingGeometry geo(builtin());
  ASSERT_EQ(geo.layers().size(), 48u);
  EXPECT_EQ(geo.cylinder_radii().size(), 10u);
  // 38 disks; layers closer than 1 mm share a reference surface.
  std::size_t disk_layers = 0;
  for (const auto& members : geo.disk_layers()) disk_layers += members.size();
  EXPECT_EQ(disk_layers, 38u);
  EXPECT_EQ(geo.disk_layers().size(), geo.disk_z().size());
  EXPECT_GE(geo.disk_z().size(), 26u);
  EXPECT_TRUE(std::is_sorted(geo.disk_z().begin(), geo.disk_z().end()));
  std::size_t barrels = 0;
  for (const auto& l : geo.layers()) barrels += l.barrel ? 1 : 0;
  EXPECT_EQ(barrels, 10u);
  std::vector<std::uint32_t> cand;
  for (std::size_t i = 0; i < geo.planes().size(); ++i) {
    const auto& p = geo.planes()[i];
    const auto& layer = geo.layers()[p.layer];
    const double phi = std::atan2(p.center[1], p.center[0]);
    const double w = layer.barrel ? p.center[2] : std::hypot(p.center[0], p.center[1]);
    cand.clear();
    geo.candidates(p.layer, phi - 1e-6, phi + 1e-6, w, w, cand);
    ASSERT_NE(std::find(cand.begin(), cand.end(), i), cand.end()) << "module " << i;
    ASSERT_LT(cand.size(), 16u);
  }
}

TEST(TrackingGeometry, RejectsALayerThatIsNeitherBarrelNorDisk) {
  DetectorGeometry g;
  const double s = std::sqrt(0.5);
  // Normal at 45 degrees to z.
  g.push_back({1, 2, 1}, {100, 0, 100}, {0, -s, s, 1, 0, 0, 0, s, s}, 0.1, 5, 5, 5, 0.05, 0.05);
  EXPECT_THROW(trkx::sim::TrackingGeometry{g}, trkx::Error);
}

}  // namespace
