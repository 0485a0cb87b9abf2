#pragma once
/// @file EventLoop.hpp
/// Runs a per-event function over many events, several at a time, isolating
/// failures: one bad event is recorded and the others complete.

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <tbb/global_control.h>

namespace trkx {

class ProgressBar;

/// How to split `threads` cores between concurrent events and the threads of
/// one event (ONNX intra-op threads, filter chunks / GNN parts at once):
/// `events_at_once` events (0 = one per core: no oversubscription), each with
/// threads / events_at_once threads.
struct ThreadPlan {
  std::size_t concurrent_events = 1;
  int intra_op_threads = 1;
};
[[nodiscard]] ThreadPlan plan_threads(std::size_t threads, std::size_t n_events,
                                      std::size_t events_at_once = 0);

/// Caps every TBB-parallel step of the process (neighbour search, the filter's
/// chunks and the GNN's parts on lanes, trkx's ONNX Runtime kernels, track
/// building) at `threads` threads while the returned object lives; null for 0
/// (no cap: every core). What a command's `--threads N` promises together with
/// ONNX Runtime's intra-op threads (ThreadPlan).
[[nodiscard]] std::unique_ptr<tbb::global_control> limit_parallelism(std::size_t threads);

/// A failed work item: its index and the exception message.
struct ItemFailure {
  std::size_t index = 0;
  std::string error;
};

/// Calls body(i) for i in [0, n) with at most `concurrency` calls at once (TBB).
/// Exceptions thrown by body are caught and returned (sorted by index);
/// `progress` (may be null) advances once per item, failed or not.
std::vector<ItemFailure> for_each_item(std::size_t n, std::size_t concurrency,
                                       const std::function<void(std::size_t)>& body, ProgressBar* progress);

/// Writes `text` to `file` atomically: a temporary file in the same
/// directory, then rename, so readers never see a half-written file.
void write_text_atomic(const std::filesystem::path& file, const std::string& text);

}  // namespace trkx
