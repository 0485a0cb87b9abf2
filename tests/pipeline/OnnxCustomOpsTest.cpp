// trkx's ONNX Runtime custom operators. ai.trkx.ScatterAddRows: the kernel against a plain
// loop, on one and on several threads (its result must not depend on the thread count),
// and its refusal of an index outside the output rows. ai.trkx.GatherPairAdd: the kernel
// against a plain loop (bit-identical), ONNX Gather's negative indices, and the first edge
// with an index outside its rows reported on any thread count. ai.trkx.EdgeGeometry: hand-worked
// edges (both signs of dr, dr = 0, the clamps), negative indices, the same outputs on one and on
// several threads, and the first edge with a hit outside the table. Its agreement with the ONNX
// subgraph it replaces, bit for bit, is in ShippedModelsTest (ShippedFilter).
#include "trkx/pipeline/OnnxCustomOps.hpp"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <array>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

namespace trkx {
namespace {

struct Scatter {
  std::size_t rows = 0, width = 0;
  std::vector<std::int64_t> index;
  std::vector<float> updates;
  std::vector<float> base;
};

Scatter random_scatter(std::size_t rows, std::size_t width, std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int64_t> row(0, static_cast<std::int64_t>(rows) - 1);
  std::uniform_real_distribution<float> value(-1.0F, 1.0F);
  Scatter s{rows, width, {}, {}, {}};
  for (std::size_t e = 0; e < n; ++e) s.index.push_back(e % 7 == 0 ? 3 : row(rng));  // a hub row
  for (std::size_t i = 0; i < n * width; ++i) s.updates.push_back(value(rng));
  for (std::size_t i = 0; i < rows * width; ++i) s.base.push_back(value(rng));
  return s;
}

std::vector<float> reference(const Scatter& s) {
  std::vector<float> out = s.base;
  for (std::size_t e = 0; e < s.index.size(); ++e) {
    for (std::size_t h = 0; h < s.width; ++h) out[s.index[e] * s.width + h] += s.updates[e * s.width + h];
  }
  return out;
}

TEST(ScatterAddRows, EqualsAPlainLoopOnOneAndOnSeveralThreads) {
  // 40k updates of width 64: above the size at which the kernel goes parallel.
  const Scatter s = random_scatter(5000, 64, 40000, 1);
  const std::vector<float> expected = reference(s);
  for (const int threads : {1, 2, 4}) {
    tbb::task_arena arena(threads);
    std::vector<float> out = s.base;
    std::size_t done = 0;
    arena.execute([&] {
      done = scatter_add_rows(out.data(), s.rows, s.width, s.index.data(), s.updates.data(), s.index.size());
    });
    EXPECT_EQ(done, s.index.size());
    EXPECT_EQ(out, expected) << threads << " threads";  // bit-identical: same order per row
  }
}

TEST(ScatterAddRows, SmallAndEmptyInputs) {
  const Scatter s = random_scatter(10, 3, 25, 2);
  std::vector<float> out = s.base;
  EXPECT_EQ(scatter_add_rows(out.data(), s.rows, s.width, s.index.data(), s.updates.data(), 25), 25U);
  EXPECT_EQ(out, reference(s));
  std::vector<float> untouched = s.base;
  EXPECT_EQ(scatter_add_rows(untouched.data(), s.rows, s.width, nullptr, nullptr, 0), 0U);
  EXPECT_EQ(untouched, s.base);
}

TEST(ScatterAddRows, RefusesAnIndexOutsideTheRowsAndChangesNothing) {
  Scatter s = random_scatter(100, 8, 50000, 3);
  s.index[30000] = 100;  // one past the last row
  std::vector<float> out = s.base;
  EXPECT_EQ(scatter_add_rows(out.data(), s.rows, s.width, s.index.data(), s.updates.data(), s.index.size()),
            30000U);
  EXPECT_EQ(out, s.base);
  s.index[30000] = -1;
  EXPECT_EQ(scatter_add_rows(out.data(), s.rows, s.width, s.index.data(), s.updates.data(), s.index.size()),
            30000U);
}

struct PairAdd {
  std::size_t n_a = 0, n_b = 0, width = 0;
  std::vector<float> a, b;
  std::vector<std::int64_t> i, j;
};

PairAdd random_pair_add(std::size_t n_a, std::size_t n_b, std::size_t width, std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int64_t> row_a(0, static_cast<std::int64_t>(n_a) - 1);
  std::uniform_int_distribution<std::int64_t> row_b(0, static_cast<std::int64_t>(n_b) - 1);
  std::uniform_real_distribution<float> value(-1.0F, 1.0F);
  PairAdd p{n_a, n_b, width, {}, {}, {}, {}};
  for (std::size_t k = 0; k < n_a * width; ++k) p.a.push_back(value(rng));
  for (std::size_t k = 0; k < n_b * width; ++k) p.b.push_back(value(rng));
  for (std::size_t e = 0; e < n; ++e) {
    p.i.push_back(row_a(rng));
    p.j.push_back(row_b(rng));
  }
  return p;
}

std::vector<float> reference(const PairAdd& p) {
  std::vector<float> out(p.i.size() * p.width);
  for (std::size_t e = 0; e < p.i.size(); ++e) {
    const auto ra = static_cast<std::size_t>(p.i[e] < 0 ? p.i[e] + static_cast<std::int64_t>(p.n_a) : p.i[e]);
    const auto rb = static_cast<std::size_t>(p.j[e] < 0 ? p.j[e] + static_cast<std::int64_t>(p.n_b) : p.j[e]);
    for (std::size_t h = 0; h < p.width; ++h)
      out[e * p.width + h] = p.a[ra * p.width + h] + p.b[rb * p.width + h];
  }
  return out;
}

std::size_t run(const PairAdd& p, std::vector<float>& out) {
  out.assign(p.i.size() * p.width, 0.0F);
  return gather_pair_add(out.data(), p.a.data(), p.n_a, p.b.data(), p.n_b, p.width, p.i.data(), p.j.data(),
                         p.i.size());
}

TEST(GatherPairAdd, EqualsAPlainLoopOnOneAndOnSeveralThreads) {
  // 30k edges of width 48 (above the size at which the kernel goes parallel), two tables
  // of different lengths.
  const PairAdd p = random_pair_add(4000, 3000, 48, 30000, 4);
  const std::vector<float> expected = reference(p);
  for (const int threads : {1, 2, 4}) {
    tbb::task_arena arena(threads);
    std::vector<float> out;
    std::size_t done = 0;
    arena.execute([&] { done = run(p, out); });
    EXPECT_EQ(done, p.i.size());
    EXPECT_EQ(out, expected) << threads << " threads";  // one float addition per element
  }
  // With the optional c [E,H]: (a[i] + b[j]) + c, in that order.
  std::vector<float> c(expected.size());
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> value(-1.0F, 1.0F);
  for (float& x : c) x = value(rng);
  std::vector<float> expected_c = expected;
  for (std::size_t k = 0; k < c.size(); ++k) expected_c[k] = expected[k] + c[k];
  for (const int threads : {1, 2}) {
    tbb::task_arena arena(threads);
    std::vector<float> out(expected.size());
    std::size_t done = 0;
    arena.execute([&] {
      done = gather_pair_add(out.data(), p.a.data(), p.n_a, p.b.data(), p.n_b, p.width, p.i.data(),
                             p.j.data(), p.i.size(), c.data());
    });
    EXPECT_EQ(done, p.i.size());
    EXPECT_EQ(out, expected_c) << threads << " threads";
  }
}

TEST(GatherPairAdd, NegativeIndicesCountFromTheEndAsInOnnxGather) {
  PairAdd p = random_pair_add(10, 7, 5, 40, 5);
  p.i[3] = -1;    // row 9
  p.j[3] = -7;    // row 0
  p.i[17] = -10;  // row 0
  std::vector<float> out;
  EXPECT_EQ(run(p, out), p.i.size());
  EXPECT_EQ(out, reference(p));
  EXPECT_EQ(out[3 * 5], p.a[9 * 5] + p.b[0]);
}

TEST(GatherPairAdd, ReportsTheFirstEdgeWithAnIndexOutsideItsRows) {
  for (const std::size_t n : {std::size_t{50}, std::size_t{60000}}) {  // serial and parallel paths
    PairAdd p = random_pair_add(100, 80, 8, n, 6);
    p.j[n - 3] = 80;    // one past b's last row
    p.i[n / 2] = -101;  // before a's first row
    p.j[n / 2 + 1] = 1000;
    std::vector<float> out;
    EXPECT_EQ(run(p, out), n / 2) << n;
    tbb::task_arena two(2);
    std::size_t bad = 0;
    two.execute([&] { bad = run(p, out); });
    EXPECT_EQ(bad, n / 2) << n;
  }
  PairAdd empty = random_pair_add(3, 3, 4, 0, 7);
  std::vector<float> out;
  EXPECT_EQ(run(empty, out), 0U);
  PairAdd no_width = random_pair_add(3, 3, 0, 5, 8);
  no_width.i[2] = 3;
  EXPECT_EQ(run(no_width, out), 2U);  // indices are checked even when there is nothing to add
}

/// Hits for EdgeGeometry: columns r, z, eta, cos, sin (azimuth a) and identity standardisation.
struct GeometryHits {
  std::vector<float> r, z, eta, cos_a, sin_a;
  std::array<float, 6> mean{}, std{1, 1, 1, 1, 1, 1};
  void add(float hr, float hz, float heta, float a) {
    r.push_back(hr);
    z.push_back(hz);
    eta.push_back(heta);
    cos_a.push_back(std::cos(a));
    sin_a.push_back(std::sin(a));
  }
  [[nodiscard]] EdgeGeometryInputs inputs() const {
    return {r.data(), z.data(), eta.data(), cos_a.data(), sin_a.data(), r.size(), mean.data(), std.data()};
  }
};

TEST(EdgeGeometry, HandWorkedEdges) {
  GeometryHits h;
  h.add(30.0F, 10.0F, 0.5F, 0.25F);                  // 0
  h.add(70.0F, 30.0F, 0.75F, 0.5F);                  // 1
  h.add(30.0F, -20.0F, -1.0F, 1.0F);                 // 2: same r as hit 0
  const std::vector<std::int64_t> src{0, 1, 0, -3};  // -3: hit 0
  const std::vector<std::int64_t> dst{1, 0, 2, 1};
  const std::vector<float> dphi{0.1F, -0.1F, 0.5F, 0.2F};
  h.mean = {1, 0, 0, 0, 0, 0};
  h.std = {2, 1, 1, 1, 1, 4};
  std::vector<float> pair(2 * src.size()), geometry(6 * src.size());
  ASSERT_EQ(edge_geometry(pair.data(), geometry.data(), h.inputs(), src.data(), dst.data(), dphi.data(), 4),
            4U);
  // Edge 0: dr = 40, dz = 20, deta = 0.25; slope 0.1 / 40; zint = 10 - 30 * 20 / 40 = -5 (at the clamp).
  EXPECT_EQ(geometry[0], (40.0F - 1.0F) / 2.0F);
  EXPECT_EQ(geometry[1], 0.1F);
  EXPECT_EQ(geometry[2], 20.0F);
  EXPECT_EQ(geometry[3], 0.25F);
  EXPECT_EQ(geometry[4], 0.1F / 40.0F);
  EXPECT_EQ(geometry[5], -5.0F / 4.0F);
  EXPECT_NEAR(pair[0], std::sin(0.25F), 1e-6F);  // sin(a_dst - a_src)
  EXPECT_NEAR(pair[1], std::cos(0.25F), 1e-6F);
  // Edge 1, reversed: dr = -40 divides as it is; zint = 30 - 70 * -20 / -40 = -5.
  EXPECT_EQ(geometry[6], (-40.0F - 1.0F) / 2.0F);
  EXPECT_EQ(geometry[6 + 4], -0.1F / -40.0F);
  EXPECT_EQ(geometry[6 + 5], -5.0F / 4.0F);
  EXPECT_NEAR(pair[2], std::sin(-0.25F), 1e-6F);
  // Edge 2: dr = 0 becomes 1e-3, so slope 0.5 / 1e-3 = 500 is clamped to 50 and zint
  // 10 - 30 * -30 / 1e-3 to 5.
  EXPECT_EQ(geometry[12], -1.0F / 2.0F);
  EXPECT_EQ(geometry[12 + 4], 50.0F);
  EXPECT_EQ(geometry[12 + 5], 5.0F / 4.0F);
  // Edge 3 (src -3 = hit 0) is edge 0 with another dphi.
  EXPECT_EQ(geometry[18], geometry[0]);
  EXPECT_EQ(geometry[18 + 4], 0.2F / 40.0F);
  EXPECT_EQ(pair[6], pair[0]);
  EXPECT_EQ(pair[7], pair[1]);
}

TEST(EdgeGeometry, SameOutputsOnOneAndSeveralThreadsAndTheFirstBadEdge) {
  GeometryHits h;
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> radius(30.0F, 1000.0F), zpos(-3000.0F, 3000.0F), angle(-3.1F, 3.1F);
  for (int k = 0; k < 5000; ++k) h.add(radius(rng), zpos(rng), zpos(rng) / 1000.0F, angle(rng));
  std::uniform_int_distribution<std::int64_t> hit(0, 4999);
  const std::size_t n = 100000;  // parallel path
  std::vector<std::int64_t> src(n), dst(n);
  std::vector<float> dphi(n);
  for (std::size_t e = 0; e < n; ++e) {
    src[e] = hit(rng);
    dst[e] = hit(rng);
    dphi[e] = angle(rng) / 4.0F;
  }
  std::vector<float> pair1(2 * n), geometry1(6 * n);
  tbb::task_arena one(1);
  std::size_t done = 0;
  one.execute([&] {
    done = edge_geometry(pair1.data(), geometry1.data(), h.inputs(), src.data(), dst.data(), dphi.data(), n);
  });
  ASSERT_EQ(done, n);
  for (std::size_t e = 0; e < n; ++e) {  // the clamps hold
    ASSERT_LE(std::abs(geometry1[6 * e + 4]), 50.0F);
    ASSERT_LE(std::abs(geometry1[6 * e + 5]), 5.0F);
  }
  std::vector<float> pair2(2 * n), geometry2(6 * n);
  tbb::task_arena two(2);
  two.execute([&] {
    done = edge_geometry(pair2.data(), geometry2.data(), h.inputs(), src.data(), dst.data(), dphi.data(), n);
  });
  EXPECT_EQ(done, n);
  EXPECT_EQ(pair2, pair1);
  EXPECT_EQ(geometry2, geometry1);
  src[n - 5] = 5000;  // one past the last hit
  dst[n / 3] = -5001;
  two.execute([&] {
    done = edge_geometry(pair2.data(), geometry2.data(), h.inputs(), src.data(), dst.data(), dphi.data(), n);
  });
  EXPECT_EQ(done, n / 3);
}

// ---------------------------------------------------------------- EdgeUpdate
/// Random inputs of the EdgeUpdate kernel of width h (LayerNorm when layer_norm).
struct UpdateInputs {
  std::size_t h, n_a = 300, n_b = 200, n;
  std::vector<float> a, b, e, w_edge, w_out, b_out, scale, bias;
  std::vector<std::int64_t> i, j;
  EdgeUpdateWeights weights;

