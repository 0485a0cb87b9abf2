// Pipeline inference per event on a simulated pile-up-200 event (trkx::sim)
// with realistic-width random-weight models (make_test_models.py --realistic):
// embedding 7->256x4->8, filter 14->256->256->1, GNN-sized (node encoder,
// one message-passing step, 128->192->64->64 edge network).
//
//   .deps/venv/bin/python tests/pipeline/data/make_test_models.py --realistic build/<dir>/bench_models
//   TRKX_BENCH_MODELS=build/<dir>/bench_models build/<dir>/bench/bench_pipeline
//
// Each benchmark reports the peak resident memory growth during its runs
// (peak RSS is reset through /proc/self/clear_refs before each benchmark) and
// the resident memory left after the last run.
//
// BM_ShippedFilter / BM_ShippedGnn run the SHIPPED models (models/ of the
// source tree, or TRKX_BENCH_SHIPPED=DIR) as `trkx reconstruct` does, on a
// simulated pile-up-200 event: the filter on the first kShippedFilterEdges
// radius-graph candidates, the GNN on the filter-passing edges among every
// kShippedGnnStride-th candidate (spread over the whole event, all N hits
// fed), capped at kShippedGnnEdges. Variant 1 of the model argument uses the
// same models rewritten by `python -m trkx_train.export IN OUT` (optimise_graph),
// expected in TRKX_BENCH_OPT_MODELS or <build>/models-opt:
//
//   mkdir -p build/<dir>/models-opt
//   for f in filter gnn; do PYTHONPATH=python .deps/venv/bin/python -m trkx_train.export
//     models/$f.onnx build/<dir>/models-opt/$f.onnx; done
//   build/<dir>/bench/bench_pipeline --benchmark_filter=Shipped
//
// Counters: us_per_edge and ms_per_100k_edges (wall), nodes_per_call (node
// rows fed per ONNX call). TRKX_BENCH_PROFILE=PREFIX writes an ONNX Runtime
// per-op profile for each Shipped case (PREFIX_<case>_<date>.json).
#include <benchmark/benchmark.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>

#include "trkx/core/Timer.hpp"
#include "trkx/pipeline/EdgeClassifier.hpp"
#include "trkx/pipeline/Embedding.hpp"
#include "trkx/pipeline/HitFeatures.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/Pipeline.hpp"
#include "trkx/pipeline/RadiusGraph.hpp"
#include "trkx/pipeline/TruthGraph.hpp"
#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/Simulator.hpp"

