#pragma once
/// @file Pipeline.hpp
/// The thin orchestrator of the reconstruction chain:
///   HitFeatures -> Embedding -> RadiusGraphBuilder (+ outward orientation)
///   -> EdgeClassifier (filter) -> EdgeClassifier (GNN) -> TrackBuilder.
/// It owns one instance of each stage (sessions built once), times every
/// stage, can hand every intermediate graph to a debug hook, and turns an
/// event without edges into an empty result rather than an error.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/pipeline/EdgeClassifier.hpp"
#include "trkx/pipeline/Embedding.hpp"
#include "trkx/pipeline/Graph.hpp"
#include "trkx/pipeline/HitFeatures.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/OnnxRuntime.hpp"
#include "trkx/pipeline/RadiusGraph.hpp"
#include "trkx/pipeline/TrackBuilding.hpp"
#include "trkx/pipeline/TrackExtension.hpp"
#include "trkx/pipeline/TrackStitching.hpp"

namespace trkx {

/// Which track builder the last stage uses.
enum class TrackBuilderKind {
  kConnectedComponents,  ///< connected components over edges with GNN score >= cut
  kWalkthrough,          ///< components + walk-through in branching components
};
/// Parses "cc" or "walk"; throws trkx::Error otherwise.
TrackBuilderKind parse_track_builder(const std::string& text);

/// Diagnostics: from which stage on edges are scored by the truth instead of the networks.
enum class TruthScores {
  kNone,    ///< the networks score every edge (reconstruction)
  kFilter,  ///< candidate edges scored by the truth; the filter and GNN networks do not run
  kGnn,     ///< the filter runs; its passing edges are scored by the truth instead of the GNN
};
/// Parses "none", "filter" or "gnn"; throws trkx::Error otherwise.
TruthScores parse_truth_scores(const std::string& text);
[[nodiscard]] const char* to_string(TruthScores mode);

/// Time, size and memory of one stage for one event.
struct StageStats {
  std::string name;                ///< features, embedding, radius_graph, filter, gnn, track_building
                                   ///< (track building includes the stitching)
  double wall_seconds = 0;         ///< wall-clock time of the stage
  double cpu_seconds = 0;          ///< process CPU time during the stage (all threads of the process)
  std::size_t items_in = 0;        ///< hits (features, embedding, radius_graph) or edges in
  std::size_t items_out = 0;       ///< rows, edges or tracks out
  std::size_t peak_rss_bytes = 0;  ///< process peak RSS after the stage (VmHWM)
};

/// Output of Pipeline::run for one event.
struct PipelineResult {
  std::uint64_t event_id = 0;
  std::size_t n_hits = 0;
  TrackAssignment tracks;    ///< submission rows (track_id 0 = unassigned); empty if no GNN stage ran
  TrackLabels labels;        ///< track label per hit index (-1 = none); empty if no GNN stage ran
  std::size_t stitched = 0;  ///< candidates joined to another by the stitcher (part of track_building)
  std::vector<StageStats> stages;
  /// The steps inside the track_building stage, in order: builder (walk or cc: edges in,
  /// candidates out), stitching, extension and selection (candidates in and out); a step that is
  /// switched off is absent. Their wall times add up to about the stage's.
  std::vector<StageStats> track_building_steps;
  std::size_t rss_after_bytes = 0;  ///< process resident memory when run() returned (VmRSS)
  // Intermediate results, kept only with Config::keep_intermediates:
  Matrix features;      ///< [N, F] node features
  Matrix embedding;     ///< [N, D]
  EdgeList candidates;  ///< radius graph, oriented outward; filter scores if the filter ran
  EdgeList filtered;    ///< candidates with filter score >= filter cut (with filter scores)
  EdgeList scored;      ///< GNN input edges with GNN scores
  [[nodiscard]] const StageStats* stage(std::string_view name) const;
};

/// Runs the stages of a ModelSet on events. Construction loads every ONNX
/// session once and validates the models (trkx::ModelError); run() is const
/// and safe to call from several threads at once.
class Pipeline {
 public:
  struct Config {
    HitFeatures::Config features;             ///< feature scales (must match what the models were trained on)
    OnnxConfig onnx;                          ///< threads, optimisation level, memory mode, IO binding
    std::size_t embedding_chunk_rows = 4096;  ///< hits per embedding call (0 = all); small chunks keep
                                              ///< the model's [chunk, width] tensors in cache
    std::size_t filter_chunk_edges = 4096;    ///< edges per filter call (0 = all); small chunks keep
                                              ///< the model's [chunk, width] tensors in cache
    std::size_t gnn_chunk_edges = 0;          ///< edges per GNN call; 0 = whole graph (message passing)
    bool embedding_parallel_chunks = true;    ///< embedding: onnx.intra_op_threads chunks at once, one ONNX
                                              ///< thread each (false: each call split over intra-op threads)
    bool filter_parallel_chunks = true;  ///< filter: onnx.intra_op_threads chunks classified at once, one
                                         ///< ONNX thread each (false: chunks in turn, each call split
                                         ///< over intra-op threads; measured slower:
                                         ///< docs/measurements.md)
    bool gnn_partitions = true;  ///< GNN: cut the graph into onnx.intra_op_threads parts classified at
                                 ///< once (EdgeClassifier::Config::partitions; needs the model's
                                 ///< receptive_hops); false: one call on the whole graph
    std::size_t gnn_min_partition_edges = 50000;  ///< smaller GNN graphs are classified whole
    /// walk: better physics than connected components (docs/measurements.md)
    TrackBuilderKind track_builder = TrackBuilderKind::kWalkthrough;
    float walk_cut = 0.7F;     ///< walk-through: only edges above are followed in branching components
    std::size_t min_hits = 3;  ///< shorter track candidates are dropped
    /// After stitching, recovery and extension, tracks with fewer hits are dropped (their hits in
    /// no track): a track-quality selection. Unset: the model set's (ModelSet::min_track_hits).
    std::optional<std::size_t> min_track_hits;
    bool stitch = true;               ///< join split candidates (TrackStitcher) after track building
    TrackStitcher::Config stitching;  ///< links: candidate edges (radius graph, filter scores)
    bool extend = true;               ///< follow tracks onto free hits on their helix (TrackExtender)
                                      ///< after stitching and hit recovery
    TrackExtender::Config extension;
    bool allow_partial = false;       ///< accept model sets without embedding / GNN and stop after the
                                      ///< last stage present (trkx prepare); otherwise both are required
    bool keep_intermediates = false;  ///< fill PipelineResult's features / embedding / edge lists
    /// Diagnostics, not a reconstruction: edges from this stage on get score 1 when both hits
    /// belong to the same particle (truth.csv, noise excluded), else 0, so that the rest of the
    /// chain shows its ceiling with perfect edge classification (the graph's and the track
    /// building's losses). Needs the event's truth (trkx::InputError without it).
    TruthScores truth_scores = TruthScores::kNone;
  };

