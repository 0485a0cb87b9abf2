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
///
/// ai.trkx.EdgeGeometry(edge_index [2,E] int64, r, z, eta, cos_a, sin_a [N,1] float,
/// dphi [E,1] float, mean [6], std [6]) -> (pair [E,2], geometry [E,6]): the edge
/// networks' geometric inputs (trkx_train.models.InputTransform.pair_periodic and
/// edge_geometry) from per-hit columns, for src = edge_index[0], dst = edge_index[1]:
///   pair     = (sin_a[dst] cos_a[src] - cos_a[dst] sin_a[src],
///               cos_a[dst] cos_a[src] + sin_a[dst] sin_a[src]),
///   geometry = ((dr, dphi, dz, deta, clip(dphi / w, -50, 50),
///                clip(z[src] - r[src] dz / w, -5, 5)) - mean) / std
/// with dr = r[dst] - r[src], dz and deta alike and w = dr >= 0 ? max(dr, 1e-3) :
/// min(dr, -1e-3). The exported subgraph is ~40 ONNX kernels, each a pass over the
/// edges (Gather, Sub, Mul, Clip, Where, Div, Concat); this kernel is one pass with
/// the same float operations in the same order (each product rounded on its own:
/// the file is built without floating-point contraction), so it equals the subgraph
/// exactly. dphi (the sine of the azimuth difference) stays an ONNX Sin upstream, so
/// the transcendental function is ONNX Runtime's own. Parallel over blocks of edges.
///
/// ai.trkx.EdgeUpdate(a [Na,H], b [Nb,H], i [E], j [E], e [E,H], w_edge [H,H], w_out [H,H],
/// b_out [H] [, ln_scale [H], ln_bias [H]]; attributes residual (int, default 0) and epsilon
/// (float, default 1e-5)) -> [E,H]: one edge network of an interaction GNN
/// (trkx_train.models._EdgeUpdate) on every edge,
///   g   = (a[i] + b[j]) + e w_edge                  (MatMul, then GatherPairAdd)
///   y   = relu(LayerNorm(g))   or relu(g) without ln_scale
///   out = (e if residual) + (y w_out^T + b_out)      (Gemm transB=1, then the residual Add)
/// where a and b are the end hits' node projections. ONNX Runtime runs it as five to seven
/// kernels, each a pass over [E,H] tensors (~170 MB each for all-pt's GNN at pile-up 200);
/// this kernel works through blocks of 16 edges that stay in cache and writes the output
/// once. Its products are ONNX Runtime's on CPUs with FMA (MLAS's SGEMM order: each output a
/// chain of fused multiply-adds over the inputs in order, starting from 0, the bias added
/// after; AVX2 and AVX-512 register-blocked, a portable std::fma loop otherwise), so without
/// LayerNorm the result equals the subgraph's exactly (ShippedModelsTest: small GNN pairs in
/// tests/pipeline/data; byte-identical held-out outputs of models/gnn.onnx).
/// Its LayerNorm is the ONNX definition computed in two passes (the mean, then the mean of
/// the squared deviations, each summed in 8 lanes) and differs from ONNX Runtime's CPU kernel
/// by float rounding (~1e-7 relative; GNN scores within ~1e-5).
/// Parallel over blocks of edges.
///
/// ai.trkx.EdgeEncoder(a [Na,H], b [Nb,H], i [E], j [E], pair [E,P], w_pair [P,H], geometry
/// [E,G], w_geometry [G,H], w_hidden [H,H], b_hidden [H] [, ln1_scale, ln1_bias, ln2_scale,
/// ln2_bias [H]]; attribute epsilon) -> [E,H]: an interaction GNN's edge encoder
/// (trkx_train.models.InteractionGNN: HitPairInput, then the hidden block, a Linear and the
/// hidden block) on every edge,
///   x   = ((a[i] + b[j]) + pair w_pair) + geometry w_geometry
///   out = relu(LN2(relu(LN1(x)) w_hidden^T + b_hidden))   (without the LNs when not given)
/// in blocks of edges in cache, with EdgeUpdate's products and LayerNorm (the small products
/// also FMA chains from 0 in input order): without LayerNorm the subgraph's floats exactly.
///
/// ai.trkx.EdgeInput(a [Na,H], b [Nb,H], i [E], j [E], pair [E,P], w_pair [P,H], geometry
/// [E,G], w_geometry [G,H]) -> [E,H]: a deeper edge filter's first layer and ReLU
/// (trkx_train.models.EdgeFilterNet: HitPairInput, then ReLU),
///   out = relu(((a[i] + b[j]) + pair w_pair) + geometry w_geometry)
/// one pass over the edges instead of five ONNX Runtime kernels (two small MatMuls,
/// GatherPairAdd, Add, Relu) and their [E,H] intermediates; the same floats (the small products
/// FMA chains from 0, as MLAS's), so it equals the subgraph exactly. The hidden layers after it
/// stay ONNX Runtime's Gemms.
///
/// ai.trkx.EdgeScore(a [Na,H], b [Nb,H], i [E], j [E], pair [E,P], w_pair [P,H], geometry
/// [E,G], w_geometry [G,H], w_out [1,H], b_out [1]) -> [E,1]: a one-layer edge filter's logit
/// (trkx_train.models.EdgeFilterNet with n_layers = 1: HitPairInput, ReLU, Gemm to one unit,
/// transB = 1) on every edge,
///   g = ((a[i] + b[j]) + pair w_pair) + geometry w_geometry
///   out = sum_c relu(g_c) w_out[c] + b_out
/// one pass over the edges with g in registers instead of six ONNX Runtime kernels (two small
/// MatMuls, GatherPairAdd, Add, Relu, Gemm) and their [E,H] tensors (session 21: the edge part
/// of a filter whose depth sits in a hit encoder). g is computed as the subgraph computes it
/// (the small products FMA chains from 0, as MLAS's); the output's sum runs in its own order,
/// within float rounding of the Gemm.
///
/// ai.trkx.EdgeMlp(a [Na,H], b [Nb,H], i [E], j [E], pair [E,P], w_pair [P,H], geometry [E,G],
/// w_geometry [G,H], w1 [H,H], b1 [H], w2 [H,H], b2 [H], w_out [1,H], b_out [1]) -> [E,1]: the
/// edge part of an edge filter with two hidden layers (trkx_train.models.EdgeFilterNet with
/// n_layers = 3, every shipped filter: HitPairInput, ReLU, two Linear + ReLU of H units, one
/// output unit; the Gemms' weights in their layout, row = output),
///   g0 = relu(((a[i] + b[j]) + pair w_pair) + geometry w_geometry)
///   g1 = relu(g0 w1^T + b1),  g2 = relu(g1 w2^T + b2),  out = g2 w_out^T + b_out
/// in blocks of edges in L1 instead of ONNX Runtime's Gemms over [chunk, H] tensors and its
/// one-column Gemm (session 22). Every float as the standard subgraph computes it: the first
/// layer as EdgeInput's, each product an FMA chain over its inputs in order from 0 before the
/// bias (MLAS's order, also for the one output column), so it equals the subgraph exactly.

