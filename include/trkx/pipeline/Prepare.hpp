#pragma once
/// @file Prepare.hpp
/// Training data written by `trkx prepare` (docs/model-contract.md): per event
/// a directory of .npy arrays computed by the same stage code as `trkx
/// reconstruct`, plus truth labels.

#include <cstdint>
#include <filesystem>
#include <string>

#include "trkx/core/EventData.hpp"
#include "trkx/pipeline/Pipeline.hpp"

namespace trkx {

/// Directory name of an event: "event" + 9-digit zero-padded id.
[[nodiscard]] std::string event_dir_name(std::uint64_t event_id);

/// Sizes of what write_training_event wrote.
struct TrainingEventSummary {
  std::size_t n_hits = 0;
  std::size_t n_true_edges = 0;
  std::size_t n_candidates = 0;  ///< 0 if no embedding stage ran
  std::size_t n_true_candidates = 0;
  std::size_t n_filtered = 0;  ///< 0 if no filter stage ran
  std::size_t n_true_filtered = 0;
  bool has_candidates = false;
  bool has_filtered = false;
};

/// Writes `out_dir`/event<id>/ with node_features, hit_id, particle_id, pt,
/// true_edges and, when the pipeline produced them, candidate_edges /
/// candidate_y and filtered_edges / filtered_y. `result` must come from a
/// Pipeline with keep_intermediates. The event directory is written under a
/// temporary name and renamed at the end, so an interrupted run never leaves
/// a half-written event directory. An event without truth gets particle_id 0
/// for every hit and no true edges.
TrainingEventSummary write_training_event(const Event& event, const PipelineResult& result,
                                          const std::filesystem::path& out_dir);

}  // namespace trkx
