#include "trkx/pipeline/RadiusGraph.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>
#include <tbb/parallel_invoke.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#if defined(__AVX512F__) || defined(__AVX2__)
#include <immintrin.h>
#endif

#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

using Index = std::int32_t;

/// Points (and boxes) per batch of the distance kernels: two AVX-512 registers of floats.
constexpr std::size_t kLanes = 32;

/// A neighbour candidate: exact squared distance (-1 while not computed), point index and
/// the float squared distance of the search's filter (Thresholds::slack bounds its error).
struct Neighbour {
  double d2;
  Index index;
  float f2;
};

/// Strict weak order "nearer": by distance, then by smaller index.
inline bool nearer(const Neighbour& a, const Neighbour& b) {
  return a.d2 < b.d2 || (a.d2 == b.d2 && a.index < b.index);
}

/// Exact squared distance as documented in RadiusGraph.hpp: float differences,
/// squared and summed in dimension order in double precision.
inline double exact_d2(const float* a, const float* b, std::size_t dim) {
  double sum = 0.0;
  for (std::size_t d = 0; d < dim; ++d) {
    const double diff = static_cast<double>(a[d] - b[d]);
    sum += diff * diff;
  }
  return sum;
}

/// Same as exact_d2 with `b` stored with a stride (one column of an SoA block).
inline double exact_d2_strided(const float* a, const float* b, std::size_t stride, std::size_t dim) {
  double sum = 0.0;
  for (std::size_t d = 0; d < dim; ++d) {
    const double diff = static_cast<double>(a[d] - b[d * stride]);
    sum += diff * diff;
  }
  return sum;
}

void check_points(const Matrix& points) {
  if (points.data.size() != points.rows * points.cols) {
    throw Error("radius graph: matrix data size " + std::to_string(points.data.size()) +
                " != rows x cols = " + std::to_string(points.rows) + " x " + std::to_string(points.cols));
  }
  if (points.cols == 0 && points.rows > 0) {
    throw Error("radius graph: points have no coordinates (0 columns)");
  }
  if (points.rows >= static_cast<std::size_t>(std::numeric_limits<Index>::max())) {
    throw Error("radius graph: too many points (" + std::to_string(points.rows) + ")");
  }
  for (std::size_t i = 0; i < points.data.size(); ++i) {
    if (!std::isfinite(points.data[i])) {
      throw Error("radius graph: non-finite embedding value at row " + std::to_string(i / points.cols) +
                  ", column " + std::to_string(i % points.cols));
    }
  }
}

/// Keeps the `cap` nearest of `list` (if it is longer), then sorts by index.
void cap_and_sort(std::vector<Neighbour>& list, std::size_t cap) {
  if (list.size() > cap) {
    std::nth_element(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(cap), list.end(), nearer);
    list.resize(cap);
  }
  std::sort(list.begin(), list.end(),
            [](const Neighbour& a, const Neighbour& b) { return a.index < b.index; });
}

/// Balanced k-d tree over all points in heap layout: node k has children
/// 2k+1 and 2k+2, every leaf is at depth `depth` and holds between
/// floor(n / 2^depth) and ceil(n / 2^depth) points. Node boxes are tight.
struct KdTree {
  std::size_t dim = 0;
  std::size_t depth = 0;
  std::size_t n_leaves = 0;
  std::size_t first_leaf = 0;     ///< node id of the leftmost leaf
  std::vector<Index> begin, end;  ///< per node: range in `order`
  std::vector<Index> order;       ///< point indices in leaf order
  std::vector<float> lo, hi;      ///< per node box, [node * dim + d]
  // Leaf blocks: leaf l holds padded_count[l] (multiple of kLanes) slots
  // starting at slot_offset[l]; coordinates SoA inside the block:
  // coords[slot_offset[l] * dim + d * padded_count[l] + j].
  std::vector<std::size_t> slot_offset, padded_count;
  std::vector<float> coords;
  std::vector<Index> slot_index;  ///< point index per slot, -1 for padding
};

/// Working arrays of the tree build, each indexed by row position, so that
/// concurrently built subtrees (disjoint position ranges) never share data.
struct BuildScratch {
  std::vector<float> work;          ///< row-major copy of the points, kept in tree order
  std::vector<float> rows;          ///< permutation buffer for `work`
  std::vector<std::uint64_t> keys;  ///< median-split keys
  std::vector<Index> order;         ///< permutation buffer for `tree.order`
};