/// ai.trkx.NodeUpdate(h [N,H], agg_in [N,H], agg_out [N,H], w0 [H,H], b0 [H], w1 [H,H], w2
/// [H,H], w3 [H,H], b3 [H] [, ln_scale [H], ln_bias [H]]; attribute epsilon) -> [N,H]: an
/// interaction GNN's node update with its residual (trkx_train.models.InteractionGNN: the node
/// network on [h, messages in, messages out], as the exporter writes its first Gemm split in
/// three),
///   g   = ((h w0^T + b0) + agg_in w1) + agg_out w2
///   out = h + (relu(LN(g)) w3^T + b3)       (without the LN when not given)
/// in blocks of nodes in cache instead of nine ONNX Runtime kernels over [N,H] tensors (session
/// 22); the products in MLAS's order, the LayerNorm EdgeUpdate's: without LayerNorm the
/// subgraph's floats exactly.
///
/// ai.trkx.NodeUpdateProject(h, agg_in, agg_out, w0, b0, w1, w2, w3, b3, w_src [H,H], b_src [H],
/// w_dst [H,H] [, ln_scale, ln_bias]; attribute epsilon) -> (out, src, dst) [N,H]: NodeUpdate and
/// the next edge network's projections of the new states (Gemm(out, w_src, b_src, transB = 1)
/// and MatMul(out, w_dst)) while the block is in cache (session 22); the same floats as those.

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

