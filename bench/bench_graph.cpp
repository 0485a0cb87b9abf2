// Graph construction and track building, side by side with peer libraries:
//  - fixed-radius graph on 100k track-like 8-D embedding points (~30
//    neighbours each): trkx RadiusGraphBuilder vs nanoflann (k-d tree radius
//    search) vs FAISS (IndexFlatL2 range_search, exact; IVF, approximate);
//  - connected components on 100k nodes / 150k random edges: trkx vs
//    Boost.Graph; plus the two track builders on a track-like scored graph.
// The argument of every benchmark is the thread count. Every radius search
// produces the same output, an EdgeList of pairs i < j sorted by (i, j), and
// reports `pairs`, `nbrs/pt` and `match` (1 = identical to trkx's edge set)
// or `recall` (fraction of trkx's pairs found, for approximate/other-metric
// searches). FAISS IndexFlatL2 is brute force and alone takes ~30 s of CPU
// per thread count; skip it with --benchmark_filter=-FaissFlat.
// Compare CPU times of the 1-thread runs (exact on a busy machine); with 2
// threads Google Benchmark's CPU column counts the main thread only.

#include <benchmark/benchmark.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <omp.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <nanoflann.hpp>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

#include "trkx/pipeline/RadiusGraph.hpp"
#include "trkx/pipeline/TrackBuilding.hpp"

namespace {

using trkx::EdgeList;
using trkx::Matrix;

constexpr std::size_t kPoints = 100000;
constexpr std::size_t kDim = 8;
constexpr float kRadius = 0.09F;  // ~30 neighbours per point on this data
constexpr std::uint64_t kSeed = 2026;

const Matrix& embedding() {
  static const Matrix points = trkx::make_track_like_embedding(kPoints, kDim, kSeed);
  return points;
}

/// The reference answer: trkx without cap (the peers do not cap either).
const EdgeList& reference_edges() {
  static const EdgeList edges =
      trkx::RadiusGraphBuilder({.radius = kRadius, .max_neighbours = 0}).build(embedding());
  return edges;
}

/// Sorted EdgeList (i < j) from per-query neighbour lists (any order).
EdgeList edges_from_rows(std::vector<std::vector<std::int64_t>>& rows) {
  EdgeList edges;
  std::size_t total = 0;
  for (auto& row : rows) total += row.size();
  edges.reserve(total);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    std::sort(rows[i].begin(), rows[i].end());
    for (const std::int64_t j : rows[i]) {
      edges.src.push_back(static_cast<std::int64_t>(i));
      edges.dst.push_back(j);
    }
  }
  return edges;
}

void report(benchmark::State& state, const EdgeList& edges, bool exact_metric) {
  const EdgeList& ref = reference_edges();
  state.counters["pairs"] = static_cast<double>(edges.size());
  state.counters["nbrs/pt"] = 2.0 * static_cast<double>(edges.size()) / static_cast<double>(kPoints);
  state.counters["points/s"] =
      benchmark::Counter(static_cast<double>(kPoints), benchmark::Counter::kIsIterationInvariantRate);
  if (exact_metric) {
    state.counters["match"] = edges.src == ref.src && edges.dst == ref.dst ? 1.0 : 0.0;
  } else {
    // Fraction of reference pairs found (both lists sorted).
    std::size_t found = 0;
    std::size_t a = 0;
    for (std::size_t b = 0; b < ref.size(); ++b) {
      const auto key = std::make_pair(ref.src[b], ref.dst[b]);
      while (a < edges.size() && std::make_pair(edges.src[a], edges.dst[a]) < key) ++a;
      if (a < edges.size() && std::make_pair(edges.src[a], edges.dst[a]) == key) ++found;
    }
    state.counters["recall"] = static_cast<double>(found) / static_cast<double>(ref.size());
  }
}

// ---- radius graph: trkx ------------------------------------------------------