  UpdateInputs(std::size_t width, std::size_t n_edges, bool layer_norm, unsigned seed)
      : h(width), n(n_edges) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    const auto fill = [&](std::vector<float>& v, std::size_t size, float sigma, float mean = 0.0F) {
      v.resize(size);
      for (auto& x : v) x = mean + sigma * normal(rng);
    };
    fill(a, n_a * h, 1.0F);
    fill(b, n_b * h, 1.0F);
    fill(e, n * h, 1.0F);
    fill(w_edge, h * h, 1.0F / std::sqrt(static_cast<float>(h)));
    fill(w_out, h * h, 1.0F / std::sqrt(static_cast<float>(h)));
    fill(b_out, h, 0.1F);
    fill(scale, h, 0.2F, 1.0F);
    fill(bias, h, 0.1F);
    std::uniform_int_distribution<std::int64_t> ra(0, static_cast<std::int64_t>(n_a) - 1);
    std::uniform_int_distribution<std::int64_t> rb(0, static_cast<std::int64_t>(n_b) - 1);
    for (std::size_t k = 0; k < n; ++k) {
      i.push_back(ra(rng));
      j.push_back(rb(rng));
    }
    weights.width = h;
    weights.w_edge = w_edge.data();
    weights.w_out = w_out.data();
    weights.b_out = b_out.data();
    if (layer_norm) {
      weights.ln_scale = scale.data();
      weights.ln_bias = bias.data();
    }
  }
  std::size_t run(std::vector<float>& out, bool residual) const {
    out.assign(n * h, -1.0F);
    return edge_update(out.data(), a.data(), n_a, b.data(), n_b, i.data(), j.data(), e.data(), n, weights,
                       residual ? e.data() : nullptr);
  }
  /// The definition in double precision.
  std::vector<double> reference(bool residual) const {
    std::vector<double> out(n * h);
    std::vector<double> g(h);
    for (std::size_t k = 0; k < n; ++k) {
      for (std::size_t c = 0; c < h; ++c) {
        double t = 0.0;
        for (std::size_t q = 0; q < h; ++q) t += double{e[k * h + q]} * w_edge[q * h + c];
        g[c] =
            double{a[static_cast<std::size_t>(i[k]) * h + c]} + b[static_cast<std::size_t>(j[k]) * h + c] + t;
      }
      if (weights.ln_scale != nullptr) {
        double mean = 0.0;
        for (double x : g) mean += x;
        mean /= static_cast<double>(h);
        double var = 0.0;
        for (double x : g) var += (x - mean) * (x - mean);
        var /= static_cast<double>(h);
        for (std::size_t c = 0; c < h; ++c) g[c] = (g[c] - mean) / std::sqrt(var + 1e-5) * scale[c] + bias[c];
      }
      for (std::size_t c = 0; c < h; ++c) {
        double u = b_out[c];
        for (std::size_t q = 0; q < h; ++q) u += std::max(g[q], 0.0) * w_out[c * h + q];
        out[k * h + c] = u + (residual ? e[k * h + c] : 0.0);
      }
    }
    return out;
  }
};

TEST(EdgeUpdate, HandWorkedEdge) {
  // h = 2: e w_edge = (1, 2) [[1, 0], [1, 1]] = (3, 2); g = (a + b) + that = (1 + 0, 0 + 2) + (3, 2) =
  // (4, 4) -> relu (4, 4) -> w_out^T rows (1, -1), (0.5, 0.5): (0, 4) + b_out (1, 1) = (1, 5);
  // with the residual (1, 2): (2, 7).
  const std::vector<float> a{1.0F, 0.0F}, b{0.0F, 2.0F}, e{1.0F, 2.0F};
  const std::vector<float> w_edge{1.0F, 0.0F, 1.0F, 1.0F}, w_out{1.0F, -1.0F, 0.5F, 0.5F}, b_out{1.0F, 1.0F};
  const std::vector<std::int64_t> i{0}, j{-1};  // -1: the last row, as ONNX Gather
  EdgeUpdateWeights w;
  w.width = 2;
  w.w_edge = w_edge.data();
  w.w_out = w_out.data();
  w.b_out = b_out.data();
  std::vector<float> out(2);
  ASSERT_EQ(edge_update(out.data(), a.data(), 1, b.data(), 1, i.data(), j.data(), e.data(), 1, w), 1U);
  EXPECT_EQ(out, (std::vector<float>{1.0F, 5.0F}));
  ASSERT_EQ(edge_update(out.data(), a.data(), 1, b.data(), 1, i.data(), j.data(), e.data(), 1, w, e.data()),
            1U);
  EXPECT_EQ(out, (std::vector<float>{2.0F, 7.0F}));
  // LayerNorm of g = (4, 4) is (0, 0) (+ bias (3, -3) -> relu (3, 0)) -> (3, 1.5) + b_out = (4, 2.5)
  const std::vector<float> scale{2.0F, 2.0F}, bias{3.0F, -3.0F};
  w.ln_scale = scale.data();
  w.ln_bias = bias.data();
  ASSERT_EQ(edge_update(out.data(), a.data(), 1, b.data(), 1, i.data(), j.data(), e.data(), 1, w), 1U);
  EXPECT_EQ(out, (std::vector<float>{4.0F, 2.5F}));
}

TEST(EdgeUpdate, EqualsTheDefinitionInDoublePrecisionForEveryWidth) {
  // 12 and 20: masked vector tails; 40, 48: the shipped GNNs; 70: the portable path.
  for (const std::size_t h : {1U, 3U, 12U, 20U, 32U, 40U, 48U, 64U, 70U}) {
    for (const bool layer_norm : {false, true}) {
      for (const bool residual : {false, true}) {
        const UpdateInputs in(h, 37, layer_norm, static_cast<unsigned>(h));
        std::vector<float> out;
        ASSERT_EQ(in.run(out, residual), in.n);
        const std::vector<double> ref = in.reference(residual);
        for (std::size_t k = 0; k < out.size(); ++k) {
          ASSERT_NEAR(out[k], ref[k], 2e-5 * (1.0 + std::abs(ref[k])))
              << "h " << h << " layer_norm " << layer_norm << " residual " << residual << " at " << k;
        }
      }
    }
  }
}

TEST(EdgeUpdate, SameOutputsOnOneAndSeveralThreadsAndTheFirstBadEdge) {
  UpdateInputs in(48, 20000, true, 5);  // parallel path
  std::vector<float> one_thread, two_threads;
  tbb::task_arena one(1);
  tbb::task_arena two(2);
  std::size_t done = 0;
  one.execute([&] { done = in.run(one_thread, true); });
  ASSERT_EQ(done, in.n);
  two.execute([&] { done = in.run(two_threads, true); });
  ASSERT_EQ(done, in.n);
  EXPECT_EQ(two_threads, one_thread);
  in.i[in.n - 3] = static_cast<std::int64_t>(in.n_a);  // one past the last row
  in.j[in.n / 2] = -static_cast<std::int64_t>(in.n_b) - 1;
  two.execute([&] { done = in.run(two_threads, true); });
  EXPECT_EQ(done, in.n / 2);
}

// ---------------------------------------------------------------- EdgeEncoder
TEST(EdgeEncoder, HandWorkedEdge) {
  // h = 2, one pair input and one geometry input: x = ((a[0] + b[0]) + 2 * (1, 0)) + 1 * (0, -1)
  // = ((1, 1) + (2, 0)) + (0, -1) = (3, 0) -> relu (3, 0) -> w_hidden^T rows (1, 1), (-1, 0):
  // (3, -3) + b_hidden (0, 1) = (3, -2) -> relu (3, 0).
  const std::vector<float> a{1.0F, 0.0F}, b{0.0F, 1.0F}, pair{2.0F}, geometry{1.0F};
  const std::vector<float> w_pair{1.0F, 0.0F}, w_geometry{0.0F, -1.0F};
  const std::vector<float> w_hidden{1.0F, 1.0F, -1.0F, 0.0F}, b_hidden{0.0F, 1.0F};
  const std::vector<std::int64_t> i{0}, j{0};
  EdgeEncoderInputs in{a.data(), 1, b.data(), 1, i.data(), j.data(), pair.data(), 1, geometry.data(), 1};
  EdgeEncoderWeights w;
  w.width = 2;
  w.w_pair = w_pair.data();
  w.w_geometry = w_geometry.data();
  w.w_hidden = w_hidden.data();
  w.b_hidden = b_hidden.data();
  std::vector<float> out(2);
  ASSERT_EQ(edge_encode(out.data(), in, 1, w), 1U);
  EXPECT_EQ(out, (std::vector<float>{3.0F, 0.0F}));
  // With LayerNorms: LN1 of (3, 0) is (1, -1) (eps 0) -> scale 1, bias 0 -> relu (1, 0) -> (1, -1)
  // + (0, 1) = (1, 0) -> LN2 (1, -1) -> scale 2, bias 1: (3, -1) -> relu (3, 0).
  const std::vector<float> one{1.0F, 1.0F}, zero{0.0F, 0.0F}, two{2.0F, 2.0F};
  w.ln1_scale = one.data();
  w.ln1_bias = zero.data();
  w.ln2_scale = two.data();
  w.ln2_bias = one.data();
  w.ln_epsilon = 0.0F;
  ASSERT_EQ(edge_encode(out.data(), in, 1, w), 1U);
  EXPECT_EQ(out, (std::vector<float>{3.0F, 0.0F}));
  const std::vector<std::int64_t> bad{1};  // one past the last row
  in.j = bad.data();
  EXPECT_EQ(edge_encode(out.data(), in, 1, w), 0U);
}

TEST(EdgeEncoder, EqualsTheDefinitionInDoublePrecisionAndDoesNotDependOnThreads) {
  for (const std::size_t h : {5U, 20U, 40U, 48U, 70U}) {
    for (const bool layer_norm : {false, true}) {
      const std::size_t n = h == 48 ? 20000 : 41;  // 48: the parallel path
      const std::size_t n_pair = 2, n_geometry = 6;
      std::mt19937 rng(static_cast<unsigned>(h));
      std::normal_distribution<float> normal(0.0F, 1.0F);
      const auto random = [&](std::size_t size, float sigma, float mean = 0.0F) {
        std::vector<float> v(size);
        for (auto& x : v) x = mean + sigma * normal(rng);
        return v;
      };
      const std::size_t n_a = 50, n_b = 60;
      const auto a = random(n_a * h, 1.0F), b = random(n_b * h, 1.0F);
      const auto pair = random(n * n_pair, 1.0F), geometry = random(n * n_geometry, 1.0F);
      const auto w_pair = random(n_pair * h, 0.5F), w_geometry = random(n_geometry * h, 0.5F);
      const auto w_hidden = random(h * h, 1.0F / std::sqrt(static_cast<float>(h))),
                 b_hidden = random(h, 0.1F);
      const auto s1 = random(h, 0.2F, 1.0F), b1 = random(h, 0.1F), s2 = random(h, 0.2F, 1.0F),
                 b2 = random(h, 0.1F);
      std::vector<std::int64_t> i(n), j(n);
      for (std::size_t k = 0; k < n; ++k) {
        i[k] = static_cast<std::int64_t>(rng() % n_a);
        j[k] = static_cast<std::int64_t>(rng() % n_b);
      }
      const EdgeEncoderInputs in{a.data(),    n_a,    b.data(),        n_b,       i.data(), j.data(),
                                 pair.data(), n_pair, geometry.data(), n_geometry};
      EdgeEncoderWeights w;
      w.width = h;
      w.w_pair = w_pair.data();
      w.w_geometry = w_geometry.data();
      w.w_hidden = w_hidden.data();
      w.b_hidden = b_hidden.data();
      if (layer_norm) {
        w.ln1_scale = s1.data();
        w.ln1_bias = b1.data();
        w.ln2_scale = s2.data();
        w.ln2_bias = b2.data();
      }
      std::vector<float> out(n * h), out1(n * h);
      ASSERT_EQ(edge_encode(out.data(), in, n, w), n);
      tbb::task_arena one(1);
      std::size_t done = 0;
      one.execute([&] { done = edge_encode(out1.data(), in, n, w); });
      ASSERT_EQ(done, n);
      EXPECT_EQ(out1, out);
      const auto norm = [&](std::vector<double>& x, const std::vector<float>& scale,
                            const std::vector<float>& bias) {
        double mean = 0.0, var = 0.0;
        for (double v : x) mean += v;
        mean /= static_cast<double>(h);
        for (double v : x) var += (v - mean) * (v - mean);
        var /= static_cast<double>(h);
        for (std::size_t c = 0; c < h; ++c) x[c] = (x[c] - mean) / std::sqrt(var + 1e-5) * scale[c] + bias[c];
      };
      std::vector<double> x(h), y(h);
      for (std::size_t e = 0; e < std::min<std::size_t>(n, 200); ++e) {
        for (std::size_t c = 0; c < h; ++c) {
          double t =
              double{a[static_cast<std::size_t>(i[e]) * h + c]} + b[static_cast<std::size_t>(j[e]) * h + c];
          for (std::size_t k = 0; k < n_pair; ++k) t += double{pair[e * n_pair + k]} * w_pair[k * h + c];
          for (std::size_t k = 0; k < n_geometry; ++k)
            t += double{geometry[e * n_geometry + k]} * w_geometry[k * h + c];
          x[c] = t;
        }
        if (layer_norm) norm(x, s1, b1);
        for (std::size_t c = 0; c < h; ++c) {
          double u = b_hidden[c];
          for (std::size_t k = 0; k < h; ++k) u += std::max(x[k], 0.0) * w_hidden[c * h + k];
          y[c] = u;
        }
        if (layer_norm) norm(y, s2, b2);
        for (std::size_t c = 0; c < h; ++c) {
          const double ref = std::max(y[c], 0.0);
          ASSERT_NEAR(out[e * h + c], ref, 2e-5 * (1.0 + std::abs(ref))) << "h " << h << " ln " << layer_norm;
        }
      }
    }
  }
}

// Random first-layer inputs of EdgeInput / EdgeScore at width h: n edges between 50 and 60
// hits, 2 pair and 6 geometry inputs, and g(e, c), the first layer in double precision.
struct RandomFirstLayer {
  static constexpr std::size_t kPair = 2, kGeometry = 6, kA = 50, kB = 60;
  std::size_t h, n;
  std::vector<float> a, b, pair, geometry, w_pair, w_geometry, w_out;
  std::vector<std::int64_t> i, j;
  RandomFirstLayer(std::size_t width, std::size_t edges, unsigned seed)
      : h(width), n(edges), i(edges), j(edges) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> normal(0.0F, 1.0F);
    const auto random = [&](std::size_t size, float sigma) {
      std::vector<float> v(size);
      for (auto& x : v) x = sigma * normal(rng);
      return v;
    };
    a = random(kA * h, 1.0F);
    b = random(kB * h, 1.0F);
    pair = random(n * kPair, 1.0F);
    geometry = random(n * kGeometry, 1.0F);
    w_pair = random(kPair * h, 0.5F);
    w_geometry = random(kGeometry * h, 0.5F);
    w_out = random(h, 1.0F / std::sqrt(static_cast<float>(h)));
    for (std::size_t e = 0; e < n; ++e) {
      i[e] = static_cast<std::int64_t>(rng() % kA);
      j[e] = static_cast<std::int64_t>(rng() % kB);
    }
  }
  [[nodiscard]] EdgeEncoderInputs inputs() const {
    return {a.data(), kA, b.data(), kB, i.data(), j.data(), pair.data(), kPair, geometry.data(), kGeometry};
  }
  [[nodiscard]] double g(std::size_t e, std::size_t c) const {
    double v = static_cast<double>(a[static_cast<std::size_t>(i[e]) * h + c]) +
               static_cast<double>(b[static_cast<std::size_t>(j[e]) * h + c]);
    for (std::size_t k = 0; k < kPair; ++k) v += static_cast<double>(pair[e * kPair + k]) * w_pair[k * h + c];
    for (std::size_t k = 0; k < kGeometry; ++k)
      v += static_cast<double>(geometry[e * kGeometry + k]) * w_geometry[k * h + c];
    return v;
  }
};