namespace {

using namespace trkx;
namespace fs = std::filesystem;

constexpr std::size_t kNeighbours = 20;  // candidate edges per hit the radius is calibrated to
constexpr double kFilterKeep = 0.15;     // fraction of candidates the calibrated filter cut keeps
constexpr int kThreads = 2;              // intra-op threads (the machine's cores)
constexpr std::size_t kShippedFilterEdges = 1000000;  // candidates the shipped filter scores per run
constexpr std::size_t kShippedGnnStride = 4;          // GNN input: every 4th candidate that passes
constexpr std::size_t kShippedGnnEdges = 200000;      // the filter, at most this many

/// Everything computed once: event, features, calibrated model set and graphs.
struct Setup {
  Event event;
  Matrix features;
  ModelSet models;
  EdgeList candidates;  // oriented radius graph
  EdgeList filtered;    // candidates passing the calibrated filter cut
  std::string error;
};

fs::path models_dir() {
  if (const char* env = std::getenv("TRKX_BENCH_MODELS")) return env;
  return fs::path(TRKX_BINARY_DIR) / "bench_models";
}

void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

/// Radius at which a hit has ~k neighbours: median over a sample of hits of
/// the distance to their k-th nearest neighbour (brute force).
float calibrate_radius(const Matrix& points, std::size_t k) {
  std::mt19937 rng(3);
  std::uniform_int_distribution<std::size_t> pick(0, points.rows - 1);
  std::vector<float> kth;
  std::vector<float> d(points.rows);
  for (int s = 0; s < 200; ++s) {
    const std::size_t q = pick(rng);
    for (std::size_t j = 0; j < points.rows; ++j) {
      float sum = 0;
      for (std::size_t c = 0; c < points.cols; ++c) {
        const float diff = points(q, c) - points(j, c);
        sum += diff * diff;
      }
      d[j] = sum;
    }
    std::nth_element(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(k), d.end());
    kth.push_back(std::sqrt(d[k]));
  }
  std::nth_element(kth.begin(), kth.begin() + static_cast<std::ptrdiff_t>(kth.size() / 2), kth.end());
  return kth[kth.size() / 2];
}

const Setup& setup() {
  static const std::unique_ptr<Setup> s = [] {
    auto out = std::make_unique<Setup>();
    const fs::path dir = models_dir();
    if (!fs::is_regular_file(dir / "pipeline.json")) {
      out->error =
          "no models in " + dir.string() +
          "; run tests/pipeline/data/make_test_models.py --realistic DIR and set TRKX_BENCH_MODELS=DIR";
      return out;
    }
    sim::Simulator::Config sc;
    sc.seed = 11;
    out->event = sim::Simulator(sim::trackml_detector(), sc).simulate(1);
    out->features = HitFeatures().compute(out->event.hits.view(), out->event.cells.view());
    out->models = ModelSet::load(dir);
    // Feature ranges of the simulated event (are the scales O(1)?).
    for (std::size_t c = 0; c < out->features.cols; ++c) {
      float lo = 1e30F;
      float hi = -1e30F;
      double sum = 0;
      for (std::size_t i = 0; i < out->features.rows; ++i) {
        lo = std::min(lo, out->features(i, c));
        hi = std::max(hi, out->features(i, c));
        sum += out->features(i, c);
      }
      std::fprintf(stderr, "feature %-16s min %8.4f mean %8.4f max %8.4f\n",
                   HitFeatures::feature_names()[c].c_str(), static_cast<double>(lo),
                   sum / static_cast<double>(out->features.rows), static_cast<double>(hi));
    }
    OnnxConfig onnx;
    onnx.intra_op_threads = kThreads;
    const Embedding embedding(out->models.embedding->file, HitFeatures::n_features(),
                              out->models.embedding->dim, {.onnx = onnx});
    const Matrix embedded = embedding.run(out->features);
    out->models.embedding->radius = calibrate_radius(embedded, kNeighbours);
    out->models.embedding->max_neighbours = 64;
    out->candidates = RadiusGraphBuilder({out->models.embedding->radius, 64}).build(embedded);
    orient_outward(out->candidates, out->event.hits.view());
    const EdgeClassifier filter(out->models.filter->file, HitFeatures::n_features(),
                                {.onnx = onnx, .chunk_edges = 100000});
    const EdgeList scored = filter.classify(out->features, out->candidates);
    std::vector<float> sorted = scored.score;
    const auto keep_at =
        static_cast<std::ptrdiff_t>((1.0 - kFilterKeep) * static_cast<double>(sorted.size()));
    std::nth_element(sorted.begin(), sorted.begin() + keep_at, sorted.end());
    out->models.filter->cut = sorted.empty() ? 0.5F : sorted[static_cast<std::size_t>(keep_at)];
    out->filtered = select_edges(scored, out->models.filter->cut);
    std::fprintf(stderr, "event: %zu hits; radius %.4f -> %zu candidates; filter cut %.4f -> %zu edges\n",
                 out->event.hits.size(), static_cast<double>(out->models.embedding->radius),
                 out->candidates.size(), static_cast<double>(out->models.filter->cut), out->filtered.size());
    return out;
  }();
  return *s;
}

bool ready(benchmark::State& state) {
  if (!setup().error.empty()) {
    state.SkipWithError(setup().error.c_str());
    return false;
  }
  return true;
}

OnnxConfig onnx_config(const benchmark::State& state) {
  OnnxConfig c;
  c.intra_op_threads = kThreads;
  c.memory = static_cast<OrtMemoryMode>(state.range(0));
  c.io_binding = state.range(1) != 0;
  c.optimization_level = static_cast<int>(state.range(2));
  return c;
}

/// Process CPU time (all threads) per iteration [ms]: robust against other
/// load on the machine, unlike wall time.
class ProcessCpu {
 public:
  ProcessCpu() : start_(std::clock()) {}
  void report(benchmark::State& state) const {
    state.counters["process_cpu_ms"] =
        static_cast<double>(std::clock() - start_) * 1e3 / CLOCKS_PER_SEC /
        static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  }