/// Splits node `node` (rows [begin, end) of `scratch.work`, kept in tree
/// order together with `tree.order`) at the median of its widest dimension,
/// then recurses; large subtrees run in parallel.
void build_node(KdTree& tree, BuildScratch& scratch, std::size_t node, std::size_t level) {
  if (level == tree.depth) return;
  const auto b = static_cast<std::size_t>(tree.begin[node]);
  const auto e = static_cast<std::size_t>(tree.end[node]);
  const std::size_t dim = tree.dim;
  const std::size_t count = e - b;
  const float* work = scratch.work.data();
  std::size_t split = 0;
  if (dim > 1 && count > 1) {
    // Extents, computed in this node's box slots (recomputed tight later).
    float* mn = tree.lo.data() + node * dim;
    float* mx = tree.hi.data() + node * dim;
    std::copy_n(work + b * dim, dim, mn);
    std::copy_n(work + b * dim, dim, mx);
    for (std::size_t p = b + 1; p < e; ++p) {
      const float* row = work + p * dim;
      for (std::size_t d = 0; d < dim; ++d) {
        mn[d] = std::min(mn[d], row[d]);
        mx[d] = std::max(mx[d], row[d]);
      }
    }
    float best = -1.0F;
    for (std::size_t d = 0; d < dim; ++d) {
      if (mx[d] - mn[d] > best) {
        best = mx[d] - mn[d];
        split = d;
      }
    }
  }
  // Median split on 64-bit keys (order-preserving bits of the coordinate,
  // then the row's offset), then permute the rows accordingly.
  const std::size_t half = count / 2;
  if (count > 1) {
    std::uint64_t* keys = scratch.keys.data() + b;
    for (std::size_t k = 0; k < count; ++k) {
      const auto bits = std::bit_cast<std::uint32_t>(work[(b + k) * dim + split]);
      const std::uint32_t ordered = (bits & 0x80000000U) != 0 ? ~bits : bits | 0x80000000U;
      keys[k] = (static_cast<std::uint64_t>(ordered) << 32) | k;
    }
    std::nth_element(keys, keys + half, keys + count);
    float* rows = scratch.rows.data() + b * dim;
    Index* order = scratch.order.data() + b;
    for (std::size_t k = 0; k < count; ++k) {
      const std::size_t from = b + static_cast<std::size_t>(keys[k] & 0xFFFFFFFFU);
      std::copy_n(work + from * dim, dim, rows + k * dim);
      order[k] = tree.order[from];
    }
    std::copy_n(rows, count * dim, scratch.work.data() + b * dim);
    std::copy_n(order, count, tree.order.data() + b);
  }
  const std::size_t mid = b + half;
  const std::size_t left = 2 * node + 1;
  const std::size_t right = 2 * node + 2;
  tree.begin[left] = static_cast<Index>(b);
  tree.end[left] = static_cast<Index>(mid);
  tree.begin[right] = static_cast<Index>(mid);
  tree.end[right] = static_cast<Index>(e);
  if (count > 16384) {
    tbb::parallel_invoke([&] { build_node(tree, scratch, left, level + 1); },
                         [&] { build_node(tree, scratch, right, level + 1); });
  } else {
    build_node(tree, scratch, left, level + 1);
    build_node(tree, scratch, right, level + 1);
  }
}

KdTree build_tree(const Matrix& points, std::size_t leaf_size) {
  KdTree tree;
  const std::size_t n = points.rows;
  const std::size_t dim = points.cols;
  tree.dim = dim;
  leaf_size = std::max<std::size_t>(leaf_size, 1);
  while ((n + (std::size_t{1} << tree.depth) - 1) >> tree.depth > leaf_size) ++tree.depth;
  tree.n_leaves = std::size_t{1} << tree.depth;
  tree.first_leaf = tree.n_leaves - 1;
  const std::size_t n_nodes = 2 * tree.n_leaves - 1;
  tree.begin.assign(n_nodes, 0);
  tree.end.assign(n_nodes, 0);
  tree.lo.assign(n_nodes * dim, std::numeric_limits<float>::max());
  tree.hi.assign(n_nodes * dim, std::numeric_limits<float>::lowest());
  tree.order.resize(n);
  for (std::size_t i = 0; i < n; ++i) tree.order[i] = static_cast<Index>(i);
  tree.end[0] = static_cast<Index>(n);
  BuildScratch scratch{points.data, std::vector<float>(n * dim), std::vector<std::uint64_t>(n),
                       std::vector<Index>(n)};
  build_node(tree, scratch, 0, 0);
  const std::vector<float>& work = scratch.work;

  // Leaf blocks and leaf boxes.
  tree.slot_offset.resize(tree.n_leaves);
  tree.padded_count.resize(tree.n_leaves);
  std::size_t slots = 0;
  for (std::size_t l = 0; l < tree.n_leaves; ++l) {
    const std::size_t node = tree.first_leaf + l;
    const auto count = static_cast<std::size_t>(tree.end[node] - tree.begin[node]);
    tree.slot_offset[l] = slots;
    tree.padded_count[l] = (count + kLanes - 1) / kLanes * kLanes;
    slots += tree.padded_count[l];
  }
  tree.coords.assign(slots * dim, std::numeric_limits<float>::infinity());
  tree.slot_index.assign(slots, -1);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tree.n_leaves, 64), [&](const auto& range) {
    for (std::size_t l = range.begin(); l != range.end(); ++l) {
      const std::size_t node = tree.first_leaf + l;
      const auto b = static_cast<std::size_t>(tree.begin[node]);
      const auto e = static_cast<std::size_t>(tree.end[node]);
      const std::size_t pc = tree.padded_count[l];
      float* block = tree.coords.data() + tree.slot_offset[l] * dim;
      float* lo = tree.lo.data() + node * dim;
      float* hi = tree.hi.data() + node * dim;
      for (std::size_t j = 0; j < e - b; ++j) {
        tree.slot_index[tree.slot_offset[l] + j] = tree.order[b + j];
        const float* row = work.data() + (b + j) * dim;
        for (std::size_t d = 0; d < dim; ++d) {
          block[d * pc + j] = row[d];
          lo[d] = std::min(lo[d], row[d]);
          hi[d] = std::max(hi[d], row[d]);
        }
      }
    }
  });
  // Internal boxes bottom-up.
  for (std::size_t node = tree.first_leaf; node-- > 0;) {
    for (std::size_t d = 0; d < dim; ++d) {
      tree.lo[node * dim + d] =
          std::min(tree.lo[(2 * node + 1) * dim + d], tree.lo[(2 * node + 2) * dim + d]);
      tree.hi[node * dim + d] =
          std::max(tree.hi[(2 * node + 1) * dim + d], tree.hi[(2 * node + 2) * dim + d]);
    }
  }
  return tree;
}