/// Per-hit columns and standardisation constants of the EdgeGeometry kernel.
struct EdgeGeometryInputs {
  const float* r = nullptr;
  const float* z = nullptr;
  const float* eta = nullptr;
  const float* cos_a = nullptr;
  const float* sin_a = nullptr;
  std::size_t n_hits = 0;
  const float* mean = nullptr;  ///< [6]
  const float* std = nullptr;   ///< [6]
};

/// The EdgeGeometry kernel on plain arrays: pair [n_edges, 2] and geometry [n_edges, 6]
/// of the edges (src[e], dst[e]) with dphi[e], indices in [-n_hits, n_hits) as ONNX Gather
/// takes them. Returns the first edge with an index outside that range, or n_edges when
/// all are valid (then both outputs are filled; otherwise they are unspecified).
std::size_t edge_geometry(float* pair, float* geometry, const EdgeGeometryInputs& hits,
                          const std::int64_t* src, const std::int64_t* dst, const float* dphi,
                          std::size_t n_edges);

/// Weights of the EdgeUpdate kernel (see above); width = H.
struct EdgeUpdateWeights {
  std::size_t width = 0;
  const float* w_edge = nullptr;    ///< [H,H], MatMul layout: row k = input k
  const float* w_out = nullptr;     ///< [H,H], Gemm transB layout: row k = output k
  const float* b_out = nullptr;     ///< [H]
  const float* ln_scale = nullptr;  ///< [H]; null: no LayerNorm
  const float* ln_bias = nullptr;   ///< [H]; with ln_scale
  float ln_epsilon = 1e-5F;
};

/// The EdgeUpdate kernel on plain arrays: out [n_edges, H] for the edges (i[e], j[e]) with
/// states e [n_edges, H] (and residual [n_edges, H] added when not null); a [n_a, H], b [n_b,
/// H]; indices in [-n, n) as ONNX Gather takes them. Returns the first edge with an index
/// outside its range, or n_edges when all are valid (then out is filled; otherwise out is
/// unspecified).
std::size_t edge_update(float* out, const float* a, std::size_t n_a, const float* b, std::size_t n_b,
                        const std::int64_t* i, const std::int64_t* j, const float* e, std::size_t n_edges,
                        const EdgeUpdateWeights& w, const float* residual = nullptr);

/// Weights of the NodeUpdate kernel (see above); w0 and w3 in Gemm layout (row k = output k),
/// w1 and w2 in MatMul layout (row k = input k).
struct NodeUpdateWeights {
  std::size_t width = 0;
  const float* w0 = nullptr;        ///< [H,H]
  const float* b0 = nullptr;        ///< [H]
  const float* w1 = nullptr;        ///< [H,H]
  const float* w2 = nullptr;        ///< [H,H]
  const float* w3 = nullptr;        ///< [H,H]
  const float* b3 = nullptr;        ///< [H]
  const float* ln_scale = nullptr;  ///< [H]; null: no LayerNorm
  const float* ln_bias = nullptr;
  float ln_epsilon = 1e-5F;
  const float* w_src = nullptr;  ///< [H,H] Gemm layout; null: no projections (NodeUpdate)
  const float* b_src = nullptr;  ///< [H]
  const float* w_dst = nullptr;  ///< [H,H] MatMul layout
};