 private:
  std::clock_t start_;
};

void memory_counters(benchmark::State& state, std::size_t rss_before) {
  state.counters["peak_rss_growth_MB"] =
      static_cast<double>(peak_rss_bytes() - std::min(peak_rss_bytes(), rss_before)) / 1e6;
  state.counters["rss_after_MB"] = static_cast<double>(current_rss_bytes()) / 1e6;
}

void BM_Embedding(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& s = setup();
  const Embedding embedding(s.models.embedding->file, HitFeatures::n_features(), s.models.embedding->dim,
                            {.onnx = onnx_config(state), .chunk_rows = 200000});
  auto ws = embedding.make_workspace();
  (void)embedding.run(s.features, ws.get());  // warm-up
  reset_peak_rss();
  const std::size_t before = current_rss_bytes();
  const ProcessCpu cpu;
  for (auto _ : state) benchmark::DoNotOptimize(embedding.run(s.features, ws.get()));
  state.counters["hits"] = static_cast<double>(s.features.rows);
  cpu.report(state);
  memory_counters(state, before);
}

void BM_Filter(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& s = setup();
  const auto chunk = static_cast<std::size_t>(state.range(3));
  const EdgeClassifier filter(s.models.filter->file, HitFeatures::n_features(),
                              {.onnx = onnx_config(state), .chunk_edges = chunk});
  auto ws = filter.make_workspace();
  (void)filter.classify(s.features, s.candidates, ws.get());
  reset_peak_rss();
  const std::size_t before = current_rss_bytes();
  const ProcessCpu cpu;
  for (auto _ : state) benchmark::DoNotOptimize(filter.classify(s.features, s.candidates, ws.get()));
  state.counters["edges"] = static_cast<double>(s.candidates.size());
  cpu.report(state);
  memory_counters(state, before);
}

void BM_Gnn(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& s = setup();
  const EdgeClassifier gnn(s.models.gnn->file, HitFeatures::n_features(), {.onnx = onnx_config(state)});
  auto ws = gnn.make_workspace();
  (void)gnn.classify(s.features, s.filtered, ws.get());
  reset_peak_rss();
  const std::size_t before = current_rss_bytes();
  const ProcessCpu cpu;
  for (auto _ : state) benchmark::DoNotOptimize(gnn.classify(s.features, s.filtered, ws.get()));
  state.counters["edges"] = static_cast<double>(s.filtered.size());
  cpu.report(state);
  memory_counters(state, before);
}

/// The whole chain on the event, per-stage wall times as counters [ms].
void BM_Pipeline(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& s = setup();
  Pipeline::Config config;
  config.onnx = onnx_config(state);
  const Pipeline pipeline(s.models, config);
  auto ws = pipeline.make_workspace();
  (void)pipeline.run(s.event, *ws);
  reset_peak_rss();
  const std::size_t before = current_rss_bytes();
  PipelineResult last;
  const ProcessCpu cpu;
  for (auto _ : state) last = pipeline.run(s.event, *ws);
  for (const auto& st : last.stages) {
    state.counters[st.name + "_ms"] = st.wall_seconds * 1e3;
    if (st.name == "radius_graph") state.counters["candidates"] = static_cast<double>(st.items_out);
    if (st.name == "filter") state.counters["filtered"] = static_cast<double>(st.items_out);
  }
  state.counters["hits"] = static_cast<double>(last.n_hits);
  cpu.report(state);
  memory_counters(state, before);
}

/// The shipped models on a simulated PU200 event (see the file comment).
struct Shipped {
  Matrix features;
  Matrix embedded;  // the shipped embedding of `features` (the radius graph's points)
  ModelSet models;
  fs::path optimised;     // directory with the optimise_graph versions of filter.onnx / gnn.onnx
  EdgeList filter_edges;  // first kShippedFilterEdges oriented candidates
  EdgeList gnn_edges;     // filter-passing edges of a strided sample of the candidates
  std::size_t n_candidates = 0;
  std::string error;
};

const Shipped& shipped() {
  static const std::unique_ptr<Shipped> s = [] {
    auto out = std::make_unique<Shipped>();
    const char* env = std::getenv("TRKX_BENCH_SHIPPED");
    const fs::path dir = env != nullptr ? fs::path(env) : fs::path(TRKX_SOURCE_DIR) / "models";
    const char* opt = std::getenv("TRKX_BENCH_OPT_MODELS");
    out->optimised = opt != nullptr ? fs::path(opt) : fs::path(TRKX_BINARY_DIR) / "models-opt";
    try {
      out->models = ModelSet::load(dir);
      if (!out->models.embedding || !out->models.filter || !out->models.gnn) {
        out->error = dir.string() + " lacks one of embedding, filter, gnn";
        return out;
      }
      sim::Simulator::Config sc;
      sc.seed = 21;
      const Event event = sim::Simulator(sim::trackml_detector(), sc).simulate(1);
      out->features = HitFeatures().compute(event.hits.view(), event.cells.view());
      OnnxConfig onnx;
      onnx.intra_op_threads = kThreads;
      const auto& emb = *out->models.embedding;
      out->embedded =
          Embedding(emb.file, HitFeatures::n_features(), emb.dim, {.onnx = onnx}).run(out->features);
      EdgeList candidates = RadiusGraphBuilder({emb.radius, emb.max_neighbours}).build(out->embedded);
      orient_outward(candidates, event.hits.view());
      out->n_candidates = candidates.size();
      const std::size_t n_filter = std::min(kShippedFilterEdges, candidates.size());
      out->filter_edges.src.assign(candidates.src.begin(),
                                   candidates.src.begin() + static_cast<std::ptrdiff_t>(n_filter));
      out->filter_edges.dst.assign(candidates.dst.begin(),
                                   candidates.dst.begin() + static_cast<std::ptrdiff_t>(n_filter));
      EdgeList sample;
      for (std::size_t e = 0; e < candidates.size(); e += kShippedGnnStride) {
        sample.src.push_back(candidates.src[e]);
        sample.dst.push_back(candidates.dst[e]);
      }
      const EdgeClassifier filter(out->models.filter->file, HitFeatures::n_features(),
                                  {.onnx = onnx, .chunk_edges = 100000});
      EdgeList passed = select_edges(filter.classify(out->features, sample), out->models.filter->cut);
      // Evenly spaced over the passing edges (hence over the whole event).
      const double step =
          std::max(1.0, static_cast<double>(passed.size()) / static_cast<double>(kShippedGnnEdges));
      for (double k = 0; k < static_cast<double>(passed.size()) && out->gnn_edges.size() < kShippedGnnEdges;
           k += step) {
        out->gnn_edges.src.push_back(passed.src[static_cast<std::size_t>(k)]);
        out->gnn_edges.dst.push_back(passed.dst[static_cast<std::size_t>(k)]);
      }
      std::fprintf(stderr,
                   "shipped models %s: %zu hits, %zu candidates (filter runs on %zu), GNN on %zu edges\n",
                   dir.string().c_str(), out->features.rows, out->n_candidates, out->filter_edges.size(),
                   out->gnn_edges.size());
    } catch (const std::exception& e) {
      out->error = e.what();
    }
    return out;
  }();
  return *s;
}

/// Model file of a Shipped case: variant 0 = as shipped, 1 = optimise_graph rewrite.
bool shipped_model(benchmark::State& state, const char* name, fs::path& file) {
  const auto& s = shipped();
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return false;
  }
  file = state.range(0) == 0 ? (std::string(name) == "gnn" ? s.models.gnn->file : s.models.filter->file)
                             : s.optimised / (std::string(name) + ".onnx");
  if (!fs::is_regular_file(file)) {
    const std::string msg = file.string() + " missing (see the file comment: python -m trkx_train.export)";
    state.SkipWithError(msg.c_str());
    return false;
  }
  return true;
}

