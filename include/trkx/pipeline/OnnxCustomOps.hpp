#pragma once
/// @file OnnxCustomOps.hpp
/// trkx's ONNX Runtime custom operators (domain "ai.trkx"), registered on every
/// session OnnxModel creates.
///
/// ai.trkx.ScatterAddRows(data [N,H] float, indices [E,1] int64, updates [E,H] float)
/// -> [N,H]: output = data with row indices[e] += updates[e] for every e, the
/// semantics of ONNX ScatterND(reduction="add") with one index per update row
/// (the GNN's sum aggregation). ONNX Runtime's own CPU ScatterND with a reduction
/// loses updates on several intra-op threads (onnxruntime issue 18048), so GNNs
/// using it are capped to one thread; this kernel is parallel (TBB, output rows
/// split into blocks, each block summing its rows' updates in edge order) and
/// deterministic: the result does not depend on the thread count.

#include <onnxruntime_cxx_api.h>

#include <cstddef>
#include <cstdint>

namespace trkx {

/// Operator domain of trkx's custom operators.
inline constexpr const char* kTrkxOpDomain = "ai.trkx";

/// Registers trkx's custom operators (kTrkxOpDomain) on `options`. The domain
/// lives for the whole process.
void add_trkx_custom_ops(Ort::SessionOptions& options);

/// The ScatterAddRows kernel on plain arrays: out [n_rows, width] (already holding
/// `data`) += updates [n_updates, width] row by row at `indices`. Returns the
/// position of the first index outside [0, n_rows), or n_updates when all are
/// valid (then the sums are done; otherwise out is unchanged). Parallel over
/// blocks of output rows when the work is large; the sums of each row are
/// taken in update order whatever the thread count.
std::size_t scatter_add_rows(float* out, std::size_t n_rows, std::size_t width, const std::int64_t* indices,
                             const float* updates, std::size_t n_updates);

}  // namespace trkx