TEST(EdgeScore, HandWorkedEdgesAndTheFirstBadEdge) {
  // h = 2: g = ((a[i] + b[j]) + 2 * (1, 0)) + 1 * (0, -1); edge 0: (1, 1) + (2, 0) + (0, -1) =
  // (3, 0) -> relu (3, 0) -> 3 * 0.5 + 0 * 4 + b_out (-1) = 0.5; edge 1 (a[1] = (-5, 2)): (-5, 2)
  // + ... = (-3, 1) -> relu (0, 1) -> 4 - 1 = 3.
  const std::vector<float> a{1.0F, 0.0F, -5.0F, 1.0F}, b{0.0F, 1.0F}, pair{2.0F, 2.0F}, geometry{1.0F, 1.0F};
  const std::vector<float> w_pair{1.0F, 0.0F}, w_geometry{0.0F, -1.0F}, w_out{0.5F, 4.0F};
  const std::vector<std::int64_t> i{0, 1}, j{0, 0};
  EdgeEncoderInputs in{a.data(), 2, b.data(), 1, i.data(), j.data(), pair.data(), 1, geometry.data(), 1};
  std::vector<float> out(2);
  ASSERT_EQ(edge_score(out.data(), in, 2, 2, w_pair.data(), w_geometry.data(), w_out.data(), -1.0F), 2U);
  EXPECT_EQ(out, (std::vector<float>{0.5F, 3.0F}));
  const std::vector<std::int64_t> bad{0, 2};  // edge 1: one past the last row of a
  in.i = bad.data();
  EXPECT_EQ(edge_score(out.data(), in, 2, 2, w_pair.data(), w_geometry.data(), w_out.data(), -1.0F), 1U);
}