/// Lower bound of the squared distance between two boxes (float, see slack).
inline float box_box_d2(const float* alo, const float* ahi, const float* blo, const float* bhi,
                        std::size_t dim) {
  float sum = 0.0F;
  for (std::size_t d = 0; d < dim; ++d) {
    const float gap = std::max({0.0F, blo[d] - ahi[d], alo[d] - bhi[d]});
    sum += gap * gap;
  }
  return sum;
}

/// Neighbour indices of many queries, in chunks that never move once
/// written (so results can point into them).
class NeighbourStore {
 public:
  /// Returns room for `count` contiguous entries.
  Index* allocate(std::size_t count) {
    if (chunks_.empty() || used_ + count > chunks_.back().size()) {
      chunks_.emplace_back(std::max(count, kChunk));
      used_ = 0;
    }
    Index* out = chunks_.back().data() + used_;
    used_ += count;
    return out;
  }

 private:
  static constexpr std::size_t kChunk = std::size_t{1} << 16;
  std::vector<std::vector<Index>> chunks_;
  std::size_t used_ = 0;
};

/// Per-thread scratch and output of the search.
struct ThreadState {
  NeighbourStore store;                 ///< kept neighbour lists
  std::vector<Neighbour> found;         ///< current query's neighbours
  std::vector<std::size_t> candidates;  ///< candidate leaves of the current query leaf
  std::vector<float> box_lo, box_hi;    ///< their boxes, SoA [d * padded + c]
  std::vector<std::size_t> stack;
  std::vector<std::uint64_t> leaf_keys;  ///< candidate leaves by box distance to the query leaf
};

/// Caps up to this size prune the search (2 * cap must not overflow).
constexpr std::size_t kMaxPrunedCap = std::size_t{1} << 30;

/// Query i's kept neighbour list, sorted by index.
struct QueryResult {
  const Index* first = nullptr;
  std::uint32_t count = 0;
  bool truncated = false;
};

/// Squared float distances between `q` and kLanes points stored as columns
/// `col[d * stride + l]`; writes them to `acc` and returns the bit mask of
/// lanes with distance <= limit. (Float only: a filter, see Thresholds.)
inline std::uint32_t point_distances(const float* col, std::size_t stride, const float* q, std::size_t dim,
                                     float limit, float* acc) {
#if defined(__AVX512F__)
  // Four independent accumulators (two halves x even/odd dimensions) keep
  // the FMA pipeline busy.
  __m512 a0 = _mm512_setzero_ps();
  __m512 a1 = _mm512_setzero_ps();
  __m512 b0 = _mm512_setzero_ps();
  __m512 b1 = _mm512_setzero_ps();
  std::size_t d = 0;
  for (; d + 1 < dim; d += 2) {
    const __m512 q0 = _mm512_set1_ps(q[d]);
    const __m512 q1 = _mm512_set1_ps(q[d + 1]);
    const float* c0 = col + d * stride;
    const float* c1 = c0 + stride;
    const __m512 x0 = _mm512_sub_ps(_mm512_loadu_ps(c0), q0);
    const __m512 y0 = _mm512_sub_ps(_mm512_loadu_ps(c0 + 16), q0);
    const __m512 x1 = _mm512_sub_ps(_mm512_loadu_ps(c1), q1);
    const __m512 y1 = _mm512_sub_ps(_mm512_loadu_ps(c1 + 16), q1);
    a0 = _mm512_fmadd_ps(x0, x0, a0);
    b0 = _mm512_fmadd_ps(y0, y0, b0);
    a1 = _mm512_fmadd_ps(x1, x1, a1);
    b1 = _mm512_fmadd_ps(y1, y1, b1);
  }
  if (d < dim) {
    const __m512 q0 = _mm512_set1_ps(q[d]);
    const __m512 x0 = _mm512_sub_ps(_mm512_loadu_ps(col + d * stride), q0);
    const __m512 y0 = _mm512_sub_ps(_mm512_loadu_ps(col + d * stride + 16), q0);
    a0 = _mm512_fmadd_ps(x0, x0, a0);
    b0 = _mm512_fmadd_ps(y0, y0, b0);
  }
  const __m512 a = _mm512_add_ps(a0, a1);
  const __m512 b = _mm512_add_ps(b0, b1);
  _mm512_storeu_ps(acc, a);
  _mm512_storeu_ps(acc + 16, b);
  const __m512 lim = _mm512_set1_ps(limit);
  return static_cast<std::uint32_t>(_mm512_cmple_ps_mask(a, lim)) |
         (static_cast<std::uint32_t>(_mm512_cmple_ps_mask(b, lim)) << 16);
#elif defined(__AVX2__) && defined(__FMA__)
  // The AVX-512 path's arithmetic in four 8-lane registers per accumulator: the same sums.
  static_assert(kLanes == 32);
  __m256 a0[4];
  __m256 a1[4];
  for (std::size_t v = 0; v < 4; ++v) a0[v] = a1[v] = _mm256_setzero_ps();
  std::size_t d = 0;
  for (; d + 1 < dim; d += 2) {
    const __m256 q0 = _mm256_set1_ps(q[d]);
    const __m256 q1 = _mm256_set1_ps(q[d + 1]);
    const float* c0 = col + d * stride;
    const float* c1 = c0 + stride;
    for (std::size_t v = 0; v < 4; ++v) {
      const __m256 x0 = _mm256_sub_ps(_mm256_loadu_ps(c0 + 8 * v), q0);
      const __m256 x1 = _mm256_sub_ps(_mm256_loadu_ps(c1 + 8 * v), q1);
      a0[v] = _mm256_fmadd_ps(x0, x0, a0[v]);
      a1[v] = _mm256_fmadd_ps(x1, x1, a1[v]);
    }
  }
  if (d < dim) {
    const __m256 q0 = _mm256_set1_ps(q[d]);
    for (std::size_t v = 0; v < 4; ++v) {
      const __m256 x0 = _mm256_sub_ps(_mm256_loadu_ps(col + d * stride + 8 * v), q0);
      a0[v] = _mm256_fmadd_ps(x0, x0, a0[v]);
    }
  }
  const __m256 lim = _mm256_set1_ps(limit);
  std::uint32_t mask = 0;
  for (std::size_t v = 0; v < 4; ++v) {
    const __m256 sum = _mm256_add_ps(a0[v], a1[v]);
    _mm256_storeu_ps(acc + 8 * v, sum);
    mask |= static_cast<std::uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(sum, lim, _CMP_LE_OQ))) << (8 * v);
  }
  return mask;
