// `trkx inspect PREFIX [--write DIR [--gzip]]`: reads one TrackML event,
// prints a summary and optionally writes it back out, checking that reading
// the written files gives identical data.
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "Commands.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"
#include "trkx/core/Timer.hpp"
#include "trkx/io/TrackML.hpp"

namespace trkx::cli {
namespace {

struct InspectOptions {
  std::string input;      // event prefix or its -hits.csv[.gz] file
  std::string write_dir;  // empty: do not write
  bool gzip = false;      // write .csv.gz
  io::ReadOptions read;   // parts to read
};

void print_summary(const Event& event, const std::string& input) {
  const std::size_t nhits = event.hits.size();
  std::printf("event %llu (%s)\n", static_cast<unsigned long long>(event.event_id), input.c_str());
  std::printf("hits: %zu  cells: %zu  truth: %zu  particles: %zu\n", nhits, event.cells.size(),
              event.truth.size(), event.particles.size());
  if (nhits > 0 && event.cells.size() > 0) {
    std::printf("cells per hit: %.3f\n",
                static_cast<double>(event.cells.size()) / static_cast<double>(nhits));
  }
  if (event.has_truth()) {
    std::size_t noise = 0;
    for (const auto pid : event.truth.particle_id) noise += pid == 0 ? 1 : 0;
    std::printf("noise: %.1f%% of hits (%zu with particle_id 0)\n",
                100.0 * static_cast<double>(noise) / static_cast<double>(event.truth.size()), noise);
  }
  std::map<std::pair<std::int32_t, std::int32_t>, std::size_t> per_layer;
  for (std::size_t i = 0; i < nhits; ++i) ++per_layer[{event.hits.volume_id[i], event.hits.layer_id[i]}];
  std::printf("hits per volume and layer:\n  volume  layer    hits\n");
  for (const auto& [key, count] : per_layer) std::printf("  %6d  %5d  %6zu\n", key.first, key.second, count);
}

void inspect_event(const io::EventFiles& files, const InspectOptions& options) {
  StageTimer timer;
  const Event event = io::read_event(files.prefix, options.read);
  TRKX_LOG_INFO("read {} hits, {} cells, {} truth rows, {} particles in {:.1f} ms", event.hits.size(),
                event.cells.size(), event.truth.size(), event.particles.size(), timer.wall_seconds() * 1e3);
  print_summary(event, files.prefix.string());
  if (options.write_dir.empty()) return;

  timer.reset();
  io::write_event(event, options.write_dir, options.gzip);
  TRKX_LOG_INFO("wrote event to {} in {:.1f} ms", options.write_dir, timer.wall_seconds() * 1e3);
  const auto prefix = std::filesystem::path(options.write_dir) / io::event_prefix_name(event.event_id);
  const Event back = io::read_event(prefix, options.read);
  if (!io::identical(event, back)) {
    throw Error("round trip: the event read back from " + prefix.string() + " differs from the input");
  }
  std::printf("round trip: identical (%s)\n", prefix.string().c_str());
}

void run_inspect(const InspectOptions& options) {
  // An event prefix, its -hits.csv file, or a directory (every event in it).
  const auto events = io::resolve_inputs({options.input});
  if (events.size() > 1) TRKX_LOG_INFO("{} events in {}", events.size(), options.input);
  for (const auto& files : events) inspect_event(files, options);
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto options = std::make_shared<InspectOptions>();
  auto* cmd = app.add_subcommand(
      "inspect",
      "Read one TrackML event, print a summary; --write DIR writes it back out and checks the round trip");
  cmd->add_option("event", options->input,
                  "Event prefix (DIR/event000001000), its -hits.csv[.gz] file, or a directory of events")
      ->required();
  cmd->add_option("--write", options->write_dir, "Write the event to this directory and re-read it");
  cmd->add_flag("--gzip", options->gzip, "Write .csv.gz files");
  cmd->add_flag("--require-all", options->read.require_all,
                "A missing cells/truth/particles file is an error");
  cmd->callback([options] { run_inspect(*options); });
}

}  // namespace trkx::cli
