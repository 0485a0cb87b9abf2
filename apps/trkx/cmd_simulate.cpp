// `trkx simulate --events N --pileup MU --seed S --out DIR [--hard-scatter jets|none]
//  [--threads T] [--geometry FILE] [--no-charged-decays] [--summary]`: TrackML-like events with full truth.
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "Commands.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"
#include "trkx/core/Progress.hpp"
#include "trkx/core/Timer.hpp"
#include "trkx/io/TrackML.hpp"
#include "trkx/sim/DetectorBuilder.hpp"
#include "trkx/sim/Simulator.hpp"

namespace trkx::cli {
namespace {

struct SimulateOptions {
  std::size_t events = 1;
  std::uint64_t first_event = 0;
  double pileup = 200.0;
  std::uint64_t seed = 1;
  std::string out;
  std::string hard_scatter = "jets";
  int threads = 0;       // 0 = all cores
  std::string geometry;  // empty = built-in TrackML geometry
  bool summary = false;
  bool gzip = false;
  double noise_fraction = 0.15;
  double efficiency = 0.98;
  sim::EventGenerator::Config physics;  // generator tuning (defaults: the library's)
  sim::Propagator::Config propagation;  // transport tuning (defaults: the library's)
};

/// The one place where command-line options become library configuration.
sim::Simulator::Config make_config(const SimulateOptions& o) {
  if (o.pileup < 0) throw Error("--pileup must not be negative, got " + std::to_string(o.pileup));
  if (o.noise_fraction < 0 || o.noise_fraction >= 1) throw Error("--noise-fraction must be in [0, 1)");
  if (o.efficiency < 0 || o.efficiency > 1) throw Error("--efficiency must be in [0, 1]");
  sim::Simulator::Config c;
  c.seed = o.seed;
  c.physics = o.physics;
  c.propagation = o.propagation;
  c.physics.pileup = o.pileup;
  c.physics.hard_scatter = sim::parse_hard_scatter(o.hard_scatter);
  c.response.noise_fraction = o.noise_fraction;
  c.response.efficiency = o.efficiency;
  return c;
}

void run_simulate(const SimulateOptions& o) {
  if (o.events == 0) throw Error("--events must be at least 1");
  const auto config = make_config(o);
  DetectorGeometry detector = o.geometry.empty() ? sim::trackml_detector() : io::read_detectors(o.geometry);
  TRKX_LOG_INFO("geometry: {} modules ({})", detector.size(),
                o.geometry.empty() ? "built-in TrackML" : o.geometry);
  const sim::Simulator simulator(std::move(detector), config);

  const std::filesystem::path out(o.out);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) throw Error("cannot create output directory '" + o.out + "': " + ec.message());
  io::write_detectors(simulator.detector(), out / "detectors.csv");

