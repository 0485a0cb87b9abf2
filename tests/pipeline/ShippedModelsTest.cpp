// The shipped models. The GNN (models/gnn.onnx, a real message-passing network) on a small
// simulated event: an edge's score depends on other hits only through edges,
// so feeding only the hits that have edges (EdgeClassifier compact_nodes)
// must give the scores of feeding every hit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "trkx/core/Error.hpp"
#include "trkx/pipeline/EdgeClassifier.hpp"
#include "trkx/pipeline/Embedding.hpp"
#include "trkx/pipeline/HitFeatures.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/Pipeline.hpp"
#include "trkx/pipeline/RadiusGraph.hpp"
#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/Simulator.hpp"

namespace trkx {
namespace {

namespace fs = std::filesystem;

/// Whether the file's bytes contain `text` (an operator's name in an ONNX file).
bool file_has(const fs::path& f, const std::string& text) {
  std::ifstream in(f, std::ios::binary);
  const std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  return bytes.find(text) != std::string::npos;
}

/// A simulated event's hit features and its radius graph from the shipped embedding.
struct RealGraph {
  ModelSet models;
  Matrix features;
  EdgeList edges;
};

RealGraph real_graph(std::uint64_t seed, double pileup, std::uint64_t event_id) {
  RealGraph g{ModelSet::load(fs::path(TRKX_SOURCE_DIR) / "models"), {}, {}};
  sim::Simulator::Config sc;
  sc.seed = seed;
  sc.physics.pileup = pileup;
  const Event event = sim::Simulator(sim::trackml_detector(), sc).simulate(event_id);
  g.features = HitFeatures().compute(event.hits.view(), event.cells.view());
  const auto& emb = *g.models.embedding;
  const Matrix points = Embedding(emb.file, HitFeatures::n_features(), emb.dim, {}).run(g.features);
  g.edges = RadiusGraphBuilder({.radius = emb.radius, .max_neighbours = emb.max_neighbours}).build(points);
  return g;
}

TEST(ShippedEmbedding, ChunksOnLanesGiveTheWholeEventsPoints) {
  // The pipeline embeds in chunks of Pipeline::Config::embedding_chunk_rows on several lanes
  // (faster: the tensors stay in cache); the points must be those of one call on every hit.
  const ModelSet models = ModelSet::load(fs::path(TRKX_SOURCE_DIR) / "models");
  sim::Simulator::Config sc;
  sc.seed = 79;
  sc.physics.pileup = 20;
  const Event event = sim::Simulator(sim::trackml_detector(), sc).simulate(3);
  const Matrix features = HitFeatures().compute(event.hits.view(), event.cells.view());
  const auto& emb = *models.embedding;
  Embedding::Config whole;
  whole.chunk_rows = 0;
  const Matrix reference = Embedding(emb.file, HitFeatures::n_features(), emb.dim, whole).run(features);
  Embedding::Config lanes;
  lanes.chunk_rows = Pipeline::Config{}.embedding_chunk_rows;
  lanes.chunk_threads = 2;
  lanes.onnx.intra_op_threads = 1;
  ASSERT_GT(features.rows, 2 * lanes.chunk_rows);
  const Matrix chunked = Embedding(emb.file, HitFeatures::n_features(), emb.dim, lanes).run(features);
  ASSERT_EQ(chunked.rows, reference.rows);
  float worst = 0.0F;
  for (std::size_t i = 0; i < reference.data.size(); ++i) {
    worst = std::max(worst, std::abs(chunked.data[i] - reference.data[i]));
  }
  EXPECT_LE(worst, 1e-5F);
}

TEST(ShippedGnn, ScoresDoNotDependOnHitsWithoutEdges) {
  const RealGraph g = real_graph(78, 5, 4);
  const ModelSet& models = g.models;
  const Matrix& features = g.features;
  const EdgeList& graph = g.edges;
  // Keep the edges between hits of even index: the odd hits are left without edges.
  EdgeList edges;
  for (std::size_t e = 0; e < graph.size(); ++e) {
    if (graph.src[e] % 2 == 0 && graph.dst[e] % 2 == 0) {
      edges.src.push_back(graph.src[e]);
      edges.dst.push_back(graph.dst[e]);
    }
  }
  ASSERT_GT(edges.size(), 1000U);
  std::vector<float> scores[2];
  std::size_t fed[2] = {0, 0};
  for (const bool compact : {false, true}) {
    EdgeClassifier::Config config;
    config.compact_nodes = compact;
    const EdgeClassifier gnn(models.gnn->file, HitFeatures::n_features(), config);
    auto ws = gnn.make_workspace();
    scores[compact ? 1 : 0] = gnn.classify(features, edges, ws.get()).score;
    fed[compact ? 1 : 0] = ws->nodes_fed;
  }
  EXPECT_EQ(fed[0], features.rows);
  EXPECT_LE(fed[1], (features.rows + 1) / 2);
  ASSERT_EQ(scores[1].size(), edges.size());
  for (std::size_t e = 0; e < edges.size(); ++e) EXPECT_NEAR(scores[1][e], scores[0][e], 1e-5F) << e;
}

TEST(ShippedGnn, PartsWithAHaloOfReceptiveHopsGiveTheWholeGraphScores) {
  // EdgeClassifier::Config::partitions: the graph is cut in phi into parts, each classified
  // with every edge within halo_hops hops; with the model's receptive field (pipeline.json
  // gnn.receptive_hops) every edge must get its whole-graph score. A halo two hops short must
  // change some scores (the test can fail, and the receptive field is real).
  const RealGraph g = real_graph(79, 5, 2);
  const ModelSet& models = g.models;
  ASSERT_GE(models.gnn->receptive_hops, 2U);
  const Matrix& features = g.features;
  const EdgeList& edges = g.edges;
  ASSERT_GT(edges.size(), 5000U);
  const EdgeClassifier whole(models.gnn->file, HitFeatures::n_features(), {});
  const std::vector<float> expected = whole.classify(features, edges).score;
  for (const std::size_t parts : {2U, 3U}) {
    EdgeClassifier::Config config;
    config.partitions = parts;
    config.halo_hops = models.gnn->receptive_hops;
    config.partition_column = HitFeatures::kPhiColumn;
    config.min_partition_edges = 0;
    const EdgeClassifier split(models.gnn->file, HitFeatures::n_features(), config);
    auto ws = split.make_workspace();
    for (int event_run = 0; event_run < 2; ++event_run) {  // lanes reused
      const std::vector<float> scores = split.classify(features, edges, ws.get()).score;
      ASSERT_EQ(scores.size(), edges.size());
      for (std::size_t e = 0; e < edges.size(); ++e)
        ASSERT_NEAR(scores[e], expected[e], 1e-5F) << parts << " " << e;
    }
    EXPECT_EQ(ws->parts, parts);
    EXPECT_GT(ws->part_edges, edges.size());          // halos overlap
    EXPECT_LT(ws->part_edges, parts * edges.size());  // but the parts are smaller than the graph
    config.halo_hops = models.gnn->receptive_hops - 2;
    const EdgeClassifier short_halo(models.gnn->file, HitFeatures::n_features(), config);
    const std::vector<float> wrong = short_halo.classify(features, edges).score;
    std::size_t differ = 0;
    for (std::size_t e = 0; e < edges.size(); ++e) differ += std::abs(wrong[e] - expected[e]) > 1e-4F ? 1 : 0;
    EXPECT_GT(differ, 0U) << parts;
  }
}

TEST(ShippedFilter, EdgeGeometryKernelGivesTheStandardSubgraphsScoresBitForBit) {
  // models/filter.onnx computes its geometric edge inputs with trkx's ai.trkx.EdgeGeometry
  // kernel; tests/pipeline/data/filter_standard.onnx is the same file with the standard ONNX
  // subgraph put back (python -m trkx_train.export --standard models/filter.onnx ...). On a
  // real radius graph, plus reversed edges (dr < 0) and edges within one layer's radius
  // (dr = 0, divided as 1e-3), the scores are the same floats.
  const fs::path fused = fs::path(TRKX_SOURCE_DIR) / "models" / "filter.onnx";
  const fs::path standard =
      fs::path(TRKX_SOURCE_DIR) / "tests" / "pipeline" / "data" / "filter_standard.onnx";
  ASSERT_TRUE(file_has(fused, "EdgeGeometry"));
  ASSERT_FALSE(file_has(standard, "EdgeGeometry"));
  const RealGraph g = real_graph(80, 20, 1);
  EdgeList edges = g.edges;
  for (std::size_t e = 0; e < 5000 && e < g.edges.size(); ++e) {
    edges.src.push_back(g.edges.dst[e]);
    edges.dst.push_back(g.edges.src[e]);
  }
  for (std::int64_t h = 0; h + 1 < 2000; h += 2) {  // a hit with itself and with its neighbour
    edges.src.push_back(h);
    edges.dst.push_back(h);
    edges.src.push_back(h);
    edges.dst.push_back(h + 1);
  }
  ASSERT_GT(edges.size(), 30000U);  // the kernel's parallel path
  const auto scores = [&](const fs::path& f) {
    return EdgeClassifier(f, HitFeatures::n_features(), {}).classify(g.features, edges).score;
  };
  const std::vector<float> expected = scores(standard);
  ASSERT_EQ(expected.size(), edges.size());
  EXPECT_EQ(scores(fused), expected);
}

TEST(ShippedFilter, EdgeMlpKernelGivesTheStandardSubgraphsScoresBitForBit) {
  // The shipped filters' edge parts are one ai.trkx.EdgeMlp each (first layer, two hidden
  // layers, output unit); tests/pipeline/data/filter_allpt_standard.onnx is models/all-pt's
  // filter in the standard ONNX form (python -m trkx_train.export --standard; v7's is
  // filter_standard.onnx, checked above). On a real radius graph, in the pipeline's chunks on
  // two lanes, the 64-wide kernel gives ONNX Runtime's Gemms' floats (the split files: within
  // float rounding of the whole network, SplitFilesGiveTheWholeNetworksScores).
  const fs::path data = fs::path(TRKX_SOURCE_DIR) / "tests" / "pipeline" / "data";
  const ModelSet models = ModelSet::load(fs::path(TRKX_SOURCE_DIR) / "models" / "all-pt");
  ASSERT_TRUE(models.filter.has_value());
  for (const fs::path& f : {models.filter->file, models.filter->edges_file,
                            fs::path(TRKX_SOURCE_DIR) / "models" / "filter.onnx"}) {
    EXPECT_TRUE(file_has(f, "EdgeMlp")) << f;
  }
  ASSERT_FALSE(file_has(data / "filter_allpt_standard.onnx", "EdgeMlp"));
  const RealGraph g = real_graph(83, 20, 1);
  ASSERT_GT(g.edges.size(), 20000U);
  EdgeClassifier::Config config;
  config.chunk_edges = 4096;
  config.chunk_threads = 2;
  const std::size_t nf = HitFeatures::n_features();
  const std::vector<float> expected =
      EdgeClassifier(data / "filter_allpt_standard.onnx", nf, config).classify(g.features, g.edges).score;
  std::size_t spread = 0;
  for (const float v : expected) spread += v > 0.01F && v < 0.99F ? 1 : 0;
  EXPECT_GT(spread, expected.size() / 20);  // real scores, not saturated ones
  EXPECT_EQ(EdgeClassifier(models.filter->file, nf, config).classify(g.features, g.edges).score, expected);
}

TEST(EdgeUpdateModels, KernelGivesTheStandardSubgraphsScores) {
  // tests/pipeline/data/gnn_update_{plain,ln}.onnx: one-step GNNs whose edge encoder is trkx's
  // ai.trkx.EdgeEncoder and whose other edge networks are ai.trkx.EdgeUpdate, and their standard
  // forms (make_edge_update_models.py). On a real radius
  // graph: without LayerNorm (as models/gnn.onnx) the same floats; with LayerNorm (as
  // models/all-pt/gnn.onnx) within float rounding of ONNX Runtime's own LayerNormalization.
  const fs::path data = fs::path(TRKX_SOURCE_DIR) / "tests" / "pipeline" / "data";
  for (const char* name : {"gnn_update_plain", "gnn_update_ln"}) {
    for (const char* op : {"EdgeUpdate", "EdgeEncoder"}) {
      ASSERT_TRUE(file_has(data / (std::string(name) + ".onnx"), op));
      ASSERT_FALSE(file_has(data / (std::string(name) + "_standard.onnx"), op));
    }
  }
  const RealGraph g = real_graph(81, 20, 2);
  ASSERT_GT(g.edges.size(), 5000U);  // the kernel's parallel path
  const auto scores = [&](const std::string& name) {
    return EdgeClassifier(data / name, HitFeatures::n_features(), {}).classify(g.features, g.edges).score;
  };
  EXPECT_EQ(scores("gnn_update_plain.onnx"), scores("gnn_update_plain_standard.onnx"));
  const std::vector<float> fused = scores("gnn_update_ln.onnx");
  const std::vector<float> standard = scores("gnn_update_ln_standard.onnx");
  ASSERT_EQ(fused.size(), standard.size());
  float max_diff = 0.0F;
  std::size_t spread = 0;  // scores away from 0 and 1: the test sees the network's values
  for (std::size_t e = 0; e < fused.size(); ++e) {
    max_diff = std::max(max_diff, std::abs(fused[e] - standard[e]));
    spread += standard[e] > 0.01F && standard[e] < 0.99F ? 1 : 0;
  }
  EXPECT_LT(max_diff, 1e-5F);
  EXPECT_GT(spread, fused.size() / 10);
}

TEST(ShippedFilter, SplitFilesGiveTheWholeNetworksScores) {
  // The shipped sets name their filter's hit and edge parts (pipeline.json hits_file and
  // edges_file, written by trkx_train.export.write_split from filter.onnx); trkx runs those. On a
  // real radius graph, with the pipeline's chunks of 4096 edges on two lanes, they give the whole
  // network's scores: the same operations on the same rows, done once per hit (v7's bit for bit
  // here; all-pt's within float rounding, 4 of 45k scores 1.2e-7 apart: ONNX Runtime's GEMM
  // sums a hit's projection in an order that may depend on how many rows the call has).
  const RealGraph g = real_graph(80, 20, 1);
  for (const char* set : {"models", "models/all-pt", "models/fast"}) {
    const ModelSet models = ModelSet::load(fs::path(TRKX_SOURCE_DIR) / set);
    ASSERT_TRUE(models.filter.has_value()) << set;
    ASSERT_FALSE(models.filter->hits_file.empty()) << set;
    EdgeClassifier::Config config;
    config.chunk_edges = 4096;
    config.chunk_threads = 2;
    const auto whole = EdgeClassifier(models.filter->file, HitFeatures::n_features(), config);
    const auto split = EdgeClassifier(models.filter->edges_file, HitFeatures::n_features(), config,
                                      models.filter->hits_file);
    EXPECT_FALSE(whole.split());
    EXPECT_TRUE(split.split());
    const std::vector<float> a = split.classify(g.features, g.edges).score;
    const std::vector<float> b = whole.classify(g.features, g.edges).score;
    ASSERT_EQ(a.size(), b.size());
    float max_diff = 0.0F;
    for (std::size_t e = 0; e < a.size(); ++e) max_diff = std::max(max_diff, std::abs(a[e] - b[e]));
    EXPECT_LE(max_diff, 2.5e-7F) << set;
  }
}

TEST(SplitNetwork, HitPartAndEdgePartGiveTheWholeNetworksScores) {
  // tests/pipeline/data/filter_hitenc*.onnx (make_split_models.py): a filter with a hit encoder,
  // whole (its edge part's first layer and output unit one ai.trkx.EdgeScore), in the standard
  // ONNX form, and split into its hit part and edge part. On a real radius graph the split
  // network (hit part once, in row chunks; edge part per chunk of edges, in turn or on two lanes,
  // with and without IO binding, in every memory mode) scores every edge as the standard whole
  // network does (EdgeScore's output sum in its own order: within float rounding), and the same
  // workspace serves a second, smaller event.
  const fs::path data = fs::path(TRKX_SOURCE_DIR) / "tests" / "pipeline" / "data";
  const auto max_diff = [](const std::vector<float>& a, const std::vector<float>& b) {
    float d = a.size() == b.size() ? 0.0F : 1.0F;
    for (std::size_t e = 0; e < a.size() && e < b.size(); ++e) d = std::max(d, std::abs(a[e] - b[e]));
    return d;
  };
  ASSERT_TRUE(file_has(data / "filter_hitenc-edges.onnx", "EdgeScore"));
  ASSERT_FALSE(file_has(data / "filter_hitenc_standard.onnx", "EdgeScore"));
  const RealGraph g = real_graph(82, 20, 3);
  ASSERT_GT(g.edges.size(), 5000U);
  const std::size_t nf = HitFeatures::n_features();
  const std::vector<float> whole =
      EdgeClassifier(data / "filter_hitenc_standard.onnx", nf, {}).classify(g.features, g.edges).score;
  EXPECT_LT(max_diff(EdgeClassifier(data / "filter_hitenc.onnx", nf, {}).classify(g.features, g.edges).score,
                     whole),
            1e-6F);
  std::size_t spread = 0;  // scores away from 0 and 1: the test sees the network's values
  for (const float s : whole) spread += s > 0.01F && s < 0.99F ? 1 : 0;
  ASSERT_GT(spread, whole.size() / 10);
  for (const auto mode : {OrtMemoryMode::kArena, OrtMemoryMode::kRelease, OrtMemoryMode::kNoArena}) {
    for (const std::size_t lanes : {1U, 2U}) {
      for (const bool binding : {true, false}) {
        EdgeClassifier::Config config;
        config.chunk_edges = 4096;
        config.chunk_threads = lanes;
        config.hit_rows = 1000;  // several calls of the hit part, the last one short
        config.onnx.memory = mode;
        config.onnx.io_binding = binding;
        const EdgeClassifier split(data / "filter_hitenc-edges.onnx", nf, config,
                                   data / "filter_hitenc-hits.onnx");
        EXPECT_TRUE(split.split());
        auto ws = split.make_workspace();
        EXPECT_LT(max_diff(split.classify(g.features, g.edges, ws.get()).score, whole), 1e-6F)
            << to_string(mode) << " lanes " << lanes << " binding " << binding;
        // a smaller event through the same workspace (grow-only buffers, hit rows of the new event)
        Matrix first_hits(2000, nf);
        std::copy_n(g.features.data.begin(), first_hits.data.size(), first_hits.data.begin());
        EdgeList near;
        for (std::size_t e = 0; e < g.edges.size(); ++e) {
          if (g.edges.src[e] < 2000 && g.edges.dst[e] < 2000) {
            near.src.push_back(g.edges.src[e]);
            near.dst.push_back(g.edges.dst[e]);
          }
        }
        ASSERT_GT(near.size(), 100U);
        const EdgeClassifier reference(data / "filter_hitenc_standard.onnx", nf, {});
        EXPECT_LT(max_diff(split.classify(first_hits, near, ws.get()).score,
                           reference.classify(first_hits, near).score),
                  1e-6F);
      }
    }
  }
  // The parts checked against each other at load: another network's hit part is refused, naming
  // the input the edge part misses.
  try {
    const EdgeClassifier wrong(data / "filter_hitenc-edges.onnx", nf, {}, data / "embedding.onnx");
    ADD_FAILURE() << "a foreign hit part was accepted";
  } catch (const ModelError& e) {
    EXPECT_NE(std::string(e.what()).find("filter_hitenc-edges.onnx"), std::string::npos) << e.what();
  }
}

TEST(ShippedGnn, SeveralIntraOpThreadsGiveTheOneThreadScores) {
  // The shipped GNNs aggregate with trkx's ai.trkx.ScatterAddRows (OnnxCustomOps.hpp), not
  // ONNX Runtime's ScatterND(reduction=add), which loses updates on several threads: the
  // session keeps its two intra-op threads and every run gives the one-thread scores.
  const RealGraph g = real_graph(80, 20, 1);
  ASSERT_GT(g.edges.size(), 30000U);  // big enough for the kernel's parallel path
  EdgeClassifier::Config one;
  one.onnx.intra_op_threads = 1;
  const std::vector<float> expected =
      EdgeClassifier(g.models.gnn->file, HitFeatures::n_features(), one).classify(g.features, g.edges).score;
  EdgeClassifier::Config two;
  two.onnx.intra_op_threads = 2;
  const EdgeClassifier gnn(g.models.gnn->file, HitFeatures::n_features(), two);
  EXPECT_EQ(gnn.intra_op_threads(), 2);
  auto ws = gnn.make_workspace();
  for (int run = 0; run < 3; ++run) {
    const std::vector<float> scores = gnn.classify(g.features, g.edges, ws.get()).score;
    ASSERT_EQ(scores.size(), expected.size());
    for (std::size_t e = 0; e < scores.size(); ++e)
      ASSERT_NEAR(scores[e], expected[e], 1e-5F) << run << " " << e;
  }
}

TEST(ShippedGnn, HalosCoveringTheGraphSwitchToTheWholeGraphSession) {
  // Config::max_part_overlap: parts holding together more edges than that many times the
  // graph are not run; the whole graph is classified in one call on the session with
  // whole_graph_threads threads. Same scores either way.
  const RealGraph g = real_graph(79, 5, 2);
  const ModelSet& models = g.models;
  const EdgeClassifier whole(models.gnn->file, HitFeatures::n_features(), {});
  const std::vector<float> expected = whole.classify(g.features, g.edges).score;
  EdgeClassifier::Config config;
  config.partitions = 2;
  config.halo_hops = models.gnn->receptive_hops;
  config.partition_column = HitFeatures::kPhiColumn;
  config.min_partition_edges = 0;
  config.whole_graph_threads = 2;
  for (const double overlap : {1.0, 2.0}) {
    config.max_part_overlap = overlap;
    const EdgeClassifier gnn(models.gnn->file, HitFeatures::n_features(), config);
    EXPECT_EQ(gnn.whole_graph_threads(), 2);
    auto ws = gnn.make_workspace();
    const std::vector<float> scores = gnn.classify(g.features, g.edges, ws.get()).score;
    ASSERT_EQ(scores.size(), expected.size());
    for (std::size_t e = 0; e < scores.size(); ++e)
      ASSERT_NEAR(scores[e], expected[e], 1e-5F) << overlap << " " << e;
    EXPECT_GT(ws->part_edges, g.edges.size());  // the halos overlap ...
    // ... by more than 1.0x the graph: whole graph; by less than 2.0x: the parts
    EXPECT_EQ(ws->parts, overlap < 1.5 ? 0U : 2U) << overlap;
  }
}

TEST(ShippedPipeline, LanesGiveTheSameTracksAlsoFromConcurrentCallers) {
  // The default threading (filter chunks and GNN phi parts classified at once, one ONNX thread
  // each) against one call at a time, on a pile-up-40 event: the same GNN scores and tracks,
  // also when two threads run the lanes pipeline at once.
  sim::Simulator::Config sc;
  sc.seed = 81;
  sc.physics.pileup = 40;
  const Event event = sim::Simulator(sim::trackml_detector(), sc).simulate(3);
  const auto make = [](bool lanes) {
    Pipeline::Config config;
    config.onnx.intra_op_threads = 2;
    config.filter_parallel_chunks = lanes;
    config.gnn_partitions = lanes;
    config.gnn_min_partition_edges = 0;  // partition even this small graph
    config.keep_intermediates = true;
    return std::make_unique<Pipeline>(ModelSet::load(fs::path(TRKX_SOURCE_DIR) / "models"), config);
  };
  const auto serial = make(false);
  const auto lanes = make(true);
  const PipelineResult expected = serial->run(event);
  ASSERT_GT(expected.scored.size(), 1000U);
  std::vector<PipelineResult> results(2);
  std::vector<std::thread> callers;
  for (std::size_t t = 0; t < results.size(); ++t) {
    callers.emplace_back([&, t] { results[t] = lanes->run(event); });
  }
  for (auto& c : callers) c.join();
  for (const PipelineResult& r : results) {
    ASSERT_EQ(r.candidates.score, expected.candidates.score);  // filter: bit-identical
    ASSERT_EQ(r.scored.size(), expected.scored.size());
    for (std::size_t e = 0; e < r.scored.size(); ++e) {
      ASSERT_NEAR(r.scored.score[e], expected.scored.score[e], 1e-5F) << e;
    }
    EXPECT_EQ(r.tracks.track_id, expected.tracks.track_id);
  }
}

TEST(ShippedPipeline, EveryShippedModelSetFindsTheFastParticlesOfASmallEvent) {
  // Each shipped set (pipeline.json, the three networks, the cuts) loads and, on a pile-up-10
  // event, gives a track holding most of the hits of most particles above 1 GeV with >= 5 hits
  // (double majority: > 50% of the particle's hits, and > 50% of the track is that particle).
  sim::Simulator::Config sc;
  sc.seed = 82;
  sc.physics.pileup = 10;
  const Event event = sim::Simulator(sim::trackml_detector(), sc).simulate(4);
  std::unordered_map<HitId, ParticleId> particle_of;
  for (std::size_t i = 0; i < event.truth.size(); ++i)
    particle_of[event.truth.hit_id[i]] = event.truth.particle_id[i];
  std::unordered_map<ParticleId, std::size_t> hits_of;
  for (const auto& [hit, particle] : particle_of) {
    if (particle != 0) ++hits_of[particle];
  }
  std::vector<ParticleId> fast;
  for (std::size_t p = 0; p < event.particles.size(); ++p) {
    const ParticleId id = event.particles.particle_id[p];
    if (std::hypot(event.particles.px[p], event.particles.py[p]) > 1.0F && hits_of[id] >= 5)
      fast.push_back(id);
  }
  ASSERT_GE(fast.size(), 20U);
  for (const std::string set : {"models", "models/all-pt", "models/fast"}) {
    SCOPED_TRACE(set);
    const Pipeline pipeline(ModelSet::load(fs::path(TRKX_SOURCE_DIR) / set), {});
    const PipelineResult result = pipeline.run(event);
    // (track, particle) hit counts and track sizes
    std::unordered_map<std::int64_t, std::size_t> track_size;
    std::map<std::pair<std::int64_t, ParticleId>, std::size_t> shared;
    for (std::size_t i = 0; i < result.tracks.size(); ++i) {
      const std::int64_t t = result.tracks.track_id[i];
      if (t == 0) continue;
      ++track_size[t];
      ++shared[{t, particle_of.at(result.tracks.hit_id[i])}];
    }
    std::size_t found = 0;
    for (const ParticleId id : fast) {
      for (const auto& [key, n] : shared) {
        if (key.second == id && 2 * n > hits_of[id] && 2 * n > track_size[key.first]) {
          ++found;
          break;
        }
      }
    }
    EXPECT_GE(static_cast<double>(found) / static_cast<double>(fast.size()), 0.9)
        << found << " of " << fast.size() << " particles above 1 GeV found";
  }
}

}  // namespace
}  // namespace trkx
