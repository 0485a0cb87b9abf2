#include "trkx/pipeline/OnnxCustomOps.hpp"

#include <onnxruntime_lite_custom_op.h>
#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
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

// ONNX Gather: an index k in [-n, n) selects row k (k >= 0) or n + k; n for any other k.
std::size_t gather_row(std::int64_t k, std::size_t n) {
  const auto sn = static_cast<std::int64_t>(n);
  if (k < -sn || k >= sn) return n;
  return static_cast<std::size_t>(k < 0 ? k + sn : k);
}

// Runs fill(first, last) -> first bad edge or last over [0, n_edges): in one call when
// parallel is false, else in blocks of edges in parallel (TBB). Returns the first bad edge
// of all, or n_edges.
template <typename Fill>
std::size_t fill_edge_blocks(std::size_t n_edges, bool parallel, const Fill& fill) {
  if (!parallel) return fill(std::size_t{0}, n_edges);
  constexpr std::size_t kBlock = 2048;
  const std::size_t blocks = (n_edges + kBlock - 1) / kBlock;
  std::vector<std::size_t> bad(blocks, n_edges);
  tbb::parallel_for(std::size_t{0}, blocks, [&](std::size_t blk) {
    const std::size_t first = blk * kBlock;
    const std::size_t last = std::min(n_edges, first + kBlock);
    const std::size_t stop = fill(first, last);
    if (stop != last) bad[blk] = stop;
  });
  return *std::min_element(bad.begin(), bad.end());
}

}  // namespace

std::size_t gather_pair_add(float* out, const float* a, std::size_t n_a, const float* b, std::size_t n_b,
                            std::size_t width, const std::int64_t* i, const std::int64_t* j,
                            std::size_t n_edges, const float* c) {
  const auto fill = [&](std::size_t first, std::size_t last) -> std::size_t {
    for (std::size_t e = first; e < last; ++e) {
      const std::size_t ra = gather_row(i[e], n_a);
      const std::size_t rb = gather_row(j[e], n_b);
      if (ra == n_a || rb == n_b) return e;
      const float* __restrict pa = a + ra * width;
      const float* __restrict pb = b + rb * width;
      float* __restrict po = out + e * width;
      if (c == nullptr) {
        for (std::size_t h = 0; h < width; ++h) po[h] = pa[h] + pb[h];
      } else {
        const float* __restrict pc = c + e * width;
        for (std::size_t h = 0; h < width; ++h) po[h] = (pa[h] + pb[h]) + pc[h];
      }
    }
    return last;
  };
  if (width == 0) {  // no rows to read: only the indices are checked
    for (std::size_t e = 0; e < n_edges; ++e) {
      if (gather_row(i[e], n_a) == n_a || gather_row(j[e], n_b) == n_b) return e;
    }
    return n_edges;
  }
  // Below ~256k output floats one thread is as fast.
  constexpr std::size_t kParallelWork = std::size_t{1} << 18;
  return fill_edge_blocks(n_edges, n_edges * width >= kParallelWork, fill);
}

std::size_t edge_geometry(float* pair, float* geometry, const EdgeGeometryInputs& hits,
                          const std::int64_t* src, const std::int64_t* dst, const float* dphi,
                          std::size_t n_edges) {
  const std::size_t n = hits.n_hits;
  const auto fill = [&](std::size_t first, std::size_t last) -> std::size_t {
    for (std::size_t e = first; e < last; ++e) {
      const std::size_t s = gather_row(src[e], n);
      const std::size_t d = gather_row(dst[e], n);
      if (s == n || d == n) return e;
      // The exported subgraph's operations, one rounding each, in its order.
      const float cs = hits.cos_a[s], ss = hits.sin_a[s], cd = hits.cos_a[d], sd = hits.sin_a[d];
      const float m0 = sd * cs;
      const float m1 = cd * ss;
      const float m2 = cd * cs;
      const float m3 = sd * ss;
      pair[2 * e] = m0 - m1;
      pair[2 * e + 1] = m2 + m3;
      const float r_src = hits.r[s];
      const float z_src = hits.z[s];
      const float dr = hits.r[d] - r_src;
      const float dz = hits.z[d] - z_src;
      const float deta = hits.eta[d] - hits.eta[s];
      const float w = dr >= 0.0F ? std::max(dr, 1e-3F) : std::min(dr, -1e-3F);
      const float slope = std::clamp(dphi[e] / w, -50.0F, 50.0F);
      const float r_dz = r_src * dz;
      const float zint = std::clamp(z_src - r_dz / w, -5.0F, 5.0F);
      const float g[6] = {dr, dphi[e], dz, deta, slope, zint};
      float* __restrict out = geometry + 6 * e;
      for (std::size_t k = 0; k < 6; ++k) out[k] = (g[k] - hits.mean[k]) / hits.std[k];
    }
    return last;
  };
  // Below ~32k edges one thread is as fast.
  constexpr std::size_t kParallelEdges = std::size_t{1} << 15;
  return fill_edge_blocks(n_edges, n_edges >= kParallelEdges, fill);
}

