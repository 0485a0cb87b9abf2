// trkx's ONNX Runtime custom operators. ai.trkx.ScatterAddRows: the kernel against a plain
// loop, on one and on several threads (its result must not depend on the thread count),
// and its refusal of an index outside the output rows. ai.trkx.GatherPairAdd: the kernel
// against a plain loop (bit-identical), ONNX Gather's negative indices, and the first edge
// with an index outside its rows reported on any thread count.
#include "trkx/pipeline/OnnxCustomOps.hpp"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

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

}  // namespace
}  // namespace trkx
