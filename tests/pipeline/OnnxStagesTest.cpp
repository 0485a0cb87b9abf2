// Embedding and EdgeClassifier on the tiny fixed-weight models of
// tests/pipeline/data (make_test_models.py), recomputed here by hand.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "TinyEvent.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/pipeline/EdgeClassifier.hpp"
#include "trkx/pipeline/Embedding.hpp"
#include "trkx/pipeline/HitFeatures.hpp"

namespace trkx {
namespace {

namespace fs = std::filesystem;

fs::path model(const char* name) { return fs::path(test::test_data_dir()) / name; }

Matrix random_features(std::size_t n, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0F, 1.0F);
  Matrix m(n, 7);
  for (auto& v : m.data) v = u(rng);
  return m;
}

EdgeList random_edges(std::size_t n_nodes, std::size_t n_edges, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<std::int64_t> u(0, static_cast<std::int64_t>(n_nodes) - 1);
  EdgeList e;
  for (std::size_t i = 0; i < n_edges; ++i) {
    e.src.push_back(u(rng));
    e.dst.push_back(u(rng));
  }
  return e;
}

float sigmoid(float x) { return 1.0F / (1.0F + std::exp(-x)); }

float filter_score(const Matrix& f, std::int64_t a, std::int64_t b) {
  const auto i = static_cast<std::size_t>(a);
  const auto j = static_cast<std::size_t>(b);
  return sigmoid(3.0F - 100.0F * std::abs(f(j, 1) - f(i, 1)) - 10.0F * std::abs(f(j, 2) - f(i, 2)));
}

float gnn_score(const Matrix& f, std::int64_t a, std::int64_t b) {
  const auto i = static_cast<std::size_t>(a);
  const auto j = static_cast<std::size_t>(b);
  return sigmoid(4.0F - 200.0F * std::abs(f(j, 1) - f(i, 1)) - 20.0F * std::abs(f(j, 2) - f(i, 2)) -
                 std::abs(f(j, 0) - f(i, 0)));
}

TEST(Embedding, MatchesTheModelArithmetic) {
  const Embedding embedding(model("embedding.onnx"), 7, 3, {});
  const Matrix f = random_features(100, 1);
  const Matrix e = embedding.run(f);
  ASSERT_EQ(e.rows, 100U);
  ASSERT_EQ(e.cols, 3U);
  for (std::size_t i = 0; i < f.rows; ++i) {
    EXPECT_NEAR(e(i, 0), f(i, 1), 1e-6);
    EXPECT_NEAR(e(i, 1), f(i, 2), 1e-6);
    EXPECT_NEAR(e(i, 2), 0.1F * f(i, 0), 1e-6);
  }
}

TEST(Embedding, ChunksBindingAndMemoryModesGiveIdenticalResults) {
  const Matrix f = random_features(1000, 2);
  Embedding::Config reference_config;
  reference_config.chunk_rows = 0;
  reference_config.onnx.io_binding = false;
  const Matrix reference = Embedding(model("embedding.onnx"), 7, 3, reference_config).run(f);
  for (const auto mode : {OrtMemoryMode::kArena, OrtMemoryMode::kRelease, OrtMemoryMode::kNoArena}) {
    for (const bool binding : {true, false}) {
      for (const std::size_t lanes : {1, 2, 5}) {  // 5 lanes for 4 chunks: 4 run
        Embedding::Config config;
        config.chunk_rows = 300;  // 4 calls, the last one short
        config.chunk_threads = lanes;
        config.onnx.intra_op_threads = 1;
        config.onnx.memory = mode;
        config.onnx.io_binding = binding;
        const Embedding embedding(model("embedding.onnx"), 7, 3, config);
        auto ws = embedding.make_workspace();
        for (int call = 0; call < 2; ++call) {  // the workspace (and its lanes) reused
          EXPECT_EQ(embedding.run(f, ws.get()).data, reference.data)
              << to_string(mode) << " binding " << binding << " lanes " << lanes;
          EXPECT_EQ(ws->runs, 4U * static_cast<std::size_t>(call + 1));
        }
      }
    }
  }
}

TEST(Embedding, EmptyInputGivesEmptyOutput) {
  const Embedding embedding(model("embedding.onnx"), 7, 3, {});
  const Matrix e = embedding.run(Matrix(0, 7));
  EXPECT_EQ(e.rows, 0U);
  EXPECT_EQ(e.cols, 3U);
  EXPECT_THROW((void)embedding.run(Matrix(4, 6)), Error);
}

TEST(EdgeClassifier, ScoresMatchTheModelArithmetic) {
  const Matrix f = random_features(50, 3);
  const EdgeList edges = random_edges(50, 200, 4);
  const EdgeClassifier filter(model("filter.onnx"), 7, {});
  const EdgeClassifier gnn(model("gnn.onnx"), 7, {});  // [E,1] output
  const EdgeList a = filter.classify(f, edges);
  const EdgeList b = gnn.classify(f, edges);
  ASSERT_EQ(a.score.size(), edges.size());
  ASSERT_EQ(b.score.size(), edges.size());
  EXPECT_EQ(a.src, edges.src);
  EXPECT_EQ(a.dst, edges.dst);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    EXPECT_NEAR(a.score[e], filter_score(f, edges.src[e], edges.dst[e]), 1e-5) << e;
    EXPECT_NEAR(b.score[e], gnn_score(f, edges.src[e], edges.dst[e]), 1e-5) << e;
  }
}