namespace {

// rows x H products of x [rows, H] (row stride H) with w [H, H] (row k = input k) into
// acc: each output a chain of fused multiply-adds over k in order, starting from 0 (MLAS's
// SGEMM order). kH > 0: the width known at compile time; 0: `width`.
template <std::size_t kH>
void fma_rows_portable(float* __restrict acc, const float* __restrict x, const float* __restrict w,
                       std::size_t rows, std::size_t width) {
  const std::size_t h = kH > 0 ? kH : width;
  for (std::size_t r = 0; r < rows; ++r) {
    float* __restrict o = acc + r * h;
    const float* __restrict xr = x + r * h;
    for (std::size_t c = 0; c < h; ++c) o[c] = 0.0F;
    for (std::size_t k = 0; k < h; ++k) {
      const float xk = xr[k];
      const float* __restrict wk = w + k * h;
      for (std::size_t c = 0; c < h; ++c) o[c] = std::fma(xk, wk[c], o[c]);
    }
  }
}

#if defined(__AVX512F__)
// The same products with AVX-512: kRowBlock rows at once, the H outputs of a row in kVectors
// registers of 16 (the last one masked when 16 does not divide H); the same fused
// multiply-adds in the same order, so the same results.
template <std::size_t kVectors, std::size_t kRowBlock>
void fma_row_block_avx512(float* acc, const float* x, const float* w, std::size_t h, __mmask16 tail) {
  __m512 a[kRowBlock][kVectors];
#pragma GCC unroll 8
  for (std::size_t i = 0; i < kRowBlock; ++i) {
#pragma GCC unroll 8
    for (std::size_t v = 0; v < kVectors; ++v) a[i][v] = _mm512_setzero_ps();
  }
  for (std::size_t k = 0; k < h; ++k) {
    __m512 wv[kVectors];
    for (std::size_t v = 0; v < kVectors; ++v) {
      wv[v] = v + 1 < kVectors ? _mm512_loadu_ps(w + k * h + 16 * v)
                               : _mm512_maskz_loadu_ps(tail, w + k * h + 16 * v);
    }
#pragma GCC unroll 8
    for (std::size_t i = 0; i < kRowBlock; ++i) {
      const __m512 xb = _mm512_set1_ps(x[i * h + k]);
      for (std::size_t v = 0; v < kVectors; ++v) a[i][v] = _mm512_fmadd_ps(xb, wv[v], a[i][v]);
    }
  }
#pragma GCC unroll 8
  for (std::size_t i = 0; i < kRowBlock; ++i) {
#pragma GCC unroll 8
    for (std::size_t v = 0; v < kVectors; ++v) {
      if (v + 1 < kVectors) {
        _mm512_storeu_ps(acc + i * h + 16 * v, a[i][v]);
      } else {
        _mm512_mask_storeu_ps(acc + i * h + 16 * v, tail, a[i][v]);
      }
    }
  }
}

template <std::size_t kVectors>
void fma_rows_avx512(float* acc, const float* x, const float* w, std::size_t rows, std::size_t h) {
  const std::size_t rest = h % 16;
  const auto tail = static_cast<__mmask16>(rest == 0 ? 0xFFFFU : (1U << rest) - 1U);
  constexpr std::size_t kBlock = kVectors <= 2 ? 6 : 4;  // accumulators: <= 16 of the 32 registers
  std::size_t r = 0;
  for (; r + kBlock <= rows; r += kBlock)
    fma_row_block_avx512<kVectors, kBlock>(acc + r * h, x + r * h, w, h, tail);
  for (; r < rows; ++r) fma_row_block_avx512<kVectors, 1>(acc + r * h, x + r * h, w, h, tail);
}
#endif

#if defined(__AVX2__) && defined(__FMA__)
// The same products with AVX2 + FMA, a panel at a time: kRows rows times kV registers of 8
// outputs (columns [c0, c0 + 8 kV)), the panel's weights loaded once per k for all its rows
// (6 rows x 16 columns: 12 accumulators, 2 weight and 1 broadcast register of the 16, 8 loads
// per 12 fused multiply-adds; whole rows at once loaded every weight once per row). kMasked:
// the last register holds the H % 8 outputs left. The same fused multiply-adds in the same
// order as every other path.
template <std::size_t kRows, std::size_t kV, bool kMasked>
[[gnu::always_inline]] inline void fma_panel_avx2(float* __restrict acc, const float* __restrict x,
                                                  const float* __restrict w, std::size_t h, std::size_t c0,
                                                  __m256i tail, const float* __restrict bias) {
  __m256 a[kRows][kV];
#pragma GCC unroll 8
  for (std::size_t i = 0; i < kRows; ++i) {
#pragma GCC unroll 2
    for (std::size_t v = 0; v < kV; ++v) a[i][v] = _mm256_setzero_ps();
  }
  for (std::size_t k = 0; k < h; ++k) {
    const float* __restrict wk = w + k * h + c0;
    __m256 wv[kV];
#pragma GCC unroll 2
    for (std::size_t v = 0; v < kV; ++v)
      wv[v] = kMasked && v + 1 == kV ? _mm256_maskload_ps(wk + 8 * v, tail) : _mm256_loadu_ps(wk + 8 * v);
#pragma GCC unroll 8
    for (std::size_t i = 0; i < kRows; ++i) {
      const __m256 xb = _mm256_broadcast_ss(x + i * h + k);
#pragma GCC unroll 2
      for (std::size_t v = 0; v < kV; ++v) a[i][v] = _mm256_fmadd_ps(xb, wv[v], a[i][v]);
    }
  }
  if (bias != nullptr) {  // relu(product + bias), as the scalar loops compute it
    const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 2
    for (std::size_t v = 0; v < kV; ++v) {
      const __m256 b = kMasked && v + 1 == kV ? _mm256_maskload_ps(bias + c0 + 8 * v, tail)
                                              : _mm256_loadu_ps(bias + c0 + 8 * v);
#pragma GCC unroll 8
      for (std::size_t i = 0; i < kRows; ++i) a[i][v] = _mm256_max_ps(_mm256_add_ps(a[i][v], b), zero);
    }
  }
#pragma GCC unroll 8
  for (std::size_t i = 0; i < kRows; ++i) {
#pragma GCC unroll 2
    for (std::size_t v = 0; v < kV; ++v) {
      float* o = acc + i * h + c0 + 8 * v;
      if (kMasked && v + 1 == kV) {
        _mm256_maskstore_ps(o, tail, a[i][v]);
      } else {
        _mm256_storeu_ps(o, a[i][v]);
      }
    }
  }
}

// kRows rows: panels of 16 columns, then the 1-15 columns left.
template <std::size_t kRows>
[[gnu::always_inline]] inline void fma_row_panels_avx2(float* acc, const float* x, const float* w,
                                                       std::size_t h, __m256i tail, const float* bias) {
  std::size_t c0 = 0;
  for (; c0 + 16 <= h; c0 += 16) fma_panel_avx2<kRows, 2, false>(acc, x, w, h, c0, tail, bias);
  const std::size_t rest = h - c0;
  if (rest > 8) {
    fma_panel_avx2<kRows, 2, true>(acc, x, w, h, c0, tail, bias);
  } else if (rest == 8) {
    fma_panel_avx2<kRows, 1, false>(acc, x, w, h, c0, tail, bias);
  } else if (rest > 0) {
    fma_panel_avx2<kRows, 1, true>(acc, x, w, h, c0, tail, bias);
  }
}

// kH > 0: the width known at compile time (the k loops' trip count), 0: `width`. bias: null, or
// relu(product + bias) is stored.
template <std::size_t kH>
void fma_rows_avx2(float* acc, const float* x, const float* w, std::size_t rows, std::size_t width,
                   const float* bias) {
  const std::size_t h = kH > 0 ? kH : width;
  const std::size_t rest = h % 8;
  alignas(32) std::int32_t lanes[8];
  for (std::size_t l = 0; l < 8; ++l) lanes[l] = rest == 0 || l < rest ? -1 : 0;
  const __m256i tail = _mm256_load_si256(reinterpret_cast<const __m256i*>(lanes));
  std::size_t r = 0;
  for (; r + 6 <= rows; r += 6) fma_row_panels_avx2<6>(acc + r * h, x + r * h, w, h, tail, bias);
  float* a = acc + r * h;
  const float* xr = x + r * h;
  switch (rows - r) {
    case 5:
      return fma_row_panels_avx2<5>(a, xr, w, h, tail, bias);
    case 4:
      return fma_row_panels_avx2<4>(a, xr, w, h, tail, bias);
    case 3:
      return fma_row_panels_avx2<3>(a, xr, w, h, tail, bias);
    case 2:
      return fma_row_panels_avx2<2>(a, xr, w, h, tail, bias);
    case 1:
      return fma_row_panels_avx2<1>(a, xr, w, h, tail, bias);
    default:
      return;
  }
}
#endif

template <std::size_t kH>
void fma_rows(float* acc, const float* x, const float* w, std::size_t rows, std::size_t width) {
#if defined(__AVX512F__)
  const std::size_t h = kH > 0 ? kH : width;
  switch ((h + 15) / 16) {
    case 1:
      return fma_rows_avx512<1>(acc, x, w, rows, h);
    case 2:
      return fma_rows_avx512<2>(acc, x, w, rows, h);
    case 3:
      return fma_rows_avx512<3>(acc, x, w, rows, h);
    case 4:
      return fma_rows_avx512<4>(acc, x, w, rows, h);
    default:
      break;
  }
#elif defined(__AVX2__) && defined(__FMA__)
  return fma_rows_avx2<kH>(acc, x, w, rows, width, nullptr);
#endif
  fma_rows_portable<kH>(acc, x, w, rows, width);
}

// relu(fma_rows + bias) per row: acc[r][c] = max(product + bias[c], 0).
template <std::size_t kH>
void fma_rows_bias_relu(float* acc, const float* x, const float* w, std::size_t rows, std::size_t width,
                        const float* bias) {
#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
  fma_rows_avx2<kH>(acc, x, w, rows, width, bias);
#else
  const std::size_t h = kH > 0 ? kH : width;
  fma_rows<kH>(acc, x, w, rows, h);
  for (std::size_t r = 0; r < rows; ++r) {
    float* __restrict o = acc + r * h;
    for (std::size_t c = 0; c < h; ++c) o[c] = std::max(o[c] + bias[c], 0.0F);
  }
#endif
}

// Sum of f(v[c]) for c in [0, n) in kLanes partial sums (lane l: the elements l, l + kLanes,
// ... in order), then the lanes added pairwise (l + kLanes/2, then l + kLanes/4, ...): a fixed
// order, the same on every instruction set (vectorised where there are vectors).
constexpr std::size_t kLanes = 8;
template <typename F>
float lane_sum(const float* __restrict v, std::size_t n, const F& f) {
  float p[kLanes] = {};
  std::size_t c = 0;
  for (; c + kLanes <= n; c += kLanes) {
    for (std::size_t l = 0; l < kLanes; ++l) p[l] += f(v[c + l]);
  }
  for (std::size_t l = 0; c < n; ++c, ++l) p[l] += f(v[c]);
  for (std::size_t half = kLanes / 2; half > 0; half /= 2) {
    for (std::size_t l = 0; l < half; ++l) p[l] += p[l + half];
  }
  return p[0];
}

// LayerNormalization (ONNX, last axis, float) of one row in place: the mean, then the mean of
// the squared deviations (two passes: no cancellation), y = (x - mean) * (1 / sqrt(var + eps))
// * scale + bias.
void layer_norm_row(float* __restrict x, std::size_t h, const float* scale, const float* bias,
                    float epsilon) {
  const auto n = static_cast<float>(h);
  const float mean = lane_sum(x, h, [](float v) { return v; }) / n;
  const float var = lane_sum(x, h,
                             [mean](float v) {
                               const float d = v - mean;
                               return d * d;
                             }) /
                    n;
  const float inv = 1.0F / std::sqrt(var + epsilon);
  for (std::size_t c = 0; c < h; ++c) {
    const float scaled = (x[c] - mean) * inv * scale[c];
    x[c] = scaled + bias[c];
  }
}

// The end-hit rows of an edge network's edges: a[i[e]] and b[j[e]] (ONNX Gather indices).
struct EndHits {
  const float* a;
  std::size_t n_a;
  const float* b;
  std::size_t n_b;
  const std::int64_t* i;
  const std::int64_t* j;