/// The NodeUpdate kernel on plain arrays: out [n_nodes, H] from h, agg_in and agg_out [n_nodes, H];
/// with w.w_src and both outputs given also NodeUpdateProject's proj_src and proj_dst [n_nodes, H].
void node_update(float* out, const float* h, const float* agg_in, const float* agg_out, std::size_t n_nodes,
                 const NodeUpdateWeights& w, float* proj_src = nullptr, float* proj_dst = nullptr);

/// Inputs of the EdgeEncoder kernel (see above).
struct EdgeEncoderInputs {
  const float* a = nullptr;  ///< [n_a, H] source-hit projections
  std::size_t n_a = 0;
  const float* b = nullptr;  ///< [n_b, H] destination-hit projections
  std::size_t n_b = 0;
  const std::int64_t* i = nullptr;  ///< [E] source rows (ONNX Gather indices)
  const std::int64_t* j = nullptr;  ///< [E] destination rows
  const float* pair = nullptr;      ///< [E, n_pair]
  std::size_t n_pair = 0;
  const float* geometry = nullptr;  ///< [E, n_geometry]
  std::size_t n_geometry = 0;
};

/// Weights of the EdgeEncoder kernel; width = H.
struct EdgeEncoderWeights {
  std::size_t width = 0;
  const float* w_pair = nullptr;      ///< [n_pair, H], MatMul layout
  const float* w_geometry = nullptr;  ///< [n_geometry, H], MatMul layout
  const float* w_hidden = nullptr;    ///< [H, H], Gemm transB layout: row k = output k
  const float* b_hidden = nullptr;    ///< [H]
  const float* ln1_scale = nullptr;   ///< [H]; null: no LayerNorms
  const float* ln1_bias = nullptr;
  const float* ln2_scale = nullptr;
  const float* ln2_bias = nullptr;
  float ln_epsilon = 1e-5F;
};

/// The EdgeEncoder kernel on plain arrays: out [n_edges, H]. Returns the first edge with an
/// index outside its range, or n_edges when all are valid (then out is filled).
std::size_t edge_encode(float* out, const EdgeEncoderInputs& in, std::size_t n_edges,
                        const EdgeEncoderWeights& w);

/// The EdgeInput kernel on plain arrays: out [n_edges, width] from `in` and the small
/// products' weights w_pair [n_pair, width] and w_geometry [n_geometry, width] (MatMul layout).
/// Returns the first edge with an index outside its range, or n_edges when all are valid.
std::size_t edge_input(float* out, const EdgeEncoderInputs& in, std::size_t n_edges, std::size_t width,
                       const float* w_pair, const float* w_geometry);

/// The EdgeScore kernel on plain arrays: out [n_edges] from `in`, the small products' weights
/// w_pair [n_pair, width] and w_geometry [n_geometry, width] (MatMul layout) and the output
/// unit's w_out [width] and b_out. Returns the first edge with an index outside its range, or
/// n_edges when all are valid.
std::size_t edge_score(float* out, const EdgeEncoderInputs& in, std::size_t n_edges, std::size_t width,
                       const float* w_pair, const float* w_geometry, const float* w_out, float b_out);

/// The EdgeMlp kernel on plain arrays: out [n_edges] logits from `in`, the small products'
/// weights (MatMul layout, as EdgeInput), n_hidden hidden layers (w_hidden[l] [width, width] in
/// Gemm layout, row = output; b_hidden[l] [width]) and the output unit's w_out [width] and b_out.
/// Returns the first edge with an index outside its range, or n_edges when all are valid.
std::size_t edge_mlp(float* out, const EdgeEncoderInputs& in, std::size_t n_edges, std::size_t width,
                     const float* w_pair, const float* w_geometry, std::size_t n_hidden,
                     const float* const* w_hidden, const float* const* b_hidden, const float* w_out,
                     float b_out);

}  // namespace trkx
