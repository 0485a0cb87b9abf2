// Track-building options shared by `trkx reconstruct` and `trkx bench`.
#include "TrackBuildingOptions.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>

#include "trkx/core/Error.hpp"

namespace trkx::cli {

void TrackBuildingOptions::apply_to(Pipeline::Config& config) const {
  config.walk_cut = walk_cut;
  config.min_hits = min_hits;
  config.min_track_hits = min_track_hits;
  config.stitch = !no_stitch;
  const double bz = config.stitching.bz;
  config.stitching = stitching;
  config.stitching.bz = bz;
  config.stitching.recover_hits = !no_recover;
  config.extend = !no_extend;
  config.extension = extension;
}

void add_track_building_options(CLI::App& cmd, TrackBuildingOptions& opt) {
  cmd.add_option(
         "--walk-cut", opt.walk_cut,
         "Walk-through: in branching components only edges with score >= max(gnn cut, this) are followed")
      ->check(CLI::Range(0.0F, 1.0F))
      ->capture_default_str();
  cmd.add_option("--min-track-hits", opt.min_track_hits,
                 "Tracks with fewer hits after stitching, hit recovery and extension are dropped "
                 "(track-quality selection; default: the models' pipeline.json track_selection, 7 for "
                 "models/ and models/fast, none for models/all-pt; 0 keeps every track)");
  cmd.add_option("--min-hits", opt.min_hits, "Track candidates with fewer hits are dropped")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_flag("--no-stitch", opt.no_stitch,
               "Do not join split track candidates nor recover hits (TrackStitcher)");
  cmd.add_option("--stitch-min-score", opt.stitching.min_score,
                 "Stitching: candidate edges below this filter score are not links")
      ->check(CLI::Range(0.0F, 1.0F))
      ->capture_default_str();
  cmd.add_option("--stitch-end-hits", opt.stitching.end_hits,
                 "Stitching: links leave one of the last / reach one of the first this many hits")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-fit-hits", opt.stitching.fit_hits,
                 "Stitching: hits from each side of the joint in the helix fit")
      ->check(CLI::Range(2, 100))
      ->capture_default_str();
  cmd.add_option("--stitch-min-pt", opt.stitching.min_pt,
                 "Stitching: no link when the helix through the joint has a lower pT [GeV]")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-xy", opt.stitching.max_xy_residual,
                 "Stitching: largest x-y residual [mm] of the helix through the joint")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-z", opt.stitching.max_z_residual,
                 "Stitching: largest z residual [mm] of the helix through the joint")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-max-gap", opt.stitching.max_gap,
                 "Stitching: gap links (no candidate edge) join pieces whose ends are at most this far apart "
                 "in distance from the origin [mm] (0: no gap links)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-passes", opt.stitching.passes,
                 "Stitching: passes of links and hit recovery (a recovered hit can make a link possible)")
      ->check(CLI::Range(1, 10))
      ->capture_default_str();
  cmd.add_option("--trim-max-hits", opt.stitching.trim_max_hits,
                 "End trimming: hits cut off each end of a track that leave the helix of the hits before "
                 "them (0: off)")
      ->capture_default_str();
  cmd.add_option("--trim-fit-hits", opt.stitching.trim_fit_hits,
                 "End trimming: hits next to an end hit the helix is fitted to")
      ->check(CLI::Range(3, 100))
      ->capture_default_str();
  cmd.add_option("--trim-min-track-hits", opt.stitching.trim_min_track_hits,
                 "End trimming: only tracks of at least this many hits are trimmed")
      ->capture_default_str();
  cmd.add_option("--trim-xy", opt.stitching.trim_max_xy_residual,
                 "End trimming: largest x-y residual [mm] of an end hit kept")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--trim-z", opt.stitching.trim_max_z_residual,
                 "End trimming: largest z residual [mm] of an end hit kept")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_flag("--no-extend", opt.no_extend,
               "Do not follow tracks onto free hits on their helix after stitching (TrackExtender)");
  cmd.add_option("--extend-fit-hits", opt.extension.fit_hits,
                 "Track extension: hits at the track's end the helix through a new hit is fitted to")
      ->check(CLI::Range(2, 100))
      ->capture_default_str();
  cmd.add_option("--extend-min-track-hits", opt.extension.min_track_hits,
                 "Track extension: shorter tracks are not extended (and give up their hits)")
      ->capture_default_str();
  cmd.add_option("--extend-xy", opt.extension.max_xy_residual,
                 "Track extension: largest x-y residual [mm] of the helix through the new hit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--extend-z", opt.extension.max_z_residual,
                 "Track extension: largest z residual [mm] of the helix through the new hit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option(
         "--extend-max-step", opt.extension.max_step,
         "Track extension: largest step [mm] in distance from the origin from the track's end to a new hit")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--extend-dphi", opt.extension.window_dphi,
                 "Track extension: search window in azimuth around the track's end hit [rad]")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--extend-dtheta", opt.extension.window_dtheta,
                 "Track extension: search window in polar angle around the track's end hit [rad]")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_flag("--no-recover-hits", opt.no_recover,
               "Do not give hits left out of every track to the track whose helix they fit (hit recovery)");
  cmd.add_option("--recover-min-score", opt.stitching.recover_min_score,
                 "Hit recovery: candidate edges below this filter score do not count")
      ->check(CLI::Range(0.0F, 1.0F))
      ->capture_default_str();
  cmd.add_option("--recover-fit-hits", opt.stitching.recover_fit_hits,
                 "Hit recovery: track hits nearest to the hit in the helix fit")
      ->check(CLI::Range(2, 100))
      ->capture_default_str();
  cmd.add_option("--recover-min-track-hits", opt.stitching.recover_min_track_hits,
                 "Hit recovery: shorter tracks take no hits")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--recover-xy", opt.stitching.recover_max_xy_residual,
                 "Hit recovery: largest x-y residual [mm] of the helix through the hit and the track")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--recover-z", opt.stitching.recover_max_z_residual,
                 "Hit recovery: largest z residual [mm] of the helix through the hit and the track")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-gap-min-hits", opt.stitching.gap_min_hits,
                 "Stitching: gap links join only pieces with at least this many hits")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-gap-dphi", opt.stitching.gap_max_dphi,
                 "Stitching: gap links, largest azimuth difference of the two end hits [rad]")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-gap-dtheta", opt.stitching.gap_max_dtheta,
                 "Stitching: gap links, largest polar-angle difference of the two end hits [rad]")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-gap-xy", opt.stitching.gap_max_xy_residual,
                 "Stitching: gap links, largest x-y residual [mm] of the helix through the joint")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd.add_option("--stitch-gap-z", opt.stitching.gap_max_z_residual,
                 "Stitching: gap links, largest z residual [mm] of the helix through the joint")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
}

