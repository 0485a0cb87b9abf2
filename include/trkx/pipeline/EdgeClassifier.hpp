#pragma once
/// @file EdgeClassifier.hpp
/// Edge classification stage (the edge filter and the GNN are both edge
/// classifiers): an ONNX model with inputs `node_features` [N,F] float32 and
/// `edge_index` [2,E] int64 and output `edge_score` [E] (or [E,1]) float32 in
/// [0,1]; the model gathers per-edge inputs itself.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "trkx/pipeline/Graph.hpp"
#include "trkx/pipeline/OnnxRuntime.hpp"

namespace trkx {

/// Scores edges with an ONNX model. Session built once; classify() is const
/// and thread-safe; per-thread buffers live in a Workspace.
class EdgeClassifier {
 public:
  struct Config {
    OnnxConfig onnx;                ///< threads, optimisation, memory mode, IO binding
    std::size_t chunk_edges = 0;    ///< edges per ONNX call; 0 = all at once. Use a few thousand
                                    ///< for a per-edge filter (the pipeline uses 4096: its [chunk,
                                    ///< width] tensors stay in cache); 0 for a GNN, whose message
                                    ///< passing needs the whole graph.
    bool compact_nodes = true;      ///< feed each ONNX call only the rows of `features` its edges
                                    ///< refer to (indices renumbered), so the model's per-node work
                                    ///< (input transform, node networks) is done for those nodes
                                    ///< only: per chunk for a chunked filter, and the hits left
                                    ///< without any edge for a GNN. Valid for models in which a hit
                                    ///< reaches an edge's score only through edges (per-edge models,
                                    ///< message passing); bit-identical scores.
    std::size_t chunk_threads = 1;  ///< chunked models: classify up to this many chunks at once, each
                                    ///< ONNX call on the thread that makes it (TBB tasks; give the
                                    ///< session onnx.intra_op_threads = 1). For a 4096-edge filter this
                                    ///< beats splitting every call over intra-op threads (trkx
                                    ///< bench --threading; docs/measurements.md). Scores do not
                                    ///< depend on it.
    // Whole-graph models (chunk_edges = 0, a message-passing GNN): an edge's score depends only
    // on the graph within `halo_hops` hops of its two hits, so the graph can be cut into
    // `partitions` parts by the value of one feature column (phi: tracks are local in phi),
    // each part classified together with a halo of all edges within halo_hops hops, all parts
    // at once (one ONNX call each, on its own thread). Each edge takes its score from the part
    // that owns its source hit: the same scores as one call on the whole graph (test), for
    // ~8% extra work at pile-up 200 (docs/measurements.md). Lets a model that must run on one
    // intra-op thread (ScatterND, kMaxThreadsKey) use several cores. On a dense graph the halos cover
    // most of it (all-pt: each part is nearly the whole graph); then, when
    // whole_graph_threads > 1 and the model allows that many intra-op threads, the whole
    // graph is classified in one call on a second session with that many threads instead.
    std::size_t partitions = 1;               ///< parts classified at once (1 = whole graph)
    std::size_t halo_hops = 0;                ///< the model's receptive field in hops (0 = unknown:
                                              ///< never partition). For an interaction network:
                                              ///< its number of message-passing steps.
    std::size_t partition_column = 1;         ///< feature column ordering the parts (HitFeatures: phi)
    std::size_t min_partition_edges = 50000;  ///< smaller graphs are classified whole
    int whole_graph_threads = 0;              ///< partitions: intra-op threads of the whole-graph
                                              ///< session (0 or 1: none, always the parts)
    double max_part_overlap = 1.5;            ///< partitions: parts that together hold more than
                                              ///< this many times the graph's edges are not run;
                                              ///< the whole-graph session classifies it instead
    std::size_t hit_rows = 16384;             ///< split networks: hits per ONNX call of the hit part (on the
                                              ///< chunk lanes, like the edge chunks)
  };

