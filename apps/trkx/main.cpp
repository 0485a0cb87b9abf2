// trkx — GNN-based charged-particle track reconstruction, command-line tool.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>

#include "Commands.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"

namespace trkx::cli {
int& exit_code() {
  static int code = 0;
  return code;
}
}  // namespace trkx::cli

int main(int argc, char** argv) {
  CLI::App app{
      "trkx: reconstructs charged-particle tracks in collider events with graph neural networks\n"
      "(TrackML-style events; Exa.TrkX-style pipeline run through ONNX Runtime)."};
  app.name("trkx");
  app.require_subcommand(1);
  app.fallthrough();
  std::string log_level = "info";
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off")->capture_default_str();
  app.parse_complete_callback([&] { trkx::set_log_level(log_level); });

  trkx::cli::add_simulate_command(app);
  trkx::cli::add_inspect_command(app);
  trkx::cli::add_prepare_command(app);
  trkx::cli::add_reconstruct_command(app);
  trkx::cli::add_evaluate_command(app);
  trkx::cli::add_bench_command(app);
  trkx::cli::add_version_command(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const trkx::Error& e) {
    std::fprintf(stderr, "trkx: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "trkx: unexpected error: %s\n", e.what());
    return 3;
  }
  return trkx::cli::exit_code();
}
