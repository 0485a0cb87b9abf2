#include "trkx/pipeline/Pipeline.hpp"

#include <algorithm>
#include <cstdint>
#include <thread>
#include <utility>
#include <vector>

#include "trkx/core/Error.hpp"
#include "trkx/core/Timer.hpp"
#include "trkx/pipeline/TruthGraph.hpp"

namespace trkx {

namespace {

/// Sets the label of every hit of a track with fewer than `min_hits` hits to -1.
void drop_short_tracks(TrackLabels& labels, std::size_t min_hits) {
  std::vector<std::size_t> size;
  for (const std::int64_t l : labels) {
    if (l < 0) continue;
    if (static_cast<std::size_t>(l) >= size.size()) size.resize(static_cast<std::size_t>(l) + 1, 0);
    ++size[static_cast<std::size_t>(l)];
  }
  for (std::int64_t& l : labels) {
    if (l >= 0 && size[static_cast<std::size_t>(l)] < min_hits) l = -1;
  }
}

/// Number of distinct track labels (>= 0) in `labels`.
std::size_t count_tracks(const TrackLabels& labels) {
  std::vector<bool> seen;
  std::size_t n = 0;
  for (const std::int64_t l : labels) {
    if (l < 0) continue;
    const auto k = static_cast<std::size_t>(l);
    if (k >= seen.size()) seen.resize(k + 1, false);
    if (!seen[k]) {
      seen[k] = true;
      ++n;
    }
  }
  return n;
}

/// A model set's filter or GNN: the whole network, or its hit and edge parts when the set has them.
std::unique_ptr<EdgeClassifier> make_classifier(const ModelSet::ClassifierEntry& entry,
                                                std::size_t n_features,
                                                const EdgeClassifier::Config& config) {
  if (entry.hits_file.empty()) return std::make_unique<EdgeClassifier>(entry.file, n_features, config);
  return std::make_unique<EdgeClassifier>(entry.edges_file, n_features, config, entry.hits_file);
}

}  // namespace

TrackBuilderKind parse_track_builder(const std::string& text) {
  if (text == "cc") return TrackBuilderKind::kConnectedComponents;
  if (text == "walk") return TrackBuilderKind::kWalkthrough;
  throw Error("unknown track builder '" + text + "' (expected cc or walk)");
}

TruthScores parse_truth_scores(const std::string& text) {
  if (text == "none") return TruthScores::kNone;
  if (text == "filter") return TruthScores::kFilter;
  if (text == "gnn") return TruthScores::kGnn;
  throw Error("unknown truth-scores stage '" + text + "' (expected none, filter or gnn)");
}

const char* to_string(TruthScores mode) {
  switch (mode) {
    case TruthScores::kFilter:
      return "filter";
    case TruthScores::kGnn:
      return "gnn";
    case TruthScores::kNone:
      break;
  }
  return "none";
}

const StageStats* PipelineResult::stage(std::string_view name) const {
  for (const auto& s : stages) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

Pipeline::Pipeline(ModelSet models, Config config)
    : models_(std::move(models)), config_(std::move(config)), features_(config_.features) {
  const bool any_model = models_.embedding || models_.filter || models_.gnn;
  if (!config_.allow_partial) {
    if (!models_.embedding) {
      throw ModelError((models_.dir / "pipeline.json").string() +
                       ": the pipeline needs an 'embedding' model");
    }
    if (!models_.gnn) {
      throw ModelError((models_.dir / "pipeline.json").string() + ": the pipeline needs a 'gnn' model");
    }
  }
  if (any_model || !models_.node_features.empty()) models_.check_node_features(HitFeatures::feature_names());
  const std::size_t n_features = HitFeatures::n_features();
  // Threads of one event: ONNX intra-op threads, or for the filter and GNN concurrent calls.
  const int threads = config_.onnx.intra_op_threads > 0
                          ? config_.onnx.intra_op_threads
                          : static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
  if (models_.embedding) {
    Embedding::Config ec;
    ec.onnx = config_.onnx;
    if (!ec.onnx.profile_prefix.empty()) ec.onnx.profile_prefix += "-embedding";
    ec.chunk_rows = config_.embedding_chunk_rows;
    if (config_.embedding_parallel_chunks && ec.chunk_rows > 0) {
      ec.chunk_threads = static_cast<std::size_t>(threads);
      ec.onnx.intra_op_threads = 1;
    }
    embedding_ = std::make_unique<Embedding>(models_.embedding->file, n_features, models_.embedding->dim, ec);
    RadiusGraphBuilder::Config rc;
    rc.radius = models_.embedding->radius;
    rc.max_neighbours = models_.embedding->max_neighbours;
    radius_graph_ = std::make_unique<RadiusGraphBuilder>(rc);
  }
  // Without an embedding there is no graph to classify: the later stages are skipped.
  if (models_.filter && embedding_) {
    EdgeClassifier::Config fc;
    fc.onnx = config_.onnx;
    if (!fc.onnx.profile_prefix.empty()) fc.onnx.profile_prefix += "-filter";
    fc.chunk_edges = config_.filter_chunk_edges;
    if (config_.filter_parallel_chunks && fc.chunk_edges > 0) {
      fc.chunk_threads = static_cast<std::size_t>(threads);
      fc.onnx.intra_op_threads = 1;
    }
    filter_ = make_classifier(*models_.filter, n_features, fc);
  }
  if (models_.gnn && embedding_) {
    EdgeClassifier::Config gc;
    gc.onnx = config_.onnx;
    if (!gc.onnx.profile_prefix.empty()) gc.onnx.profile_prefix += "-gnn";
    gc.chunk_edges = config_.gnn_chunk_edges;
    if (config_.gnn_partitions && gc.chunk_edges == 0 && models_.gnn->receptive_hops > 0) {
      gc.partitions = static_cast<std::size_t>(threads);
      gc.halo_hops = models_.gnn->receptive_hops;
      gc.min_partition_edges = config_.gnn_min_partition_edges;
      gc.partition_column = HitFeatures::kPhiColumn;
      gc.onnx.intra_op_threads = 1;
      gc.whole_graph_threads = threads;
    }
    gnn_ = make_classifier(*models_.gnn, n_features, gc);
    if (config_.stitch) stitcher_ = std::make_unique<TrackStitcher>(config_.stitching);
    if (config_.extend) extender_ = std::make_unique<TrackExtender>(config_.extension);
    const float cut = models_.gnn->cut;
    if (config_.track_builder == TrackBuilderKind::kWalkthrough) {
      WalkthroughTrackBuilder::Config wc;
      wc.cut = cut;
      wc.walk_cut = std::max(config_.walk_cut, cut);
      wc.min_hits = config_.min_hits;
      track_builder_ = std::make_unique<WalkthroughTrackBuilder>(wc);
    } else {
      ConnectedComponentsTrackBuilder::Config cc;
      cc.cut = cut;
      cc.min_hits = config_.min_hits;
      track_builder_ = std::make_unique<ConnectedComponentsTrackBuilder>(cc);
    }
  }
}

Pipeline::~Pipeline() = default;

std::unique_ptr<Pipeline::Workspace> Pipeline::make_workspace() const {
  auto ws = std::make_unique<Workspace>();
  if (embedding_) ws->embedding = embedding_->make_workspace();
  if (filter_) ws->filter = filter_->make_workspace();
  if (gnn_) ws->gnn = gnn_->make_workspace();
  return ws;
}

PipelineResult Pipeline::run(const Event& event) const {
  std::unique_ptr<Workspace> ws;
  {
    std::lock_guard lock(pool_mutex_);
    if (!pool_.empty()) {
      ws = std::move(pool_.back());
      pool_.pop_back();
    }
  }
  if (!ws) ws = make_workspace();
  struct Return {
    const Pipeline* self;
    std::unique_ptr<Workspace>* ws;
    ~Return() {
      std::lock_guard lock(self->pool_mutex_);
      self->pool_.push_back(std::move(*ws));
    }
  } give_back{this, &ws};
  return run(event, *ws);
}

PipelineResult Pipeline::run(const Event& event, Workspace& workspace) const {
  PipelineResult result;
  result.event_id = event.event_id;
  const std::size_t n = event.hits.size();
  result.n_hits = n;
  const HitsView hits = event.hits.view();
  const auto record = [&](const char* name, const StageTimer& timer, std::size_t in, std::size_t out) {
    result.stages.push_back({name, timer.wall_seconds(), timer.cpu_seconds(), in, out, peak_rss_bytes()});
  };
  const auto hook = [&](std::string_view stage, const EdgeList& edges) {
    if (hook_) hook_(event.event_id, stage, edges);
  };

  // Diagnostics (Config::truth_scores): score 1 for an edge between hits of one particle.
  std::vector<ParticleId> particle;
  if (config_.truth_scores != TruthScores::kNone) {
    if (!event.has_truth()) {
      throw InputError("event " + std::to_string(event.event_id) + " truth", 0, "particle_id",
                       std::string("truth scores (") + to_string(config_.truth_scores) +
                           ") need the event's truth (truth.csv); it has none");
    }
    particle = hit_particles(event);
  }
  const auto score_by_truth = [&particle](EdgeList& edges) {
    edges.score.resize(edges.size());
    for (std::size_t e = 0; e < edges.size(); ++e) {
      const ParticleId a = particle[static_cast<std::size_t>(edges.src[e])];
      const ParticleId b = particle[static_cast<std::size_t>(edges.dst[e])];
      edges.score[e] = a != 0 && a == b ? 1.0F : 0.0F;
    }
  };

  StageTimer timer;
  Matrix features = features_.compute(hits, event.cells.view());
  record("features", timer, n, features.rows);

  if (embedding_) {
    timer.reset();
    Matrix embedded = embedding_->run(features, workspace.embedding.get());
    record("embedding", timer, n, embedded.rows);

    timer.reset();
    EdgeList candidates = n > 1 ? radius_graph_->build(embedded) : EdgeList{};
    orient_outward(candidates, hits);
    record("radius_graph", timer, n, candidates.size());
    hook("radius_graph", candidates);

    EdgeList gnn_input;
    if (filter_) {
      timer.reset();
      if (config_.truth_scores == TruthScores::kFilter) {
        score_by_truth(candidates);
      } else {
        candidates = filter_->classify(features, candidates, workspace.filter.get());
      }
      EdgeList filtered = select_edges(candidates, models_.filter->cut);
      record("filter", timer, candidates.size(), filtered.size());
      hook("filter", candidates);
      if (config_.keep_intermediates) result.filtered = filtered;
      gnn_input = std::move(filtered);
    } else {
      gnn_input = candidates;
    }

    if (gnn_) {
      timer.reset();
      EdgeList scored;
      if (config_.truth_scores != TruthScores::kNone) {
        scored = std::move(gnn_input);
        score_by_truth(scored);
      } else {
        scored = gnn_->classify(features, gnn_input, workspace.gnn.get());
      }
      std::size_t passing = 0;
      for (float s : scored.score) passing += s >= models_.gnn->cut ? 1 : 0;
      record("gnn", timer, scored.size(), passing);
      hook("gnn", scored);

      timer.reset();
      // Each step records its time and the tracks it hands on (the next step's input).
      StageTimer step;
      const auto record_step = [&](const char* name, std::size_t in) {
        StageStats stats{name, step.wall_seconds(), step.cpu_seconds(), in, 0, peak_rss_bytes()};
        stats.items_out = count_tracks(result.labels);
        result.track_building_steps.push_back(stats);
        step.reset();
        return stats.items_out;
      };
      result.labels = track_builder_->build(n, scored);
      std::size_t tracks = record_step("builder", scored.size());
      if (stitcher_) {
        result.labels = stitcher_->stitch(hits, result.labels, candidates);
        const std::size_t before = tracks;
        tracks = record_step("stitching", before);
        result.stitched = before - tracks;
      }
      if (extender_) {
        result.labels = extender_->extend(hits, result.labels);
        tracks = record_step("extension", tracks);
      }
      if (min_track_hits() > 1) {
        drop_short_tracks(result.labels, min_track_hits());
        tracks = record_step("selection", tracks);
      }
      result.tracks.event_id = event.event_id;
      result.tracks.hit_id.assign(event.hits.hit_id.begin(), event.hits.hit_id.end());
      result.tracks.track_id.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        const std::int64_t label = result.labels[i];
        result.tracks.track_id[i] = label < 0 ? 0 : label + 1;
      }
      record("track_building", timer, scored.size(), tracks);
      if (config_.keep_intermediates) result.scored = std::move(scored);
    }
    if (config_.keep_intermediates) {
      result.embedding = std::move(embedded);
      result.candidates = std::move(candidates);
    }
  }
  if (config_.keep_intermediates) result.features = std::move(features);
  result.rss_after_bytes = current_rss_bytes();
  return result;
}

}  // namespace trkx