  [[nodiscard]] bool bad(std::size_t e) const {
    return gather_row(i[e], n_a) == n_a || gather_row(j[e], n_b) == n_b;
  }
  // g = (a[i[e]] + b[j[e]]) + t, h wide.
  void sum(float* __restrict g, std::size_t e, std::size_t h, const float* __restrict t) const {
    const float* __restrict pa = a + gather_row(i[e], n_a) * h;
    const float* __restrict pb = b + gather_row(j[e], n_b) * h;
    for (std::size_t c = 0; c < h; ++c) g[c] = (pa[c] + pb[c]) + t[c];
  }
};

// Runs step(start, rows, g, u) over blocks of kEdgeBlock edges of [0, n_edges) (g and u: two
// [kEdgeBlock, h] buffers of the thread), in parallel for many edges, each block after its
// indices are checked and while the next block's end-hit rows are prefetched. Returns the first
// edge with an index outside its rows, or n_edges.
constexpr std::size_t kEdgeBlock = 24;  // the block's tensors stay in L1
template <typename Step>
std::size_t for_each_edge_block(const EndHits& hits, std::size_t h, std::size_t n_edges, const Step& step) {
  if (h == 0) {  // nothing to compute: only the indices are checked
    for (std::size_t e = 0; e < n_edges; ++e) {
      if (hits.bad(e)) return e;
    }
    return n_edges;
  }
  const auto fill = [&](std::size_t first, std::size_t last) -> std::size_t {
    std::vector<float> g(kEdgeBlock * h);
    std::vector<float> u(kEdgeBlock * h);
    for (std::size_t start = first; start < last; start += kEdgeBlock) {
      const std::size_t rows = std::min(kEdgeBlock, last - start);
      for (std::size_t r = 0; r < rows; ++r) {
        if (hits.bad(start + r)) return start + r;
      }
      for (std::size_t e = start + kEdgeBlock; e < std::min(last, start + 2 * kEdgeBlock); ++e) {
        const std::size_t ra = gather_row(hits.i[e], hits.n_a);
        const std::size_t rb = gather_row(hits.j[e], hits.n_b);
        for (std::size_t line = 0; line < h; line += 16) {
          if (ra < hits.n_a) __builtin_prefetch(hits.a + ra * h + line);
          if (rb < hits.n_b) __builtin_prefetch(hits.b + rb * h + line);
        }
      }
      step(start, rows, g.data(), u.data());
    }
    return last;
  };
  // Below ~4k edges one thread is as fast. A filter's chunks of 4096 edges stay on the thread of
  // their lane (EdgeClassifier::Config::chunk_threads spreads the chunks): split again, all-pt's
  // filter took 1.19x the time with a first-layer kernel (session 20, trkx bench side by side).
  constexpr std::size_t kParallelEdges = (std::size_t{1} << 12) + 1;
  return fill_edge_blocks(n_edges, n_edges >= kParallelEdges, fill);
}

// f(std::integral_constant<std::size_t, kH>{}) with kH = h for the widths compiled for (the
// products unrolled), kH = 0 (h at run time) for any other.
template <typename F>
std::size_t with_width(std::size_t h, const F& f) {
  switch (h) {
    case 32:
      return f(std::integral_constant<std::size_t, 32>{});
    case 40:
      return f(std::integral_constant<std::size_t, 40>{});
    case 48:
      return f(std::integral_constant<std::size_t, 48>{});
    case 64:
      return f(std::integral_constant<std::size_t, 64>{});
    default:
      return f(std::integral_constant<std::size_t, 0>{});
  }
}

// A Gemm weight [h, h] (row k = output k) in MatMul layout (row k = input k), as the products read it.
std::vector<float> transposed(const float* w, std::size_t h) {
  std::vector<float> t(h * h);
  for (std::size_t r = 0; r < h; ++r) {
    for (std::size_t c = 0; c < h; ++c) t[c * h + r] = w[r * h + c];
  }
  return t;
}

// g = ((a[i] + b[j]) + pair w_pair) + geometry w_geometry for edge e: an edge network's first
// layer on its two end hits and its geometric inputs, in the order the exported subgraph adds
// them (each small product a chain of fused multiply-adds from 0, as MLAS's). With AVX2 + FMA
// 8 outputs at a time in registers; the same operations per output either way.
void hit_pair_input(float* __restrict g, const EdgeEncoderInputs& in, const EndHits& hits,
                    const float* __restrict w_pair, const float* __restrict w_geometry, std::size_t e,
                    std::size_t h) {
  [[maybe_unused]] constexpr std::size_t kV = 8;
  const float* __restrict pair = in.pair + e * in.n_pair;
  const float* __restrict geometry = in.geometry + e * in.n_geometry;
  const float* __restrict pa = hits.a + gather_row(hits.i[e], hits.n_a) * h;
  const float* __restrict pb = hits.b + gather_row(hits.j[e], hits.n_b) * h;
  std::size_t c0 = 0;
#if defined(__AVX2__) && defined(__FMA__)
  for (; c0 + kV <= h; c0 += kV) {
    __m256 tp = _mm256_setzero_ps();
    __m256 tg = _mm256_setzero_ps();
    for (std::size_t k = 0; k < in.n_pair; ++k)
      tp = _mm256_fmadd_ps(_mm256_set1_ps(pair[k]), _mm256_loadu_ps(w_pair + k * h + c0), tp);
    for (std::size_t k = 0; k < in.n_geometry; ++k)
      tg = _mm256_fmadd_ps(_mm256_set1_ps(geometry[k]), _mm256_loadu_ps(w_geometry + k * h + c0), tg);
    const __m256 ab = _mm256_add_ps(_mm256_loadu_ps(pa + c0), _mm256_loadu_ps(pb + c0));
    _mm256_storeu_ps(g + c0, _mm256_add_ps(_mm256_add_ps(ab, tp), tg));
  }
#endif
  for (std::size_t c = c0; c < h; ++c) {
    float tp = 0.0F;
    float tg = 0.0F;
    for (std::size_t k = 0; k < in.n_pair; ++k) tp = std::fma(pair[k], w_pair[k * h + c], tp);
    for (std::size_t k = 0; k < in.n_geometry; ++k) tg = std::fma(geometry[k], w_geometry[k * h + c], tg);
    g[c] = ((pa[c] + pb[c]) + tp) + tg;
  }
}

}  // namespace

void node_update(float* out, const float* h, const float* agg_in, const float* agg_out, std::size_t n_nodes,
                 const NodeUpdateWeights& w, float* proj_src, float* proj_dst) {
  const std::size_t width = w.width;
  if (n_nodes == 0 || width == 0) return;
  const std::vector<float> w0_t = transposed(w.w0, width);
  const std::vector<float> w3_t = transposed(w.w3, width);
  const bool project = w.w_src != nullptr && proj_src != nullptr && proj_dst != nullptr;
  const std::vector<float> w_src_t = project ? transposed(w.w_src, width) : std::vector<float>{};
  with_width(width, [&](auto kh) -> std::size_t {
    constexpr std::size_t kH = decltype(kh)::value;
    const std::size_t hw = kH > 0 ? kH : width;
    const auto fill = [&](std::size_t first, std::size_t last) -> std::size_t {
      std::vector<float> g(kEdgeBlock * hw);
      std::vector<float> t(kEdgeBlock * hw);
      for (std::size_t start = first; start < last; start += kEdgeBlock) {
        const std::size_t rows = std::min(kEdgeBlock, last - start);
        const std::size_t at = start * hw;
        // g = ((h w0^T + b0) + agg_in w1) + agg_out w2, as Gemm, MatMul, Add, MatMul, Add
        fma_rows<kH>(g.data(), h + at, w0_t.data(), rows, hw);
        fma_rows<kH>(t.data(), agg_in + at, w.w1, rows, hw);
        for (std::size_t r = 0; r < rows; ++r) {
          float* __restrict pg = g.data() + r * hw;
          const float* __restrict pt = t.data() + r * hw;
          for (std::size_t c = 0; c < hw; ++c) pg[c] = (pg[c] + w.b0[c]) + pt[c];
        }
        fma_rows<kH>(t.data(), agg_out + at, w.w2, rows, hw);
        for (std::size_t r = 0; r < rows; ++r) {
          float* __restrict pg = g.data() + r * hw;
          const float* __restrict pt = t.data() + r * hw;
          for (std::size_t c = 0; c < hw; ++c) pg[c] = pg[c] + pt[c];
          if (w.ln_scale != nullptr) layer_norm_row(pg, hw, w.ln_scale, w.ln_bias, w.ln_epsilon);
          for (std::size_t c = 0; c < hw; ++c) pg[c] = std::max(pg[c], 0.0F);
        }
        // out = h + (g w3^T + b3)
        fma_rows<kH>(t.data(), g.data(), w3_t.data(), rows, hw);
        for (std::size_t r = 0; r < rows; ++r) {
          const float* __restrict pt = t.data() + r * hw;
          const float* __restrict ph = h + at + r * hw;
          float* __restrict po = out + at + r * hw;
          for (std::size_t c = 0; c < hw; ++c) po[c] = ph[c] + (pt[c] + w.b3[c]);
        }
        if (project) {  // the next edge network's projections of the new states: Gemm and MatMul
          fma_rows<kH>(proj_src + at, out + at, w_src_t.data(), rows, hw);
          for (std::size_t r = 0; r < rows; ++r) {
            float* __restrict ps = proj_src + at + r * hw;
            for (std::size_t c = 0; c < hw; ++c) ps[c] = ps[c] + w.b_src[c];
          }
          fma_rows<kH>(proj_dst + at, out + at, w.w_dst, rows, hw);
        }
      }
      return last;
    };
    constexpr std::size_t kParallelNodes = 4096;
    return fill_edge_blocks(n_nodes, n_nodes >= kParallelNodes, fill);
  });
}

std::size_t edge_update(float* out, const float* a, std::size_t n_a, const float* b, std::size_t n_b,
                        const std::int64_t* i, const std::int64_t* j, const float* e, std::size_t n_edges,
                        const EdgeUpdateWeights& w, const float* residual) {
  const std::size_t h = w.width;
  const EndHits hits{a, n_a, b, n_b, i, j};
  const std::vector<float> w_out_t = transposed(w.w_out, h);
  return with_width(h, [&](auto width) {
    constexpr std::size_t kH = decltype(width)::value;
    return for_each_edge_block(hits, h, n_edges,
                               [&](std::size_t start, std::size_t rows, float* g, float* u) {
                                 // g = (a[i] + b[j]) + e w_edge -> [LayerNorm] -> relu
                                 fma_rows<kH>(u, e + start * h, w.w_edge, rows, h);
                                 for (std::size_t r = 0; r < rows; ++r) {
                                   float* __restrict pg = g + r * h;
                                   hits.sum(pg, start + r, h, u + r * h);
                                   if (w.ln_scale != nullptr)
                                     layer_norm_row(pg, h, w.ln_scale, w.ln_bias, w.ln_epsilon);
                                   for (std::size_t c = 0; c < h; ++c) pg[c] = std::max(pg[c], 0.0F);
                                 }
                                 // out = residual + (g w_out^T + b_out)
                                 fma_rows<kH>(u, g, w_out_t.data(), rows, h);
                                 for (std::size_t r = 0; r < rows; ++r) {
                                   const float* __restrict pu = u + r * h;
                                   float* __restrict po = out + (start + r) * h;
                                   if (residual == nullptr) {
                                     for (std::size_t c = 0; c < h; ++c) po[c] = pu[c] + w.b_out[c];
                                   } else {
                                     const float* __restrict pr = residual + (start + r) * h;
                                     for (std::size_t c = 0; c < h; ++c) po[c] = pr[c] + (pu[c] + w.b_out[c]);
                                   }
                                 }
                               });
  });
}

std::size_t edge_encode(float* out, const EdgeEncoderInputs& in, std::size_t n_edges,
                        const EdgeEncoderWeights& w) {
  const std::size_t h = w.width;
  const EndHits hits{in.a, in.n_a, in.b, in.n_b, in.i, in.j};
  const std::vector<float> w_hidden_t = transposed(w.w_hidden, h);
  return with_width(h, [&](auto width) {
    constexpr std::size_t kH = decltype(width)::value;
    return for_each_edge_block(hits, h, n_edges,
                               [&](std::size_t start, std::size_t rows, float* g, float* u) {
                                 for (std::size_t r = 0; r < rows; ++r) {
                                   const std::size_t e = start + r;
                                   float* __restrict pg = g + r * h;
                                   // ((a[i] + b[j]) + pair w_pair) + geometry w_geometry -> [LayerNorm] ->
                                   // relu
                                   hit_pair_input(pg, in, hits, w.w_pair, w.w_geometry, e, h);
                                   if (w.ln1_scale != nullptr)
                                     layer_norm_row(pg, h, w.ln1_scale, w.ln1_bias, w.ln_epsilon);
                                   for (std::size_t c = 0; c < h; ++c) pg[c] = std::max(pg[c], 0.0F);
                                 }
                                 // relu([LayerNorm](g w_hidden^T + b_hidden))
                                 fma_rows<kH>(u, g, w_hidden_t.data(), rows, h);
                                 for (std::size_t r = 0; r < rows; ++r) {
                                   float* __restrict pu = u + r * h;
                                   for (std::size_t c = 0; c < h; ++c) pu[c] = pu[c] + w.b_hidden[c];
                                   if (w.ln2_scale != nullptr)
                                     layer_norm_row(pu, h, w.ln2_scale, w.ln2_bias, w.ln_epsilon);
                                   float* __restrict po = out + (start + r) * h;
                                   for (std::size_t c = 0; c < h; ++c) po[c] = std::max(pu[c], 0.0F);
                                 }
                               });
  });
}

