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
///
/// ai.trkx.GatherPairAdd(a [Na,H] float, b [Nb,H] float, i [E] int64, j [E] int64
/// [, c [E,H] float]) -> [E,H]: output[e] = a[i[e]] + b[j[e]] (+ c[e]), the ONNX
/// subgraph Add(Gather(a, i), Gather(b, j)) (axis 0; negative indices count from
/// the end), followed by Add(., c) when c is given, in one pass: the edge networks'
/// first layer on the two end hits of every edge (plus the edge's own term). ONNX
/// Runtime runs the subgraph as three or four kernels that write and read [E,H]
/// intermediates; this kernel writes the output once. Parallel over blocks of edges
/// (TBB); the same float additions in the same order, so the result equals the
/// subgraph's exactly.

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

/// The GatherPairAdd kernel on plain arrays: out [n_edges, width] = (a[i[e]] + b[j[e]])
/// (+ c[e] when c is not null, c [n_edges, width]) row by row, a [n_a, width], b [n_b,
/// width]; indices in [-n, n) as ONNX Gather takes them. Returns the first edge with an
/// index outside its range, or n_edges when all are valid (then out is filled; otherwise
/// out is unspecified).
std::size_t gather_pair_add(float* out, const float* a, std::size_t n_a, const float* b, std::size_t n_b,
                            std::size_t width, const std::int64_t* i, const std::int64_t* j,
                            std::size_t n_edges, const float* c = nullptr);

}  // namespace trkx
