#pragma once
/// @file TrackStitching.hpp
/// Joins track candidates that are two pieces of one particle's track.
///
/// The commonest way a track is lost after the GNN is a split: one true edge
/// in the middle of the track (often across the gap between the pixel and
/// the strip barrel) falls below the filter or GNN cut, and the track building
/// returns an inner and an outer piece, each with less than half of the
/// particle's hits (two fakes, no efficient track). The stitcher looks for a
/// candidate edge (the radius graph, with its filter score) from the outer end
/// of one candidate to the inner end of another and joins the two when one
/// helix fits the hits on both sides of the joint.

#include <cstddef>

#include "trkx/core/EventData.hpp"
#include "trkx/pipeline/Graph.hpp"

namespace trkx {

class TrackStitcher {
 public:
  struct Config {
    float min_score = 0.003F;      ///< candidate edges below this (filter) score are not links
    std::size_t end_hits = 2;      ///< a link must leave one of the inner piece's last end_hits hits
                                   ///< and reach one of the outer piece's first end_hits hits
    std::size_t fit_hits = 3;      ///< hits taken from each side of the joint for the helix fit
    double min_pt = 0.3;           ///< [GeV] no link when the helix through the joint is softer
                                   ///< (few links below are right: soft tracks scatter and curl)
    double bz = 2.0;               ///< [T] solenoid field, for min_pt
    double max_xy_residual = 1.0;  ///< [mm] largest distance of a fitted hit from the circle (x-y)
    double max_z_residual = 10.0;  ///< [mm] largest distance of a fitted hit from the line z(s)
                                   ///< (s: arc length on the circle): long strips are 10.8 mm
                                   ///< long in z. Both limits chosen on tuning events (README)
  };

  explicit TrackStitcher(Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// Returns `labels` (one per hit, -1 = no track) with stitched candidates
  /// merged, relabelled 0..k-1 in order of each candidate's smallest hit index.
  /// Hits are ordered along a candidate by their distance from the origin.
  /// Links are taken best fit first; each end of a candidate is used at most
  /// once, so a chain of pieces can become one track but never a tree.
  /// `candidates` may lack scores (every edge is then a possible link). Throws
  /// trkx::Error when labels or edges refer to hits outside the event.
  [[nodiscard]] TrackLabels stitch(const HitsView& hits, const TrackLabels& labels,
                                   const EdgeList& candidates) const;

 private:
  Config config_;
};

}  // namespace trkx
