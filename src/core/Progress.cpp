#include "trkx/core/Progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace trkx {

ProgressBar::ProgressBar(std::size_t total, std::string label, bool force)
    : total_(total),
      label_(std::move(label)),
      enabled_(force || isatty(STDERR_FILENO) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {
  std::lock_guard lock(mutex_);
  draw_locked();
}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::advance(std::size_t n) {
  std::lock_guard lock(mutex_);
  done_ = std::min(total_, done_ + n);
  const auto now = std::chrono::steady_clock::now();
  if (done_ == total_ || now - last_draw_ > std::chrono::milliseconds(100)) {
    last_draw_ = now;
    draw_locked();
  }
}

std::size_t ProgressBar::done() const {
  std::lock_guard lock(mutex_);
  return done_;
}

void ProgressBar::finish() {
  std::lock_guard lock(mutex_);
  if (finished_) return;
  finished_ = true;
  if (enabled_) {
    draw_locked();
    std::fputc('\n', stderr);
  }
}

void ProgressBar::draw_locked() {
  if (!enabled_ || total_ == 0) return;
  constexpr int width = 30;
  const double frac = static_cast<double>(done_) / static_cast<double>(total_);
  const int filled = static_cast<int>(frac * width);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta =
      done_ > 0 ? elapsed * static_cast<double>(total_ - done_) / static_cast<double>(done_) : 0.0;
  std::fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu %5.1fs eta %5.1fs", label_.c_str(), filled,
               "==============================", width - filled, "", done_, total_, elapsed, eta);
  std::fflush(stderr);
}

}  // namespace trkx
