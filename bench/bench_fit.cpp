// Helix / circle fits as the track building uses them (stitching, hit recovery,
// end trimming and extension make ~65k per pile-up-200 event): Pratt's circle
// fit on 6 hits of a 1 GeV track (the Newton-on-moments path) and on 6
// collinear hits (nearly straight tracks take the SVD path), side by side:
//
//   build/release/bench/bench_fit
//
// The ratio of the two is the speed-up of the Newton path over the SVD form.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <vector>

#include "trkx/eval/TrackParameters.hpp"

namespace {

/// 6 hits at radii 32..260 mm of a track of transverse radius `radius_mm` from
/// the origin (a straight line for radius 0), with 10 um Gaussian noise.
void hits(double radius_mm, std::vector<double>& x, std::vector<double>& y) {
  std::mt19937 rng(7);
  std::normal_distribution<double> noise(0.0, 0.01);
  x.clear();
  y.clear();
  for (const double r : {32.0, 72.0, 116.0, 172.0, 215.0, 260.0}) {
    if (radius_mm == 0.0) {
      x.push_back(r * std::cos(0.3) + noise(rng));
      y.push_back(r * std::sin(0.3) + noise(rng));
      continue;
    }
    const double turn = 2.0 * std::asin(r / (2.0 * radius_mm));
    x.push_back(radius_mm * std::sin(turn) + noise(rng));
    y.push_back(radius_mm * (1.0 - std::cos(turn)) + noise(rng));
  }
}

void BM_FitCircle(benchmark::State& state, double radius_mm) {
  std::vector<double> x;
  std::vector<double> y;
  hits(radius_mm, x, y);
  double sum = 0.0;
  for (auto _ : state) {
    const trkx::eval::CircleFit fit = trkx::eval::fit_circle(x, y);
    sum += fit.curvature;
    benchmark::DoNotOptimize(sum);
  }
  state.counters["radius_mm"] = radius_mm == 0.0 ? 0.0 : 1.0 / trkx::eval::fit_circle(x, y).curvature;
}

}  // namespace

// 1 GeV in 2 T: radius 1668 mm (Newton path); a straight line (SVD path).
BENCHMARK_CAPTURE(BM_FitCircle, arc_1GeV_newton, 1668.0);
BENCHMARK_CAPTURE(BM_FitCircle, straight_svd, 0.0);

BENCHMARK_MAIN();
