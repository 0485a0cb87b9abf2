#include "trkx/pipeline/EventLoop.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <exception>
#include <fstream>
#include <mutex>
#include <thread>

#include "trkx/core/Error.hpp"
#include "trkx/core/Progress.hpp"

namespace trkx {

ThreadPlan plan_threads(std::size_t threads, std::size_t n_events, std::size_t events_at_once) {
  if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
  ThreadPlan plan;
  const std::size_t wanted = events_at_once == 0 ? threads : std::min(events_at_once, threads);
  plan.concurrent_events = std::max<std::size_t>(1, std::min(wanted, n_events));
  plan.intra_op_threads = static_cast<int>(std::max<std::size_t>(1, threads / plan.concurrent_events));
  return plan;
}

std::unique_ptr<tbb::global_control> limit_parallelism(std::size_t threads) {
  if (threads == 0) return nullptr;
  return std::make_unique<tbb::global_control>(tbb::global_control::max_allowed_parallelism, threads);
}

std::vector<ItemFailure> for_each_item(std::size_t n, std::size_t concurrency,
                                       const std::function<void(std::size_t)>& body, ProgressBar* progress) {
  std::vector<ItemFailure> failures;
  std::mutex mutex;
  const auto run_one = [&](std::size_t i) {
    try {
      body(i);
    } catch (const std::exception& e) {
      std::lock_guard lock(mutex);
      failures.push_back({i, e.what()});
    } catch (...) {
      std::lock_guard lock(mutex);
      failures.push_back({i, "unknown exception"});
    }
    if (progress != nullptr) progress->advance();
  };
  if (concurrency <= 1 || n <= 1) {
    for (std::size_t i = 0; i < n; ++i) run_one(i);
  } else {
    tbb::task_arena arena(static_cast<int>(concurrency));
    arena.execute([&] {
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t i = r.begin(); i != r.end(); ++i) run_one(i);
                        });
    });
  }
  std::sort(failures.begin(), failures.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return failures;
}

void write_text_atomic(const std::filesystem::path& file, const std::string& text) {
  const auto tmp = std::filesystem::path(file.string() + ".tmp");
  {
    std::ofstream out(tmp, std::ios::trunc | std::ios::binary);
    if (!out) throw Error("cannot open " + tmp.string() + " for writing");
    out << text;
    out.flush();
    if (!out) throw Error("write failed for " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("cannot rename " + tmp.string() + " to " + file.string());
  }
}

}  // namespace trkx