  /// Per-thread reusable state: IO binding and grow-only buffers.
  struct Workspace {
    std::optional<Ort::IoBinding> binding;
    std::vector<std::int64_t> edge_index;   ///< [2, chunk] int64, src block then dst block
    std::vector<std::int32_t> node_slot;    ///< compact_nodes: row in the chunk's features, -1 = unused
    std::vector<std::int64_t> chunk_nodes;  ///< compact_nodes: original rows fed in this chunk
    std::vector<float> chunk_features;      ///< compact_nodes: their feature rows
    std::size_t runs = 0;                   ///< ONNX calls made through this workspace (all lanes)
    std::size_t nodes_fed = 0;              ///< node rows passed to the model, summed over calls
    std::vector<std::unique_ptr<Workspace>> lanes;  ///< chunk_threads / partitions > 1: one per
                                                    ///< concurrent call
    std::size_t parts = 0;             ///< partitions: parts classified in the last call (0 = whole graph)
    std::size_t part_edges = 0;        ///< partitions: edges the parts hold together (owned + halo), also
                                       ///< when they were too many and the whole graph was classified
    std::unique_ptr<Workspace> whole;  ///< partitions: the whole-graph session's buffers and binding
    EdgeList part;                     ///< partitions: this lane's part (original node ids)
    std::vector<std::size_t> part_edge_id;     ///< partitions: original edge index of each part edge
    std::vector<std::uint8_t> in_part;         ///< partitions: hit is within halo_hops of the owned edges
    std::vector<std::vector<float>> hit_rows;  ///< split networks: the hit part's outputs, one [N, w_k]
                                               ///< buffer per output (grow-only)
  };

  /// Loads `file` and checks its inputs and output against the contract
  /// (node_features float32 [N, n_features], edge_index int64 [2, E],
  /// edge_score float32 [E] or [E, 1]). Throws trkx::ModelError on mismatch.
  ///
  /// With `hits_file`, the network comes split in two (trkx_train.export.split_hit_part;
  /// ModelSet::ClassifierEntry::hits_file): `hits_file` is its hit part (node_features float32
  /// [N, n_features] in; float32 [N, w_k] tensors out, hit i's rows computed from hit i's
  /// features alone) and `file` its edge part (those tensors, under the same names, and
  /// edge_index in; edge_score out). classify() then runs the hit part once, in chunks of
  /// Config::hit_rows hits (one intra-op thread per call, the chunks on as many lanes as the
  /// edge part has threads, so that the scores do not depend on the threading), and the edge
  /// part per chunk of edges on the original hit indices
  /// (Config::compact_nodes does not apply): a hit's own work is done once, not once per chunk
  /// its edges fall in.
  EdgeClassifier(const std::filesystem::path& file, std::size_t n_features, Config config,
                 const std::filesystem::path& hits_file = {});
  [[nodiscard]] const Config& config() const { return config_; }
  /// Intra-op threads the session really uses (config().onnx.intra_op_threads lowered
  /// to the model's kMaxThreadsKey metadata, if any).
  [[nodiscard]] int intra_op_threads() const { return model_->config().intra_op_threads; }
  /// Intra-op threads of the whole-graph session (Config::whole_graph_threads), 0 when there is none.
  [[nodiscard]] int whole_graph_threads() const {
    return whole_model_ ? whole_model_->config().intra_op_threads : 0;
  }

  /// Whether the network runs as a hit part and an edge part (constructed with hits_file).
  [[nodiscard]] bool split() const { return hits_model_ != nullptr; }

  [[nodiscard]] std::unique_ptr<Workspace> make_workspace() const;
  /// Returns `edges` with one score per edge (any previous scores replaced).
  /// Edge indices must be rows of `features`. `workspace` may be null.
  [[nodiscard]] EdgeList classify(const Matrix& features, const EdgeList& edges,
                                  Workspace* workspace = nullptr) const;

 private:
  /// Scores edges [start, start + n) into out.score with one ONNX call. `hit_rows`: a split
  /// network's hit-part outputs (the edge part's node inputs), null otherwise.
  void classify_chunk(const Matrix& features, const EdgeList& edges, std::size_t start, std::size_t n,
                      bool last, Workspace& ws, EdgeList& out, const OnnxModel* model = nullptr,
                      const std::vector<std::vector<float>>* hit_rows = nullptr) const;
  /// Split networks: the hit part on every row of `features` into ws.hit_rows.
  void run_hits(const Matrix& features, Workspace& ws) const;
  /// Whole-graph model on several threads: see Config::partitions.
  void classify_partitioned(const Matrix& features, const EdgeList& edges, Workspace& ws,
                            EdgeList& out) const;
  static void release_buffers(Workspace& ws);

  Config config_;
  std::size_t n_features_;
  std::unique_ptr<OnnxModel> model_;
  std::unique_ptr<OnnxModel> whole_model_;  ///< partitions: the whole-graph session (may be null)
  std::unique_ptr<OnnxModel> hits_model_;   ///< split networks: the hit part (null otherwise)
  std::vector<std::size_t> hit_widths_;     ///< split networks: w_k of each hit-part output
};

}  // namespace trkx