#if defined(__AVX2__) && defined(__FMA__)
// The sum of the 8 lanes: (lo + hi) pairwise, then the two halves, then the last pair.
inline float horizontal_sum(__m256 v) {
  const __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  const __m128 pairs = _mm_add_ps(half, _mm_movehl_ps(half, half));
  return _mm_cvtss_f32(_mm_add_ss(pairs, _mm_movehdup_ps(pairs)));
}

// f(std::integral_constant<std::size_t, kH>{}) when the inputs have the exported filters' shape
// (2 pair and 6 geometry inputs) and `width` is one compiled for (with_width); std::nullopt
// otherwise, and the caller's generic loop runs.
template <typename F>
std::optional<std::size_t> with_filter_shape(const EdgeEncoderInputs& in, std::size_t width, const F& f) {
  if (in.n_pair != 2 || in.n_geometry != 6 || width == 0) return std::nullopt;
  const std::size_t done = with_width(width, [&](auto kh) -> std::size_t {
    if constexpr (decltype(kh)::value == 0) {
      return 0;
    } else {
      return 1 + f(kh);  // 0: not compiled for this width
    }
  });
  return done > 0 ? std::optional<std::size_t>(done - 1) : std::nullopt;
}

// An edge's first layer g (hit_pair_input) with the widths known at compile time (kH a multiple
// of 8, kP pair and kG geometry inputs): the inputs broadcast once per edge, g computed 8
// outputs at a time in registers and handed to block(c0, g[c0 .. c0 + 8)). The same operations
// per output as hit_pair_input.
template <std::size_t kH, std::size_t kP, std::size_t kG, typename Block>
void hit_pair_blocks(const EdgeEncoderInputs& in, const EndHits& hits, const float* __restrict w_pair,
                     const float* __restrict w_geometry, std::size_t e, const Block& block) {
  static_assert(kH % 8 == 0 && kP > 0 && kG > 0);
  const float* __restrict pa = hits.a + gather_row(hits.i[e], hits.n_a) * kH;
  const float* __restrict pb = hits.b + gather_row(hits.j[e], hits.n_b) * kH;
  __m256 p[kP];
  __m256 q[kG];
  for (std::size_t k = 0; k < kP; ++k) p[k] = _mm256_set1_ps(in.pair[e * kP + k]);
  for (std::size_t k = 0; k < kG; ++k) q[k] = _mm256_set1_ps(in.geometry[e * kG + k]);
  for (std::size_t c0 = 0; c0 < kH; c0 += 8) {
    __m256 tp = _mm256_setzero_ps();
    for (std::size_t k = 0; k < kP; ++k)
      tp = _mm256_fmadd_ps(p[k], _mm256_loadu_ps(w_pair + k * kH + c0), tp);
    __m256 tg = _mm256_setzero_ps();
    for (std::size_t k = 0; k < kG; ++k)
      tg = _mm256_fmadd_ps(q[k], _mm256_loadu_ps(w_geometry + k * kH + c0), tg);
    const __m256 ab = _mm256_add_ps(_mm256_loadu_ps(pa + c0), _mm256_loadu_ps(pb + c0));
    block(c0, _mm256_add_ps(_mm256_add_ps(ab, tp), tg));
  }
}

// EdgeScore for one edge (hit_pair_blocks): the output unit's sum as the generic loop takes it.
template <std::size_t kH, std::size_t kP, std::size_t kG>
float edge_score_row(const EdgeEncoderInputs& in, const EndHits& hits, const float* __restrict w_pair,
                     const float* __restrict w_geometry, const float* __restrict w_out, std::size_t e) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 acc = zero;
  hit_pair_blocks<kH, kP, kG>(in, hits, w_pair, w_geometry, e, [&](std::size_t c0, __m256 g) {
    acc = _mm256_fmadd_ps(_mm256_max_ps(g, zero), _mm256_loadu_ps(w_out + c0), acc);
  });
  return horizontal_sum(acc);
}
#endif

std::size_t edge_score(float* out, const EdgeEncoderInputs& in, std::size_t n_edges, std::size_t width,
                       const float* w_pair, const float* w_geometry, const float* w_out, float b_out) {
  const EndHits hits{in.a, in.n_a, in.b, in.n_b, in.i, in.j};
#if defined(__AVX2__) && defined(__FMA__)
  const auto fast = with_filter_shape(in, width, [&](auto kh) {
    constexpr std::size_t kH = decltype(kh)::value;
    return for_each_edge_block(hits, kH, n_edges, [&](std::size_t start, std::size_t rows, float*, float*) {
      for (std::size_t r = 0; r < rows; ++r) {
        out[start + r] = edge_score_row<kH, 2, 6>(in, hits, w_pair, w_geometry, w_out, start + r) + b_out;
      }
    });
  });
  if (fast) return *fast;
#endif
  const std::size_t last = for_each_edge_block(
      hits, width, n_edges, [&](std::size_t start, std::size_t rows, float* g, float* /*u*/) {
        for (std::size_t r = 0; r < rows; ++r) {
          float* __restrict pg = g + r * width;
          hit_pair_input(pg, in, hits, w_pair, w_geometry, start + r, width);
          std::size_t c = 0;
          float sum = 0.0F;
#if defined(__AVX2__) && defined(__FMA__)
          __m256 acc = _mm256_setzero_ps();
          const __m256 zero = _mm256_setzero_ps();
          for (; c + 8 <= width; c += 8) {
            acc = _mm256_fmadd_ps(_mm256_max_ps(_mm256_loadu_ps(pg + c), zero), _mm256_loadu_ps(w_out + c),
                                  acc);
          }
          sum = horizontal_sum(acc);
#endif
          for (; c < width; ++c) sum = std::fma(std::max(pg[c], 0.0F), w_out[c], sum);
          out[start + r] = sum + b_out;
        }
      });
  if (width == 0) {  // no hidden units: the bias alone
    for (std::size_t e = 0; e < last; ++e) out[e] = b_out;
  }
  return last;
}

// relu(first layer) of the edges [start, start + rows) into consecutive rows of dst: 8 outputs at a
// time in registers (hit_pair_blocks) for the compiled shapes (kH > 0, with_filter_shape), else
// hit_pair_input on `width` outputs. EdgeInput's output and EdgeMlp's first block.
template <std::size_t kH>
void relu_first_layer_rows(float* dst, const EdgeEncoderInputs& in, const EndHits& hits, const float* w_pair,
                           const float* w_geometry, std::size_t start, std::size_t rows, std::size_t width) {
#if defined(__AVX2__) && defined(__FMA__)
  if constexpr (kH > 0) {
    const __m256 zero = _mm256_setzero_ps();
    for (std::size_t r = 0; r < rows; ++r) {
      float* __restrict po = dst + r * kH;
      hit_pair_blocks<kH, 2, 6>(in, hits, w_pair, w_geometry, start + r, [&](std::size_t c0, __m256 g) {
        _mm256_storeu_ps(po + c0, _mm256_max_ps(g, zero));
      });
    }
    return;
  }
#endif
  for (std::size_t r = 0; r < rows; ++r) {
    float* __restrict po = dst + r * width;
    hit_pair_input(po, in, hits, w_pair, w_geometry, start + r, width);
    for (std::size_t c = 0; c < width; ++c) po[c] = std::max(po[c], 0.0F);
  }
}

std::size_t edge_mlp(float* out, const EdgeEncoderInputs& in, std::size_t n_edges, std::size_t width,
                     const float* w_pair, const float* w_geometry, std::size_t n_hidden,
                     const float* const* w_hidden, const float* const* b_hidden, const float* w_out,
                     float b_out) {
  const EndHits hits{in.a, in.n_a, in.b, in.n_b, in.i, in.j};
  const std::size_t h = width;
  if (h == 0) {  // no units: every logit is the output bias (the indices are still checked)
    const std::size_t last =
        for_each_edge_block(hits, 0, n_edges, [](std::size_t, std::size_t, float*, float*) {});
    for (std::size_t e = 0; e < last; ++e) out[e] = b_out;
    return last;
  }
  std::vector<float> w_t(n_hidden * h * h);  // each layer's weights in MatMul layout
  for (std::size_t l = 0; l < n_hidden; ++l) {
    const std::vector<float> t = transposed(w_hidden[l], h);
    std::copy(t.begin(), t.end(), w_t.begin() + static_cast<std::ptrdiff_t>(l * h * h));
  }
  // The hidden layers and the output unit on a block whose first layer is in g: each layer
  // relu(g w^T + b) as ONNX Runtime's Gemm + Relu computes it (an FMA chain over the inputs from
  // 0, then the bias), the output unit a chain over the last layer's units in order, then the
  // bias (MLAS's order for one output column).
  const auto rest = [&](auto kh, std::size_t start, std::size_t rows, float* g, float* u) {
    constexpr std::size_t kH = decltype(kh)::value;
    for (std::size_t l = 0; l < n_hidden; ++l) {
      fma_rows_bias_relu<kH>(u, g, w_t.data() + l * h * h, rows, h, b_hidden[l]);
      std::swap(g, u);
    }
    float acc[kEdgeBlock] = {};  // one chain per edge, the block's chains interleaved
    for (std::size_t c = 0; c < h; ++c) {
      const float wc = w_out[c];
      for (std::size_t r = 0; r < rows; ++r) acc[r] = std::fma(g[r * h + c], wc, acc[r]);
    }
    for (std::size_t r = 0; r < rows; ++r) out[start + r] = acc[r] + b_out;
  };
#if defined(__AVX2__) && defined(__FMA__)
  const auto fast = with_filter_shape(in, width, [&](auto kh) {
    constexpr std::size_t kH = decltype(kh)::value;
    return for_each_edge_block(hits, kH, n_edges,
                               [&](std::size_t start, std::size_t rows, float* g, float* u) {
                                 relu_first_layer_rows<kH>(g, in, hits, w_pair, w_geometry, start, rows, kH);
                                 rest(kh, start, rows, g, u);
                               });
  });
  if (fast) return *fast;
#endif
  return for_each_edge_block(hits, h, n_edges, [&](std::size_t start, std::size_t rows, float* g, float* u) {
    relu_first_layer_rows<0>(g, in, hits, w_pair, w_geometry, start, rows, h);
    rest(std::integral_constant<std::size_t, 0>{}, start, rows, g, u);
  });
}