TEST(EdgeScore, EqualsTheDefinitionInDoublePrecisionForEveryWidth) {
  for (const std::size_t h : {5U, 20U, 40U, 64U, 70U}) {  // 40, 64: the compiled widths
    const std::size_t n = h == 64 ? 20000 : 41;           // 64: the parallel path
    const RandomFirstLayer r(h, n, static_cast<unsigned>(h));
    const EdgeEncoderInputs in = r.inputs();
    std::vector<float> out(n), out1(n);
    ASSERT_EQ(edge_score(out.data(), in, n, h, r.w_pair.data(), r.w_geometry.data(), r.w_out.data(), 0.25F),
              n);
    tbb::task_arena one(1);
    std::size_t done = 0;
    one.execute([&] {
      done = edge_score(out1.data(), in, n, h, r.w_pair.data(), r.w_geometry.data(), r.w_out.data(), 0.25F);
    });
    ASSERT_EQ(done, n);
    EXPECT_EQ(out1, out) << h;
    for (std::size_t e = 0; e < std::min<std::size_t>(n, 300); ++e) {
      double sum = 0.25;
      for (std::size_t c = 0; c < h; ++c) sum += std::max(r.g(e, c), 0.0) * static_cast<double>(r.w_out[c]);
      EXPECT_NEAR(out[e], sum, 1e-4 * (1.0 + std::abs(sum))) << "h " << h << " edge " << e;
    }
  }
}

