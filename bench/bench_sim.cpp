// Benchmarks of the detector simulation: whole events at several pile-up
// levels (one core), and the stages of a pile-up-200 event.
#include <benchmark/benchmark.h>

#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/Simulator.hpp"

namespace {

using trkx::sim::Simulator;

const trkx::DetectorGeometry& detector() {
  static const trkx::DetectorGeometry g = trkx::sim::trackml_detector();
  return g;
}

/// One full event (generation, transport, digitisation) at pile-up state.range(0), one thread.
void BM_SimulateEvent(benchmark::State& state) {
  Simulator::Config config;
  config.physics.pileup = static_cast<double>(state.range(0));
  const Simulator sim(detector(), config);
  std::uint64_t event_id = 0;
  double hits = 0;
  for (auto _ : state) {
    const auto event = sim.simulate(event_id++);
    hits += static_cast<double>(event.hits.size());
    benchmark::DoNotOptimize(event.hits.x.data());
  }
  state.counters["hits/event"] = benchmark::Counter(hits / static_cast<double>(state.iterations()));
  state.counters["hits/s"] = benchmark::Counter(hits, benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SimulateEvent)->Arg(50)->Arg(200)->Unit(benchmark::kMillisecond)->MinTime(2.0);

/// Stages of a pile-up-200 event: generation only, and generation + transport.
void BM_GeneratePileup200(benchmark::State& state) {
  const trkx::sim::EventGenerator generator;
  trkx::sim::Rng rng(1);
  for (auto _ : state) benchmark::DoNotOptimize(generator.generate(rng).data());
}
BENCHMARK(BM_GeneratePileup200)->Unit(benchmark::kMillisecond);

void BM_TransportPileup200(benchmark::State& state) {
  const trkx::sim::TrackingGeometry geometry(detector());
  const trkx::sim::EventGenerator generator;
  const trkx::sim::Propagator propagator(geometry, {});
  trkx::sim::Rng rng(1);
  for (auto _ : state) {
    auto particles = generator.generate(rng);
    std::vector<trkx::sim::SimHit> hits;
    propagator.transport_all(particles, rng, hits);
    benchmark::DoNotOptimize(hits.data());
  }
}
BENCHMARK(BM_TransportPileup200)->Unit(benchmark::kMillisecond);

/// Building the TrackML geometry and its navigation structure.
void BM_BuildGeometry(benchmark::State& state) {
  for (auto _ : state) {
    const trkx::sim::TrackingGeometry geometry(trkx::sim::trackml_detector());
    benchmark::DoNotOptimize(geometry.planes().data());
  }
}
BENCHMARK(BM_BuildGeometry)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
