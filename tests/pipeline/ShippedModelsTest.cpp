// The shipped GNN (models/gnn.onnx, a real message-passing network) on a small
// simulated event: an edge's score depends on other hits only through edges,
// so feeding only the hits that have edges (EdgeClassifier compact_nodes)
// must give the scores of feeding every hit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "trkx/pipeline/EdgeClassifier.hpp"
#include "trkx/pipeline/Embedding.hpp"
#include "trkx/pipeline/HitFeatures.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/RadiusGraph.hpp"
#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/Simulator.hpp"

namespace trkx {
namespace {

namespace fs = std::filesystem;

TEST(ShippedGnn, ScoresDoNotDependOnHitsWithoutEdges) {
  const ModelSet models = ModelSet::load(fs::path(TRKX_SOURCE_DIR) / "models");
  ASSERT_TRUE(models.embedding && models.gnn);
  sim::Simulator::Config sc;
  sc.seed = 78;
  sc.physics.pileup = 5;
  const Event event = sim::Simulator(sim::trackml_detector(), sc).simulate(4);
  const Matrix features = HitFeatures().compute(event.hits.view(), event.cells.view());
  const auto& emb = *models.embedding;
  const Matrix points = Embedding(emb.file, HitFeatures::n_features(), emb.dim, {}).run(features);
  const EdgeList graph =
      RadiusGraphBuilder({.radius = emb.radius, .max_neighbours = emb.max_neighbours}).build(points);
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
  const ModelSet models = ModelSet::load(fs::path(TRKX_SOURCE_DIR) / "models");
  ASSERT_TRUE(models.embedding && models.gnn);
  ASSERT_GE(models.gnn->receptive_hops, 2U);
  sim::Simulator::Config sc;
  sc.seed = 79;
  sc.physics.pileup = 5;
  const Event event = sim::Simulator(sim::trackml_detector(), sc).simulate(2);
  const Matrix features = HitFeatures().compute(event.hits.view(), event.cells.view());
  const auto& emb = *models.embedding;
  const Matrix points = Embedding(emb.file, HitFeatures::n_features(), emb.dim, {}).run(features);
  const EdgeList edges =
      RadiusGraphBuilder({.radius = emb.radius, .max_neighbours = emb.max_neighbours}).build(points);
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

}  // namespace
}  // namespace trkx