std::size_t edge_input(float* out, const EdgeEncoderInputs& in, std::size_t n_edges, std::size_t width,
                       const float* w_pair, const float* w_geometry) {
  const EndHits hits{in.a, in.n_a, in.b, in.n_b, in.i, in.j};
#if defined(__AVX2__) && defined(__FMA__)
  const auto fast = with_filter_shape(in, width, [&](auto kh) {
    constexpr std::size_t kH = decltype(kh)::value;
    return for_each_edge_block(hits, kH, n_edges, [&](std::size_t start, std::size_t rows, float*, float*) {
      relu_first_layer_rows<kH>(out + start * kH, in, hits, w_pair, w_geometry, start, rows, kH);
    });
  });
  if (fast) return *fast;
#endif
  return for_each_edge_block(hits, width, n_edges, [&](std::size_t start, std::size_t rows, float*, float*) {
    relu_first_layer_rows<0>(out + start * width, in, hits, w_pair, w_geometry, start, rows, width);
  });
}

namespace {

std::string shape_text(const std::vector<std::int64_t>& s) {
  std::string t = "[";
  for (std::size_t i = 0; i < s.size(); ++i) t += (i ? "," : "") + std::to_string(s[i]);
  return t + "]";
}

// The error of an op whose edge `bad` has an end-hit index outside its n_a / n_b rows.
Ort::Status bad_edge_status(const char* op, std::size_t bad, const std::int64_t* i, const std::int64_t* j,
                            std::int64_t n_a, std::int64_t n_b) {
  return Ort::Status(
      (std::string("ai.trkx.") + op + ": edge " + std::to_string(bad) + " has indices (" +
       std::to_string(i[bad]) + ", " + std::to_string(j[bad]) + ") outside [-" + std::to_string(n_a) + ", " +
       std::to_string(n_a) + ") / [-" + std::to_string(n_b) + ", " + std::to_string(n_b) + ")")
          .c_str(),
      ORT_INVALID_ARGUMENT);
}

Ort::Status gather_pair_add_op(const Ort::Custom::Tensor<float>& a, const Ort::Custom::Tensor<float>& b,
                               const Ort::Custom::Tensor<std::int64_t>& i,
                               const Ort::Custom::Tensor<std::int64_t>& j,
                               std::optional<const Ort::Custom::Tensor<float>*> c,
                               Ort::Custom::Tensor<float>& output) {
  const auto& as = a.Shape();
  const auto& bs = b.Shape();
  const auto& is = i.Shape();
  const auto& js = j.Shape();
  const std::vector<std::int64_t> cs = c.has_value() ? (*c)->Shape() : std::vector<std::int64_t>{};
  if (as.size() != 2 || bs.size() != 2 || as[1] != bs[1] || is.size() != 1 || js.size() != 1 ||
      is[0] != js[0] || (c.has_value() && cs != std::vector<std::int64_t>{is[0], as[1]})) {
    return Ort::Status(("ai.trkx.GatherPairAdd: expected a [Na,H], b [Nb,H], i [E], j [E] (and c [E,H]); "
                        "found " +
                        shape_text(as) + ", " + shape_text(bs) + ", " + shape_text(is) + ", " +
                        shape_text(js) + (c.has_value() ? ", " + shape_text(cs) : std::string{}))
                           .c_str(),
                       ORT_INVALID_ARGUMENT);
  }
  const auto n_edges = static_cast<std::size_t>(is[0]);
  const auto width = static_cast<std::size_t>(as[1]);
  float* out = output.Allocate({is[0], as[1]});
  if (n_edges == 0) return Ort::Status{nullptr};
  const float* pa = as[0] > 0 && width > 0 ? a.Data() : nullptr;
  const float* pb = bs[0] > 0 && width > 0 ? b.Data() : nullptr;
  const std::size_t bad =
      gather_pair_add(out, pa, static_cast<std::size_t>(as[0]), pb, static_cast<std::size_t>(bs[0]), width,
                      i.Data(), j.Data(), n_edges, c.has_value() && width > 0 ? (*c)->Data() : nullptr);
  if (bad != n_edges) {
    return bad_edge_status("GatherPairAdd", bad, i.Data(), j.Data(), as[0], bs[0]);
  }
  return Ort::Status{nullptr};
}

// An error text for a column of EdgeGeometry that is not [n,1] (or [n]); empty when it is.
std::string column_error(const char* name, const std::vector<std::int64_t>& s, std::int64_t n) {
  if ((s.size() == 2 && s[1] == 1 && s[0] == n) || (s.size() == 1 && s[0] == n)) return {};
  return std::string(name) + " " + shape_text(s) + " (expected [" + std::to_string(n) + ",1])";
}

Ort::Status edge_geometry_op(const Ort::Custom::Tensor<std::int64_t>& edge_index,
                             const Ort::Custom::Tensor<float>& r, const Ort::Custom::Tensor<float>& z,
                             const Ort::Custom::Tensor<float>& eta, const Ort::Custom::Tensor<float>& cos_a,
                             const Ort::Custom::Tensor<float>& sin_a, const Ort::Custom::Tensor<float>& dphi,
                             const Ort::Custom::Tensor<float>& mean,
                             const Ort::Custom::Tensor<float>& std_dev, Ort::Custom::Tensor<float>& pair,
                             Ort::Custom::Tensor<float>& geometry) {
  const auto& es = edge_index.Shape();
  if (es.size() != 2 || es[0] != 2) {
    return Ort::Status(("ai.trkx.EdgeGeometry: edge_index " + shape_text(es) + " (expected [2,E])").c_str(),
                       ORT_INVALID_ARGUMENT);
  }
  const std::int64_t n_edges = es[1];
  const std::int64_t n_hits = r.Shape().empty() ? 0 : r.Shape()[0];
  std::string bad_shapes;
  const auto add = [&](const std::string& err) {
    if (!err.empty()) bad_shapes += (bad_shapes.empty() ? "" : ", ") + err;
  };
  for (const auto& [name, t] : {std::pair<const char*, const Ort::Custom::Tensor<float>*>{"r", &r},
                                {"z", &z},
                                {"eta", &eta},
                                {"cos_a", &cos_a},
                                {"sin_a", &sin_a}}) {
    add(column_error(name, t->Shape(), n_hits));
  }
  add(column_error("dphi", dphi.Shape(), n_edges));
  if (mean.Shape() != std::vector<std::int64_t>{6} || std_dev.Shape() != std::vector<std::int64_t>{6}) {
    add("mean " + shape_text(mean.Shape()) + " and std " + shape_text(std_dev.Shape()) + " (expected [6])");
  }
  if (!bad_shapes.empty()) {
    return Ort::Status(("ai.trkx.EdgeGeometry: " + bad_shapes).c_str(), ORT_INVALID_ARGUMENT);
  }
  float* out_pair = pair.Allocate({n_edges, 2});
  float* out_geometry = geometry.Allocate({n_edges, 6});
  if (n_edges == 0) return Ort::Status{nullptr};
  if (n_hits == 0) {
    return Ort::Status("ai.trkx.EdgeGeometry: edges given but no hits", ORT_INVALID_ARGUMENT);
  }
  const EdgeGeometryInputs hits{r.Data(),     z.Data(),      eta.Data(),
                                cos_a.Data(), sin_a.Data(),  static_cast<std::size_t>(n_hits),
                                mean.Data(),  std_dev.Data()};
  const std::int64_t* src = edge_index.Data();
  const std::int64_t* dst = src + n_edges;
  const auto n = static_cast<std::size_t>(n_edges);
  const std::size_t bad = edge_geometry(out_pair, out_geometry, hits, src, dst, dphi.Data(), n);
  if (bad != n) {
    return Ort::Status(("ai.trkx.EdgeGeometry: edge " + std::to_string(bad) + " has hits (" +
                        std::to_string(src[bad]) + ", " + std::to_string(dst[bad]) + ") outside [-" +
                        std::to_string(n_hits) + ", " + std::to_string(n_hits) + ")")
                           .c_str(),
                       ORT_INVALID_ARGUMENT);
  }
  return Ort::Status{nullptr};
}

// The inputs of ai.trkx.NodeUpdate and NodeUpdateProject checked into `w` (the projections'
// weights when given); an error status names the op and every shape.
Ort::Status node_update_inputs(
    const char* op, const Ort::Custom::Tensor<float>& h, const Ort::Custom::Tensor<float>& agg_in,
    const Ort::Custom::Tensor<float>& agg_out, const Ort::Custom::Tensor<float>& w0,
    const Ort::Custom::Tensor<float>& b0, const Ort::Custom::Tensor<float>& w1,
    const Ort::Custom::Tensor<float>& w2, const Ort::Custom::Tensor<float>& w3,
    const Ort::Custom::Tensor<float>& b3, const Ort::Custom::Tensor<float>* w_src,
    const Ort::Custom::Tensor<float>* b_src, const Ort::Custom::Tensor<float>* w_dst,
    std::optional<const Ort::Custom::Tensor<float>*> ln_scale,
    std::optional<const Ort::Custom::Tensor<float>*> ln_bias, NodeUpdateWeights& w) {
  using Shape = std::vector<std::int64_t>;
  const Shape& hs = h.Shape();
  const std::int64_t hh = hs.size() == 2 ? hs[1] : -1;
  const Shape square{hh, hh};
  const Shape row{hh};
  const bool ln = ln_scale.has_value();
  const bool project = w_src != nullptr;
  const bool ok =
      hs.size() == 2 && agg_in.Shape() == hs && agg_out.Shape() == hs && w0.Shape() == square &&
      b0.Shape() == row && w1.Shape() == square && w2.Shape() == square && w3.Shape() == square &&
      b3.Shape() == row && ln == ln_bias.has_value() &&
      (!ln || ((*ln_scale)->Shape() == row && (*ln_bias)->Shape() == row)) &&
      (!project || (w_src->Shape() == square && b_src->Shape() == row && w_dst->Shape() == square));
  if (!ok) {
    std::string found =
        shape_text(hs) + ", " + shape_text(agg_in.Shape()) + ", " + shape_text(agg_out.Shape()) + ", " +
        shape_text(w0.Shape()) + ", " + shape_text(b0.Shape()) + ", " + shape_text(w1.Shape()) + ", " +
        shape_text(w2.Shape()) + ", " + shape_text(w3.Shape()) + ", " + shape_text(b3.Shape());
    if (project) {
      found += ", " + shape_text(w_src->Shape()) + ", " + shape_text(b_src->Shape()) + ", " +
               shape_text(w_dst->Shape());
    }
    if (ln) found += ", " + shape_text((*ln_scale)->Shape());
    if (ln_bias.has_value()) found += ", " + shape_text((*ln_bias)->Shape());
    return Ort::Status(
        (std::string("ai.trkx.") + op +
         ": expected h [N,H], agg_in [N,H], agg_out [N,H], w0 [H,H], b0 [H], w1 [H,H], w2 [H,H], "
         "w3 [H,H], b3 [H]" +
         (project ? ", w_src [H,H], b_src [H], w_dst [H,H]" : "") +
         " and optionally ln_scale [H], ln_bias [H]; found " + found)
            .c_str(),
        ORT_INVALID_ARGUMENT);
  }
  w.width = static_cast<std::size_t>(hh);
  if (hs[0] == 0 || hh == 0) return Ort::Status{nullptr};
  w.w0 = w0.Data();
  w.b0 = b0.Data();
  w.w1 = w1.Data();
  w.w2 = w2.Data();
  w.w3 = w3.Data();
  w.b3 = b3.Data();
  if (project) {
    w.w_src = w_src->Data();
    w.b_src = b_src->Data();
    w.w_dst = w_dst->Data();
  }
  if (ln) {
    w.ln_scale = (*ln_scale)->Data();
    w.ln_bias = (*ln_bias)->Data();
  }
  return Ort::Status{nullptr};
}

// The optional LayerNorm's epsilon attribute of ai.trkx.NodeUpdate and NodeUpdateProject.
float node_update_epsilon(const OrtKernelInfo* info) {
  try {
    return Ort::ConstKernelInfo(info).GetAttribute<float>("epsilon");
  } catch (const Ort::Exception&) {  // absent: the default
    return 1e-5F;
  }
}

// ai.trkx.NodeUpdate: see OnnxCustomOps.hpp.
struct NodeUpdateOp {
  NodeUpdateOp(const OrtApi* /*api*/, const OrtKernelInfo* info) : epsilon(node_update_epsilon(info)) {}

