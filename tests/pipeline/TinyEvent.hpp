#pragma once
// Shared fixture of the pipeline tests: a hand-made event with known answers.
//
// 4 particles (ids 1001..1004, not starting at 0 or 1) with 4 hits each on
// straight lines from the origin at r = 100, 200, 300, 400 mm, phi = 0.3,
// 1.3, 2.3, -1.0 rad and z = 0.2 r, plus one noise hit at phi = 3.0, r = 250.
// Hit ids start at 501 (not dense from 1) and rows are shuffled so that the
// hits of a particle are not consecutive. Each hit has 2 cells.
//
// With the tiny test models (tests/pipeline/data: embedding = (phi/pi, z/1000,
// 0.1 r/1000), radius 0.05) each particle gives 3 consecutive + 2 skip-one
// candidate edges (distances 0.022 and 0.045; skip-two is 0.067), 20 in all,
// and the filter and GNN keep all of them.

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "trkx/core/EventData.hpp"

namespace trkx::test {

struct TinyHit {
  std::size_t particle;  // 0..3, or 4 = noise
  float r;
  float phi;
};

inline const std::vector<TinyHit>& tiny_layout() {
  // Shuffled order of rows.
  static const std::vector<TinyHit> hits = {
      {2, 300, 2.3F}, {0, 100, 0.3F},  {3, 400, -1.0F}, {1, 200, 1.3F},  {4, 250, 3.0F}, {0, 300, 0.3F},
      {2, 100, 2.3F}, {3, 100, -1.0F}, {1, 400, 1.3F},  {0, 200, 0.3F},  {2, 400, 2.3F}, {3, 300, -1.0F},
      {1, 100, 1.3F}, {0, 400, 0.3F},  {2, 200, 2.3F},  {3, 200, -1.0F}, {1, 300, 1.3F},
  };
  return hits;
}

constexpr ParticleId kFirstParticle = 1001;
constexpr HitId kFirstHit = 501;

/// The event: hits, cells (2 per hit: ch0 = 10 + row, 10 + row + 1 + (row % 3);
/// ch1 = 7, 7; values 0.25 and 0.5), truth and particles (vertex at origin).
inline Event make_tiny_event(std::uint64_t event_id = 42) {
  Event event;
  event.event_id = event_id;
  const auto& layout = tiny_layout();
  for (std::size_t i = 0; i < layout.size(); ++i) {
    const auto& h = layout[i];
    const float x = h.r * std::cos(h.phi);
    const float y = h.r * std::sin(h.phi);
    const float z = 0.2F * h.r;
    const HitId id = kFirstHit + i;
    event.hits.push_back(id, x, y, z, 8, 2 + static_cast<std::int32_t>(h.r / 100), 1);
    const auto row = static_cast<std::int32_t>(i);
    event.cells.push_back(id, 10 + row, 7, 0.25F);
    event.cells.push_back(id, 10 + row + 1 + row % 3, 7, 0.5F);
    const ParticleId pid = h.particle == 4 ? 0 : kFirstParticle + h.particle;
    event.truth.push_back(id, pid, x, y, z, 1, 1, 1, 1.0F);
  }
  event.hits.compute_derived();
  const float pts[4] = {1.5F, 2.0F, 0.8F, 10.0F};
  for (std::size_t p = 0; p < 4; ++p) {
    event.particles.push_back(kFirstParticle + p, 0, 0, 0, pts[p], 0, 1, 1, 4);
  }
  return event;
}

inline std::string test_data_dir() { return std::string(TRKX_SOURCE_DIR) + "/tests/pipeline/data"; }

}  // namespace trkx::test