/// Arguments: threads, k cap (0 = none; 64 is what the pipeline uses).
void BM_RadiusGraph_Trkx(benchmark::State& state) {
  const Matrix& points = embedding();
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(state.range(0)));
  const auto cap = static_cast<std::size_t>(state.range(1));
  const trkx::RadiusGraphBuilder builder({.radius = kRadius, .max_neighbours = cap});
  EdgeList edges;
  for (auto _ : state) {
    edges = builder.build(points);
    benchmark::DoNotOptimize(edges.src.data());
  }
  report(state, edges, cap == 0);
}
BENCHMARK(BM_RadiusGraph_Trkx)
    ->ArgNames({"threads", "cap"})
    ->ArgsProduct({{1, 2}, {0, 64}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

// ---- radius graph: nanoflann ---------------------------------------------------

struct MatrixAdaptor {
  const Matrix& m;
  [[nodiscard]] std::size_t kdtree_get_point_count() const { return m.rows; }
  [[nodiscard]] float kdtree_get_pt(std::size_t i, std::size_t d) const { return m(i, d); }
  template <class Box>
  bool kdtree_get_bbox(Box& /*box*/) const {
    return false;
  }
};

/// Index build + radius search of every point + edge list. With Distance =
/// double the metric equals trkx's (float differences, double sum) and the
/// edge sets must match; Distance = float is nanoflann's fastest setting.
template <typename Distance>
void BM_RadiusGraph_Nanoflann(benchmark::State& state) {
  const Matrix& points = embedding();
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(state.range(0)));
  const auto leaf = static_cast<std::size_t>(state.range(1));
  using Tree = nanoflann::KDTreeSingleIndexAdaptor<nanoflann::L2_Adaptor<float, MatrixAdaptor, Distance>,
                                                   MatrixAdaptor, static_cast<int>(kDim), std::uint32_t>;
  const auto r2 = static_cast<Distance>(static_cast<double>(kRadius) * static_cast<double>(kRadius));
  EdgeList edges;
  for (auto _ : state) {
    const MatrixAdaptor adaptor{points};
    Tree tree(static_cast<int>(kDim), adaptor, nanoflann::KDTreeSingleIndexAdaptorParams(leaf));
    tree.buildIndex();
    std::vector<std::vector<std::int64_t>> rows(points.rows);
    tbb::enumerable_thread_specific<std::vector<std::pair<std::uint32_t, Distance>>> found_local;
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, points.rows, 256), [&](const auto& range) {
      auto& found = found_local.local();
      for (std::size_t i = range.begin(); i != range.end(); ++i) {
        tree.radiusSearch(points.row(i), r2, found, nanoflann::SearchParams(32, 0.0F, false));
        for (const auto& [j, d2] : found) {
          if (j > i) rows[i].push_back(j);
        }
      }
    });
    edges = edges_from_rows(rows);
    benchmark::DoNotOptimize(edges.src.data());
  }
  report(state, edges, std::is_same_v<Distance, double>);
}
BENCHMARK(BM_RadiusGraph_Nanoflann<double>)
    ->ArgNames({"threads", "leaf"})
    ->Args({1, 10})
    ->Args({1, 32})
    ->Args({2, 10})
    ->Args({2, 32})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);
BENCHMARK(BM_RadiusGraph_Nanoflann<float>)
    ->ArgNames({"threads", "leaf"})
    ->Args({1, 10})
    ->Args({1, 32})
    ->Args({2, 32})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(1.0);

// ---- radius graph: FAISS -------------------------------------------------------

/// FAISS range results (squared L2 < r2, FAISS's own float arithmetic) as an edge list.
EdgeList edges_from_faiss(const faiss::RangeSearchResult& result) {
  std::vector<std::vector<std::int64_t>> rows(result.nq);
  for (std::size_t i = 0; i < result.nq; ++i) {
    for (std::size_t k = result.lims[i]; k < result.lims[i + 1]; ++k) {
      if (result.labels[k] > static_cast<faiss::Index::idx_t>(i)) rows[i].push_back(result.labels[k]);
    }
  }
  return edges_from_rows(rows);
}

/// Exact brute force (IndexFlatL2): add + range_search of every point + edge list.
void BM_RadiusGraph_FaissFlat(benchmark::State& state) {
  const Matrix& points = embedding();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  EdgeList edges;
  for (auto _ : state) {
    faiss::IndexFlatL2 index(static_cast<faiss::Index::idx_t>(kDim));
    index.add(static_cast<faiss::Index::idx_t>(points.rows), points.data.data());
    faiss::RangeSearchResult result(static_cast<faiss::Index::idx_t>(points.rows));
    index.range_search(static_cast<faiss::Index::idx_t>(points.rows), points.data.data(), kRadius * kRadius,
                       &result);
    edges = edges_from_faiss(result);
    benchmark::DoNotOptimize(edges.src.data());
  }
  report(state, edges, false);
}
BENCHMARK(BM_RadiusGraph_FaissFlat)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(1);

/// Approximate (IndexIVFFlat, nlist 1024, nprobe 8): k-means training happens
/// once outside the timed loop; add + range_search + edge list are timed.
void BM_RadiusGraph_FaissIVF(benchmark::State& state) {
  const Matrix& points = embedding();
  omp_set_num_threads(static_cast<int>(state.range(0)));
  const auto n = static_cast<faiss::Index::idx_t>(points.rows);
  faiss::IndexFlatL2 quantizer(static_cast<faiss::Index::idx_t>(kDim));
  faiss::IndexIVFFlat trained(&quantizer, kDim, 1024);
  trained.train(n, points.data.data());
  EdgeList edges;
  for (auto _ : state) {
    trained.reset();
    trained.nprobe = 8;
    trained.add(n, points.data.data());
    faiss::RangeSearchResult result(n);
    trained.range_search(n, points.data.data(), kRadius * kRadius, &result);
    edges = edges_from_faiss(result);
    benchmark::DoNotOptimize(edges.src.data());
  }
  report(state, edges, false);
}
BENCHMARK(BM_RadiusGraph_FaissIVF)
    ->Arg(1)
    ->Arg(2)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Iterations(3);

// ---- connected components --------------------------------------------------------

constexpr std::size_t kNodes = 100000;
constexpr std::size_t kEdges = 150000;