OnnxConfig shipped_onnx(const benchmark::State& state, const char* stage, int n_args, int threads,
                        int spinning, int level) {
  OnnxConfig c;
  c.intra_op_threads = threads;
  c.allow_spinning = spinning != 0;
  c.optimization_level = level;
  if (const char* prefix = std::getenv("TRKX_BENCH_PROFILE")) {
    std::string name = stage;
    for (int k = 0; k < n_args; ++k) name += "_" + std::to_string(state.range(k));
    c.profile_prefix = std::string(prefix) + "_" + name;
  }
  return c;
}

void edge_counters(benchmark::State& state, std::size_t edges, double wall_seconds, std::size_t runs,
                   std::size_t nodes_fed) {
  const double per_run =
      wall_seconds / static_cast<double>(std::max<benchmark::IterationCount>(1, state.iterations()));
  state.counters["edges"] = static_cast<double>(edges);
  state.counters["us_per_edge"] = per_run * 1e6 / static_cast<double>(edges);
  state.counters["ms_per_100k_edges"] = per_run * 1e3 * 1e5 / static_cast<double>(edges);
  state.counters["nodes_per_call"] =
      runs == 0 ? 0.0 : static_cast<double>(nodes_fed) / static_cast<double>(runs);
}

/// Times classifier.classify on (features, edges) per iteration after one warm-up call and
/// reports wall/CPU time per edge, nodes fed per ONNX call and memory growth.
void measure_classify(benchmark::State& state, const EdgeClassifier& classifier, const Matrix& features,
                      const EdgeList& edges) {
  auto ws = classifier.make_workspace();
  (void)classifier.classify(features, edges, ws.get());  // warm-up
  ws->runs = 0;
  ws->nodes_fed = 0;
  reset_peak_rss();
  const std::size_t before = current_rss_bytes();
  const ProcessCpu cpu;
  double wall = 0;
  for (auto _ : state) {
    const StageTimer timer;
    benchmark::DoNotOptimize(classifier.classify(features, edges, ws.get()));
    wall += timer.wall_seconds();
  }
  edge_counters(state, edges.size(), wall, ws->runs, ws->nodes_fed);
  cpu.report(state);
  memory_counters(state, before);
}