#else
  float sum[kLanes] = {};
  for (std::size_t d = 0; d < dim; ++d) {
    const float qd = q[d];
    for (std::size_t l = 0; l < kLanes; ++l) {
      const float diff = col[d * stride + l] - qd;
      sum[l] += diff * diff;
    }
  }
  std::uint32_t mask = 0;
  for (std::size_t l = 0; l < kLanes; ++l) {
    acc[l] = sum[l];
    mask |= static_cast<std::uint32_t>(sum[l] <= limit) << l;
  }
  return mask;
#endif
}

/// Lower bounds of the squared distance between `q` and kLanes boxes stored
/// as columns `lo/hi[d * stride + l]`; returns the mask of lanes <= limit.
inline std::uint32_t box_distances(const float* lo, const float* hi, std::size_t stride, const float* q,
                                   std::size_t dim, float limit) {
#if defined(__AVX512F__)
  constexpr auto kAll = static_cast<__mmask16>(0xFFFF);  // masked max: avoids a GCC 12 false warning
  const __m512 zero = _mm512_setzero_ps();
  __m512 a = zero;
  __m512 b = zero;
  for (std::size_t d = 0; d < dim; ++d) {
    const __m512 qd = _mm512_set1_ps(q[d]);
    const float* l0 = lo + d * stride;
    const float* h0 = hi + d * stride;
    const __m512 ga = _mm512_maskz_max_ps(kAll,
                                          _mm512_maskz_max_ps(kAll, _mm512_sub_ps(_mm512_loadu_ps(l0), qd),
                                                              _mm512_sub_ps(qd, _mm512_loadu_ps(h0))),
                                          zero);
    const __m512 gb =
        _mm512_maskz_max_ps(kAll,
                            _mm512_maskz_max_ps(kAll, _mm512_sub_ps(_mm512_loadu_ps(l0 + 16), qd),
                                                _mm512_sub_ps(qd, _mm512_loadu_ps(h0 + 16))),
                            zero);
    a = _mm512_fmadd_ps(ga, ga, a);
    b = _mm512_fmadd_ps(gb, gb, b);
  }
  const __m512 lim = _mm512_set1_ps(limit);
  return static_cast<std::uint32_t>(_mm512_cmple_ps_mask(a, lim)) |
         (static_cast<std::uint32_t>(_mm512_cmple_ps_mask(b, lim)) << 16);
#elif defined(__AVX2__) && defined(__FMA__)
  const __m256 zero = _mm256_setzero_ps();
  __m256 a[4] = {zero, zero, zero, zero};
  for (std::size_t d = 0; d < dim; ++d) {
    const __m256 qd = _mm256_set1_ps(q[d]);
    const float* l0 = lo + d * stride;
    const float* h0 = hi + d * stride;
    for (std::size_t v = 0; v < 4; ++v) {
      const __m256 g = _mm256_max_ps(_mm256_max_ps(_mm256_sub_ps(_mm256_loadu_ps(l0 + 8 * v), qd),
                                                   _mm256_sub_ps(qd, _mm256_loadu_ps(h0 + 8 * v))),
                                     zero);
      a[v] = _mm256_fmadd_ps(g, g, a[v]);
    }
  }
  const __m256 lim = _mm256_set1_ps(limit);
  std::uint32_t mask = 0;
  for (std::size_t v = 0; v < 4; ++v) {
    mask |= static_cast<std::uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(a[v], lim, _CMP_LE_OQ))) << (8 * v);
  }
  return mask;
#else
  float sum[kLanes] = {};
  for (std::size_t d = 0; d < dim; ++d) {
    const float qd = q[d];
    for (std::size_t l = 0; l < kLanes; ++l) {
      const float gap = std::max(std::max(lo[d * stride + l] - qd, qd - hi[d * stride + l]), 0.0F);
      sum[l] += gap * gap;
    }
  }
  std::uint32_t mask = 0;
  for (std::size_t l = 0; l < kLanes; ++l) mask |= static_cast<std::uint32_t>(sum[l] <= limit) << l;
  return mask;
#endif
}

