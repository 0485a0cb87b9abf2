#include "trkx/pipeline/OnnxCustomOps.hpp"

#include <onnxruntime_lite_custom_op.h>
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace trkx {

std::size_t scatter_add_rows(float* out, std::size_t n_rows, std::size_t width, const std::int64_t* indices,
                             const float* updates, std::size_t n_updates) {
  for (std::size_t e = 0; e < n_updates; ++e) {
    if (indices[e] < 0 || static_cast<std::size_t>(indices[e]) >= n_rows) return e;
  }
  if (width == 0 || n_updates == 0) return n_updates;
  const auto add_rows = [&](std::size_t first, std::size_t last) {
    // Every block scans all indices and adds the updates of its own rows: no two
    // threads write one row, and a row's updates are added in update order.
    for (std::size_t e = 0; e < n_updates; ++e) {
      const auto row = static_cast<std::size_t>(indices[e]);
      if (row < first || row >= last) continue;
      float* dst = out + row * width;
      const float* src = updates + e * width;
      for (std::size_t h = 0; h < width; ++h) dst[h] += src[h];
    }
  };
  // Below ~1M added floats one thread is as fast (the index scan is repeated per block).
  constexpr std::size_t kParallelWork = std::size_t{1} << 20;
  if (n_updates * width < kParallelWork || n_rows < 2) {
    add_rows(0, n_rows);
    return n_updates;
  }
  // A few blocks per thread: blocks are equal in rows, not in updates.
  const auto blocks = static_cast<std::size_t>(std::max(1, 2 * tbb::this_task_arena::max_concurrency()));
  const std::size_t rows_per_block = (n_rows + blocks - 1) / blocks;
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t b) {
    const std::size_t first = b * rows_per_block;
    if (first < n_rows) add_rows(first, std::min(n_rows, first + rows_per_block));
  });
  return n_updates;
}

namespace {

Ort::Status scatter_add_rows_op(const Ort::Custom::Tensor<float>& data,
                                const Ort::Custom::Tensor<std::int64_t>& indices,
                                const Ort::Custom::Tensor<float>& updates,
                                Ort::Custom::Tensor<float>& output) {
  const auto& ds = data.Shape();
  const auto& is = indices.Shape();
  const auto& us = updates.Shape();
  const auto shape_text = [](const std::vector<std::int64_t>& s) {
    std::string t = "[";
    for (std::size_t i = 0; i < s.size(); ++i) t += (i ? "," : "") + std::to_string(s[i]);
    return t + "]";
  };
  if (ds.size() != 2 || us.size() != 2 || is.size() != 2 || is[1] != 1 || is[0] != us[0] || us[1] != ds[1]) {
    return Ort::Status(("ai.trkx.ScatterAddRows: expected data [N,H], indices [E,1], updates [E,H]; found " +
                        shape_text(ds) + ", " + shape_text(is) + ", " + shape_text(us))
                           .c_str(),
                       ORT_INVALID_ARGUMENT);
  }
  const auto n_rows = static_cast<std::size_t>(ds[0]);
  const auto width = static_cast<std::size_t>(ds[1]);
  const auto n_updates = static_cast<std::size_t>(us[0]);
  float* out = output.Allocate(ds);
  if (n_rows * width > 0) std::memcpy(out, data.Data(), n_rows * width * sizeof(float));
  const std::int64_t* idx = n_updates ? indices.Data() : nullptr;
  const float* upd = n_updates && width ? updates.Data() : nullptr;
  const std::size_t bad = scatter_add_rows(out, n_rows, width, idx, upd, n_updates);
  if (bad != n_updates) {
    return Ort::Status(("ai.trkx.ScatterAddRows: index " + std::to_string(idx[bad]) + " of update row " +
                        std::to_string(bad) + " is outside [0, " + std::to_string(n_rows) + ")")
                           .c_str(),
                       ORT_INVALID_ARGUMENT);
  }
  return Ort::Status{nullptr};
}

}  // namespace

void add_trkx_custom_ops(Ort::SessionOptions& options) {
  // Created once, never destroyed before the sessions that use them (process lifetime).
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> scatter{
      Ort::Custom::CreateLiteCustomOp("ScatterAddRows", "CPUExecutionProvider", scatter_add_rows_op)};
  static Ort::CustomOpDomain domain = [] {
    Ort::CustomOpDomain d(kTrkxOpDomain);
    d.Add(scatter.get());
    return d;
  }();
  options.Add(domain);
}

}  // namespace trkx