TEST(EdgeClassifier, ChunkedBindingAndMemoryModesGiveIdenticalScores) {
  const Matrix f = random_features(300, 5);
  const EdgeList edges = random_edges(300, 2500, 6);
  EdgeClassifier::Config reference_config;
  reference_config.onnx.io_binding = false;
  const auto reference = EdgeClassifier(model("filter.onnx"), 7, reference_config).classify(f, edges).score;
  for (const auto mode : {OrtMemoryMode::kArena, OrtMemoryMode::kRelease, OrtMemoryMode::kNoArena}) {
    for (const bool binding : {true, false}) {
      for (const bool compact : {true, false}) {
        EdgeClassifier::Config config;
        config.chunk_edges = 1000;  // 3 calls, the last one short
        config.compact_nodes = compact;
        config.onnx.memory = mode;
        config.onnx.io_binding = binding;
        const EdgeClassifier filter(model("filter.onnx"), 7, config);
        auto ws = filter.make_workspace();
        EXPECT_EQ(filter.classify(f, edges, ws.get()).score, reference)
            << to_string(mode) << " binding " << binding << " compact " << compact;
        EXPECT_EQ(ws->runs, 3U);
      }
    }
  }
}

TEST(EdgeClassifier, CompactNodesFeedsOnlyTheChunksNodes) {
  // 400 nodes; chunk k (500 edges) only uses nodes 100k..100k+59, some twice.
  const Matrix f = random_features(400, 13);
  EdgeList edges;
  for (std::int64_t chunk = 0; chunk < 3; ++chunk) {
    const EdgeList local = random_edges(60, 500, 14 + static_cast<unsigned>(chunk));
    for (std::size_t e = 0; e < local.size(); ++e) {
      edges.src.push_back(local.src[e] + 100 * chunk);
      edges.dst.push_back(local.dst[e] + 100 * chunk);
    }
  }
  for (const bool compact : {true, false}) {
    EdgeClassifier::Config config;
    config.chunk_edges = 500;
    config.compact_nodes = compact;
    const EdgeClassifier filter(model("filter.onnx"), 7, config);
    auto ws = filter.make_workspace();
    for (int event = 0; event < 2; ++event) {  // the node map is reset between chunks and events
      const EdgeList scored = filter.classify(f, edges, ws.get());
      for (std::size_t e = 0; e < edges.size(); ++e) {
        ASSERT_NEAR(scored.score[e], filter_score(f, edges.src[e], edges.dst[e]), 1e-5) << e;
      }
    }
    EXPECT_EQ(ws->runs, 6U);
    if (compact) {
      EXPECT_LE(ws->nodes_fed, 6U * 60U);
      EXPECT_GE(ws->nodes_fed, 6U * 50U);  // 500 random edges touch nearly all 60 nodes
    } else {
      EXPECT_EQ(ws->nodes_fed, 6U * 400U);
    }
  }
  // One call (no chunking): only the 180 nodes with edges are fed (nodes 60..99, 160..199 and
  // 260..399 have none); without compaction all 400 rows are.
  for (const bool compact : {true, false}) {
    EdgeClassifier::Config config;
    config.compact_nodes = compact;
    const EdgeClassifier whole(model("filter.onnx"), 7, config);
    auto ws = whole.make_workspace();
    (void)whole.classify(f, edges, ws.get());
    EXPECT_EQ(ws->nodes_fed, compact ? 180U : 400U);
  }
}

