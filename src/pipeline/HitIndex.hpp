#pragma once
// Private helper: maps TrackML hit ids to row indices. Hit ids are usually
// dense (1..n, in order), which gets a direct table; otherwise a hash map.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

#include "trkx/core/EventData.hpp"

namespace trkx::detail {

class HitIndex {
 public:
  explicit HitIndex(std::span<const HitId> ids) {
    bool dense = true;
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] != static_cast<HitId>(i + 1)) {
        dense = false;
        break;
      }
    }
    dense_ = dense;
    n_ = ids.size();
    if (!dense_) {
      map_.reserve(ids.size());
      for (std::size_t i = 0; i < ids.size(); ++i) map_.emplace(ids[i], i);
    }
  }
  /// Row of `id`, or nullopt if the id is not a hit of the event.
  [[nodiscard]] std::optional<std::size_t> find(HitId id) const {
    if (dense_) {
      if (id >= 1 && id <= n_) return static_cast<std::size_t>(id - 1);
      return std::nullopt;
    }
    const auto it = map_.find(id);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }

 private:
  bool dense_ = true;
  std::size_t n_ = 0;
  std::unordered_map<HitId, std::size_t> map_;
};

}  // namespace trkx::detail