  // Not const: ONNX Runtime's lite custom-op struct calls a non-const Compute.
  Ort::Status Compute(const Ort::Custom::Tensor<float>& h, const Ort::Custom::Tensor<float>& agg_in,
                      const Ort::Custom::Tensor<float>& agg_out, const Ort::Custom::Tensor<float>& w0,
                      const Ort::Custom::Tensor<float>& b0, const Ort::Custom::Tensor<float>& w1,
                      const Ort::Custom::Tensor<float>& w2, const Ort::Custom::Tensor<float>& w3,
                      const Ort::Custom::Tensor<float>& b3,
                      std::optional<const Ort::Custom::Tensor<float>*> ln_scale,
                      std::optional<const Ort::Custom::Tensor<float>*> ln_bias,
                      Ort::Custom::Tensor<float>& output) {
    NodeUpdateWeights w;
    if (Ort::Status bad = node_update_inputs("NodeUpdate", h, agg_in, agg_out, w0, b0, w1, w2, w3, b3,
                                             nullptr, nullptr, nullptr, ln_scale, ln_bias, w);
        !bad.IsOK()) {
      return bad;
    }
    w.ln_epsilon = epsilon;
    float* out = output.Allocate(h.Shape());
    if (w.w0 != nullptr)
      node_update(out, h.Data(), agg_in.Data(), agg_out.Data(), static_cast<std::size_t>(h.Shape()[0]), w);
    return Ort::Status{nullptr};
  }

  float epsilon;
};

// ai.trkx.NodeUpdateProject: see OnnxCustomOps.hpp.
struct NodeUpdateProjectOp {
  NodeUpdateProjectOp(const OrtApi* /*api*/, const OrtKernelInfo* info)
      : epsilon(node_update_epsilon(info)) {}

  Ort::Status Compute(const Ort::Custom::Tensor<float>& h, const Ort::Custom::Tensor<float>& agg_in,
                      const Ort::Custom::Tensor<float>& agg_out, const Ort::Custom::Tensor<float>& w0,
                      const Ort::Custom::Tensor<float>& b0, const Ort::Custom::Tensor<float>& w1,
                      const Ort::Custom::Tensor<float>& w2, const Ort::Custom::Tensor<float>& w3,
                      const Ort::Custom::Tensor<float>& b3, const Ort::Custom::Tensor<float>& w_src,
                      const Ort::Custom::Tensor<float>& b_src, const Ort::Custom::Tensor<float>& w_dst,
                      std::optional<const Ort::Custom::Tensor<float>*> ln_scale,
                      std::optional<const Ort::Custom::Tensor<float>*> ln_bias,
                      Ort::Custom::Tensor<float>& output, Ort::Custom::Tensor<float>& src,
                      Ort::Custom::Tensor<float>& dst) {
    NodeUpdateWeights w;
    if (Ort::Status bad = node_update_inputs("NodeUpdateProject", h, agg_in, agg_out, w0, b0, w1, w2, w3, b3,
                                             &w_src, &b_src, &w_dst, ln_scale, ln_bias, w);
        !bad.IsOK()) {
      return bad;
    }
    w.ln_epsilon = epsilon;
    float* out = output.Allocate(h.Shape());
    float* ps = src.Allocate(h.Shape());
    float* pd = dst.Allocate(h.Shape());
    if (w.w0 != nullptr)
      node_update(out, h.Data(), agg_in.Data(), agg_out.Data(), static_cast<std::size_t>(h.Shape()[0]), w, ps,
                  pd);
    return Ort::Status{nullptr};
  }

  float epsilon;
};

// ai.trkx.EdgeUpdate: attributes residual (int, 0 or 1: add e to the output) and epsilon
// (float, LayerNormalization's) are read once, when ONNX Runtime creates the kernel.
struct EdgeUpdateOp {
  EdgeUpdateOp(const OrtApi* /*api*/, const OrtKernelInfo* info) {
    const Ort::ConstKernelInfo ki(info);
    // Absent attributes keep their defaults (no residual, epsilon 1e-5).
    try {
      residual = ki.GetAttribute<std::int64_t>("residual") != 0;
    } catch (const Ort::Exception&) {
    }
    try {
      epsilon = ki.GetAttribute<float>("epsilon");
    } catch (const Ort::Exception&) {
    }
  }

  // Not const: ONNX Runtime's lite custom-op struct calls a non-const Compute.
  Ort::Status Compute(const Ort::Custom::Tensor<float>& a, const Ort::Custom::Tensor<float>& b,
                      const Ort::Custom::Tensor<std::int64_t>& i, const Ort::Custom::Tensor<std::int64_t>& j,
                      const Ort::Custom::Tensor<float>& e, const Ort::Custom::Tensor<float>& w_edge,
                      const Ort::Custom::Tensor<float>& w_out, const Ort::Custom::Tensor<float>& b_out,
                      std::optional<const Ort::Custom::Tensor<float>*> ln_scale,
                      std::optional<const Ort::Custom::Tensor<float>*> ln_bias,
                      Ort::Custom::Tensor<float>& output) {
    using Shape = std::vector<std::int64_t>;
    const Shape& as = a.Shape();
    const Shape& bs = b.Shape();
    const Shape& es = e.Shape();
    const std::int64_t hh = as.size() == 2 ? as[1] : -1;
    const std::int64_t ne = es.size() == 2 ? es[0] : -1;
    const Shape square{hh, hh};
    const Shape row{hh};
    const Shape edges{ne, hh};
    const bool ln = ln_scale.has_value();
    const bool ok = as.size() == 2 && bs.size() == 2 && bs[1] == hh && es == edges &&
                    i.Shape() == Shape{ne} && j.Shape() == Shape{ne} && w_edge.Shape() == square &&
                    w_out.Shape() == square && b_out.Shape() == row && ln == ln_bias.has_value() &&
                    (!ln || ((*ln_scale)->Shape() == row && (*ln_bias)->Shape() == row));
    if (!ok) {
      std::string found = shape_text(as) + ", " + shape_text(bs) + ", " + shape_text(i.Shape()) + ", " +
                          shape_text(j.Shape()) + ", " + shape_text(es) + ", " + shape_text(w_edge.Shape()) +
                          ", " + shape_text(w_out.Shape()) + ", " + shape_text(b_out.Shape());
      if (ln) found += ", " + shape_text((*ln_scale)->Shape());
      if (ln_bias.has_value()) found += ", " + shape_text((*ln_bias)->Shape());
      return Ort::Status(("ai.trkx.EdgeUpdate: expected a [Na,H], b [Nb,H], i [E], j [E], e [E,H], w_edge "
                          "[H,H], w_out [H,H], b_out [H] and optionally ln_scale [H], ln_bias [H]; found " +
                          found)
                             .c_str(),
                         ORT_INVALID_ARGUMENT);
    }
    float* out = output.Allocate(edges);
    const auto n_edges = static_cast<std::size_t>(ne);
    if (n_edges == 0) return Ort::Status{nullptr};
    EdgeUpdateWeights w;
    w.width = static_cast<std::size_t>(hh);
    w.ln_epsilon = epsilon;
    if (w.width > 0) {
      w.w_edge = w_edge.Data();
      w.w_out = w_out.Data();
      w.b_out = b_out.Data();
      if (ln) {
        w.ln_scale = (*ln_scale)->Data();
        w.ln_bias = (*ln_bias)->Data();
      }
    }
    const float* pa = as[0] > 0 && w.width > 0 ? a.Data() : nullptr;
    const float* pb = bs[0] > 0 && w.width > 0 ? b.Data() : nullptr;
    const float* pe = w.width > 0 ? e.Data() : nullptr;
    const std::size_t bad =
        edge_update(out, pa, static_cast<std::size_t>(as[0]), pb, static_cast<std::size_t>(bs[0]), i.Data(),
                    j.Data(), pe, n_edges, w, residual ? pe : nullptr);
    if (bad != n_edges) {
      return bad_edge_status("EdgeUpdate", bad, i.Data(), j.Data(), as[0], bs[0]);
    }
    return Ort::Status{nullptr};
  }

