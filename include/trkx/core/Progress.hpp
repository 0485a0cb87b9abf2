#pragma once
/// @file Progress.hpp
/// A thread-safe progress bar on stderr for multi-event commands. Draws only
/// when stderr is a terminal (or when forced), so logs and CI output stay clean.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace trkx {

class ProgressBar {
 public:
  /// @param total number of work items; @param label short text before the bar
  ProgressBar(std::size_t total, std::string label, bool force = false);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  /// Marks `n` more items done (safe to call from several threads).
  void advance(std::size_t n = 1);
  /// Finishes the line.
  void finish();
  [[nodiscard]] std::size_t done() const;

 private:
  void draw_locked();
  std::size_t total_;
  std::size_t done_ = 0;
  std::string label_;
  bool enabled_;
  bool finished_ = false;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  mutable std::mutex mutex_;
};

}  // namespace trkx
