// trkx's ONNX Runtime custom operator ai.trkx.ScatterAddRows: the kernel against a plain
// loop, on one and on several threads (its result must not depend on the thread count),
// and its refusal of an index outside the output rows.
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

}  // namespace
}  // namespace trkx