  bool residual = false;
  float epsilon = 1e-5F;
};

// ai.trkx.EdgeEncoder: attribute epsilon (float, the LayerNorms'), read when ONNX Runtime
// creates the kernel.
struct EdgeEncoderOp {
  EdgeEncoderOp(const OrtApi* /*api*/, const OrtKernelInfo* info) {
    try {
      epsilon = Ort::ConstKernelInfo(info).GetAttribute<float>("epsilon");
    } catch (const Ort::Exception&) {  // absent: the default
    }
  }

  // Not const: ONNX Runtime's lite custom-op struct calls a non-const Compute.
  Ort::Status Compute(const Ort::Custom::Tensor<float>& a, const Ort::Custom::Tensor<float>& b,
                      const Ort::Custom::Tensor<std::int64_t>& i, const Ort::Custom::Tensor<std::int64_t>& j,
                      const Ort::Custom::Tensor<float>& pair, const Ort::Custom::Tensor<float>& w_pair,
                      const Ort::Custom::Tensor<float>& geometry,
                      const Ort::Custom::Tensor<float>& w_geometry,
                      const Ort::Custom::Tensor<float>& w_hidden, const Ort::Custom::Tensor<float>& b_hidden,
                      std::optional<const Ort::Custom::Tensor<float>*> ln1_scale,
                      std::optional<const Ort::Custom::Tensor<float>*> ln1_bias,
                      std::optional<const Ort::Custom::Tensor<float>*> ln2_scale,
                      std::optional<const Ort::Custom::Tensor<float>*> ln2_bias,
                      Ort::Custom::Tensor<float>& output) {
    using Shape = std::vector<std::int64_t>;
    const Shape& as = a.Shape();
    const Shape& ps = pair.Shape();
    const Shape& gs = geometry.Shape();
    const std::int64_t hh = as.size() == 2 ? as[1] : -1;
    const std::int64_t ne = ps.size() == 2 ? ps[0] : -1;
    const std::int64_t np = ps.size() == 2 ? ps[1] : -1;
    const std::int64_t ng = gs.size() == 2 ? gs[1] : -1;
    const Shape row{hh};
    const int n_ln = static_cast<int>(ln1_scale.has_value()) + static_cast<int>(ln1_bias.has_value()) +
                     static_cast<int>(ln2_scale.has_value()) + static_cast<int>(ln2_bias.has_value());
    bool ok = as.size() == 2 && b.Shape().size() == 2 && b.Shape()[1] == hh && i.Shape() == Shape{ne} &&
              j.Shape() == Shape{ne} && gs.size() == 2 && gs[0] == ne && w_pair.Shape() == Shape{np, hh} &&
              w_geometry.Shape() == Shape{ng, hh} && w_hidden.Shape() == Shape{hh, hh} &&
              b_hidden.Shape() == row && (n_ln == 0 || n_ln == 4);
    for (const auto& t : {ln1_scale, ln1_bias, ln2_scale, ln2_bias})
      ok = ok && (!t.has_value() || (*t)->Shape() == row);
    if (!ok) {
      std::string found = shape_text(as) + ", " + shape_text(b.Shape()) + ", " + shape_text(i.Shape()) +
                          ", " + shape_text(j.Shape()) + ", " + shape_text(ps) + ", " +
                          shape_text(w_pair.Shape()) + ", " + shape_text(gs) + ", " +
                          shape_text(w_geometry.Shape()) + ", " + shape_text(w_hidden.Shape()) + ", " +
                          shape_text(b_hidden.Shape());
      for (const auto& t : {ln1_scale, ln1_bias, ln2_scale, ln2_bias}) {
        if (t.has_value()) found += ", " + shape_text((*t)->Shape());
      }
      return Ort::Status(
          ("ai.trkx.EdgeEncoder: expected a [Na,H], b [Nb,H], i [E], j [E], pair [E,P], w_pair "
           "[P,H], geometry [E,G], w_geometry [G,H], w_hidden [H,H], b_hidden [H] and none or all "
           "four of ln1_scale, ln1_bias, ln2_scale, ln2_bias [H]; found " +
           found)
              .c_str(),
          ORT_INVALID_ARGUMENT);
    }
    float* out = output.Allocate({ne, hh});
    const auto n_edges = static_cast<std::size_t>(ne);
    if (n_edges == 0) return Ort::Status{nullptr};
    EdgeEncoderInputs in;
    EdgeEncoderWeights w;
    w.width = static_cast<std::size_t>(hh);
    w.ln_epsilon = epsilon;
    in.n_a = static_cast<std::size_t>(as[0]);
    in.n_b = static_cast<std::size_t>(b.Shape()[0]);
    in.i = i.Data();
    in.j = j.Data();
    in.n_pair = static_cast<std::size_t>(np);
    in.n_geometry = static_cast<std::size_t>(ng);
    if (w.width > 0) {
      in.a = in.n_a > 0 ? a.Data() : nullptr;
      in.b = in.n_b > 0 ? b.Data() : nullptr;
      in.pair = np > 0 ? pair.Data() : nullptr;
      in.geometry = ng > 0 ? geometry.Data() : nullptr;
      w.w_pair = np > 0 ? w_pair.Data() : nullptr;
      w.w_geometry = ng > 0 ? w_geometry.Data() : nullptr;
      w.w_hidden = w_hidden.Data();
      w.b_hidden = b_hidden.Data();
      if (n_ln == 4) {
        w.ln1_scale = (*ln1_scale)->Data();
        w.ln1_bias = (*ln1_bias)->Data();
        w.ln2_scale = (*ln2_scale)->Data();
        w.ln2_bias = (*ln2_bias)->Data();
      }
    }
    const std::size_t bad = edge_encode(out, in, n_edges, w);
    if (bad != n_edges) {
      return bad_edge_status("EdgeEncoder", bad, in.i, in.j, static_cast<std::int64_t>(in.n_a),
                             static_cast<std::int64_t>(in.n_b));
    }
    return Ort::Status{nullptr};
  }

