#pragma once
/// @file ModelSet.hpp
/// A models directory: pipeline.json plus the ONNX files it names
/// (docs/model-contract.md).

#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace trkx {

/// The contents of a models directory's pipeline.json, with model paths made
/// absolute. Stages whose entry is absent from the JSON are nullopt.
struct ModelSet {
  /// "embedding": {"file": ..., "dim": D, "radius": r, "max_neighbours": k}
  struct EmbeddingEntry {
    std::filesystem::path file;
    std::size_t dim = 0;              ///< embedding dimension D
    float radius = 0.0F;              ///< radius-graph search radius (embedding units)
    std::size_t max_neighbours = 64;  ///< neighbours kept per hit
  };
  /// "filter" / "gnn": {"file": ..., "cut": c [, "receptive_hops": h] [, "hits_file": ...,
  /// "edges_file": ...]}
  struct ClassifierEntry {
    std::filesystem::path file;
    /// The same network split by the exporter into its per-hit part and its per-edge part
    /// (trkx_train.export.split_hit_part): run the hit part once per event and the edge part
    /// per chunk of edges. Both or neither; `file` stays the whole network (other tools).
    std::filesystem::path hits_file, edges_file;
    float cut = 0.5F;                ///< edges with score >= cut are kept
    std::size_t receptive_hops = 0;  ///< an edge's score depends on the graph within this many hops
                                     ///< of its hits (a GNN: its message-passing steps); 0 = not
                                     ///< stated (the GNN is then never split into parts)
  };

  std::filesystem::path dir;
  int format_version = 1;
  std::vector<std::string> node_features;  ///< feature names in column order
  std::optional<EmbeddingEntry> embedding;
  std::optional<ClassifierEntry> filter;
  std::optional<ClassifierEntry> gnn;
  /// "track_selection": {"min_track_hits": N}: the set's operating point for the
  /// track-quality selection (tracks with fewer hits are dropped after track
  /// building); absent = 0, every track kept. Pipeline::Config::min_track_hits overrides it.
  std::size_t min_track_hits = 0;
  /// "track_selection": {"selected_min_hits": N, "selected_pt_min": X}: the tracks an analysis of
  /// this set's output selects (at least N hits, reconstructed pT above X GeV). They drop nothing:
  /// `trkx evaluate --models` reports its selected-track rates over them (--track-min-hits,
  /// --track-pt-min) where the command line sets nothing, while the TrackML score counts every track.
  std::optional<std::size_t> selected_min_hits;
  std::optional<double> selected_pt_min;
  /// "track_building": {"extend_z": 6, ...}: the set's own track-building settings (tolerances
  /// tuned for what its networks pass on), named as `trkx reconstruct`'s options without the
  /// dashes (extend_z for --extend-z); "note" is free text. Numbers only, sorted by name. The
  /// library does not apply them (Pipeline::Config is the caller's): `trkx reconstruct` and
  /// `trkx bench` do, where their command line does not set the option.
  std::vector<std::pair<std::string, double>> track_building;
  std::string training_json = "{}";  ///< the free-form "training" object, serialised

  /// Reads `dir`/pipeline.json. With `require_files`, every listed model file
  /// must exist; without, entries whose file is missing are dropped (used by
  /// `trkx prepare`, which runs whatever stages exist). Throws trkx::ModelError
  /// naming the file and the field on any problem.
  static ModelSet load(const std::filesystem::path& dir, bool require_files = true);

  /// Throws trkx::ModelError (naming both lists) unless node_features equals
  /// `produced` (the names of the HitFeatures columns).
  void check_node_features(const std::vector<std::string>& produced) const;
};

}  // namespace trkx
