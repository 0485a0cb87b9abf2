// `trkx reconstruct`: events in, one TrackML submission and one track table
// (parameters of every track) per event out, plus a JSON report of per-stage
// times, edge counts and memory.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "Commands.hpp"
#include "TrackBuildingOptions.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"
#include "trkx/core/Progress.hpp"
#include "trkx/core/Timer.hpp"
#include "trkx/eval/TrackParameters.hpp"
#include "trkx/io/TrackML.hpp"
#include "trkx/pipeline/EventLoop.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/Pipeline.hpp"

namespace trkx::cli {

namespace {

namespace fs = std::filesystem;

struct ReconstructOptions {
  std::vector<std::string> inputs;
  std::string models;
  std::string output;
  std::string report;  // default: OUTPUT/report.json
  std::size_t threads = 0;
  std::size_t events_at_once = 0;  // 0: one event per core
  bool resume = false;
  bool dump_graphs = false;
  std::string track_builder = "walk";  // better physics than cc (docs/measurements.md)
  std::string truth_scores = "none";   // diagnostics: score edges by the truth from this stage on
  std::string memory = "release";      // measured: same time as arena, ~40% lower peak RSS on PU200
  bool no_io_binding = false;
  int optimization = 99;
  std::string onnx_profile;
  std::size_t filter_chunk = Pipeline::Config{}.filter_chunk_edges;
  std::size_t embedding_chunk = Pipeline::Config{}.embedding_chunk_rows;
  std::optional<float> filter_cut;  // default: the model set's pipeline.json
  std::optional<float> gnn_cut;     // default: the model set's pipeline.json
  double bz = 2.0;                  // [T] for the track parameters and the stitching's minimum pT
  TrackBuildingOptions building;    // the command line's; run_reconstruct gets them resolved with the set's
};

fs::path submission_path(const fs::path& out, std::uint64_t event_id) {
  return out / (io::event_prefix_name(event_id) + "-submission.csv");
}

fs::path tracks_path(const fs::path& out, std::uint64_t event_id) {
  return out / (io::event_prefix_name(event_id) + "-tracks.csv");
}

/// Writes the parameters of every track (eval::fit_tracks) as
/// `track_id,n_hits,pt,eta,phi,charge,d0,z0` (GeV, rad, mm; nan where a
/// parameter cannot be estimated).
void write_track_table(const fs::path& file, const std::vector<eval::FittedTrack>& tracks) {
  std::string text = "track_id,n_hits,pt,eta,phi,charge,d0,z0\n";
  text.reserve(80 * tracks.size() + text.size());
  char line[256];
  for (const auto& t : tracks) {
    const auto& p = t.parameters;
    const int n =
        std::snprintf(line, sizeof(line), "%lld,%zu,%.6g,%.6g,%.6g,%d,%.6g,%.6g\n",
                      static_cast<long long>(t.track_id), t.n_hits, p.pt, p.eta, p.phi, p.charge, p.d0, p.z0);
    text.append(line, static_cast<std::size_t>(n));
  }
  write_text_atomic(file, text);
}

/// Writes one graph as `<dir>/event<id>-graph-<stage>.csv` (src,dst,score;
/// hit row indices), the format `trkx evaluate --graphs` reads.
void dump_graph(const fs::path& dir, std::uint64_t event_id, std::string_view stage, const EdgeList& edges) {
  std::string text;
  text.reserve(32 * edges.size() + 32);
  const bool scored = edges.score.size() == edges.size();
  text += scored ? "src,dst,score\n" : "src,dst\n";
  char line[96];
  for (std::size_t e = 0; e < edges.size(); ++e) {
    const int n =
        scored ? std::snprintf(line, sizeof(line), "%lld,%lld,%.7g\n", static_cast<long long>(edges.src[e]),
                               static_cast<long long>(edges.dst[e]), static_cast<double>(edges.score[e]))
               : std::snprintf(line, sizeof(line), "%lld,%lld\n", static_cast<long long>(edges.src[e]),
                               static_cast<long long>(edges.dst[e]));
    text.append(line, static_cast<std::size_t>(n));
  }
  write_text_atomic(dir / (io::event_prefix_name(event_id) + "-graph-" + std::string(stage) + ".csv"), text);
}

nlohmann::json stage_json(const StageStats& s) {
  return {{"name", s.name},         {"wall_seconds", s.wall_seconds}, {"cpu_seconds", s.cpu_seconds},
          {"items_in", s.items_in}, {"items_out", s.items_out},       {"peak_rss_bytes", s.peak_rss_bytes}};
}

void run_reconstruct(const ReconstructOptions& opt, ModelSet models, const ResolvedTrackBuilding& building) {
  const auto all_events = io::resolve_inputs(opt.inputs);
  if (all_events.empty()) throw Error("reconstruct: no events found in the inputs");
  const fs::path out_dir = opt.output;
  fs::create_directories(out_dir);

  std::vector<io::EventFiles> events;
  std::vector<std::uint64_t> skipped;
  for (const auto& e : all_events) {
    if (opt.resume && fs::is_regular_file(submission_path(out_dir, e.event_id))) {
      skipped.push_back(e.event_id);
    } else {
      events.push_back(e);
    }
  }
  if (!skipped.empty()) TRKX_LOG_INFO("reconstruct: --resume skips {} finished event(s)", skipped.size());

  const ThreadPlan plan = plan_threads(opt.threads, events.size(), opt.events_at_once);
  const auto thread_cap = limit_parallelism(opt.threads);  // TBB's parts too, not only ONNX Runtime's
  Pipeline::Config config;
  config.onnx.intra_op_threads = plan.intra_op_threads;
  config.onnx.memory = parse_memory_mode(opt.memory);
  config.onnx.io_binding = !opt.no_io_binding;
  config.onnx.optimization_level = opt.optimization;
  config.onnx.profile_prefix = opt.onnx_profile;
  // No spinning: measured on the shipped filter with 2 threads on a shared machine
  // (bench_pipeline BM_ShippedFilter), spinning made it 2.3x slower; with several events
  // in flight idle intra-op threads must not spin on the shared cores either.
  config.onnx.allow_spinning = false;
  config.filter_chunk_edges = opt.filter_chunk;
  config.embedding_chunk_rows = opt.embedding_chunk;
  config.track_builder = parse_track_builder(opt.track_builder);
  config.truth_scores = parse_truth_scores(opt.truth_scores);
  if (config.truth_scores != TruthScores::kNone) {
    TRKX_LOG_WARN(
        "reconstruct: --truth-scores {}: edges from the {} on are scored by the truth; the tracks "
        "show the chain's ceiling, they are not a reconstruction",
        opt.truth_scores, opt.truth_scores);
  }
  building.options.apply_to(config);
  config.stitching.bz = opt.bz;
  if (opt.filter_cut && models.filter) models.filter->cut = *opt.filter_cut;
  if (opt.gnn_cut && models.gnn) models.gnn->cut = *opt.gnn_cut;
  Pipeline pipeline(std::move(models), config);
  const fs::path graphs_dir = out_dir / "graphs";
  if (opt.dump_graphs) {
    fs::create_directories(graphs_dir);
    pipeline.set_graph_hook(
        [&graphs_dir](std::uint64_t event_id, std::string_view stage, const EdgeList& edges) {
          dump_graph(graphs_dir, event_id, stage, edges);
        });
  }
  TRKX_LOG_INFO("reconstruct: {} event(s), {} at a time, {} intra-op thread(s) each, memory mode {}",
                events.size(), plan.concurrent_events, plan.intra_op_threads, to_string(config.onnx.memory));

  io::ReadOptions read;
  read.cells = true;
  read.truth = config.truth_scores != TruthScores::kNone;
  read.particles = false;
  std::mutex mutex;
  std::map<std::uint64_t, nlohmann::json> per_event;
  std::map<std::string, double> stage_wall_sum;
  std::map<std::string, double> stage_cpu_sum;
  std::map<std::string, double> stage_out_sum;
  std::vector<std::string> stage_order;  // pipeline order, for the printed table
  const StageTimer total;
  ProgressBar progress(events.size(), "reconstruct");
  const auto failures = for_each_item(
      events.size(), plan.concurrent_events,
      [&](std::size_t i) {
        const StageTimer event_timer;
        const Event event = io::read_event(events[i].prefix, read);
        const double read_seconds = event_timer.wall_seconds();
        if (read.truth && !event.has_truth()) {
          throw InputError(events[i].prefix.string() + "-truth.csv", 0, "",
                           "--truth-scores needs the event's truth: no such file (nor .csv.gz), or no rows");
        }
        if (event.cells.size() == 0 && event.hits.size() > 0) {
          TRKX_LOG_WARN("{}: no cells; the cluster-shape features are 0", events[i].prefix.string());
        }
        const PipelineResult result = pipeline.run(event);
        TrackAssignment tracks = result.tracks;
        tracks.event_id = events[i].event_id;
        // The track table first: the submission marks the event done (--resume).
        write_track_table(tracks_path(out_dir, events[i].event_id),
                          eval::fit_tracks(event.hits.view(), tracks, opt.bz));
        io::write_submission(tracks, submission_path(out_dir, events[i].event_id));
        nlohmann::json j = {{"event_id", events[i].event_id},
                            {"input", events[i].prefix.string()},
                            {"n_hits", result.n_hits},
                            {"read_seconds", read_seconds},
                            {"wall_seconds", event_timer.wall_seconds()},
                            {"rss_after_bytes", result.rss_after_bytes},
                            {"stitched_candidates", result.stitched},
                            {"stages", nlohmann::json::array()}};
        for (const auto& s : result.stages) j["stages"].push_back(stage_json(s));
        j["track_building_steps"] = nlohmann::json::array();
        for (const auto& s : result.track_building_steps) j["track_building_steps"].push_back(stage_json(s));
        std::lock_guard lock(mutex);
        for (const auto& s : result.stages) {
          stage_wall_sum[s.name] += s.wall_seconds;
          stage_cpu_sum[s.name] += s.cpu_seconds;
          stage_out_sum[s.name] += static_cast<double>(s.items_out);
          if (std::find(stage_order.begin(), stage_order.end(), s.name) == stage_order.end()) {
            stage_order.push_back(s.name);
          }
        }
        per_event[events[i].event_id] = std::move(j);
      },
      &progress);
  progress.finish();
  const double wall = total.wall_seconds();

  nlohmann::json report;
  report["models"] = opt.models;
  report["config"] = {{"threads", opt.threads},
                      {"concurrent_events", plan.concurrent_events},
                      {"intra_op_threads", plan.intra_op_threads},
                      {"memory", to_string(config.onnx.memory)},
                      {"io_binding", config.onnx.io_binding},
                      {"optimization_level", config.onnx.optimization_level},
                      {"embedding_chunk_rows", config.embedding_chunk_rows},
                      {"filter_chunk_edges", config.filter_chunk_edges},
                      {"track_builder", opt.track_builder},
                      {"truth_scores", opt.truth_scores},
                      {"walk_cut", config.walk_cut},
                      {"min_hits", config.min_hits},
                      {"min_track_hits", pipeline.min_track_hits()},
                      {"stitch", config.stitch},
                      {"extend", config.extend},
                      {"bz_tesla", opt.bz},
                      {"track_building_from_models", building.from_models}};
  if (config.extend) {
    report["config"]["extension"] = {{"min_track_hits", config.extension.min_track_hits},
                                     {"fit_hits", config.extension.fit_hits},
                                     {"max_xy_residual_mm", config.extension.max_xy_residual},
                                     {"max_z_residual_mm", config.extension.max_z_residual},
                                     {"max_step_mm", config.extension.max_step},
                                     {"window_dphi_rad", config.extension.window_dphi},
                                     {"window_dtheta_rad", config.extension.window_dtheta},
                                     {"inwards", config.extension.inwards}};
  }
  if (config.stitch) {
    report["config"]["stitching"] = {{"min_score", config.stitching.min_score},
                                     {"end_hits", config.stitching.end_hits},
                                     {"fit_hits", config.stitching.fit_hits},
                                     {"max_xy_residual_mm", config.stitching.max_xy_residual},
                                     {"max_z_residual_mm", config.stitching.max_z_residual},
                                     {"min_pt_gev", config.stitching.min_pt},
                                     {"max_gap_mm", config.stitching.max_gap},
                                     {"gap_min_hits", config.stitching.gap_min_hits},
                                     {"gap_max_dphi_rad", config.stitching.gap_max_dphi},
                                     {"gap_max_dtheta_rad", config.stitching.gap_max_dtheta},
                                     {"gap_max_xy_residual_mm", config.stitching.gap_max_xy_residual},
                                     {"gap_max_z_residual_mm", config.stitching.gap_max_z_residual},
                                     {"recover_hits", config.stitching.recover_hits},
                                     {"passes", config.stitching.passes},
                                     {"trim_max_hits", config.stitching.trim_max_hits},
                                     {"trim_fit_hits", config.stitching.trim_fit_hits},
                                     {"trim_min_track_hits", config.stitching.trim_min_track_hits},
                                     {"trim_max_xy_residual_mm", config.stitching.trim_max_xy_residual},
                                     {"trim_max_z_residual_mm", config.stitching.trim_max_z_residual},
                                     {"recover_min_score", config.stitching.recover_min_score},
                                     {"recover_fit_hits", config.stitching.recover_fit_hits},
                                     {"recover_min_track_hits", config.stitching.recover_min_track_hits},
                                     {"recover_max_xy_residual_mm", config.stitching.recover_max_xy_residual},
                                     {"recover_max_z_residual_mm", config.stitching.recover_max_z_residual}};
  }
  if (pipeline.models().filter) report["config"]["filter_cut"] = pipeline.models().filter->cut;
  if (pipeline.models().gnn) report["config"]["gnn_cut"] = pipeline.models().gnn->cut;
  report["events"] = nlohmann::json::array();
  for (auto& [id, j] : per_event) report["events"].push_back(std::move(j));
  report["failed"] = nlohmann::json::array();
  for (const auto& f : failures) {
    TRKX_LOG_ERROR("reconstruct: {}: {}", events[f.index].prefix.string(), f.error);
    report["failed"].push_back({{"event_id", events[f.index].event_id},
                                {"input", events[f.index].prefix.string()},
                                {"error", f.error}});
  }
  report["skipped"] = skipped;
  const std::size_t n_done = per_event.size();
  nlohmann::json mean_wall = nlohmann::json::object();
  nlohmann::json mean_cpu = nlohmann::json::object();
  for (const auto& [name, sum] : stage_wall_sum) {
    mean_wall[name] = n_done ? sum / static_cast<double>(n_done) : 0.0;
    mean_cpu[name] = n_done ? stage_cpu_sum[name] / static_cast<double>(n_done) : 0.0;
  }
  report["summary"] = {{"n_inputs", all_events.size()},
                       {"n_reconstructed", n_done},
                       {"n_failed", failures.size()},
                       {"n_skipped", skipped.size()},
                       {"wall_seconds", wall},
                       {"events_per_second", wall > 0 ? static_cast<double>(n_done) / wall : 0.0},
                       {"mean_stage_wall_seconds", mean_wall},
                       {"mean_stage_cpu_seconds", mean_cpu},
                       {"peak_rss_bytes", peak_rss_bytes()}};
  const fs::path report_path = opt.report.empty() ? out_dir / "report.json" : fs::path(opt.report);
  write_text_atomic(report_path, report.dump(2) + "\n");
  if (n_done > 0) {
    // Per-stage timing summary on stdout (the JSON report has the details).
    const auto n = static_cast<double>(n_done);
    std::printf("%-16s %10s %10s %14s\n", "stage", "wall [s]", "cpu [s]", "out per event");
    for (const auto& name : stage_order) {
      std::printf("%-16s %10.3f %10.3f %14.0f\n", name.c_str(), stage_wall_sum[name] / n,
                  stage_cpu_sum[name] / n, stage_out_sum[name] / n);
    }
    std::printf("%zu event(s) in %.2f s wall (%.3f events/s), peak RSS %.0f MB\n", n_done, wall,
                static_cast<double>(n_done) / wall, static_cast<double>(peak_rss_bytes()) / 1e6);
  }
  TRKX_LOG_INFO("reconstruct: {} reconstructed, {} failed, {} skipped in {:.2f} s; report {}", n_done,
                failures.size(), skipped.size(), wall, report_path.string());
  if (!failures.empty()) exit_code() = 1;
}

}  // namespace

void add_reconstruct_command(CLI::App& app) {
  auto opt = std::make_shared<ReconstructOptions>();
  auto* cmd = app.add_subcommand(
      "reconstruct",
      "Reconstruct tracks: one TrackML submission per event (OUTPUT/event<id>-submission.csv), the "
      "parameters of its tracks (OUTPUT/event<id>-tracks.csv: track_id,n_hits,pt,eta,phi,charge,d0,z0) "
      "and a JSON report with per-stage times, edge counts and peak memory");
  cmd->add_option("--input", opt->inputs, "Event directories or event prefixes (DIR/event000001000)")
      ->required()
      ->expected(1, -1);
  cmd->add_option("--models", opt->models, "Models directory with pipeline.json and the ONNX files")
      ->required();
  cmd->add_option("--output", opt->output, "Output directory")->required();
  cmd->add_option("--report", opt->report, "JSON report file (default OUTPUT/report.json)");
  cmd->add_option(
         "--threads", opt->threads,
         "Cores to use (0 = all): several events run concurrently with one ONNX thread each; a single "
         "event gets all cores")
      ->capture_default_str();
  cmd->add_option("--events-at-once", opt->events_at_once,
                  "Events reconstructed concurrently (0 = one per core); each gets threads / this many "
                  "threads")
      ->capture_default_str();
  cmd->add_option("--bz", opt->bz,
                  "Solenoid field [T] along +z, for the track parameters (pT, charge) and the stitching's "
                  "minimum pT")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_flag("--resume", opt->resume, "Skip events whose submission already exists in OUTPUT");
  cmd->add_flag(
      "--dump-graphs", opt->dump_graphs,
      "Write every intermediate graph as OUTPUT/graphs/event<id>-graph-<stage>.csv (src,dst,score)");
  cmd->add_option("--truth-scores", opt->truth_scores,
                  "Diagnostics: score edges by the truth (1 for two hits of one particle, else 0) from this "
                  "stage on instead of the networks, to see the ceiling of the rest of the chain: 'filter' "
                  "(the candidate graph), 'gnn' (the filter's output) or none. Needs truth.csv; the tracks "
                  "are not a reconstruction")
      ->check(CLI::IsMember({"none", "filter", "gnn"}))
      ->capture_default_str();
  cmd->add_option("--track-builder", opt->track_builder, "cc (connected components) or walk (walk-through)")
      ->check(CLI::IsMember({"cc", "walk"}))
      ->capture_default_str();
  cmd->add_option("--memory", opt->memory,
                  "ONNX Runtime memory: release (arena shrunk after each event and stage; default), arena "
                  "(kept at its peak), "
                  "no-arena")
      ->check(CLI::IsMember({"arena", "release", "no-arena"}))
      ->capture_default_str();
  cmd->add_flag("--no-io-binding", opt->no_io_binding, "Use plain Session::Run instead of IO binding");
  cmd->add_option("--optimization", opt->optimization, "ONNX graph optimisation level: 0, 1, 2 or 99 (all)")
      ->check(CLI::IsMember({0, 1, 2, 99}))
      ->capture_default_str();
  cmd->add_option("--onnx-profile", opt->onnx_profile,
                  "Diagnostics: ONNX Runtime per-op profiling; each network's session writes "
                  "PREFIX-<stage>_<date>.json (chrome://tracing format) when the run ends");
  cmd->add_option("--filter-chunk", opt->filter_chunk, "Edges per filter call (0 = all at once)")
      ->capture_default_str();
  cmd->add_option("--embedding-chunk", opt->embedding_chunk, "Hits per embedding call (0 = all at once)")
      ->capture_default_str();
  cmd->add_option("--filter-cut", opt->filter_cut, "Filter score cut (default: the models' pipeline.json)")
      ->check(CLI::Range(0.0F, 1.0F));
  cmd->add_option("--gnn-cut", opt->gnn_cut,
                  "GNN score cut of track building (default: the models' pipeline.json)")
      ->check(CLI::Range(0.0F, 1.0F));
  add_track_building_options(*cmd, opt->building);
  cmd->callback([opt, cmd] {
    ModelSet models = ModelSet::load(opt->models);
    const ResolvedTrackBuilding building = resolve_track_building(*cmd, models);
    if (!building.from_models.empty()) {
      TRKX_LOG_INFO("reconstruct: track building from {}/pipeline.json: {}", opt->models,
                    fmt::join(building.from_models, ", "));
    }
    run_reconstruct(*opt, std::move(models), building);
  });
}

}  // namespace trkx::cli
