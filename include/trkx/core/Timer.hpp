#pragma once
/// @file Timer.hpp
/// Wall-clock and process CPU time, and peak resident memory, for per-stage
/// reports.

#include <chrono>
#include <cstddef>
#include <ctime>

namespace trkx {

/// Measures wall and CPU time (of the whole process) since construction.
class StageTimer {
 public:
  StageTimer() { reset(); }
  void reset() {
    wall_start_ = std::chrono::steady_clock::now();
    cpu_start_ = std::clock();
  }
  [[nodiscard]] double wall_seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start_).count();
  }
  [[nodiscard]] double cpu_seconds() const {
    return static_cast<double>(std::clock() - cpu_start_) / CLOCKS_PER_SEC;
  }

 private:
  std::chrono::steady_clock::time_point wall_start_;
  std::clock_t cpu_start_{};
};

/// Peak resident set size of this process so far [bytes] (VmHWM).
std::size_t peak_rss_bytes();
/// Current resident set size of this process [bytes] (VmRSS).
std::size_t current_rss_bytes();

}  // namespace trkx