const EdgeList& random_graph() {
  static const EdgeList edges = [] {
    EdgeList out;
    std::uint64_t state = 12345;
    auto next = [&] {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      return state >> 17;
    };
    for (std::size_t e = 0; e < kEdges; ++e) {
      out.src.push_back(static_cast<std::int64_t>(next() % kNodes));
      out.dst.push_back(static_cast<std::int64_t>(next() % kNodes));
      out.score.push_back(static_cast<float>(next() % 1000) / 1000.0F);
    }
    return out;
  }();
  return edges;
}

void report_components(benchmark::State& state, const trkx::TrackLabels& labels) {
  state.counters["components"] =
      labels.empty() ? 0.0 : static_cast<double>(*std::max_element(labels.begin(), labels.end()) + 1);
  state.counters["edges/s"] =
      benchmark::Counter(static_cast<double>(kEdges), benchmark::Counter::kIsIterationInvariantRate);
}

void BM_ConnectedComponents_Trkx(benchmark::State& state) {
  const EdgeList& edges = random_graph();
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(state.range(0)));
  trkx::TrackLabels labels;
  for (auto _ : state) {
    labels = trkx::connected_components(kNodes, edges);
    benchmark::DoNotOptimize(labels.data());
  }
  report_components(state, labels);
}
BENCHMARK(BM_ConnectedComponents_Trkx)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

using BoostGraph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;

/// Same input (an EdgeList) to the same output (a label per node): building
/// Boost's graph is part of the cost.
void BM_ConnectedComponents_Boost(benchmark::State& state) {
  const EdgeList& edges = random_graph();
  trkx::TrackLabels labels;
  for (auto _ : state) {
    BoostGraph graph(kNodes);
    for (std::size_t e = 0; e < edges.size(); ++e) {
      boost::add_edge(static_cast<std::size_t>(edges.src[e]), static_cast<std::size_t>(edges.dst[e]), graph);
    }
    std::vector<int> component(kNodes);
    boost::connected_components(graph, component.data());
    labels.assign(component.begin(), component.end());
    benchmark::DoNotOptimize(labels.data());
  }
  report_components(state, labels);
}
BENCHMARK(BM_ConnectedComponents_Boost)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

/// Boost's connected_components alone on a prebuilt graph.
void BM_ConnectedComponents_BoostPrebuilt(benchmark::State& state) {
  const EdgeList& edges = random_graph();
  BoostGraph graph(kNodes);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    boost::add_edge(static_cast<std::size_t>(edges.src[e]), static_cast<std::size_t>(edges.dst[e]), graph);
  }
  trkx::TrackLabels labels;
  std::vector<int> component(kNodes);
  for (auto _ : state) {
    boost::connected_components(graph, component.data());
    benchmark::DoNotOptimize(component.data());
  }
  labels.assign(component.begin(), component.end());
  report_components(state, labels);
}
BENCHMARK(BM_ConnectedComponents_BoostPrebuilt)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

// ---- track builders on a track-like scored graph ------------------------------------

/// Directed, scored graph of the benchmark embedding: radius-graph edges
/// oriented by the first coordinate, scored high within a track-like
/// neighbourhood (a pseudo-random score otherwise).
const EdgeList& scored_graph() {
  static const EdgeList edges = [] {
    const Matrix& points = embedding();
    EdgeList out = trkx::RadiusGraphBuilder({.radius = 0.05F, .max_neighbours = 8}).build(points);
    out.score.resize(out.size());
    std::uint64_t state = 777;
    for (std::size_t e = 0; e < out.size(); ++e) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      out.score[e] = static_cast<float>(state >> 40) * 0x1.0p-24F;
      if (points(static_cast<std::size_t>(out.src[e]), 0) > points(static_cast<std::size_t>(out.dst[e]), 0)) {
        std::swap(out.src[e], out.dst[e]);
      }
    }
    return out;
  }();
  return edges;
}

void BM_TrackBuilder_ConnectedComponents(benchmark::State& state) {
  const EdgeList& edges = scored_graph();
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(state.range(0)));
  const trkx::ConnectedComponentsTrackBuilder builder({.cut = 0.5F, .min_hits = 3});
  trkx::TrackLabels labels;
  for (auto _ : state) {
    labels = builder.build(kPoints, edges);
    benchmark::DoNotOptimize(labels.data());
  }
  state.counters["edges"] = static_cast<double>(edges.size());
  report_components(state, labels);
}
BENCHMARK(BM_TrackBuilder_ConnectedComponents)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_TrackBuilder_Walkthrough(benchmark::State& state) {
  const EdgeList& edges = scored_graph();
  tbb::global_control threads(tbb::global_control::max_allowed_parallelism,
                              static_cast<std::size_t>(state.range(0)));
  const trkx::WalkthroughTrackBuilder builder({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  trkx::TrackLabels labels;
  for (auto _ : state) {
    labels = builder.build(kPoints, edges);
    benchmark::DoNotOptimize(labels.data());
  }
  state.counters["edges"] = static_cast<double>(edges.size());
  report_components(state, labels);
}
BENCHMARK(BM_TrackBuilder_Walkthrough)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
