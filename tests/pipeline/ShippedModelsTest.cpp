// The shipped GNN (models/gnn.onnx, a real message-passing network) on a small
// simulated event: an edge's score depends on other hits only through edges,
// so feeding only the hits that have edges (EdgeClassifier compact_nodes)
// must give the scores of feeding every hit.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace trkx