  /// Called after each graph stage with the stage name ("radius_graph",
  /// "filter", "gnn") and its edges (with scores once classified). May be
  /// called from several threads at once.
  using GraphHook =
      std::function<void(std::uint64_t event_id, std::string_view stage, const EdgeList& edges)>;

  /// Per-thread state of all ONNX stages (IO bindings, reused buffers).
  struct Workspace {
    std::unique_ptr<Embedding::Workspace> embedding;
    std::unique_ptr<EdgeClassifier::Workspace> filter;
    std::unique_ptr<EdgeClassifier::Workspace> gnn;
  };

  /// `models` may be default-constructed (no stages) with allow_partial:
  /// features only. Throws trkx::ModelError for missing required stages,
  /// feature-name mismatches and model IO mismatches.
  Pipeline(ModelSet models, Config config);
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] const ModelSet& models() const { return models_; }
  /// The track-quality selection in effect: Config::min_track_hits, else the model set's.
  [[nodiscard]] std::size_t min_track_hits() const {
    return config_.min_track_hits.value_or(models_.min_track_hits);
  }
  [[nodiscard]] bool has_embedding() const { return embedding_ != nullptr; }
  [[nodiscard]] bool has_filter() const { return filter_ != nullptr; }
  [[nodiscard]] bool has_gnn() const { return gnn_ != nullptr; }

  void set_graph_hook(GraphHook hook) { hook_ = std::move(hook); }

  [[nodiscard]] std::unique_ptr<Workspace> make_workspace() const;
  /// Runs all available stages on `event` with a caller-owned workspace.
  [[nodiscard]] PipelineResult run(const Event& event, Workspace& workspace) const;
  /// Same, borrowing a workspace from an internal pool (one per concurrent caller).
  [[nodiscard]] PipelineResult run(const Event& event) const;

 private:
  ModelSet models_;
  Config config_;
  HitFeatures features_;
  std::unique_ptr<Embedding> embedding_;
  std::unique_ptr<RadiusGraphBuilder> radius_graph_;
  std::unique_ptr<EdgeClassifier> filter_;
  std::unique_ptr<EdgeClassifier> gnn_;
  std::unique_ptr<TrackBuilder> track_builder_;
  std::unique_ptr<TrackStitcher> stitcher_;
  std::unique_ptr<TrackExtender> extender_;
  GraphHook hook_;
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<Workspace>> pool_;
};

}  // namespace trkx