/// Sorts `count` distinct indices in place (ascending). Lists of up to 256
/// (the usual case) use a branch-free rank sort: each element's rank is the
/// number of smaller elements, counted 16 at a time.
inline void sort_distinct(Index* data, std::size_t count) {
#if defined(__AVX512F__)
  constexpr std::size_t kMax = 256;
  if (count > 1 && count <= kMax) {
    alignas(64) Index buf[kMax];
    const std::size_t vectors = (count + 15) / 16;
    std::copy_n(data, count, buf);
    std::fill(buf + count, buf + 16 * vectors, std::numeric_limits<Index>::max());
    __m512i v[kMax / 16];
    for (std::size_t k = 0; k < vectors; ++k) v[k] = _mm512_load_si512(buf + 16 * k);
    for (std::size_t i = 0; i < count; ++i) {
      const __m512i x = _mm512_set1_epi32(buf[i]);
      int rank = 0;
      for (std::size_t k = 0; k < vectors; ++k) rank += std::popcount(_mm512_cmplt_epi32_mask(v[k], x));
      data[rank] = buf[i];
    }
    return;
  }
#elif defined(__AVX2__)
  // The same rank sort, 8 at a time (signed 32-bit comparisons, as the AVX-512 path).
  constexpr std::size_t kMax = 256;
  if (count > 1 && count <= kMax) {
    alignas(32) Index buf[kMax];
    const std::size_t vectors = (count + 7) / 8;
    std::copy_n(data, count, buf);
    std::fill(buf + count, buf + 8 * vectors, std::numeric_limits<Index>::max());
    __m256i v[kMax / 8];
    for (std::size_t k = 0; k < vectors; ++k)
      v[k] = _mm256_load_si256(reinterpret_cast<const __m256i*>(buf + 8 * k));
    for (std::size_t i = 0; i < count; ++i) {
      const __m256i x = _mm256_set1_epi32(static_cast<int>(buf[i]));
      int rank = 0;
      for (std::size_t k = 0; k < vectors; ++k) {
        rank += std::popcount(
            static_cast<unsigned>(_mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(x, v[k])))));
      }
      data[rank] = buf[i];
    }
    return;
  }
#endif
  std::sort(data, data + count);
}

/// Float thresholds bracketing the exact test d2 < r2: a float distance
/// below `inside` is certainly within, above `outside` certainly not.
struct Thresholds {
  double r2;
  float inside;
  float outside;
  double slack;  ///< bound on |float - exact| / exact of a squared distance (with margin)
};