// Args: model (0 shipped, 1 optimised export), chunk edges, compact nodes, threads, spinning, opt level.
void BM_ShippedFilter(benchmark::State& state) {
  fs::path file;
  if (!shipped_model(state, "filter", file)) return;
  const auto& s = shipped();
  EdgeClassifier::Config config;
  config.onnx = shipped_onnx(state, "filter", 6, static_cast<int>(state.range(3)),
                             static_cast<int>(state.range(4)), static_cast<int>(state.range(5)));
  config.chunk_edges = static_cast<std::size_t>(state.range(1));
  config.compact_nodes = state.range(2) != 0;
  const EdgeClassifier filter(file, HitFeatures::n_features(), config);
  measure_classify(state, filter, s.features, s.filter_edges);
}

// Args: model (0 shipped, 1 optimised export), threads, spinning, opt level, edges (the first
// `edges` of the evenly spaced GNN sample; all N hits are fed either way).
void BM_ShippedGnn(benchmark::State& state) {
  fs::path file;
  if (!shipped_model(state, "gnn", file)) return;
  const auto& s = shipped();
  const auto n_edges = std::min(static_cast<std::size_t>(state.range(4)), s.gnn_edges.size());
  EdgeList edges;
  edges.src.assign(s.gnn_edges.src.begin(), s.gnn_edges.src.begin() + static_cast<std::ptrdiff_t>(n_edges));
  edges.dst.assign(s.gnn_edges.dst.begin(), s.gnn_edges.dst.begin() + static_cast<std::ptrdiff_t>(n_edges));
  EdgeClassifier::Config config;
  config.onnx = shipped_onnx(state, "gnn", 5, static_cast<int>(state.range(1)),
                             static_cast<int>(state.range(2)), static_cast<int>(state.range(3)));
  const EdgeClassifier gnn(file, HitFeatures::n_features(), config);
  state.counters["threads_used"] = gnn.intra_op_threads();
  measure_classify(state, gnn, s.features, edges);
}
// Args: threads, leaf size (0: the default, 32; session 22 on all-pt: 64 and 128 within noise or
// slower, 16 and 24 1.2-1.4x slower). The shipped set's radius graph (its radius and neighbour cap) on
// the shipped embedding of the simulated event: the points `trkx reconstruct` searches (bench_graph's
// synthetic points have ~30 neighbours each and rarely reach a cap; models/all-pt's have ~4x
// its cap of 96 within the radius).
void BM_ShippedRadiusGraph(benchmark::State& state) {
  const auto& s = shipped();
  if (!s.error.empty()) {
    state.SkipWithError(s.error.c_str());
    return;
  }
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(state.range(0)));
  const auto& emb = *s.models.embedding;
  RadiusGraphBuilder::Config config{emb.radius, emb.max_neighbours};
  if (state.range(1) > 0) config.leaf_size = static_cast<std::size_t>(state.range(1));
  const RadiusGraphBuilder builder(config);
  std::size_t edges = 0;
  const ProcessCpu cpu;
  for (auto _ : state) {
    const EdgeList graph = builder.build(s.embedded);
    edges = graph.size();
    benchmark::DoNotOptimize(graph.src.data());
  }
  state.counters["points"] = static_cast<double>(s.embedded.rows);
  state.counters["edges"] = static_cast<double>(edges);
  cpu.report(state);
}

