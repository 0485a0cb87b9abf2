#pragma once
/// @file TrackBuildingOptions.hpp
/// The track-building options `trkx reconstruct` and `trkx bench` share (walk cut, stitching, hit
/// recovery, end trimming, extension, track selection), and how a model set's pipeline.json
/// "track_building" settings fill the ones the command line leaves unset.

#include <CLI/CLI.hpp>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "trkx/pipeline/ModelSet.hpp"
#include "trkx/pipeline/Pipeline.hpp"

namespace trkx::cli {

struct TrackBuildingOptions {
  float walk_cut = Pipeline::Config{}.walk_cut;
  std::size_t min_hits = Pipeline::Config{}.min_hits;
  std::optional<std::size_t> min_track_hits;  // default: the model set's track_selection
  bool no_stitch = false;
  bool no_recover = false;
  bool no_extend = false;
  TrackStitcher::Config stitching;
  TrackExtender::Config extension;

  /// Sets the track-building fields of `config` (all but stitching.bz).
  void apply_to(Pipeline::Config& config) const;
};

/// Adds the options (--walk-cut, --min-track-hits, --min-hits, --no-stitch, --stitch-*, --trim-*,
/// --no-extend, --extend-*, --no-recover-hits, --recover-*) to `cmd`, bound to `opt`.
void add_track_building_options(CLI::App& cmd, TrackBuildingOptions& opt);

struct ResolvedTrackBuilding {
  TrackBuildingOptions options;
  std::vector<std::string> from_models;  // names of the model set's settings that were applied
};

/// The track-building options for `models`: what the parsed command line `cmd` sets, and for every
/// option it leaves unset the model set's pipeline.json "track_building" value of the same name
/// (extend_z: --extend-z) if there is one, else the default. A set's value goes through the option
/// as if it were on the command line, so CLI11 converts and checks it like the flag. Throws
/// trkx::ModelError naming the file and field for a name that is no track-building option or a
/// value the option refuses.
ResolvedTrackBuilding resolve_track_building(const CLI::App& cmd, const ModelSet& models);

}  // namespace trkx::cli