TEST(EdgeInput, EqualsHitPairInputAndReluAndIsTheSameOnOneThread) {
  // The first layer and ReLU of EdgeScore's edge (g = ((a[i] + b[j]) + pair w_pair) + geometry
  // w_geometry): out = relu(g) row by row, so EdgeScore's output is out . w_out + b_out; checked
  // against the definition in double precision, the compiled widths (32, 64) and others, one
  // thread and several; an index outside its rows is reported.
  for (const std::size_t h : {5U, 20U, 32U, 64U, 70U}) {
    const std::size_t n = h == 64 ? 20000 : 41;  // 64: the parallel path
    const RandomFirstLayer r(h, n, static_cast<unsigned>(h) + 7U);
    EdgeEncoderInputs in = r.inputs();
    std::vector<float> out(n * h), out1(n * h);
    ASSERT_EQ(edge_input(out.data(), in, n, h, r.w_pair.data(), r.w_geometry.data()), n);
    tbb::task_arena one(1);
    std::size_t done = 0;
    one.execute([&] { done = edge_input(out1.data(), in, n, h, r.w_pair.data(), r.w_geometry.data()); });
    ASSERT_EQ(done, n);
    EXPECT_EQ(out1, out) << h;
    std::size_t positive = 0;
    for (std::size_t e = 0; e < std::min<std::size_t>(n, 300); ++e) {
      for (std::size_t c = 0; c < h; ++c) {
        const double g = r.g(e, c);
        EXPECT_NEAR(out[e * h + c], std::max(g, 0.0), 1e-4 * (1.0 + std::abs(g)))
            << h << " " << e << " " << c;
        positive += out[e * h + c] > 0.0F ? 1 : 0;
      }
    }
    EXPECT_GT(positive, 0U);
    std::vector<std::int64_t> bad = r.j;
    bad[n / 2] = static_cast<std::int64_t>(RandomFirstLayer::kB);  // one past the last row of b
    in.j = bad.data();
    EXPECT_EQ(edge_input(out.data(), in, n, h, r.w_pair.data(), r.w_geometry.data()), n / 2) << h;
  }
}