TEST(EdgeClassifier, ConcurrentChunksGiveTheSerialScores) {
  // chunk_threads > 1: chunks are classified by several lanes at once; every edge must get
  // exactly the score of the one-lane run, every chunk must run once, and a workspace
  // reused for a second event must still be right (lanes keep their buffers).
  const Matrix f = random_features(300, 31);
  const EdgeList edges = random_edges(300, 2300, 32);  // 5 chunks of 500, the last one short
  EdgeClassifier::Config serial_config;
  serial_config.chunk_edges = 500;
  const EdgeClassifier serial(model("filter.onnx"), 7, serial_config);
  const std::vector<float> expected = serial.classify(f, edges).score;
  for (const std::size_t threads : {2U, 3U, 8U}) {
    EdgeClassifier::Config config = serial_config;
    config.chunk_threads = threads;
    const EdgeClassifier concurrent(model("filter.onnx"), 7, config);
    auto ws = concurrent.make_workspace();
    for (int event = 0; event < 2; ++event) {
      const EdgeList scored = concurrent.classify(f, edges, ws.get());
      ASSERT_EQ(scored.score.size(), edges.size());
      for (std::size_t e = 0; e < edges.size(); ++e)
        ASSERT_EQ(scored.score[e], expected[e]) << threads << " " << e;
    }
    EXPECT_EQ(ws->runs, 10U) << threads;
    EXPECT_EQ(ws->lanes.size(), std::min<std::size_t>(threads, 5)) << threads;
  }
}

TEST(EdgeClassifier, CompactNodesInOneCallFeedsOnlyHitsWithEdges) {
  // With one call for all edges (a GNN), compact_nodes feeds only the hits that have edges.
  // (That a real message-passing GNN gives the same scores: ShippedModelsTest.cpp.)
  const Matrix f = random_features(500, 21);
  const EdgeList local = random_edges(120, 400, 22);
  EdgeList edges;
  for (std::size_t e = 0; e < local.size(); ++e) {  // nodes 3, 7, 11, ... of 0..479
    edges.src.push_back(3 + 4 * local.src[e]);
    edges.dst.push_back(3 + 4 * local.dst[e]);
  }
  std::vector<bool> used(500, false);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    used[static_cast<std::size_t>(edges.src[e])] = true;
    used[static_cast<std::size_t>(edges.dst[e])] = true;
  }
  const auto n_used = static_cast<std::size_t>(std::count(used.begin(), used.end(), true));
  ASSERT_GT(n_used, 100U);
  std::vector<float> scores[2];
  for (const bool compact : {true, false}) {
    EdgeClassifier::Config config;
    config.compact_nodes = compact;
    const EdgeClassifier gnn(model("gnn.onnx"), 7, config);
    auto ws = gnn.make_workspace();
    scores[compact ? 1 : 0] = gnn.classify(f, edges, ws.get()).score;
    EXPECT_EQ(ws->nodes_fed, compact ? n_used : 500U);
  }
  ASSERT_EQ(scores[0].size(), edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e) {
    EXPECT_NEAR(scores[1][e], scores[0][e], 1e-6) << e;
    EXPECT_NEAR(scores[1][e], gnn_score(f, edges.src[e], edges.dst[e]), 1e-5) << e;
  }
}

