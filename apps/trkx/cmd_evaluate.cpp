// `trkx evaluate`: TrackML score, tracking efficiency / fake / duplicate rates
// and per-stage edge metrics of reconstructed events against their truth.
// Definitions: include/trkx/eval/{TrackMLScore,TrackingPerformance,EdgeMetrics,Report}.hpp.
#include <spawn.h>
#include <sys/wait.h>
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "Commands.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"
#include "trkx/eval/EdgeMetrics.hpp"
#include "trkx/eval/GraphDump.hpp"
#include "trkx/eval/Report.hpp"
#include "trkx/eval/ScoreBreakdown.hpp"
#include "trkx/eval/TrackMLScore.hpp"
#include "trkx/eval/TrackingPerformance.hpp"
#include "trkx/io/TrackML.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/TruthGraph.hpp"

extern char** environ;

namespace trkx::cli {

namespace {

namespace fs = std::filesystem;

struct EvaluateOptions {
  std::string truth;
  std::string tracks;
  std::string graphs;
  std::string output;
  std::string plots;
  std::string models;
  std::vector<std::string> edge_cuts;  ///< STAGE=CUT
  std::string python = TRKX_DEFAULT_PYTHON;
  std::string plot_script = TRKX_DEFAULT_PLOT_SCRIPT;
  eval::TrackingEvaluator::Config tracking;
  bool track_pt_min_given = false;    ///< --track-pt-min on the command line (else --models may set it)
  bool track_min_hits_given = false;  ///< --track-min-hits on the command line (else --models may set it)
  double edge_pt_min = 1.0;
  bool print_breakdown = false;
};

/// The submission of one event: `<dir>/event<9 digits>-submission.csv[.gz]`.
std::optional<fs::path> find_submission(const fs::path& dir, std::uint64_t event_id) {
  const std::string stem = io::event_prefix_name(event_id) + "-submission.csv";
  for (const fs::path& candidate : {dir / stem, dir / (stem + ".gz")}) {
    if (fs::exists(candidate)) return candidate;
  }
  return std::nullopt;
}

/// Score cut per stage: --edge-cut STAGE=X first, then the models' cuts
/// (filter, gnn), then 0.5 for any other scored stage.
std::map<std::string, float> stage_cuts(const EvaluateOptions& opt) {
  std::map<std::string, float> cuts;
  if (!opt.models.empty()) {
    const ModelSet models = ModelSet::load(opt.models, /*require_files=*/false);
    if (models.filter) cuts["filter"] = models.filter->cut;
    if (models.gnn) cuts["gnn"] = models.gnn->cut;
  }
  for (const std::string& entry : opt.edge_cuts) {
    const auto eq = entry.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw Error("--edge-cut: expected STAGE=CUT (e.g. gnn=0.5), found '" + entry + "'");
    }
    try {
      std::size_t used = 0;
      const std::string value = entry.substr(eq + 1);
      cuts[entry.substr(0, eq)] = std::stof(value, &used);
      if (used != value.size()) throw std::invalid_argument(value);
    } catch (const std::exception&) {
      throw Error("--edge-cut: expected a number after '=', found '" + entry + "'");
    }
  }
  return cuts;
}

/// Runs `python script json --output dir` without a shell; returns its exit status.
int run_plot_script(const std::string& python, const std::string& script, const fs::path& json,
                    const fs::path& dir) {
  std::vector<std::string> args = {python, script, json.string(), "--output", dir.string()};
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (posix_spawnp(&pid, python.c_str(), nullptr, nullptr, argv.data(), environ) != 0) return -1;
  int status = 0;
  if (waitpid(pid, &status, 0) < 0) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/// The model set's analysis selection (pipeline.json track_selection.selected_*) for the
/// selected-track rates, where the command line sets none.
void apply_model_selection(EvaluateOptions& opt) {
  if (opt.models.empty()) return;
  const ModelSet models = ModelSet::load(opt.models, /*require_files=*/false);
  if (models.selected_pt_min && !opt.track_pt_min_given) opt.tracking.track_pt_min = *models.selected_pt_min;
  if (models.selected_min_hits && !opt.track_min_hits_given) {
    opt.tracking.track_min_hits = *models.selected_min_hits;
  }
}

void run_evaluate(const EvaluateOptions& opt) {
  const fs::path tracks_path = opt.tracks;
  const auto events = io::list_events(opt.truth);
  if (events.empty()) throw Error("evaluate: no events (event*-hits.csv) in '" + opt.truth + "'");

  // Submissions: one file per event in a directory, or one multi-event file.
  std::map<std::uint64_t, TrackAssignment> from_file;
  const bool single_file = fs::is_regular_file(tracks_path);
  if (single_file) {
    for (TrackAssignment& t : io::read_submissions(tracks_path)) from_file[t.event_id] = std::move(t);
  } else if (!fs::is_directory(tracks_path)) {
    throw Error("evaluate: --tracks '" + opt.tracks + "' is neither a directory nor a submission file");
  }
  fs::path graphs_dir = opt.graphs;
  if (graphs_dir.empty() && !single_file && fs::is_directory(tracks_path / "graphs"))
    graphs_dir = tracks_path / "graphs";

  const eval::TrackingEvaluator tracking(opt.tracking);
  const eval::ScoreBreakdownEvaluator breakdown({});
  std::vector<eval::ParticleScore> particle_scores;
  const auto cuts = stage_cuts(opt);
  eval::EdgeEvaluator::Config edge_config;
  edge_config.pt_min = opt.edge_pt_min;
  eval::EvaluationReport report(opt.tracking, edge_config);
  std::map<std::string, float> used_cuts;

  io::ReadOptions read;
  read.cells = false;
  std::size_t missing = 0;
  for (const io::EventFiles& files : events) {
    TrackAssignment tracks;
    if (single_file) {
      const auto it = from_file.find(files.event_id);
      if (it == from_file.end()) {
        ++missing;
        continue;
      }
      tracks = std::move(it->second);
    } else {
      const auto file = find_submission(tracks_path, files.event_id);
      if (!file) {
        ++missing;
        continue;
      }
      tracks = io::read_submission(*file);
    }
    const Event event = io::read_event(files.prefix, read);
    if (!event.has_truth())
      throw InputError(files.prefix.string() + "-truth.csv", 0, "", "no truth for this event");
    const eval::TrackMLScore score = eval::trackml_score(event.truth.view(), tracks, particle_scores);
    report.add_event(files.event_id, score, tracking.evaluate(event, tracks));
    report.add_score_breakdown(breakdown.evaluate(event, score.total_weight, particle_scores));
    TRKX_LOG_DEBUG("event {}: score {:.4f}", files.event_id, score.score);

    if (!graphs_dir.empty()) {
      const auto dumps = eval::find_graph_dumps(graphs_dir, files.event_id);
      if (dumps.empty()) continue;
      const EdgeList truth_edges = true_edges(event);
      for (const eval::GraphDumpFile& dump : dumps) {
        const EdgeList graph = eval::read_graph_dump(dump.file, event);
        eval::EdgeEvaluator::Config stage_config = edge_config;
        if (!graph.score.empty()) {
          const auto cut = cuts.find(dump.stage);
          stage_config.score_cut = cut != cuts.end() ? cut->second : 0.5F;
          used_cuts[dump.stage] = stage_config.score_cut;
        }
        report.add_edges(eval::EdgeEvaluator(stage_config).evaluate(dump.stage, event, truth_edges, graph));
      }
    }
  }
  if (report.events().empty()) {
    throw Error("evaluate: none of the " + std::to_string(events.size()) + " events in '" + opt.truth +
                "' has a submission in '" + opt.tracks + "' (expected event<9 digits>-submission.csv)");
  }
  if (missing > 0) {
    TRKX_LOG_WARN("evaluate: {} of {} truth events have no submission and were skipped", missing,
                  events.size());
  }

  nlohmann::json json = report.to_json();
  json["truth"] = opt.truth;
  json["tracks"] = opt.tracks;
  json["config"]["edge_score_cuts"] = used_cuts;
  std::fputs(report.summary().c_str(), stdout);
  if (opt.print_breakdown) std::fputs(report.score_breakdown().summary().c_str(), stdout);
  for (const auto& [stage, cut] : used_cuts)
    std::printf("  (stage %s evaluated at score >= %g)\n", stage.c_str(), cut);
  std::fflush(stdout);

  fs::path json_file = opt.output;
  if (json_file.empty() && !opt.plots.empty()) json_file = fs::path(opt.plots) / "evaluation.json";
  if (!json_file.empty()) {
    if (json_file.has_parent_path()) fs::create_directories(json_file.parent_path());
    const fs::path tmp = json_file.string() + ".tmp";
    {
      std::ofstream out(tmp);
      out << json.dump(2) << "\n";
      if (!out) throw Error("evaluate: cannot write '" + tmp.string() + "'");
    }
    fs::rename(tmp, json_file);
    TRKX_LOG_INFO("evaluate: wrote {}", json_file.string());
  }
  if (!opt.plots.empty()) {
    fs::create_directories(opt.plots);
    if (!fs::exists(opt.plot_script)) {
      TRKX_LOG_WARN(
          "evaluate: plot script '{}' not found; run: python scripts/plot_evaluation.py {} --output {}",
          opt.plot_script, json_file.string(), opt.plots);
      exit_code() = 1;
      return;
    }
    const int status = run_plot_script(opt.python, opt.plot_script, json_file, opt.plots);
    if (status != 0) {
      TRKX_LOG_ERROR("evaluate: '{} {}' failed (status {}); the JSON is in {}", opt.python, opt.plot_script,
                     status, json_file.string());
      exit_code() = 1;
    }
  }
}

}  // namespace

void add_evaluate_command(CLI::App& app) {
  auto opt = std::make_shared<EvaluateOptions>();
  auto* cmd = app.add_subcommand(
      "evaluate",
      "Score reconstructed tracks against the truth: TrackML score, efficiency (double-majority\n"
      "matching), fake and duplicate rates, efficiency vs pT / eta, per-stage edge efficiency/purity");
  cmd->add_option("--truth", opt->truth,
                  "Directory with the truth events (event*-hits/-truth/-particles.csv)")
      ->required();
  cmd->add_option(
         "--tracks", opt->tracks,
         "Directory with event<9 digits>-submission.csv[.gz] files, or one multi-event submission file")
      ->required();
  cmd->add_option(
      "--graphs", opt->graphs,
      "Directory with graph dumps event<9 digits>-graph-<stage>.csv (default: TRACKS/graphs if present)");
  cmd->add_option("--output", opt->output, "Write the results as JSON to this file");
  cmd->add_option("--plots", opt->plots,
                  "Write PNG plots to this directory (runs scripts/plot_evaluation.py with --python)");
  cmd->add_option("--models", opt->models,
                  "Models directory whose pipeline.json gives the filter / gnn edge cuts and the set's\n"
                  "analysis selection of the selected-track rates (track_selection.selected_min_hits,\n"
                  "selected_pt_min), where --track-min-hits / --track-pt-min are not given");
  cmd->add_option("--edge-cut", opt->edge_cuts,
                  "Score cut of a dumped stage, STAGE=CUT (repeatable; e.g. gnn=0.5)");
  cmd->add_flag("--score-breakdown", opt->print_breakdown,
                "Also print where the TrackML score's weight sits and how much of it is found, in bins of\n"
                "particle pT, |eta|, hits and vertex radius (always in the --output JSON)");
  cmd->add_option("--pt-min", opt->tracking.pt_thresholds,
                  "Efficiency pT thresholds [GeV]; the first is the headline one (default 1 0.5)")
      ->capture_default_str();
  cmd->add_option("--min-particle-hits", opt->tracking.min_particle_hits,
                  "Reconstructable particles have at least this many hits")
      ->capture_default_str();
  cmd->add_option("--min-track-hits", opt->tracking.min_track_hits, "Shorter tracks are ignored by all rates")
      ->capture_default_str();
  cmd->add_option("--eta-max", opt->tracking.eta_max, "Reconstructable particles have |eta| <= this")
      ->capture_default_str();
  cmd->add_option(
         "--track-pt-min", opt->tracking.track_pt_min,
         "Selected-track rates (efficiency, fake, impure, duplicate rates over the tracks an analysis\n"
         "would select): tracks with reconstructed pT [GeV] above this (circle fit to the track's\n"
         "hits; the first rates count every track)")
      ->capture_default_str();
  cmd->add_option("--track-eta-max", opt->tracking.track_eta_max,
                  "Selected-track rates: tracks with reconstructed |eta| below this")
      ->capture_default_str();
  cmd->add_option(
         "--track-min-hits", opt->tracking.track_min_hits,
         "Selected-track rates: tracks with at least this many hits (the TrackML score still counts\n"
         "every track)")
      ->capture_default_str();
  cmd->add_option("--bz", opt->tracking.bz, "Solenoid field [T] for the reconstructed track pT")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--edge-pt-min", opt->edge_pt_min, "pT threshold [GeV] of the edge efficiency_pt")
      ->capture_default_str();
  cmd->add_option("--python", opt->python, "Python with matplotlib for --plots")->capture_default_str();
  cmd->add_option("--plot-script", opt->plot_script, "The plotting script for --plots")
      ->capture_default_str();
  cmd->callback([opt, cmd] {
    opt->track_pt_min_given = cmd->count("--track-pt-min") > 0;
    opt->track_min_hits_given = cmd->count("--track-min-hits") > 0;
    apply_model_selection(*opt);
    run_evaluate(*opt);
  });
}

}  // namespace trkx::cli
