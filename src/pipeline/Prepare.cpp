#include "trkx/pipeline/Prepare.hpp"

#include <cstdio>
#include <system_error>

#include "trkx/core/Error.hpp"
#include "trkx/pipeline/HitFeatures.hpp"
#include "trkx/pipeline/Npy.hpp"
#include "trkx/pipeline/TruthGraph.hpp"

namespace trkx {

namespace {

void write_edges(const std::filesystem::path& file, const EdgeList& edges) {
  std::vector<std::int64_t> index(2 * edges.size());
  std::copy(edges.src.begin(), edges.src.end(), index.begin());
  std::copy(edges.dst.begin(), edges.dst.end(), index.begin() + static_cast<std::ptrdiff_t>(edges.size()));
  npy::write(file, std::span<const std::int64_t>(index), {2, edges.size()});
}

std::size_t count_true(const std::vector<float>& y) {
  std::size_t n = 0;
  for (float v : y) n += v > 0.5F ? 1 : 0;
  return n;
}

}  // namespace

std::string event_dir_name(std::uint64_t event_id) {
  char name[32];
  std::snprintf(name, sizeof(name), "event%09llu", static_cast<unsigned long long>(event_id));
  return name;
}

TrainingEventSummary write_training_event(const Event& event, const PipelineResult& result,
                                          const std::filesystem::path& out_dir) {
  const std::size_t n = event.hits.size();
  if (result.features.rows != n) {
    throw Error("write_training_event: the pipeline result has no features for event " +
                std::to_string(event.event_id) + " (run the pipeline with keep_intermediates)");
  }
  TrainingEventSummary summary;
  summary.n_hits = n;
  const auto final_dir = out_dir / event_dir_name(event.event_id);
  const auto tmp_dir = out_dir / ("." + event_dir_name(event.event_id) + ".tmp");
  std::error_code ec;
  std::filesystem::remove_all(tmp_dir, ec);
  std::filesystem::create_directories(tmp_dir);

  npy::write(tmp_dir / "node_features.npy", std::span<const float>(result.features.data),
             {result.features.rows, result.features.cols});
  npy::write(tmp_dir / "hit_id.npy", std::span<const std::uint64_t>(event.hits.hit_id), {n});
  const std::vector<ParticleId> particle =
      event.has_truth() ? hit_particles(event) : std::vector<ParticleId>(n, 0);
  npy::write(tmp_dir / "particle_id.npy", std::span<const std::uint64_t>(particle), {n});
  const std::vector<float> pt = event.has_truth() ? hit_particle_pt(event) : std::vector<float>(n, 0.0F);
  npy::write(tmp_dir / "pt.npy", std::span<const float>(pt), {n});
  const EdgeList truth = event.has_truth() ? true_edges(event) : EdgeList{};
  summary.n_true_edges = truth.size();
  write_edges(tmp_dir / "true_edges.npy", truth);

  // Writes `edges` and their truth labels; returns the number of true edges.
  const auto write_labelled = [&](const EdgeList& edges, const char* edges_file, const char* labels_file) {
    write_edges(tmp_dir / edges_file, edges);
    const auto y = edge_truth(edges, truth, n);
    npy::write(tmp_dir / labels_file, std::span<const float>(y), {y.size()});
    return count_true(y);
  };
  if (result.stage("radius_graph") != nullptr) {
    summary.has_candidates = true;
    summary.n_candidates = result.candidates.size();
    summary.n_true_candidates = write_labelled(result.candidates, "candidate_edges.npy", "candidate_y.npy");
  }
  if (result.stage("filter") != nullptr) {
    summary.has_filtered = true;
    summary.n_filtered = result.filtered.size();
    summary.n_true_filtered = write_labelled(result.filtered, "filtered_edges.npy", "filtered_y.npy");
  }
  std::filesystem::remove_all(final_dir, ec);
  std::filesystem::rename(tmp_dir, final_dir, ec);
  if (ec)
    throw Error("cannot rename " + tmp_dir.string() + " to " + final_dir.string() + ": " + ec.message());
  return summary;
}

}  // namespace trkx