TEST(EdgeMlp, EqualsTheDefinitionInDoublePrecisionAndEdgeInputWithTheProducts) {
  // EdgeMlp = EdgeInput, then hidden layers relu(g w^T + b), then the output unit. Checked against
  // the definition in double precision for the compiled widths (32, 40, 64) and others, one and
  // two hidden layers; bit for bit against EdgeInput followed by the products as written out in
  // float (each an FMA chain over the inputs from 0, then the bias: the order the kernel
  // promises); the same on one thread; an index outside its rows is reported.
  for (const std::size_t h : {5U, 20U, 32U, 40U, 64U, 70U}) {
    for (const std::size_t layers : {std::size_t{1}, std::size_t{2}}) {
      const std::size_t n = h == 64 ? 20000 : 53;  // 64: the parallel path; 53: a partial last block
      const RandomFirstLayer r(h, n, static_cast<unsigned>(h * 10 + layers));
      std::mt19937 rng(static_cast<unsigned>(h + layers));
      std::normal_distribution<float> normal(0.0F, 1.0F / std::sqrt(static_cast<float>(h)));
      std::vector<std::vector<float>> w(layers, std::vector<float>(h * h)),
          bias(layers, std::vector<float>(h));
      for (auto& m : w) {
        for (float& x : m) x = normal(rng);
      }
      for (auto& v : bias) {
        for (float& x : v) x = 0.3F * normal(rng);
      }
      std::vector<const float*> wp, bp;
      for (std::size_t l = 0; l < layers; ++l) {
        wp.push_back(w[l].data());
        bp.push_back(bias[l].data());
      }
      EdgeEncoderInputs in = r.inputs();
      std::vector<float> out(n), out1(n);
      const auto run = [&](float* o) {
        return edge_mlp(o, in, n, h, r.w_pair.data(), r.w_geometry.data(), layers, wp.data(), bp.data(),
                        r.w_out.data(), -0.5F);
      };
      ASSERT_EQ(run(out.data()), n);
      tbb::task_arena one(1);
      std::size_t done = 0;
      one.execute([&] { done = run(out1.data()); });
      ASSERT_EQ(done, n);
      EXPECT_EQ(out1, out) << h;
      // float, in the promised order, from EdgeInput's first layer
      std::vector<float> first(n * h);
      ASSERT_EQ(edge_input(first.data(), in, n, h, r.w_pair.data(), r.w_geometry.data()), n);
      std::size_t spread = 0;
      for (std::size_t e = 0; e < n; e += (e < 300 ? 1 : 97)) {
        std::vector<float> g(first.begin() + static_cast<std::ptrdiff_t>(e * h),
                             first.begin() + static_cast<std::ptrdiff_t>((e + 1) * h));
        std::vector<double> gd(g.begin(), g.end());
        for (std::size_t c = 0; c < h; ++c) gd[c] = std::max(r.g(e, c), 0.0);
        for (std::size_t l = 0; l < layers; ++l) {
          std::vector<float> next(h);
          std::vector<double> next_d(h);
          for (std::size_t c = 0; c < h; ++c) {
            float acc = 0.0F;
            double acc_d = bias[l][c];
            for (std::size_t k = 0; k < h; ++k) {
              acc = std::fma(g[k], w[l][c * h + k], acc);
              acc_d += gd[k] * static_cast<double>(w[l][c * h + k]);
            }
            next[c] = std::max(acc + bias[l][c], 0.0F);
            next_d[c] = std::max(acc_d, 0.0);
          }
          g = next;
          gd = next_d;
        }
        float logit = 0.0F;
        double logit_d = -0.5;
        for (std::size_t c = 0; c < h; ++c) {
          logit = std::fma(g[c], r.w_out[c], logit);
          logit_d += gd[c] * static_cast<double>(r.w_out[c]);
        }
        EXPECT_EQ(out[e], logit - 0.5F) << "h " << h << " layers " << layers << " edge " << e;
        EXPECT_NEAR(out[e], logit_d, 1e-4 * (1.0 + std::abs(logit_d))) << "h " << h << " edge " << e;
        spread += std::abs(logit_d + 0.5) > 0.1 ? 1 : 0;
      }
      EXPECT_GT(spread, 10U) << "the hidden layers should not be dead";
      std::vector<std::int64_t> bad = r.i;
      bad[n / 2 + 1] = -static_cast<std::int64_t>(RandomFirstLayer::kA) - 1;  // below -Na
      in.i = bad.data();
      EXPECT_EQ(run(out.data()), n / 2 + 1) << h;
    }
  }
}