  float epsilon = 1e-5F;
};

// The first-layer inputs shared by EdgeInput and EdgeScore (a [Na,H], b [Nb,H], i [E], j [E],
// pair [E,P], w_pair [P,H], geometry [E,G], w_geometry [G,H]), checked; `first` holds them as
// the kernels take them. Returns an error status naming `op` when a shape is wrong.
struct FirstLayer {
  EdgeEncoderInputs in;
  std::size_t n_edges = 0;
  std::size_t width = 0;
  const float* w_pair = nullptr;
  const float* w_geometry = nullptr;
};
// The status of a first-layer kernel that stopped at edge `bad` (f.n_edges: every edge valid).
Ort::Status first_layer_status(const char* op, std::size_t bad, const FirstLayer& f) {
  if (bad == f.n_edges) return Ort::Status{nullptr};
  return bad_edge_status(op, bad, f.in.i, f.in.j, static_cast<std::int64_t>(f.in.n_a),
                         static_cast<std::int64_t>(f.in.n_b));
}

Ort::Status first_layer_inputs(const char* op, const Ort::Custom::Tensor<float>& a,
                               const Ort::Custom::Tensor<float>& b,
                               const Ort::Custom::Tensor<std::int64_t>& i,
                               const Ort::Custom::Tensor<std::int64_t>& j,
                               const Ort::Custom::Tensor<float>& pair,
                               const Ort::Custom::Tensor<float>& w_pair,
                               const Ort::Custom::Tensor<float>& geometry,
                               const Ort::Custom::Tensor<float>& w_geometry, FirstLayer& first) {
  using Shape = std::vector<std::int64_t>;
  const Shape& as = a.Shape();
  const Shape& ps = pair.Shape();
  const Shape& gs = geometry.Shape();
  const std::int64_t hh = as.size() == 2 ? as[1] : -1;
  const std::int64_t ne = ps.size() == 2 ? ps[0] : -1;
  const std::int64_t np = ps.size() == 2 ? ps[1] : -1;
  const std::int64_t ng = gs.size() == 2 ? gs[1] : -1;
  if (!(as.size() == 2 && b.Shape().size() == 2 && b.Shape()[1] == hh && i.Shape() == Shape{ne} &&
        j.Shape() == Shape{ne} && gs.size() == 2 && gs[0] == ne && w_pair.Shape() == Shape{np, hh} &&
        w_geometry.Shape() == Shape{ng, hh})) {
    return Ort::Status(
        (std::string("ai.trkx.") + op +
         ": expected a [Na,H], b [Nb,H], i [E], j [E], pair [E,P], w_pair [P,H], geometry [E,G], "
         "w_geometry [G,H]; found " +
         shape_text(as) + ", " + shape_text(b.Shape()) + ", " + shape_text(i.Shape()) + ", " +
         shape_text(j.Shape()) + ", " + shape_text(ps) + ", " + shape_text(w_pair.Shape()) + ", " +
         shape_text(gs) + ", " + shape_text(w_geometry.Shape()))
            .c_str(),
        ORT_INVALID_ARGUMENT);
  }
  first.n_edges = static_cast<std::size_t>(ne);
  first.width = static_cast<std::size_t>(hh);
  EdgeEncoderInputs& in = first.in;
  in.n_a = static_cast<std::size_t>(as[0]);
  in.n_b = static_cast<std::size_t>(b.Shape()[0]);
  in.i = first.n_edges > 0 ? i.Data() : nullptr;
  in.j = first.n_edges > 0 ? j.Data() : nullptr;
  in.n_pair = static_cast<std::size_t>(np);
  in.n_geometry = static_cast<std::size_t>(ng);
  if (first.n_edges > 0 && first.width > 0) {
    in.a = in.n_a > 0 ? a.Data() : nullptr;
    in.b = in.n_b > 0 ? b.Data() : nullptr;
    in.pair = np > 0 ? pair.Data() : nullptr;
    in.geometry = ng > 0 ? geometry.Data() : nullptr;
    first.w_pair = np > 0 ? w_pair.Data() : nullptr;
    first.w_geometry = ng > 0 ? w_geometry.Data() : nullptr;
  }
  return Ort::Status{nullptr};
}

// ai.trkx.EdgeInput: see OnnxCustomOps.hpp.
Ort::Status edge_input_op(const Ort::Custom::Tensor<float>& a, const Ort::Custom::Tensor<float>& b,
                          const Ort::Custom::Tensor<std::int64_t>& i,
                          const Ort::Custom::Tensor<std::int64_t>& j, const Ort::Custom::Tensor<float>& pair,
                          const Ort::Custom::Tensor<float>& w_pair,
                          const Ort::Custom::Tensor<float>& geometry,
                          const Ort::Custom::Tensor<float>& w_geometry, Ort::Custom::Tensor<float>& output) {
  FirstLayer f;
  if (Ort::Status bad = first_layer_inputs("EdgeInput", a, b, i, j, pair, w_pair, geometry, w_geometry, f);
      !bad.IsOK()) {
    return bad;
  }
  float* out = output.Allocate({static_cast<std::int64_t>(f.n_edges), static_cast<std::int64_t>(f.width)});
  if (f.n_edges == 0 || f.width == 0) return Ort::Status{nullptr};
  const std::size_t bad = edge_input(out, f.in, f.n_edges, f.width, f.w_pair, f.w_geometry);
  return first_layer_status("EdgeInput", bad, f);
}

// ai.trkx.EdgeMlp: see OnnxCustomOps.hpp.
Ort::Status edge_mlp_op(const Ort::Custom::Tensor<float>& a, const Ort::Custom::Tensor<float>& b,
                        const Ort::Custom::Tensor<std::int64_t>& i,
                        const Ort::Custom::Tensor<std::int64_t>& j, const Ort::Custom::Tensor<float>& pair,
                        const Ort::Custom::Tensor<float>& w_pair, const Ort::Custom::Tensor<float>& geometry,
                        const Ort::Custom::Tensor<float>& w_geometry, const Ort::Custom::Tensor<float>& w1,
                        const Ort::Custom::Tensor<float>& b1, const Ort::Custom::Tensor<float>& w2,
                        const Ort::Custom::Tensor<float>& b2, const Ort::Custom::Tensor<float>& w_out,
                        const Ort::Custom::Tensor<float>& b_out, Ort::Custom::Tensor<float>& output) {
  FirstLayer f;
  if (Ort::Status bad = first_layer_inputs("EdgeMlp", a, b, i, j, pair, w_pair, geometry, w_geometry, f);
      !bad.IsOK()) {
    return bad;
  }
  using Shape = std::vector<std::int64_t>;
  const auto hh = static_cast<std::int64_t>(f.width);
  if (w1.Shape() != Shape{hh, hh} || b1.Shape() != Shape{hh} || w2.Shape() != Shape{hh, hh} ||
      b2.Shape() != Shape{hh} || w_out.Shape() != Shape{1, hh} || b_out.Shape() != Shape{1}) {
    const std::string hs = std::to_string(hh);
    return Ort::Status(
        ("ai.trkx.EdgeMlp: expected w1 [" + hs + "," + hs + "], b1 [" + hs + "], w2 [" + hs + "," + hs +
         "], b2 [" + hs + "], w_out [1," + hs + "] and b_out [1]; found " + shape_text(w1.Shape()) + ", " +
         shape_text(b1.Shape()) + ", " + shape_text(w2.Shape()) + ", " + shape_text(b2.Shape()) + ", " +
         shape_text(w_out.Shape()) + ", " + shape_text(b_out.Shape()))
            .c_str(),
        ORT_INVALID_ARGUMENT);
  }
  float* out = output.Allocate({static_cast<std::int64_t>(f.n_edges), 1});
  if (f.n_edges == 0) return Ort::Status{nullptr};
  const bool units = f.width > 0;
  const float* const w_hidden[] = {units ? w1.Data() : nullptr, units ? w2.Data() : nullptr};
  const float* const b_hidden[] = {units ? b1.Data() : nullptr, units ? b2.Data() : nullptr};
  const std::size_t bad = edge_mlp(out, f.in, f.n_edges, f.width, f.w_pair, f.w_geometry, 2, w_hidden,
                                   b_hidden, units ? w_out.Data() : nullptr, b_out.Data()[0]);
  return first_layer_status("EdgeMlp", bad, f);
}

// ai.trkx.EdgeScore: see OnnxCustomOps.hpp.
Ort::Status edge_score_op(const Ort::Custom::Tensor<float>& a, const Ort::Custom::Tensor<float>& b,
                          const Ort::Custom::Tensor<std::int64_t>& i,
                          const Ort::Custom::Tensor<std::int64_t>& j, const Ort::Custom::Tensor<float>& pair,
                          const Ort::Custom::Tensor<float>& w_pair,
                          const Ort::Custom::Tensor<float>& geometry,
                          const Ort::Custom::Tensor<float>& w_geometry,
                          const Ort::Custom::Tensor<float>& w_out, const Ort::Custom::Tensor<float>& b_out,
                          Ort::Custom::Tensor<float>& output) {
  FirstLayer f;
  if (Ort::Status bad = first_layer_inputs("EdgeScore", a, b, i, j, pair, w_pair, geometry, w_geometry, f);
      !bad.IsOK()) {
    return bad;
  }
  using Shape = std::vector<std::int64_t>;
  if (w_out.Shape() != Shape{1, static_cast<std::int64_t>(f.width)} || b_out.Shape() != Shape{1}) {
    return Ort::Status(
        ("ai.trkx.EdgeScore: expected w_out [1," + std::to_string(f.width) + "] and b_out [1]; found " +
         shape_text(w_out.Shape()) + ", " + shape_text(b_out.Shape()))
            .c_str(),
        ORT_INVALID_ARGUMENT);
  }
  float* out = output.Allocate({static_cast<std::int64_t>(f.n_edges), 1});
  if (f.n_edges == 0) return Ort::Status{nullptr};
  const std::size_t bad = edge_score(out, f.in, f.n_edges, f.width, f.w_pair, f.w_geometry,
                                     f.width > 0 ? w_out.Data() : nullptr, b_out.Data()[0]);
  return first_layer_status("EdgeScore", bad, f);
}

Ort::Status scatter_add_rows_op(const Ort::Custom::Tensor<float>& data,
                                const Ort::Custom::Tensor<std::int64_t>& indices,
                                const Ort::Custom::Tensor<float>& updates,
                                Ort::Custom::Tensor<float>& output) {
  const auto& ds = data.Shape();
  const auto& is = indices.Shape();
  const auto& us = updates.Shape();
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
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> gather_pair_add_kernel{
      Ort::Custom::CreateLiteCustomOp("GatherPairAdd", "CPUExecutionProvider", gather_pair_add_op)};
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> edge_geometry_kernel{
      Ort::Custom::CreateLiteCustomOp("EdgeGeometry", "CPUExecutionProvider", edge_geometry_op)};
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> edge_update_kernel{
      Ort::Custom::CreateLiteCustomOp<EdgeUpdateOp>("EdgeUpdate", "CPUExecutionProvider")};
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> node_update_kernel{
      Ort::Custom::CreateLiteCustomOp<NodeUpdateOp>("NodeUpdate", "CPUExecutionProvider")};
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> node_update_project_kernel{
      Ort::Custom::CreateLiteCustomOp<NodeUpdateProjectOp>("NodeUpdateProject", "CPUExecutionProvider")};
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> edge_encoder_kernel{
      Ort::Custom::CreateLiteCustomOp<EdgeEncoderOp>("EdgeEncoder", "CPUExecutionProvider")};
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> edge_input_kernel{
      Ort::Custom::CreateLiteCustomOp("EdgeInput", "CPUExecutionProvider", edge_input_op)};
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> edge_score_kernel{
      Ort::Custom::CreateLiteCustomOp("EdgeScore", "CPUExecutionProvider", edge_score_op)};
  static const std::unique_ptr<Ort::Custom::OrtLiteCustomOp> edge_mlp_kernel{
      Ort::Custom::CreateLiteCustomOp("EdgeMlp", "CPUExecutionProvider", edge_mlp_op)};
  static Ort::CustomOpDomain domain = [] {
    Ort::CustomOpDomain d(kTrkxOpDomain);
    d.Add(scatter.get());
    d.Add(gather_pair_add_kernel.get());
    d.Add(edge_geometry_kernel.get());
    d.Add(edge_update_kernel.get());
    d.Add(edge_encoder_kernel.get());
    d.Add(node_update_kernel.get());
    d.Add(node_update_project_kernel.get());
    d.Add(edge_input_kernel.get());
    d.Add(edge_score_kernel.get());
    d.Add(edge_mlp_kernel.get());
    return d;
  }();
  options.Add(domain);
}

}  // namespace trkx