/// The embedding in chunks (Args: rows per call, 0 = all; lanes = calls at once, each on one
/// ONNX thread; lanes 1 = one call at a time on kThreads intra-op threads), release mode.
void BM_EmbeddingChunks(benchmark::State& state) {
  if (!ready(state)) return;
  const auto& s = setup();
  Embedding::Config config;
  config.onnx.intra_op_threads = kThreads;
  config.onnx.memory = OrtMemoryMode::kRelease;
  config.chunk_rows = static_cast<std::size_t>(state.range(0));
  config.chunk_threads = static_cast<std::size_t>(state.range(1));
  if (config.chunk_threads > 1) config.onnx.intra_op_threads = 1;
  const Embedding embedding(s.models.embedding->file, HitFeatures::n_features(), s.models.embedding->dim,
                            config);
  auto ws = embedding.make_workspace();
  (void)embedding.run(s.features, ws.get());  // warm-up
  const ProcessCpu cpu;
  for (auto _ : state) benchmark::DoNotOptimize(embedding.run(s.features, ws.get()));
  state.counters["hits"] = static_cast<double>(s.features.rows);
  cpu.report(state);
}

constexpr int kArena = static_cast<int>(OrtMemoryMode::kArena);
constexpr int kRelease = static_cast<int>(OrtMemoryMode::kRelease);
constexpr int kNoArena = static_cast<int>(OrtMemoryMode::kNoArena);

// Args: memory mode (0 arena, 1 release, 2 no-arena), IO binding, optimisation level[, filter chunk].
BENCHMARK(BM_Embedding)
    ->ArgNames({"mem", "bind", "opt"})
    ->Args({kArena, 1, 99})
    ->Args({kArena, 0, 99})
    ->Args({kRelease, 1, 99})
    ->Args({kNoArena, 1, 99})
    ->Args({kArena, 1, 0})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_EmbeddingChunks)
    ->ArgNames({"rows", "lanes"})
    ->Args({0, 1})
    ->Args({0, 2})
    ->Args({16384, 2})
    ->Args({4096, 2})
    ->Args({4096, 1})
    ->Args({1024, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(5);
BENCHMARK(BM_Filter)
    ->ArgNames({"mem", "bind", "opt", "chunk"})
    ->Args({kArena, 1, 99, 100000})
    ->Args({kArena, 0, 99, 100000})
    ->Args({kArena, 1, 99, 0})
    ->Args({kRelease, 1, 99, 100000})
    ->Args({kNoArena, 1, 99, 100000})
    ->Args({kArena, 1, 0, 100000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_Gnn)
    ->ArgNames({"mem", "bind", "opt"})
    ->Args({kArena, 1, 99})
    ->Args({kArena, 0, 99})
    ->Args({kRelease, 1, 99})
    ->Args({kNoArena, 1, 99})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);
BENCHMARK(BM_Pipeline)
    ->ArgNames({"mem", "bind", "opt"})
    ->Args({kArena, 1, 99})
    ->Args({kRelease, 1, 99})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(2);

BENCHMARK(BM_ShippedFilter)
    ->ArgNames({"model", "chunk", "compact", "threads", "spin", "opt"})
    ->Args({0, 100000, 0, 2, 1, 99})  // before: 100k chunks, all N nodes per call, 2 spinning threads
    ->Args({0, 100000, 0, 1, 1, 99})  // before, 1 thread
    ->Args({0, 100000, 1, 1, 1, 99})  // + each call gets only its chunk's nodes
    ->Args({1, 100000, 1, 1, 1, 99})  // + optimise_graph export
    ->Args({1, 4096, 1, 1, 1, 99})    // + 4k chunks (the new default)
    ->Args({1, 2048, 1, 1, 1, 99})
    ->Args({1, 8192, 1, 1, 1, 99})
    ->Args({1, 32768, 1, 1, 1, 99})
    ->Args({1, 4096, 1, 1, 1, 0})   // no graph optimisation
    ->Args({1, 4096, 1, 2, 1, 99})  // 2 spinning threads
    ->Args({1, 4096, 1, 2, 0, 99})  // 2 threads without spinning (the new default)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_ShippedRadiusGraph)
    ->ArgNames({"threads", "leaf"})
    ->ArgsProduct({{1, 2}, {0}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);
BENCHMARK(BM_ShippedGnn)
    ->ArgNames({"model", "threads", "spin", "opt", "edges"})
    ->Args({0, 2, 1, 99, 200000})  // as shipped: ScatterElements
    ->Args({1, 2, 1, 99, 200000})  // optimise_graph export: ScatterND
    ->Args({0, 1, 1, 99, 200000})
    ->Args({1, 1, 1, 99, 200000})
    ->Args({1, 1, 1, 99, 100000})  // per-edge slope: 200k minus 100k
    ->Args({1, 2, 0, 99, 200000})
    ->Args({1, 1, 1, 0, 200000})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace

BENCHMARK_MAIN();