/// Scans one query leaf: finds its candidate leaves, then every query's
/// neighbours; records them in `state` and `results`.
void search_leaf(const KdTree& tree, const Matrix& points, std::size_t leaf, const Thresholds& t,
                 std::size_t cap, ThreadState& state, std::vector<QueryResult>& results) {
  const std::size_t dim = tree.dim;
  const std::size_t qnode = tree.first_leaf + leaf;
  if (tree.begin[qnode] == tree.end[qnode]) return;
  const float* qlo = tree.lo.data() + qnode * dim;
  const float* qhi = tree.hi.data() + qnode * dim;

  // Candidate leaves: box-to-box distance below the radius.
  state.candidates.clear();
  state.stack.clear();
  state.stack.push_back(0);
  while (!state.stack.empty()) {
    const std::size_t node = state.stack.back();
    state.stack.pop_back();
    if (tree.begin[node] == tree.end[node]) continue;
    if (box_box_d2(qlo, qhi, tree.lo.data() + node * dim, tree.hi.data() + node * dim, dim) > t.outside)
      continue;
    if (node >= tree.first_leaf) {
      state.candidates.push_back(node - tree.first_leaf);
    } else {
      state.stack.push_back(2 * node + 2);
      state.stack.push_back(2 * node + 1);
    }
  }
  const bool capped = cap <= kMaxPrunedCap && t.slack < 0.5;  // (the bound needs s < 1)
  if (capped) {
    // Nearest leaves first, so that a capped query's limit (below) shrinks early.
    // Sorted as 64-bit words (the distance's bits, then the leaf): a non-negative float's bits
    // order as the float does.
    state.leaf_keys.clear();
    for (const std::size_t c : state.candidates) {
      const std::size_t cnode = tree.first_leaf + c;
      const float d2 = box_box_d2(qlo, qhi, tree.lo.data() + cnode * dim, tree.hi.data() + cnode * dim, dim);
      state.leaf_keys.push_back(std::uint64_t{std::bit_cast<std::uint32_t>(d2 + 0.0F)} << 32 | c);
    }
    std::sort(state.leaf_keys.begin(), state.leaf_keys.end());
    for (std::size_t k = 0; k < state.leaf_keys.size(); ++k)
      state.candidates[k] = state.leaf_keys[k] & 0xFFFFFFFFU;
  }
  // Their boxes as SoA, padded with empty boxes that are infinitely far.
  const std::size_t n_cand = state.candidates.size();
  const std::size_t cpad = (n_cand + kLanes - 1) / kLanes * kLanes;
  state.box_lo.assign(cpad * dim, std::numeric_limits<float>::infinity());
  state.box_hi.assign(cpad * dim, -std::numeric_limits<float>::infinity());
  for (std::size_t c = 0; c < n_cand; ++c) {
    const std::size_t cnode = tree.first_leaf + state.candidates[c];
    for (std::size_t d = 0; d < dim; ++d) {
      state.box_lo[d * cpad + c] = tree.lo[cnode * dim + d];
      state.box_hi[d * cpad + c] = tree.hi[cnode * dim + d];
    }
  }

  alignas(64) float acc[kLanes];
  for (Index p = tree.begin[qnode]; p < tree.end[qnode]; ++p) {
    const Index qi = tree.order[static_cast<std::size_t>(p)];
    const float* q = points.row(static_cast<std::size_t>(qi));
    state.found.clear();
    // Capped queries keep only candidates that can still be among the cap nearest. Once `found`
    // holds at least cap points within the radius, let g be the cap-th smallest float distance
    // among them and s the float error bound (|f - d| <= s d): those cap points lie within
    // g / (1 - s) exactly, so the cap-th nearest of all does too, and a point with float distance
    // f > g (1 + s) / (1 - s) is exactly farther (d >= f / (1 + s)): never kept. Such points are
    // dropped, and a leaf is skipped when its box's float lower bound b exceeds
    // g (1 + s)^2 / (1 - s)^2 (its points have f >= b (1 - s) / (1 + s)). The kept list is the
    // same; fewer distances are computed and stored.
    float point_limit = t.outside;
    float box_limit = t.outside;
    bool pruned = false;
    std::size_t next_check = capped ? 2 * cap : std::numeric_limits<std::size_t>::max();
    const auto shrink = [&] {
      auto& found = state.found;
      const auto cap_th = found.begin() + static_cast<std::ptrdiff_t>(cap - 1);
      std::nth_element(found.begin(), cap_th, found.end(),
                       [](const Neighbour& a, const Neighbour& b) { return a.f2 < b.f2; });
      const double grow = (1.0 + t.slack) / (1.0 - t.slack);
      const auto up = [](double v) {  // a float >= v
        const auto f = static_cast<float>(v);
        return static_cast<double>(f) >= v ? f : std::nextafter(f, std::numeric_limits<float>::infinity());
      };
      const double g = static_cast<double>(cap_th->f2);
      point_limit = std::min(point_limit, up(g * grow));
      box_limit = std::min(box_limit, up(g * grow * grow));
      const auto keep_end = std::partition(found.begin(), found.end(),
                                           [&](const Neighbour& nb) { return nb.f2 <= point_limit; });
      pruned = pruned || keep_end != found.end();
      found.erase(keep_end, found.end());
      next_check = std::max(found.size() + cap, 2 * cap);
    };
    for (std::size_t cbase = 0; cbase < cpad; cbase += kLanes) {
      std::uint32_t leaves =
          box_distances(state.box_lo.data() + cbase, state.box_hi.data() + cbase, cpad, q, dim, box_limit);
      while (leaves != 0) {
        const std::size_t c = state.candidates[cbase + static_cast<std::size_t>(std::countr_zero(leaves))];
        leaves &= leaves - 1;
        const std::size_t pc = tree.padded_count[c];
        const float* block = tree.coords.data() + tree.slot_offset[c] * dim;
        const Index* slot_index = tree.slot_index.data() + tree.slot_offset[c];
        for (std::size_t base = 0; base < pc; base += kLanes) {
          std::uint32_t mask = point_distances(block + base, pc, q, dim, point_limit, acc);
          while (mask != 0) {
            const auto l = static_cast<std::size_t>(std::countr_zero(mask));
            mask &= mask - 1;
            const Index j = slot_index[base + l];
            if (j < 0 || j == qi) continue;
            // Clear cases are decided in float; the exact distance is only
            // needed near the radius (here) and for capping (below).
            if (acc[l] < t.inside) {
              state.found.push_back({-1.0, j, acc[l]});
            } else {
              const double d2 = exact_d2_strided(q, block + base + l, pc, dim);
              if (d2 < t.r2) state.found.push_back({d2, j, acc[l]});
            }
          }
        }
        if (state.found.size() >= next_check) shrink();
      }
    }
    QueryResult& result = results[static_cast<std::size_t>(qi)];
    result.truncated = pruned || state.found.size() > cap;
    if (result.truncated) {
      // The cap nearest by exact distance all have a float distance f <= f_cap (1 + s) / (1 - s),
      // f_cap the cap-th smallest float distance and s the float error bound (relative): the cap
      // candidates of smallest f lie within f_cap / (1 - s) exactly, so the cap-th exact
      // distance does too, and a candidate within it has f <= that times (1 + s). And a candidate
      // with f < f_cap (1 - s) / (1 + s) is certainly kept: it lies within f_cap / (1 + s)
      // exactly, so every candidate as near has f < f_cap, and fewer than cap do. The list is a
      // set (sorted by index below), so only the candidates between the two bounds (near ties
      // of the cap-th: s is ~5e-6 in 8 dimensions) need the exact distance and its order.
      auto& found = state.found;
      const auto cap_th = found.begin() + static_cast<std::ptrdiff_t>(cap - 1);
      std::nth_element(found.begin(), cap_th, found.end(),
                       [](const Neighbour& a, const Neighbour& b) { return a.f2 < b.f2; });
      const bool bounded = t.slack < 0.5;
      const auto f_cap = static_cast<double>(cap_th->f2);
      const double sure = bounded ? f_cap * (1.0 - t.slack) / (1.0 + t.slack) : 0.0;
      const double bound =
          bounded ? f_cap * (1.0 + t.slack) / (1.0 - t.slack) : std::numeric_limits<double>::infinity();
      const auto sure_end =
          std::partition(found.begin(), found.end(), [&](const Neighbour& nb) { return nb.f2 < sure; });
      const auto near_end =
          std::partition(sure_end, found.end(), [&](const Neighbour& nb) { return nb.f2 <= bound; });
      for (auto it = sure_end; it != near_end; ++it) {
        if (it->d2 < 0.0) it->d2 = exact_d2(q, points.row(static_cast<std::size_t>(it->index)), dim);
      }
      std::nth_element(sure_end, found.begin() + static_cast<std::ptrdiff_t>(cap), near_end, nearer);
      found.resize(cap);
    }
    Index* out = state.store.allocate(state.found.size());
    for (std::size_t k = 0; k < state.found.size(); ++k) out[k] = state.found[k].index;
    sort_distinct(out, state.found.size());
    result.first = out;
    result.count = static_cast<std::uint32_t>(state.found.size());
  }
}

/// The float filter bounds: the float sum of `dim` squares differs from the
/// exact value by less than (dim + 2) * 2^-24 relative; the margin is 8x that.
Thresholds make_thresholds(float radius, std::size_t dim) {
  Thresholds t{};
  t.r2 = static_cast<double>(radius) * static_cast<double>(radius);
  const double slack = 8.0 * static_cast<double>(dim + 2) * std::ldexp(1.0, -24);
  t.slack = slack;
  const double outside = t.r2 * (1.0 + slack);
  t.outside = outside >= static_cast<double>(std::numeric_limits<float>::max())
                  ? std::numeric_limits<float>::infinity()
                  : static_cast<float>(outside);
  const double inside = t.r2 * (1.0 - slack);
  t.inside = inside >= static_cast<double>(std::numeric_limits<float>::max())
                 ? std::numeric_limits<float>::max()
                 : static_cast<float>(inside);
  return t;
}