  std::vector<sim::EventSummary> summaries(o.events);
  StageTimer timer;
  ProgressBar progress(o.events, "simulate");
  const int threads = o.threads > 0 ? o.threads : tbb::this_task_arena::max_concurrency();
  tbb::task_arena arena(threads);
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, o.events, [&](std::size_t i) {
      const Event event = simulator.simulate(o.first_event + i);
      io::write_event(event, out, o.gzip, /*all_parts=*/true);  // an empty event has all four files too
      summaries[i] = sim::summarize(event);
      progress.advance();
    });
  });
  progress.finish();
  TRKX_LOG_INFO(
      "simulated {} events (pile-up {}, seed {}) into {} in {:.2f} s wall, {:.2f} s cpu on {} threads",
      o.events, o.pileup, o.seed, o.out, timer.wall_seconds(), timer.cpu_seconds(), threads);
  if (o.summary) {
    std::fputs(sim::format_summary(summaries).c_str(), stdout);
    const auto& gen = simulator.generator();
    std::printf(
        "generator dN/deta        %.2f central, %.2f mean over |eta| < 4 (charged primaries, all pT); "
        "%.2f with pT > %.2f GeV; generated up to |eta| %.1f\n",
        gen.config().dndeta, gen.mean_dndeta(4.0), gen.mean_dndeta(4.0) * gen.fraction_above_pt_min(),
        gen.config().pt_min, gen.config().eta_max);
  }
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto options = std::make_shared<SimulateOptions>();
  auto* cmd = app.add_subcommand(
      "simulate",
      "Simulate TrackML-like events (pile-up, secondaries, helices in 2 T, multiple scattering, noise, "
      "cells,\n"
      "truth) on the built-in TrackML detector or a detectors.csv; writes TrackML CSV files + detectors.csv");
  cmd->add_option("--events,-n", options->events, "number of events")->capture_default_str();
  cmd->add_option("--first-event", options->first_event, "id of the first event")->capture_default_str();
  cmd->add_option("--pileup,--mu", options->pileup, "mean number of pile-up interactions (Poisson)")
      ->capture_default_str();
  cmd->add_option("--seed", options->seed, "run seed; event e uses a stream derived from (seed, e)")
      ->capture_default_str();
  cmd->add_option("--out,-o", options->out, "output directory")->required();
  cmd->add_option("--hard-scatter", options->hard_scatter,
                  "jets: one hard scatter with back-to-back jets plus pile-up; none: pile-up only\n"
                  "(--pileup 0 --hard-scatter none gives empty events)")
      ->check(CLI::IsMember({"jets", "none"}))
      ->capture_default_str();
  cmd->add_option("--threads,-j", options->threads, "worker threads (0 = all cores)")->capture_default_str();
  cmd->add_option("--geometry", options->geometry, "simulate on this TrackML detectors.csv instead")
      ->check(CLI::ExistingFile);
  cmd->add_option("--noise-fraction", options->noise_fraction, "expected share of noise hits")
      ->capture_default_str();
  cmd->add_option("--efficiency", options->efficiency, "hit efficiency")->capture_default_str();
  cmd->add_option("--dndeta", options->physics.dndeta,
                  "charged primaries per unit eta per interaction on the central plateau (all pT)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--eta-plateau", options->physics.eta_plateau, "half-width of the flat dN/deta plateau")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--eta-falloff", options->physics.eta_falloff,
                  "Gaussian width of the dN/deta fall-off beyond the plateau (0: flat to --eta-max)")
      ->capture_default_str();
  cmd->add_option(
         "--eta-max", options->physics.eta_max,
         "no primaries beyond this |eta| (may exceed the tracker's acceptance: such particles are listed "
         "with nhits 0)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--pt-min", options->physics.pt_min, "lowest generated primary pT [GeV]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option(
         "--tsallis-n", options->physics.tsallis_n,
         "power n of the Tsallis pT spectrum dN/dpT ~ pT (1 + (mT - m)/(n T))^-n (larger: softer tail)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--tsallis-t", options->physics.tsallis_t, "temperature T of the Tsallis pT spectrum [GeV]")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd->add_option("--hadronic-scale", options->propagation.hadronic_scale,
                  "hadronic interaction probability per crossed module = scale * x / lambda_I")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--secondary-p-min", options->propagation.secondary_p_min,
                  "secondaries below this momentum are not made [GeV]")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--pi0-per-charged", options->physics.pi0_per_charged,
                  "pi0 (-> 2 photons, which may convert) per charged primary")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  cmd->add_flag_callback(
      "--no-charged-decays", [options] { options->propagation.charged_decays = false; },
      "charged pions and kaons do not decay in flight (no pi -> mu nu, K -> mu nu / pi pi0 kinks)");
  cmd->add_flag("--summary", options->summary, "print hits, particles, pT, noise and secondary statistics");
  cmd->add_flag("--gzip", options->gzip, "write .csv.gz files");
  cmd->callback([options] { run_simulate(*options); });
}

}  // namespace trkx::cli
