#include "trkx/pipeline/HitFeatures.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "HitIndex.hpp"
#include "trkx/core/Error.hpp"

namespace trkx {

namespace {
enum Column : std::size_t { kR = 0, kPhi, kZ, kCellCount, kCellCharge, kExtentCh0, kExtentCh1, kNumColumns };
static_assert(kPhi == HitFeatures::kPhiColumn);
}  // namespace

HitFeatures::HitFeatures(Config config) : config_(config) {
  TRKX_CHECK(config_.r_scale > 0 && config_.phi_scale > 0 && config_.z_scale > 0 && config_.count_scale > 0 &&
                 config_.charge_scale > 0 && config_.extent_scale > 0,
             "HitFeatures: all scales must be positive");
}

const std::vector<std::string>& HitFeatures::feature_names() {
  static const std::vector<std::string> names = {
      "r", "phi", "z", "cell_count", "cell_charge", "cell_extent_ch0", "cell_extent_ch1"};
  return names;
}

Matrix HitFeatures::compute(const HitsView& hits, const CellsView& cells) const {
  const std::size_t n = hits.size();
  Matrix features(n, kNumColumns);
  const bool have_derived = hits.r.size() == n && hits.phi.size() == n;
  for (std::size_t i = 0; i < n; ++i) {
    float* row = features.row(i);
    float r = 0;
    float phi = 0;
    if (have_derived) {
      r = hits.r[i];
      phi = hits.phi[i];
    } else {
      r = std::hypot(hits.x[i], hits.y[i]);
      phi = std::atan2(hits.y[i], hits.x[i]);
    }
    row[kR] = r / config_.r_scale;
    row[kPhi] = phi / config_.phi_scale;
    row[kZ] = hits.z[i] / config_.z_scale;
  }
  if (cells.size() == 0 || n == 0) return features;

  // Cluster shape per hit: count, charge sum, channel ranges.
  constexpr std::int32_t kMax = std::numeric_limits<std::int32_t>::max();
  constexpr std::int32_t kMin = std::numeric_limits<std::int32_t>::min();
  std::vector<std::int32_t> count(n, 0);
  std::vector<float> charge(n, 0.0F);
  std::vector<std::int32_t> lo0(n, kMax), hi0(n, kMin), lo1(n, kMax), hi1(n, kMin);
  const detail::HitIndex index(hits.hit_id);
  std::optional<std::size_t> last;  // cells of one hit are consecutive: cache the lookup
  HitId last_id = 0;
  for (std::size_t c = 0; c < cells.size(); ++c) {
    const HitId id = cells.hit_id[c];
    if (!last || id != last_id) {
      last = index.find(id);
      last_id = id;
      if (!last) {
        throw InputError("cells", c + 1, "hit_id",
                         "cell refers to hit id " + std::to_string(id) + ", which is not a hit of the event");
      }
    }
    const std::size_t h = *last;
    ++count[h];
    charge[h] += cells.value[c];
    lo0[h] = std::min(lo0[h], cells.ch0[c]);
    hi0[h] = std::max(hi0[h], cells.ch0[c]);
    lo1[h] = std::min(lo1[h], cells.ch1[c]);
    hi1[h] = std::max(hi1[h], cells.ch1[c]);
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (count[i] == 0) continue;
    float* row = features.row(i);
    row[kCellCount] = static_cast<float>(count[i]) / config_.count_scale;
    row[kCellCharge] = charge[i] / config_.charge_scale;
    row[kExtentCh0] =
        static_cast<float>(static_cast<std::int64_t>(hi0[i]) - lo0[i] + 1) / config_.extent_scale;
    row[kExtentCh1] =
        static_cast<float>(static_cast<std::int64_t>(hi1[i]) - lo1[i] + 1) / config_.extent_scale;
  }
  return features;
}

}  // namespace trkx
