#pragma once
// Fast lookup from 64-bit ids (hit ids, particle ids) to row numbers, used to
// link the files of an event. Private to src/io.

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace trkx::io::detail {

/// Maps ids to their row (position in `ids`). Dense ids (the usual case:
/// 1..N) use a direct table; anything else an open-addressing hash table.
class IdIndex {
 public:
  static constexpr std::uint32_t kNone = 0xFFFFFFFFu;

  IdIndex() = default;

  /// Builds the index. If an id appears twice, returns the two rows
  /// (first, second) and leaves the index unusable; otherwise {kNone, kNone}.
  std::pair<std::uint32_t, std::uint32_t> build(std::span<const std::uint64_t> ids) {
    size_ = ids.size();
    dense_ = false;
    table_.clear();
    keys_.clear();
    if (ids.empty()) return {kNone, kNone};
    std::uint64_t lo = ids[0];
    std::uint64_t hi = ids[0];
    for (const auto id : ids) {
      lo = id < lo ? id : lo;
      hi = id > hi ? id : hi;
    }
    if (hi - lo < 4 * static_cast<std::uint64_t>(ids.size()) + 1024) {
      dense_ = true;
      offset_ = lo;
      table_.assign(static_cast<std::size_t>(hi - lo) + 1, kNone);
      for (std::size_t row = 0; row < ids.size(); ++row) {
        auto& slot = table_[static_cast<std::size_t>(ids[row] - lo)];
        if (slot != kNone) return {slot, static_cast<std::uint32_t>(row)};
        slot = static_cast<std::uint32_t>(row);
      }
      return {kNone, kNone};
    }
    std::size_t capacity = 16;
    while (capacity < 2 * ids.size()) capacity *= 2;
    mask_ = capacity - 1;
    keys_.assign(capacity, 0);
    table_.assign(capacity, kNone);
    for (std::size_t row = 0; row < ids.size(); ++row) {
      std::size_t h = hash(ids[row]);
      while (table_[h] != kNone) {
        if (keys_[h] == ids[row]) return {table_[h], static_cast<std::uint32_t>(row)};
        h = (h + 1) & mask_;
      }
      keys_[h] = ids[row];
      table_[h] = static_cast<std::uint32_t>(row);
    }
    return {kNone, kNone};
  }

  /// Row of `id`, or kNone.
  [[nodiscard]] std::uint32_t find(std::uint64_t id) const {
    if (dense_) {
      const std::uint64_t k = id - offset_;
      return k < table_.size() ? table_[static_cast<std::size_t>(k)] : kNone;
    }
    if (table_.empty()) return kNone;
    std::size_t h = hash(id);
    while (table_[h] != kNone) {
      if (keys_[h] == id) return table_[h];
      h = (h + 1) & mask_;
    }
    return kNone;
  }

  [[nodiscard]] std::size_t size() const { return size_; }

 private:
  [[nodiscard]] std::size_t hash(std::uint64_t id) const {
    return static_cast<std::size_t>((id * 0x9E3779B97F4A7C15ull) >> 32) & mask_;
  }

  bool dense_ = false;
  std::uint64_t offset_ = 0;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
  std::vector<std::uint32_t> table_;
  std::vector<std::uint64_t> keys_;
};

}  // namespace trkx::io::detail