ResolvedTrackBuilding resolve_track_building(const CLI::App& cmd, const ModelSet& models) {
  // A private copy of the options: first what the command line gave, then the set's settings.
  ResolvedTrackBuilding out;
  CLI::App own;
  add_track_building_options(own, out.options);
  for (CLI::Option* option : own.get_options()) {
    const CLI::Option* given = cmd.get_option_no_throw(option->get_name());
    if (given == nullptr || given->count() == 0) continue;
    option->add_result(given->results());
    option->run_callback();
  }
  static constexpr std::array<std::string_view, 6> kAllowed = {"stitch_", "trim_",    "recover_",
                                                               "extend_", "walk_cut", "min_hits"};
  const std::string file = (models.dir / "pipeline.json").string();
  for (const auto& [key, value] : models.track_building) {
    const bool allowed = std::any_of(kAllowed.begin(), kAllowed.end(),
                                     [&key](std::string_view p) { return key.starts_with(p); });
    std::string flag = "--" + key;
    std::replace(flag.begin(), flag.end(), '_', '-');
    CLI::Option* option = allowed ? own.get_option_no_throw(flag) : nullptr;
    if (option == nullptr) {
      throw ModelError(file + ": field 'track_building." + key +
                       "' is not a track-building option of trkx reconstruct (expected stitch_*, trim_*, "
                       "recover_*, extend_*, walk_cut or min_hits, named as the options without dashes)");
    }
    if (option->count() > 0) continue;
    try {
      option->add_result(fmt::format("{}", value));
      option->run_callback();
    } catch (const CLI::Error& e) {
      throw ModelError(file + ": field 'track_building." + key + "': " + e.what());
    }
    out.from_models.push_back(key);
  }
  return out;
}

}  // namespace trkx::cli
