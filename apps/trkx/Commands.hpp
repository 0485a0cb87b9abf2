#pragma once
/// @file Commands.hpp
/// Subcommands of the `trkx` executable. Each adds itself to the CLI::App;
/// its callback turns the options into the library's Config structs and runs.
/// A command reports failure by throwing (trkx::Error -> exit code 1) or by
/// setting the exit code through CommandResult.

#include <CLI/CLI.hpp>

namespace trkx::cli {

/// Exit code of the last subcommand run (0 = success). A command whose work
/// partly failed (e.g. one bad event in a batch) sets it non-zero without throwing.
int& exit_code();

void add_version_command(CLI::App& app);
/// `trkx simulate --events N --pileup MU --seed S --out DIR [...]`: TrackML-like events with truth.
void add_simulate_command(CLI::App& app);
/// `trkx evaluate --truth DIR --tracks DIR [--graphs DIR] [--output FILE.json] [--plots DIR]`.
void add_evaluate_command(CLI::App& app);
/// `trkx inspect PREFIX [--write DIR]`: reads one TrackML event, prints a summary, optionally round-trips it.
void add_inspect_command(CLI::App& app);
/// `trkx prepare --input DIR... --output DIR [--models DIR]`: training arrays (docs/model-contract.md).
void add_prepare_command(CLI::App& app);
/// `trkx reconstruct --input DIR... --models DIR --output DIR [...]`: submissions + JSON report.
void add_reconstruct_command(CLI::App& app);
/// `trkx bench`: per-stage latency, throughput and memory, optionally two configurations side by side.
void add_bench_command(CLI::App& app);

}  // namespace trkx::cli
