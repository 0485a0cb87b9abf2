// `trkx bench`: per-stage latency, CPU time, throughput and memory of the
// reconstruction chain on simulated (or given) events, with an optional
// second configuration measured side by side in the same process.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "Commands.hpp"
#include "TrackBuildingOptions.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"
#include "trkx/core/Timer.hpp"
#include "trkx/io/TrackML.hpp"
#include "trkx/pipeline/EventLoop.hpp"
#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/Pipeline.hpp"
#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/Simulator.hpp"

namespace trkx::cli {

namespace {

struct BenchOptions {
  std::string models;
  std::vector<std::string> inputs;  // TrackML events; default: simulate
  std::size_t events = 1;
  double pileup = 200;
  std::uint64_t seed = 900001;
  std::size_t repeat = 5;
  std::size_t warmup = 1;
  int threads = 2;
  std::string memory = "release";
  std::string track_builder = "walk";
  std::size_t filter_chunk = Pipeline::Config{}.filter_chunk_edges;
  std::size_t embedding_chunk = Pipeline::Config{}.embedding_chunk_rows;
  std::string compare_models;       // second configuration: other models ...
  std::string compare_memory;       // ... and/or another memory mode
  std::string threading = "lanes";  // lanes | intra-op (filter_parallel_chunks, gnn_partitions)
  std::string compare_threading;    // ... and/or another threading
  std::optional<std::size_t> compare_embedding_chunk;  // ... and/or other embedding chunks
  std::string json;
  TrackBuildingOptions building;  // the command line's; each model set's own settings fill the rest
};

/// Per-run samples of one stage (or of the whole event).
struct Samples {
  std::vector<double> wall;  // [s]
  std::vector<double> cpu;   // [s]
  std::vector<double> out;   // items out (stages only)
};

/// One configuration under test: its pipeline and the per-run samples.
struct Variant {
  std::string label;
  std::vector<std::string> building_from_models;  // the model set's track_building settings applied
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<Pipeline::Workspace> workspace;
  std::vector<std::string> stage_order;
  std::map<std::string, Samples> stages;
  Samples event;
};

double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const double pos = q * static_cast<double>(v.size() - 1);
  const auto lo = static_cast<std::size_t>(pos);
  const std::size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (pos - static_cast<double>(lo)) * (v[hi] - v[lo]);
}

/// The variant's pipeline, with the track building `trkx reconstruct` would use for this model set:
/// the command line's options, else the set's pipeline.json "track_building", else the defaults.
void make_pipeline(Variant& v, const std::string& models_dir, const std::string& memory,
                   const std::string& threading, std::size_t embedding_chunk, const BenchOptions& opt,
                   const CLI::App& cmd) {
  ModelSet models = ModelSet::load(models_dir);
  const ResolvedTrackBuilding building = resolve_track_building(cmd, models);
  Pipeline::Config config;
  building.options.apply_to(config);
  config.onnx.intra_op_threads = opt.threads;
  config.onnx.memory = parse_memory_mode(memory);
  config.onnx.allow_spinning = false;  // as trkx reconstruct (shared cores)
  config.filter_chunk_edges = opt.filter_chunk;
  config.embedding_chunk_rows = embedding_chunk;
  config.embedding_parallel_chunks = threading == "lanes";
  config.filter_parallel_chunks = threading == "lanes";
  config.gnn_partitions = threading == "lanes";
  config.track_builder = parse_track_builder(opt.track_builder);
  v.pipeline = std::make_unique<Pipeline>(std::move(models), config);
  v.building_from_models = building.from_models;
  if (!building.from_models.empty()) {
    TRKX_LOG_INFO("bench: track building from {}/pipeline.json: {}", models_dir,
                  fmt::join(building.from_models, ", "));
  }
}

void record(Variant& v, const PipelineResult& result, double wall) {
  double cpu = 0;
  for (const StageStats& st : result.stages) {
    if (!v.stages.contains(st.name)) v.stage_order.push_back(st.name);
    Samples& samples = v.stages[st.name];
    samples.wall.push_back(st.wall_seconds);
    samples.cpu.push_back(st.cpu_seconds);
    samples.out.push_back(static_cast<double>(st.items_out));
    cpu += st.cpu_seconds;
  }
  v.event.wall.push_back(wall);
  v.event.cpu.push_back(cpu);
}

nlohmann::json summary_json(const Variant& v) {
  nlohmann::json stages = nlohmann::json::array();
  for (const std::string& name : v.stage_order) {
    const Samples& st = v.stages.at(name);
    stages.push_back({{"name", name},
                      {"wall_median_seconds", quantile(st.wall, 0.5)},
                      {"wall_min_seconds", quantile(st.wall, 0.0)},
                      {"wall_p90_seconds", quantile(st.wall, 0.9)},
                      {"cpu_median_seconds", quantile(st.cpu, 0.5)},
                      {"items_out_median", quantile(st.out, 0.5)}});
  }
  const double median = quantile(v.event.wall, 0.5);
  return {{"label", v.label},
          {"runs", v.event.wall.size()},
          {"event_wall_median_seconds", median},
          {"event_wall_min_seconds", quantile(v.event.wall, 0.0)},
          {"event_wall_p90_seconds", quantile(v.event.wall, 0.9)},
          {"event_cpu_median_seconds", quantile(v.event.cpu, 0.5)},
          {"events_per_second", median > 0 ? 1.0 / median : 0.0},
          {"track_building_from_models", v.building_from_models},
          {"stages", stages}};
}

std::string median_count(const Samples* s) {
  return s && !s->out.empty() ? std::to_string(static_cast<long long>(quantile(s->out, 0.5))) : "";
}

/// One table row: A's median / min / p90 / CPU / output, and with `b` B's median, CPU,
/// output and the B/A ratio of the medians.
void print_row(const std::string& name, const Samples& a, const Samples* b) {
  const double ma = quantile(a.wall, 0.5);
  std::printf("%-16s %12.1f %10.1f %10.1f %10.1f %12s", name.c_str(), 1e3 * ma, 1e3 * quantile(a.wall, 0.0),
              1e3 * quantile(a.wall, 0.9), 1e3 * quantile(a.cpu, 0.5), median_count(&a).c_str());
  if (b) {
    const double mb = quantile(b->wall, 0.5);
    std::printf(" %12.1f %10.1f %12s %8.2f", 1e3 * mb, 1e3 * quantile(b->cpu, 0.5), median_count(b).c_str(),
                ma > 0 ? mb / ma : 0.0);
  }
  std::printf("\n");
}

void print_table(const std::vector<Variant>& variants) {
  const Variant& a = variants.front();
  const Variant* b = variants.size() > 1 ? &variants[1] : nullptr;
  std::printf("%-16s %12s %10s %10s %10s %12s", "stage", "median [ms]", "min", "p90", "CPU [ms]",
              "out/event");
  if (b) std::printf(" %12s %10s %12s %8s", "B median", "B CPU", "B out/event", "B/A");
  std::printf("\n");
  for (const std::string& name : a.stage_order) {
    const auto it = b ? b->stages.find(name) : a.stages.end();
    print_row(name, a.stages.at(name), b && it != b->stages.end() ? &it->second : nullptr);
  }
  print_row("event", a.event, b ? &b->event : nullptr);
  for (const Variant& v : variants) {
    const double median = quantile(v.event.wall, 0.5);
    std::printf("%s: %.2f events/s (median %.3f s per event over %zu runs)\n", v.label.c_str(),
                median > 0 ? 1.0 / median : 0.0, median, v.event.wall.size());
  }
  std::printf("process peak RSS %.0f MB (all configurations together)\n",
              static_cast<double>(peak_rss_bytes()) / 1048576.0);
  if (b) std::printf("B/A: ratio of median wall times (B = %s, A = %s)\n", b->label.c_str(), a.label.c_str());
}

void run_bench(const BenchOptions& opt, const CLI::App& cmd) {
  if (opt.repeat == 0) throw Error("bench: --repeat must be at least 1");
  const auto thread_cap = limit_parallelism(opt.threads);  // TBB's parts too, not only ONNX Runtime's
  // Events: read once, or simulated once, then kept in memory.
  std::vector<Event> events;
  if (!opt.inputs.empty()) {
    io::ReadOptions read;
    read.cells = true;
    read.truth = false;
    read.particles = false;
    for (const auto& e : io::resolve_inputs(opt.inputs)) events.push_back(io::read_event(e.prefix, read));
    if (events.empty()) throw Error("bench: no events found in the inputs");
  } else {
    sim::Simulator::Config sc;
    sc.seed = opt.seed;
    sc.physics.pileup = opt.pileup;
    const sim::Simulator simulator(sim::trackml_detector(), sc);
    for (std::size_t i = 0; i < opt.events; ++i) events.push_back(simulator.simulate(i));
  }
  std::size_t hits = 0;
  for (const Event& e : events) hits += e.hits.size();
  TRKX_LOG_INFO(
      "bench: {} event(s), {:.0f} hits on average, {} warm-up + {} measured run(s) each, {} thread(s)",
      events.size(), static_cast<double>(hits) / static_cast<double>(events.size()), opt.warmup, opt.repeat,
      opt.threads);

  const auto label = [](const std::string& models, const std::string& memory, const std::string& threading,
                        std::size_t embedding_chunk) {
    return models + ", " + memory + ", " + threading + ", embedding chunk " + std::to_string(embedding_chunk);
  };
  std::vector<Variant> variants(1);
  variants[0].label = "A (" + label(opt.models, opt.memory, opt.threading, opt.embedding_chunk) + ")";
  make_pipeline(variants[0], opt.models, opt.memory, opt.threading, opt.embedding_chunk, opt, cmd);
  if (!opt.compare_models.empty() || !opt.compare_memory.empty() || !opt.compare_threading.empty() ||
      opt.compare_embedding_chunk) {
    const auto or_a = [](const std::string& b, const std::string& a) { return b.empty() ? a : b; };
    const std::string models = or_a(opt.compare_models, opt.models);
    const std::string memory = or_a(opt.compare_memory, opt.memory);
    const std::string threading = or_a(opt.compare_threading, opt.threading);
    const std::size_t embedding_chunk = opt.compare_embedding_chunk.value_or(opt.embedding_chunk);
    variants.emplace_back();
    variants[1].label = "B (" + label(models, memory, threading, embedding_chunk) + ")";
    make_pipeline(variants[1], models, memory, threading, embedding_chunk, opt, cmd);
  }
  for (Variant& v : variants) v.workspace = v.pipeline->make_workspace();

  // Warm-up, then rounds in which every variant runs every event (interleaved,
  // so that load from other jobs hits all variants alike).
  for (std::size_t w = 0; w < opt.warmup; ++w) {
    for (Variant& v : variants) {
      for (const Event& e : events) (void)v.pipeline->run(e, *v.workspace);
    }
  }
  for (std::size_t r = 0; r < opt.repeat; ++r) {
    for (std::size_t k = 0; k < variants.size(); ++k) {
      Variant& v = variants[(r + k) % variants.size()];  // alternate who goes first
      for (const Event& e : events) {
        const StageTimer timer;
        const PipelineResult result = v.pipeline->run(e, *v.workspace);
        record(v, result, timer.wall_seconds());  // wall: the whole run() call
      }
    }
    TRKX_LOG_INFO("bench: round {} of {} done", r + 1, opt.repeat);
  }

  print_table(variants);
  if (!opt.json.empty()) {
    nlohmann::json j = {{"events", events.size()},
                        {"mean_hits", static_cast<double>(hits) / static_cast<double>(events.size())},
                        {"repeat", opt.repeat},
                        {"warmup", opt.warmup},
                        {"threads", opt.threads},
                        {"process_peak_rss_bytes", peak_rss_bytes()},  // all configurations together
                        {"variants", nlohmann::json::array()}};
    for (const Variant& v : variants) j["variants"].push_back(summary_json(v));
    write_text_atomic(opt.json, j.dump(2) + "\n");
  }
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto opt = std::make_shared<BenchOptions>();
  auto* cmd = app.add_subcommand(
      "bench",
      "Per-stage latency (median, min, p90 of wall time), CPU time, throughput and peak memory of the "
      "reconstruction chain on events held in memory; --compare-models / --compare-memory / "
      "--compare-threading / --compare-embedding-chunk measure a second configuration side by side "
      "(interleaved runs) and print "
      "the ratios");
  cmd->add_option("--models", opt->models, "Models directory with pipeline.json")->required();
  cmd->add_option("--input", opt->inputs, "TrackML events (directories or prefixes); default: simulate");
  cmd->add_option("--events", opt->events, "Events to simulate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--pileup", opt->pileup, "Pile-up of the simulated events")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--seed", opt->seed, "Seed of the simulated events")->capture_default_str();
  cmd->add_option("--repeat", opt->repeat, "Measured runs per event and configuration")
      ->capture_default_str();
  cmd->add_option("--warmup", opt->warmup, "Unmeasured runs first")->capture_default_str();
  cmd->add_option(
         "--threads", opt->threads,
         "Threads of the whole chain (one event at a time): ONNX Runtime's intra-op threads and trkx's "
         "own parallel steps")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--memory", opt->memory, "ONNX Runtime memory mode: release, arena or no-arena")
      ->check(CLI::IsMember({"arena", "release", "no-arena"}))
      ->capture_default_str();
  cmd->add_option("--track-builder", opt->track_builder, "cc or walk")
      ->check(CLI::IsMember({"cc", "walk"}))
      ->capture_default_str();
  cmd->add_option("--filter-chunk", opt->filter_chunk, "Edges per filter call (0 = all)")
      ->capture_default_str();
  cmd->add_option("--embedding-chunk", opt->embedding_chunk, "Hits per embedding call (0 = all)")
      ->capture_default_str();
  cmd->add_option("--compare-embedding-chunk", opt->compare_embedding_chunk,
                  "Second configuration: this many hits per embedding call");
  cmd->add_option("--compare-models", opt->compare_models, "Second configuration: this models directory");
  cmd->add_option("--compare-memory", opt->compare_memory, "Second configuration: this memory mode")
      ->check(CLI::IsMember({"arena", "release", "no-arena"}));
  cmd->add_option(
         "--threading", opt->threading,
         "How the filter and GNN use the threads: 'lanes' (filter chunks / GNN phi parts classified "
         "at once, one ONNX thread each) or 'intra-op' (one call at a time, split over ONNX intra-op "
         "threads; a GNN whose halos cover most of the graph runs whole on the intra-op threads in lanes "
         "mode too)")
      ->check(CLI::IsMember({"lanes", "intra-op"}))
      ->capture_default_str();
  cmd->add_option("--compare-threading", opt->compare_threading, "Second configuration: this threading")
      ->check(CLI::IsMember({"lanes", "intra-op"}));
  cmd->add_option("--json", opt->json, "Write the results as JSON to this file");
  add_track_building_options(*cmd, opt->building);
  cmd->callback([opt, cmd] { run_bench(*opt, *cmd); });
}

}  // namespace trkx::cli
