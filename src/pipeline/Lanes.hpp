#pragma once
/// @file Lanes.hpp
/// Internal: chunks of work spread over lanes, each lane a thread with its own
/// workspace (an ONNX IO binding and buffers), as the chunked embedding and
/// filter run their ONNX calls.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

namespace trkx::detail {

/// Calls body(chunk, workspace) for chunk = 0 .. n_chunks-1. With one lane every chunk runs in
/// turn on `own`; with more, `lanes` grows to n_lanes workspaces (make_workspace()) and the lanes
/// pull chunks from a shared counter (dynamic balance when a core is busy). If TBB gives fewer
/// threads than lanes, the first lanes simply take all chunks. Returns the lanes used.
template <class Workspace, class Make, class Body>
std::size_t for_each_chunk_on_lanes(std::size_t n_chunks, std::size_t max_lanes, Workspace& own,
                                    std::vector<std::unique_ptr<Workspace>>& lanes, Make make_workspace,
                                    Body body) {
  const std::size_t n_lanes = std::min(std::max<std::size_t>(1, max_lanes), n_chunks);
  if (n_lanes <= 1) {
    for (std::size_t c = 0; c < n_chunks; ++c) body(c, own);
    return 1;
  }
  while (lanes.size() < n_lanes) lanes.push_back(make_workspace());
  std::atomic<std::size_t> next{0};
  tbb::task_arena arena(static_cast<int>(n_lanes));
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, n_lanes, [&](std::size_t lane) {
      for (std::size_t c = next++; c < n_chunks; c = next++) body(c, *lanes[lane]);
    });
  });
  return n_lanes;
}

}  // namespace trkx::detail