TEST(EdgeClassifier, IoBindingBuffersAreReusedAcrossEvents) {
  EdgeClassifier::Config config;
  config.chunk_edges = 1000;
  const EdgeClassifier filter(model("filter.onnx"), 7, config);
  auto ws = filter.make_workspace();
  const Matrix f1 = random_features(200, 7);
  const Matrix f2 = random_features(120, 8);
  const EdgeList e1 = random_edges(200, 1800, 9);
  const EdgeList e2 = random_edges(120, 700, 10);
  (void)filter.classify(f1, e1, ws.get());
  ASSERT_TRUE(ws->binding.has_value());
  const OrtIoBinding* binding = *ws->binding;
  const std::int64_t* buffer = ws->edge_index.data();
  const std::size_t capacity = ws->edge_index.capacity();
  EXPECT_EQ(ws->edge_index.size(), 2000U);  // one chunk of [2, 1000]
  const auto second = filter.classify(f2, e2, ws.get());
  EXPECT_EQ(static_cast<const OrtIoBinding*>(*ws->binding), binding);  // same binding object
  EXPECT_EQ(ws->edge_index.data(), buffer);                            // no reallocation: grow-only
  EXPECT_EQ(ws->edge_index.capacity(), capacity);
  EXPECT_EQ(ws->runs, 3U);
  for (std::size_t e = 0; e < e2.size(); ++e) {
    EXPECT_NEAR(second.score[e], filter_score(f2, e2.src[e], e2.dst[e]), 1e-5);
  }
}

TEST(EdgeClassifier, ReleaseModeFreesTheWorkspaceBuffer) {
  EdgeClassifier::Config config;
  config.onnx.memory = OrtMemoryMode::kRelease;
  const EdgeClassifier filter(model("filter.onnx"), 7, config);
  auto ws = filter.make_workspace();
  (void)filter.classify(random_features(20, 1), random_edges(20, 50, 2), ws.get());
  EXPECT_EQ(ws->edge_index.capacity(), 0U);
  EdgeClassifier::Config chunked = config;
  chunked.chunk_edges = 20;  // compact_nodes buffers are used, then freed too
  const EdgeClassifier filter2(model("filter.onnx"), 7, chunked);
  auto ws2 = filter2.make_workspace();
  (void)filter2.classify(random_features(20, 1), random_edges(20, 50, 2), ws2.get());
  EXPECT_EQ(ws2->runs, 3U);
  EXPECT_EQ(ws2->node_slot.capacity(), 0U);
  EXPECT_EQ(ws2->chunk_features.capacity(), 0U);
}

TEST(EdgeClassifier, NoEdgesAndBadIndices) {
  const EdgeClassifier filter(model("filter.onnx"), 7, {});
  EXPECT_EQ(filter.classify(random_features(5, 1), EdgeList{}).size(), 0U);
  EdgeList bad;
  bad.src = {0};
  bad.dst = {5};
  EXPECT_THROW((void)filter.classify(random_features(5, 1), bad), Error);
}

TEST(EdgeClassifier, ConcurrentCallsAgree) {
  const EdgeClassifier filter(model("filter.onnx"), 7, {.onnx = {}, .chunk_edges = 333});
  const Matrix f = random_features(400, 11);
  const EdgeList edges = random_edges(400, 3000, 12);
  const auto reference = filter.classify(f, edges).score;
  std::vector<std::vector<float>> results(4);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      auto ws = filter.make_workspace();
      for (int k = 0; k < 3; ++k) results[t] = filter.classify(f, edges, ws.get()).score;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, reference);
}

}  // namespace
}  // namespace trkx
