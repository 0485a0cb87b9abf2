// `trkx prepare`: training data for the Python side (docs/model-contract.md),
// computed by the same stage code as `trkx reconstruct`.
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "Commands.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"
#include "trkx/core/Progress.hpp"
#include "trkx/io/TrackML.hpp"
#include "trkx/pipeline/EventLoop.hpp"
#include "trkx/pipeline/HitFeatures.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/Pipeline.hpp"
#include "trkx/pipeline/Prepare.hpp"

namespace trkx::cli {

namespace {

struct PrepareOptions {
  std::vector<std::string> inputs;
  std::string output;
  std::string models;
  std::size_t threads = 0;
  std::string memory = "release";
};

void run_prepare(const PrepareOptions& opt) {
  const auto events = io::resolve_inputs(opt.inputs);
  if (events.empty()) throw Error("prepare: no events found in the inputs");
  const ThreadPlan plan = plan_threads(opt.threads, events.size());
  const auto thread_cap = limit_parallelism(opt.threads);  // TBB's parts too, not only ONNX Runtime's

  Pipeline::Config config;
  config.allow_partial = true;
  config.keep_intermediates = true;
  config.onnx.intra_op_threads = plan.intra_op_threads;
  config.onnx.memory = parse_memory_mode(opt.memory);
  ModelSet models;
  if (!opt.models.empty()) models = ModelSet::load(opt.models, /*require_files=*/false);
  const Pipeline pipeline(models, config);
  TRKX_LOG_INFO("prepare: {} events, {} at a time, stages: features{}{}", events.size(),
                plan.concurrent_events, pipeline.has_embedding() ? " + embedding + radius graph" : "",
                pipeline.has_filter() ? " + filter" : "");

  const std::filesystem::path out_dir = opt.output;
  std::filesystem::create_directories(out_dir);
  io::ReadOptions read;
  read.cells = true;
  read.truth = true;
  read.particles = true;

  std::vector<TrainingEventSummary> summaries(events.size());
  std::vector<bool> done(events.size(), false);
  ProgressBar progress(events.size(), "prepare");
  const auto failures = for_each_item(
      events.size(), plan.concurrent_events,
      [&](std::size_t i) {
        const Event event = io::read_event(events[i].prefix, read);
        if (event.cells.size() == 0 && event.hits.size() > 0) {
          TRKX_LOG_WARN("{}: no cells; the cluster-shape features are 0", events[i].prefix.string());
        }
        if (!event.has_truth()) {
          TRKX_LOG_WARN("{}: no truth; particle_id 0 and no true edges", events[i].prefix.string());
        }
        const PipelineResult result = pipeline.run(event);
        summaries[i] = write_training_event(event, result, out_dir);
        done[i] = true;
      },
      &progress);
  progress.finish();

  nlohmann::json meta;
  meta["format_version"] = 1;
  meta["node_features"] = HitFeatures::feature_names();
  meta["events"] = nlohmann::json::array();
  meta["event_stats"] = nlohmann::json::array();
  std::size_t total_true = 0;
  std::size_t total_cand = 0;
  std::size_t total_cand_true = 0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (!done[i]) continue;
    const auto& s = summaries[i];
    meta["events"].push_back(event_dir_name(events[i].event_id));
    nlohmann::json st = {{"event", event_dir_name(events[i].event_id)},
                         {"event_id", events[i].event_id},
                         {"n_hits", s.n_hits},
                         {"n_true_edges", s.n_true_edges}};
    if (s.has_candidates) {
      st["n_candidates"] = s.n_candidates;
      st["n_true_candidates"] = s.n_true_candidates;
    }
    if (s.has_filtered) {
      st["n_filtered"] = s.n_filtered;
      st["n_true_filtered"] = s.n_true_filtered;
    }
    meta["event_stats"].push_back(st);
    total_true += s.n_true_edges;
    total_cand += s.n_candidates;
    total_cand_true += s.n_true_candidates;
  }
  meta["failed"] = nlohmann::json::array();
  for (const auto& f : failures) {
    TRKX_LOG_ERROR("{}: {}", events[f.index].prefix.string(), f.error);
    meta["failed"].push_back({{"event", events[f.index].prefix.string()}, {"error", f.error}});
  }
  meta["models"] = opt.models.empty() ? nlohmann::json(nullptr) : nlohmann::json(opt.models);
  meta["stages"] = {"features"};
  if (pipeline.has_embedding()) {
    meta["stages"].push_back("embedding");
    meta["stages"].push_back("radius_graph");
  }
  if (pipeline.has_filter()) meta["stages"].push_back("filter");
  write_text_atomic(out_dir / "meta.json", meta.dump(2) + "\n");

  if (total_cand > 0 && total_true > 0) {
    TRKX_LOG_INFO("prepare: candidate graph edge efficiency {:.4f}, purity {:.4f}",
                  static_cast<double>(total_cand_true) / static_cast<double>(total_true),
                  static_cast<double>(total_cand_true) / static_cast<double>(total_cand));
  }
  TRKX_LOG_INFO("prepare: {} of {} events written to {}", events.size() - failures.size(), events.size(),
                out_dir.string());
  if (!failures.empty()) {
    TRKX_LOG_ERROR("prepare: {} event(s) failed", failures.size());
    exit_code() = 1;
  }
}

}  // namespace

void add_prepare_command(CLI::App& app) {
  auto opt = std::make_shared<PrepareOptions>();
  auto* cmd = app.add_subcommand(
      "prepare",
      "Write training data (per event: node features, truth, candidate / filtered edges with labels) as .npy "
      "files, as listed in docs/model-contract.md");
  cmd->add_option("--input", opt->inputs, "Event directories or event prefixes (DIR/event000001000)")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--output", opt->output, "Output directory (one subdirectory per event + meta.json)")
      ->required();
  cmd->add_option("--models", opt->models,
                  "Models directory with pipeline.json; embedding.onnx adds candidate edges, filter.onnx "
                  "filtered edges");
  cmd->add_option("--threads", opt->threads, "Cores to use (0 = all)")->capture_default_str();
  cmd->add_option("--memory", opt->memory, "ONNX Runtime memory mode: arena, release or no-arena")
      ->capture_default_str();
  cmd->callback([opt] { run_prepare(*opt); });
}

}  // namespace trkx::cli
