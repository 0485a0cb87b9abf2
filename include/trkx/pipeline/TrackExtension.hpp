#pragma once
/// @file TrackExtension.hpp
/// Extends track candidates hit by hit along their helix (track following).
///
/// Where the embedding proposed no candidate edge, a particle's track stops
/// early: the radius graph of a soft particle often lacks the edges of its
/// outer layers, and the track building returns its inner part only (a partial
/// track: a fake by the double-majority rule, and an inefficiency). Hit
/// recovery (TrackStitcher) needs a candidate edge; the extender does not: it
/// fits a helix to the last hits of a track, takes the nearest free hit beyond
/// the track's end that lies on that helix, and repeats; then the same
/// inwards from the track's first hits. The classic road search / track
/// following of the TrackML solutions, with the tight helix limits of the
/// stitcher's gap links.

#include <cstddef>
#include <cstdint>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/pipeline/Graph.hpp"

namespace trkx {

class TrackExtender {
 public:
  struct Config {
    std::size_t min_track_hits = 5;  ///< shorter tracks are not extended; their hits are free to take
    std::size_t fit_hits = 5;        ///< hits at the track's end the helix is fitted to (with the new hit)
    double max_xy_residual = 1.0;    ///< [mm] largest x-y residual of the helix through the new hit
    double max_z_residual = 3.0;     ///< [mm] largest z residual (line z(s), s: arc length); the
                                     ///< limits were chosen on the tuning events (docs/track-building.md)
    double max_step = 1200.0;        ///< [mm] a new hit is at most this much farther from (outwards) or
                                     ///< nearer to (inwards) the origin than the track's end
    double window_dphi = 0.3;        ///< [rad] search window in azimuth ahead of the end hit (bending side)
    double window_dtheta = 0.25;     ///< [rad] and in polar angle (both seen from the origin)
    bool inwards = true;             ///< also extend towards the origin
  };

  explicit TrackExtender(Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// Returns `labels` (one per hit, -1 = no track) with tracks of at least
  /// min_track_hits extended onto free hits: hits in no track or in a shorter
  /// one. Tracks are extended one after the other, longest first (ties: smaller
  /// label), so the result does not depend on threads. A track never takes a
  /// second hit on a module it already crosses. Track labels are kept; a short
  /// track that loses hits keeps its label. Throws trkx::Error when labels and
  /// hits differ in size.
  [[nodiscard]] TrackLabels extend(const HitsView& hits, const TrackLabels& labels) const;

 private:
  Config config_;
};

}  // namespace trkx
