// End-to-end Pipeline runs on the tiny hand-made event with the tiny models.
#include "trkx/pipeline/Pipeline.hpp"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "TinyEvent.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/pipeline/Npy.hpp"
#include "trkx/pipeline/Prepare.hpp"
#include "trkx/pipeline/TruthGraph.hpp"

namespace trkx {
namespace {

namespace fs = std::filesystem;

Pipeline make_pipeline(Pipeline::Config config = {}) {
  return Pipeline(ModelSet::load(test::test_data_dir()), config);
}

TEST(Pipeline, ReconstructsTheTinyEvent) {
  Pipeline::Config config;
  config.keep_intermediates = true;
  const Pipeline pipeline = make_pipeline(config);
  const Event event = test::make_tiny_event();
  const PipelineResult result = pipeline.run(event);
  EXPECT_EQ(result.event_id, 42U);
  ASSERT_EQ(result.tracks.size(), event.hits.size());
  EXPECT_EQ(result.tracks.hit_id, event.hits.hit_id);
  // 20 candidates (3 consecutive + 2 skip-one per particle), all kept.
  EXPECT_EQ(result.candidates.size(), 20U);
  EXPECT_EQ(result.filtered.size(), 20U);
  EXPECT_EQ(result.scored.size(), 20U);
  // Every candidate is outward: src has the smaller radius.
  for (std::size_t e = 0; e < result.candidates.size(); ++e) {
    EXPECT_LT(event.hits.r[static_cast<std::size_t>(result.candidates.src[e])],
              event.hits.r[static_cast<std::size_t>(result.candidates.dst[e])]);
  }
  // One track per particle, the noise hit unassigned.
  const auto& layout = test::tiny_layout();
  std::map<std::size_t, std::set<std::int64_t>> track_of_particle;
  std::set<std::int64_t> all_tracks;
  for (std::size_t i = 0; i < layout.size(); ++i) {
    if (layout[i].particle == 4) {
      EXPECT_EQ(result.tracks.track_id[i], 0);
      continue;
    }
    EXPECT_GT(result.tracks.track_id[i], 0);
    track_of_particle[layout[i].particle].insert(result.tracks.track_id[i]);
    all_tracks.insert(result.tracks.track_id[i]);
  }
  for (const auto& [p, tracks] : track_of_particle) EXPECT_EQ(tracks.size(), 1U) << "particle " << p;
  EXPECT_EQ(all_tracks.size(), 4U);
  // Stage records.
  for (const char* name : {"features", "embedding", "radius_graph", "filter", "gnn", "track_building"}) {
    const StageStats* s = result.stage(name);
    ASSERT_NE(s, nullptr) << name;
    EXPECT_GE(s->wall_seconds, 0.0);
    EXPECT_GT(s->peak_rss_bytes, 0U);
  }
  EXPECT_EQ(result.stage("radius_graph")->items_out, 20U);
  EXPECT_EQ(result.stage("track_building")->items_out, 4U);
  // The steps inside track building: a chain from the GNN's edges to the stage's tracks.
  const auto& steps = result.track_building_steps;
  ASSERT_FALSE(steps.empty());
  EXPECT_EQ(steps.front().name, "builder");
  EXPECT_EQ(steps.front().items_in, result.stage("gnn")->items_in);
  double step_wall = 0;
  for (std::size_t k = 0; k < steps.size(); ++k) {
    if (k > 0) {
      EXPECT_EQ(steps[k].items_in, steps[k - 1].items_out) << steps[k].name;
    }
    step_wall += steps[k].wall_seconds;
  }
  EXPECT_EQ(steps.back().items_out, 4U);
  EXPECT_LE(step_wall, result.stage("track_building")->wall_seconds);
}

TEST(Pipeline, WalkthroughBuilderGivesTheSameTracks) {
  Pipeline::Config config;
  config.track_builder = TrackBuilderKind::kWalkthrough;
  const PipelineResult result = make_pipeline(config).run(test::make_tiny_event());
  std::set<std::int64_t> tracks(result.tracks.track_id.begin(), result.tracks.track_id.end());
  tracks.erase(0);
  EXPECT_EQ(tracks.size(), 4U);
}

TEST(Pipeline, MinTrackHitsDropsShorterTracks) {
  // The tiny event's four tracks have 4 hits each.
  const auto track_count = [](std::size_t min_track_hits) {
    Pipeline::Config config;
    config.min_track_hits = min_track_hits;
    const PipelineResult result = make_pipeline(config).run(test::make_tiny_event());
    std::set<std::int64_t> tracks(result.tracks.track_id.begin(), result.tracks.track_id.end());
    tracks.erase(0);
    EXPECT_EQ(result.stage("track_building")->items_out, tracks.size());
    // The selection is the last step of track building: 4 tracks in, those kept out.
    const StageStats& last = result.track_building_steps.back();
    EXPECT_EQ(last.name, "selection");
    EXPECT_EQ(last.items_in, 4U);
    EXPECT_EQ(last.items_out, tracks.size());
    return tracks.size();
  };
  EXPECT_EQ(track_count(4), 4U);
  EXPECT_EQ(track_count(5), 0U);
}

TEST(Pipeline, TrackSelectionDefaultsToTheModelSets) {
  ModelSet models = ModelSet::load(test::test_data_dir());
  models.min_track_hits = 5;  // as "track_selection": {"min_track_hits": 5} in pipeline.json
  const auto track_count = [&](const Pipeline::Config& config) {
    const Pipeline pipeline(models, config);
    const PipelineResult result = pipeline.run(test::make_tiny_event());
    std::set<std::int64_t> tracks(result.tracks.track_id.begin(), result.tracks.track_id.end());
    tracks.erase(0);
    return std::make_pair(pipeline.min_track_hits(), tracks.size());
  };
  // The tiny event's four tracks have 4 hits: the set's selection drops them ...
  EXPECT_EQ(track_count({}), std::make_pair(std::size_t{5}, std::size_t{0}));
  // ... unless the configuration overrides it (0 keeps every track).
  Pipeline::Config keep_all;
  keep_all.min_track_hits = 0;
  EXPECT_EQ(track_count(keep_all), std::make_pair(std::size_t{0}, std::size_t{4}));
}

TEST(Pipeline, TruthScoresReplaceTheNetworksFromTheirStageOn) {
  // The truth says the outermost hit of particle 0 belongs to particle 1 (whose hits are far
  // away): with truth scores its edges score 0 and it leaves particle 0's track; the networks,
  // which do not see the truth, keep it there.
  Event event = test::make_tiny_event();
  const auto& layout = test::tiny_layout();
  std::size_t moved = layout.size();
  for (std::size_t i = 0; i < layout.size(); ++i) {
    if (layout[i].particle == 0 && (moved == layout.size() || layout[i].r > layout[moved].r)) moved = i;
  }
  ASSERT_LT(moved, layout.size());
  event.truth.particle_id[moved] = test::kFirstParticle + 1;
  const auto run = [&](TruthScores mode) {
    Pipeline::Config config;
    config.truth_scores = mode;
    config.keep_intermediates = true;
    config.min_track_hits = 0;
    // Truth scores tie (all 1): connected components, which do not depend on the order of
    // equal scores, keep particle 0's 3 remaining hits (a triangle) one track.
    config.track_builder = TrackBuilderKind::kConnectedComponents;
    return make_pipeline(config).run(event);
  };
  const auto touches_moved = [&](const EdgeList& edges, std::size_t e) {
    return static_cast<std::size_t>(edges.src[e]) == moved || static_cast<std::size_t>(edges.dst[e]) == moved;
  };
  const PipelineResult networks = run(TruthScores::kNone);
  EXPECT_GT(networks.tracks.track_id[moved], 0);

  const PipelineResult gnn = run(TruthScores::kGnn);
  ASSERT_EQ(gnn.scored.size(), 20U);
  std::size_t zeros = 0;
  for (std::size_t e = 0; e < gnn.scored.size(); ++e) {
    EXPECT_EQ(gnn.scored.score[e], touches_moved(gnn.scored, e) ? 0.0F : 1.0F) << e;
    zeros += gnn.scored.score[e] == 0.0F ? 1 : 0;
  }
  EXPECT_EQ(zeros, 2U);  // one consecutive and one skip-one edge
  // The filter still ran: its scores are the network's, not 0 / 1.
  EXPECT_EQ(gnn.candidates.score, networks.candidates.score);
  EXPECT_EQ(gnn.tracks.track_id[moved], 0);

  const PipelineResult filter = run(TruthScores::kFilter);
  ASSERT_EQ(filter.candidates.size(), 20U);
  for (std::size_t e = 0; e < filter.candidates.size(); ++e) {
    EXPECT_EQ(filter.candidates.score[e], touches_moved(filter.candidates, e) ? 0.0F : 1.0F) << e;
  }
  EXPECT_EQ(filter.filtered.size(), 18U);
  EXPECT_EQ(filter.scored.score, std::vector<float>(18, 1.0F));
  EXPECT_EQ(filter.tracks.track_id[moved], 0);
  std::set<std::int64_t> tracks(filter.tracks.track_id.begin(), filter.tracks.track_id.end());
  tracks.erase(0);
  EXPECT_EQ(tracks.size(), 4U);

  // Without truth: a clear error, not silent zeros.
  Event no_truth = test::make_tiny_event();
  no_truth.truth = {};
  Pipeline::Config config;
  config.truth_scores = TruthScores::kGnn;
  EXPECT_THROW((void)make_pipeline(config).run(no_truth), InputError);
  EXPECT_EQ(parse_truth_scores("filter"), TruthScores::kFilter);
  EXPECT_STREQ(to_string(TruthScores::kGnn), "gnn");
  EXPECT_THROW((void)parse_truth_scores("embedding"), Error);
}

TEST(Pipeline, NoEdgesGiveAnEmptyResultNotAnError) {
  Event event;
  event.event_id = 7;
  // Three hits far apart in phi: no pair within the radius.
  event.hits.push_back(1, 100, 0, 0, 8, 2, 1);
  event.hits.push_back(2, -100, 0, 0, 8, 2, 1);
  event.hits.push_back(3, 0, 100, 0, 8, 2, 1);
  event.hits.compute_derived();
  const PipelineResult result = make_pipeline().run(event);
  ASSERT_EQ(result.tracks.size(), 3U);
  for (auto t : result.tracks.track_id) EXPECT_EQ(t, 0);
  EXPECT_EQ(result.stage("radius_graph")->items_out, 0U);
  EXPECT_EQ(result.stage("track_building")->items_out, 0U);

  const PipelineResult empty = make_pipeline().run(Event{});
  EXPECT_EQ(empty.tracks.size(), 0U);
}

TEST(Pipeline, GraphHookSeesEveryIntermediateGraph) {
  Pipeline pipeline = make_pipeline();
  std::mutex mutex;
  std::map<std::string, std::size_t> seen;
  pipeline.set_graph_hook([&](std::uint64_t event_id, std::string_view stage, const EdgeList& edges) {
    std::lock_guard lock(mutex);
    EXPECT_EQ(event_id, 42U);
    seen[std::string(stage)] = edges.size();
    if (stage != "radius_graph") {
      EXPECT_EQ(edges.score.size(), edges.size());
    }
  });
  (void)pipeline.run(test::make_tiny_event());
  EXPECT_EQ(seen, (std::map<std::string, std::size_t>{{"radius_graph", 20}, {"filter", 20}, {"gnn", 20}}));
}

TEST(Pipeline, BothMemoryModesAndBindingGiveIdenticalScores) {
  const Event event = test::make_tiny_event();
  std::vector<std::vector<float>> scores;
  for (const auto mode : {OrtMemoryMode::kArena, OrtMemoryMode::kRelease, OrtMemoryMode::kNoArena}) {
    for (const bool binding : {true, false}) {
      Pipeline::Config config;
      config.keep_intermediates = true;
      config.onnx.memory = mode;
      config.onnx.io_binding = binding;
      config.filter_chunk_edges = 7;
      const auto result = make_pipeline(config).run(event);
      scores.push_back(result.candidates.score);
      scores.back().insert(scores.back().end(), result.scored.score.begin(), result.scored.score.end());
    }
  }
  for (std::size_t k = 1; k < scores.size(); ++k) EXPECT_EQ(scores[k], scores[0]) << "configuration " << k;
}

TEST(Pipeline, ConcurrentRunsAgreeAndReuseWorkspaces) {
  const Pipeline pipeline = make_pipeline();
  const Event event = test::make_tiny_event();
  const auto reference = pipeline.run(event).tracks.track_id;
  std::vector<std::vector<std::int64_t>> results(3);
  std::vector<std::thread> threads;
  for (std::size_t t = 0; t < results.size(); ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 4; ++k) results[t] = pipeline.run(event).tracks.track_id;
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& r : results) EXPECT_EQ(r, reference);
}

TEST(Pipeline, FeaturesOnlyWithoutModels) {
  Pipeline::Config config;
  config.allow_partial = true;
  config.keep_intermediates = true;
  const Pipeline pipeline(ModelSet{}, config);
  const PipelineResult result = pipeline.run(test::make_tiny_event());
  EXPECT_EQ(result.features.rows, test::tiny_layout().size());
  EXPECT_EQ(result.stages.size(), 1U);
  EXPECT_TRUE(result.tracks.hit_id.empty());
}

TEST(Prepare, WritesTheContractArrays) {
  Pipeline::Config config;
  config.allow_partial = true;
  config.keep_intermediates = true;
  const Pipeline pipeline = make_pipeline(config);
  const Event event = test::make_tiny_event(1234);
  const PipelineResult result = pipeline.run(event);
  const auto out = fs::temp_directory_path() / "trkx_prepare_test";
  fs::remove_all(out);
  const TrainingEventSummary summary = write_training_event(event, result, out);
  const auto dir = out / "event000001234";
  ASSERT_TRUE(fs::is_directory(dir));
  EXPECT_FALSE(fs::exists(out / ".event000001234.tmp"));
  const std::size_t n = event.hits.size();
  const auto features = npy::read(dir / "node_features.npy");
  EXPECT_EQ(features.shape, (std::vector<std::size_t>{n, 7}));
  EXPECT_EQ(features.as_float(), result.features.data);
  EXPECT_EQ(npy::read(dir / "hit_id.npy").as_uint64(), event.hits.hit_id);
  EXPECT_EQ(npy::read(dir / "particle_id.npy").as_uint64(), hit_particles(event));
  EXPECT_EQ(npy::read(dir / "pt.npy").shape, (std::vector<std::size_t>{n}));
  const auto truth = npy::read(dir / "true_edges.npy");
  EXPECT_EQ(truth.shape, (std::vector<std::size_t>{2, 12}));
  EXPECT_EQ(summary.n_true_edges, 12U);
  const auto cand = npy::read(dir / "candidate_edges.npy");
  EXPECT_EQ(cand.shape, (std::vector<std::size_t>{2, 20}));
  const auto cand_y = npy::read(dir / "candidate_y.npy").as_float();
  ASSERT_EQ(cand_y.size(), 20U);
  float n_true = 0;
  for (float y : cand_y) n_true += y;
  EXPECT_EQ(n_true, 12.0F);  // every true edge is a candidate; the 8 skip-one edges are not true
  EXPECT_EQ(summary.n_true_candidates, 12U);
  const auto filtered = npy::read(dir / "filtered_edges.npy");
  EXPECT_EQ(filtered.shape, (std::vector<std::size_t>{2, 20}));
  EXPECT_EQ(npy::read(dir / "filtered_y.npy").size(), 20U);
  // Edge index rows: src block then dst block, src nearer the origin.
  const auto idx = cand.as_int64();
  for (std::size_t e = 0; e < 20; ++e) {
    EXPECT_LT(event.hits.r[static_cast<std::size_t>(idx[e])],
              event.hits.r[static_cast<std::size_t>(idx[20 + e])]);
  }
}

TEST(Prepare, WithoutModelsWritesNoCandidates) {
  Pipeline::Config config;
  config.allow_partial = true;
  config.keep_intermediates = true;
  const Pipeline pipeline(ModelSet{}, config);
  const Event event = test::make_tiny_event(5);
  const auto out = fs::temp_directory_path() / "trkx_prepare_test_nomodels";
  fs::remove_all(out);
  (void)write_training_event(event, pipeline.run(event), out);
  EXPECT_TRUE(fs::exists(out / "event000000005" / "true_edges.npy"));
  EXPECT_FALSE(fs::exists(out / "event000000005" / "candidate_edges.npy"));
}

}  // namespace
}  // namespace trkx