TEST(NodeUpdate, EqualsTheDefinitionInDoublePrecisionAndDoesNotDependOnThreads) {
  // out = h + (relu([LN](((h w0^T + b0) + agg_in w1) + agg_out w2)) w3^T + b3), w0 and w3 in Gemm
  // layout, w1 and w2 in MatMul layout; widths compiled for (48, 64) and others (12, 20, 70),
  // with and without LayerNorm, node counts with partial blocks, on one thread and several.
  for (const std::size_t h : {12U, 20U, 48U, 64U, 70U}) {
    for (const bool ln : {false, true}) {
      const std::size_t n = h == 48 ? 9001 : 101;  // 48: the parallel path
      std::mt19937 rng(static_cast<unsigned>(h * 2 + (ln ? 1 : 0)));
      std::normal_distribution<float> normal(0.0F, 1.0F);
      const auto random = [&](std::size_t size, float sigma) {
        std::vector<float> v(size);
        for (float& x : v) x = sigma * normal(rng);
        return v;
      };
      const float ws = 1.0F / std::sqrt(static_cast<float>(h));
      const std::vector<float> x = random(n * h, 1.0F), in = random(n * h, 1.0F),
                               out_msgs = random(n * h, 1.0F);
      const std::vector<float> w0 = random(h * h, ws), b0 = random(h, 0.3F), w1 = random(h * h, ws),
                               w2 = random(h * h, ws), w3 = random(h * h, ws), b3 = random(h, 0.3F),
                               scale = random(h, 1.0F), bias = random(h, 0.3F);
      NodeUpdateWeights w{h, w0.data(), b0.data(), w1.data(), w2.data(), w3.data(), b3.data()};
      if (ln) {
        w.ln_scale = scale.data();
        w.ln_bias = bias.data();
      }
      std::vector<float> out(n * h), out1(n * h);
      node_update(out.data(), x.data(), in.data(), out_msgs.data(), n, w);
      tbb::task_arena one(1);
      one.execute([&] { node_update(out1.data(), x.data(), in.data(), out_msgs.data(), n, w); });
      EXPECT_EQ(out1, out) << h;
      // NodeUpdateProject: the same states, and their products (Gemm with bias, MatMul) as FMA
      // chains over the inputs in order from 0, the bias after
      const std::vector<float> w_src = random(h * h, ws), b_src = random(h, 0.3F), w_dst = random(h * h, ws);
      NodeUpdateWeights wp = w;
      wp.w_src = w_src.data();
      wp.b_src = b_src.data();
      wp.w_dst = w_dst.data();
      std::vector<float> out2(n * h), src(n * h), dst(n * h);
      node_update(out2.data(), x.data(), in.data(), out_msgs.data(), n, wp, src.data(), dst.data());
      EXPECT_EQ(out2, out) << h;
      for (std::size_t r = 0; r < n; r += 13) {
        for (std::size_t c = 0; c < h; ++c) {
          float s_acc = 0.0F;
          float d_acc = 0.0F;
          for (std::size_t k = 0; k < h; ++k) {
            s_acc = std::fma(out[r * h + k], w_src[c * h + k], s_acc);
            d_acc = std::fma(out[r * h + k], w_dst[k * h + c], d_acc);
          }
          ASSERT_EQ(src[r * h + c], s_acc + b_src[c]) << h << " " << r << " " << c;
          ASSERT_EQ(dst[r * h + c], d_acc) << h << " " << r << " " << c;
        }
      }
      for (std::size_t r = 0; r < n; r += (r < 50 ? 1 : 37)) {
        std::vector<double> g(h);
        for (std::size_t c = 0; c < h; ++c) {
          double v = b0[c];
          for (std::size_t k = 0; k < h; ++k) {
            v += static_cast<double>(x[r * h + k]) * w0[c * h + k] +
                 static_cast<double>(in[r * h + k]) * w1[k * h + c] +
                 static_cast<double>(out_msgs[r * h + k]) * w2[k * h + c];
          }
          g[c] = v;
        }
        if (ln) {
          double mean = 0.0, var = 0.0;
          for (const double v : g) mean += v / static_cast<double>(h);
          for (const double v : g) var += (v - mean) * (v - mean) / static_cast<double>(h);
          for (std::size_t c = 0; c < h; ++c)
            g[c] = (g[c] - mean) / std::sqrt(var + 1e-5) * scale[c] + bias[c];
        }
        for (double& v : g) v = std::max(v, 0.0);
        for (std::size_t c = 0; c < h; ++c) {
          double v = b3[c];
          for (std::size_t k = 0; k < h; ++k) v += g[k] * static_cast<double>(w3[c * h + k]);
          const double expected = static_cast<double>(x[r * h + c]) + v;
          EXPECT_NEAR(out[r * h + c], expected, 1e-4 * (1.0 + std::abs(expected)))
              << "h " << h << " ln " << ln << " node " << r << " unit " << c;
        }
      }
    }
  }
}

}  // namespace
}  // namespace trkx