/// Whether the sorted list [first, last) holds x. With AVX2 a scan of every element, 8 at a time:
/// the lists are short (a capped query keeps at most its cap, 96 for models/all-pt) and the
/// binary search's branches mispredict about every other step.
inline bool sorted_list_holds(const Index* first, const Index* last, Index x) {
#if defined(__AVX2__)
  const __m256i key = _mm256_set1_epi32(x);
  __m256i hit = _mm256_setzero_si256();
  for (; first + 8 <= last; first += 8) {
    hit = _mm256_or_si256(
        hit, _mm256_cmpeq_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(first)), key));
  }
  if (_mm256_movemask_epi8(hit) != 0) return true;
  for (; first != last; ++first) {
    if (*first == x) return true;
  }
  return false;
#else
  return std::binary_search(first, last, x);
#endif
}

/// Turns per-query kept neighbour lists into the union edge list, sorted by
/// (src, dst), src < dst. Deterministic: depends only on the lists.
EdgeList assemble_edges(const std::vector<QueryResult>& results) {
  const std::size_t n = results.size();
  auto row = [&](std::size_t i) {
    const QueryResult& r = results[i];
    return std::pair<const Index*, const Index*>(r.first, r.first + r.count);
  };
  // Forward part of row i: kept neighbours j > i (the row is sorted).
  std::vector<std::size_t> forward_begin(n);
  std::vector<std::size_t> edge_count(n + 1, 0);
  // Reverse pairs (j, i), j < i, that query j did not keep because its list
  // was capped; only possible when j was truncated.
  tbb::enumerable_thread_specific<std::vector<std::pair<Index, Index>>> extras_local;
  // Compact copy of the truncation flags: read once per pair below.
  std::vector<std::uint8_t> truncated(n);
  for (std::size_t i = 0; i < n; ++i) truncated[i] = results[i].truncated ? 1 : 0;
  const bool any_truncated = std::find(truncated.begin(), truncated.end(), 1) != truncated.end();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1024), [&](const auto& range) {
    auto& extras = extras_local.local();
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      const auto [first, last] = row(i);
      const Index* fwd = std::upper_bound(first, last, static_cast<Index>(i));
      forward_begin[i] = static_cast<std::size_t>(fwd - first);
      edge_count[i] = static_cast<std::size_t>(last - fwd);
      if (!any_truncated) continue;
      for (const Index* it = first; it != fwd; ++it) {
        const auto j = static_cast<std::size_t>(*it);
        if (truncated[j] == 0) continue;
        const auto [jfirst, jlast] = row(j);
        if (!sorted_list_holds(jfirst, jlast, static_cast<Index>(i))) {
          extras.emplace_back(static_cast<Index>(j), static_cast<Index>(i));
        }
      }
    }
  });
  // The extras grouped by src (a counting sort), each group's dst ascending: extra_dst[k] for k in
  // [extra_begin[i], extra_begin[i + 1]) are the extra pairs (i, dst).
  std::vector<std::size_t> extra_begin(n + 1, 0);
  for (const auto& local : extras_local) {
    for (const auto& extra : local) ++extra_begin[static_cast<std::size_t>(extra.first) + 1];
  }
  for (std::size_t i = 0; i < n; ++i) {
    edge_count[i] += extra_begin[i + 1];
    extra_begin[i + 1] += extra_begin[i];
  }
  std::vector<Index> extra_dst(extra_begin[n]);
  {
    std::vector<std::size_t> fill(extra_begin.begin(), extra_begin.end() - 1);
    for (const auto& local : extras_local) {
      for (const auto& [src, dst] : local) extra_dst[fill[static_cast<std::size_t>(src)]++] = dst;
    }
  }
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 4096), [&](const auto& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      std::sort(extra_dst.begin() + static_cast<std::ptrdiff_t>(extra_begin[i]),
                extra_dst.begin() + static_cast<std::ptrdiff_t>(extra_begin[i + 1]));
    }
  });

  // Exclusive prefix sum -> output offsets.
  std::size_t total = 0;
  for (std::size_t i = 0; i <= n; ++i) {
    const std::size_t c = edge_count[i];
    edge_count[i] = total;
    total += c;
  }
  EdgeList edges;
  edges.src.resize(total);
  edges.dst.resize(total);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1024), [&](const auto& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      const auto [first, last] = row(i);
      const Index* fwd = first + forward_begin[i];
      const Index* ex = extra_dst.data() + extra_begin[i];
      const Index* ex_end = extra_dst.data() + extra_begin[i + 1];
      std::size_t out = edge_count[i];
      while (fwd != last || ex != ex_end) {
        Index j = 0;
        if (ex == ex_end || (fwd != last && *fwd < *ex)) {
          j = *fwd++;
        } else {
          j = *ex++;
        }
        edges.src[out] = static_cast<std::int64_t>(i);
        edges.dst[out] = j;
        ++out;
      }
    }
  });
  return edges;
}

}  // namespace

RadiusGraphBuilder::RadiusGraphBuilder(Config config) : config_(config) {
  if (!(config_.radius >= 0.0F) || !std::isfinite(config_.radius)) {
    throw Error("RadiusGraphBuilder: radius must be finite and >= 0, got " + std::to_string(config_.radius));
  }
  if (config_.leaf_size == 0) throw Error("RadiusGraphBuilder: leaf_size must be >= 1");
}

EdgeList RadiusGraphBuilder::build(const Matrix& points) const {
  check_points(points);
  const std::size_t n = points.rows;
  if (n < 2 || config_.radius <= 0.0F) return {};
  const std::size_t cap =
      config_.max_neighbours == 0 ? std::numeric_limits<std::size_t>::max() : config_.max_neighbours;
  const Thresholds thresholds = make_thresholds(config_.radius, points.cols);
  const KdTree tree = build_tree(points, config_.leaf_size);
  std::vector<QueryResult> results(n);
  tbb::enumerable_thread_specific<ThreadState> states;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, tree.n_leaves, 4), [&](const auto& range) {
    ThreadState& state = states.local();
    for (std::size_t leaf = range.begin(); leaf != range.end(); ++leaf) {
      search_leaf(tree, points, leaf, thresholds, cap, state, results);
    }
  });
  return assemble_edges(results);
}

EdgeList radius_graph_brute_force(const Matrix& points, float radius, std::size_t max_neighbours) {
  check_points(points);
  const std::size_t n = points.rows;
  const std::size_t dim = points.cols;
  const std::size_t cap = max_neighbours == 0 ? std::numeric_limits<std::size_t>::max() : max_neighbours;
  const double r2 = static_cast<double>(radius) * static_cast<double>(radius);
  std::vector<std::vector<Neighbour>> kept(n);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 16), [&](const auto& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      for (std::size_t j = 0; j < n; ++j) {
        if (j == i) continue;
        const double d2 = exact_d2(points.row(i), points.row(j), dim);
        if (d2 < r2) kept[i].push_back({d2, static_cast<Index>(j), 0.0F});
      }
      cap_and_sort(kept[i], cap);
    }
  });
  std::vector<std::pair<Index, Index>> pairs;
  for (std::size_t i = 0; i < n; ++i) {
    for (const Neighbour& nb : kept[i]) {
      const auto a = static_cast<Index>(i);
      pairs.emplace_back(std::min(a, nb.index), std::max(a, nb.index));
    }
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  EdgeList edges;
  edges.reserve(pairs.size());
  for (const auto& [a, b] : pairs) {
    edges.src.push_back(a);
    edges.dst.push_back(b);
  }
  return edges;
}

namespace {

/// Small deterministic generator (splitmix64), identical on every platform.
class SplitMix {
 public:
  explicit SplitMix(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double a, double b) { return a + (b - a) * uniform(); }
  /// Standard normal (Box-Muller).
  double normal() {
    const double u1 = 1.0 - uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

 private:
  std::uint64_t state_;
};

}  // namespace

Matrix make_track_like_embedding(std::size_t n_points, std::size_t dim, std::uint64_t seed) {
  Matrix out(n_points, dim);
  if (n_points == 0 || dim == 0) return out;
  SplitMix rng(seed);
  constexpr std::size_t kParams = 3;       // track parameters (like phi, eta, q/pT)
  constexpr double kAmplitude = 0.5;       // manifold size per dimension
  constexpr double kFrequency = 1.0;       // manifold curl (cycles per unit parameter)
  constexpr double kTrackLength = 0.06;    // extent of one track's hits
  constexpr double kCurvature = 0.02;      // bend of a track's curve
  constexpr double kHitNoise = 0.006;      // per-dimension Gaussian noise of a hit
  constexpr double kNoiseFraction = 0.05;  // uniformly scattered noise hits
  // The smooth map from track parameters to the track centre.
  std::vector<double> freq(dim * kParams);
  std::vector<double> phase(dim);
  for (double& f : freq) f = rng.uniform(-kFrequency, kFrequency);
  for (double& p : phase) p = rng.uniform(0.0, 2.0 * std::numbers::pi);

  const auto n_noise = static_cast<std::size_t>(kNoiseFraction * static_cast<double>(n_points));
  const std::size_t n_track_hits = n_points - n_noise;
  std::vector<double> centre(dim), direction(dim), bend(dim);
  std::size_t row = 0;
  while (row < n_track_hits) {
    const std::size_t hits = std::min<std::size_t>(8 + rng.next() % 9, n_track_hits - row);
    double u[kParams];
    for (double& v : u) v = rng.uniform();
    double dnorm = 0.0;
    double bnorm = 0.0;
    for (std::size_t d = 0; d < dim; ++d) {
      double arg = phase[d];
      for (std::size_t k = 0; k < kParams; ++k) arg += 2.0 * std::numbers::pi * freq[d * kParams + k] * u[k];
      centre[d] = kAmplitude * std::sin(arg);
      direction[d] = rng.normal();
      bend[d] = rng.normal();
      dnorm += direction[d] * direction[d];
      bnorm += bend[d] * bend[d];
    }
    dnorm = std::sqrt(dnorm);
    bnorm = std::sqrt(bnorm);
    for (std::size_t h = 0; h < hits; ++h, ++row) {
      const double t = (static_cast<double>(h) + rng.uniform()) / static_cast<double>(hits) - 0.5;
      for (std::size_t d = 0; d < dim; ++d) {
        out(row, d) = static_cast<float>(centre[d] + t * kTrackLength * direction[d] / dnorm +
                                         t * t * kCurvature * bend[d] / bnorm + kHitNoise * rng.normal());
      }
    }
  }
  for (; row < n_points; ++row) {
    for (std::size_t d = 0; d < dim; ++d) out(row, d) = static_cast<float>(rng.uniform(-0.6, 0.6));
  }
  // Shuffle rows: hit order carries no track information.
  std::vector<float> tmp(dim);
  for (std::size_t i = n_points; i-- > 1;) {
    const std::size_t j = rng.next() % (i + 1);
    if (j == i) continue;
    std::copy_n(out.row(i), dim, tmp.data());
    std::copy_n(out.row(j), dim, out.row(i));
    std::copy_n(tmp.data(), dim, out.row(j));
  }
  return out;
}

}  // namespace trkx
