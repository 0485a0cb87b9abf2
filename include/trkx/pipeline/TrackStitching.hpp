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
/// helix fits the hits on both sides of the joint. Where the embedding
/// proposed no edge across the gap (a missing hit, a large step between
/// subdetectors), a gap link joins two pieces that point at each other (the
/// outer piece starts within max_gap, in nearly the same direction from the
/// origin) when a helix fits both sides much more tightly. Before linking,
/// end hits that leave a track's helix (the track building ran past the
/// particle's end) are cut off; after linking, hits in no track join the track
/// whose helix they fit (hit recovery); links and recovery run twice.

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

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
    double min_pt = 0.0;           ///< [GeV] no link (and no recovered hit) when the fitted helix is
                                   ///< softer; 0 = any (with the tight gap and recovery limits the
                                   ///< soft links help: docs/track-building.md; 0.3 before)
    double bz = 2.0;               ///< [T] solenoid field, for min_pt
    double max_xy_residual = 1.0;  ///< [mm] largest distance of a fitted hit from the circle (x-y)
    double max_z_residual = 10.0;  ///< [mm] largest distance of a fitted hit from the line z(s)
                                   ///< (s: arc length on the circle): long strips are 10.8 mm
                                   ///< long in z. Limits chosen on tuning events (docs/track-building.md)
    // Gap links (no candidate edge needed); taken after every edge link.
    double max_gap = 1200.0;           ///< [mm] the outer piece's first hit is at most this much farther
                                       ///< from the origin than the inner piece's last (0: no gap links;
                                       ///< a missed forward disk leaves 600-800 mm)
    std::size_t gap_min_hits = 4;      ///< both pieces of a gap link have at least this many hits
                                       ///< (3-hit pieces in the forward disks fit almost any helix)
    double gap_max_dphi = 0.15;        ///< [rad] azimuth difference of those two hits
    double gap_max_dtheta = 0.25;      ///< [rad] polar-angle difference of those two hits (the
                                       ///< tight fit decides; position angles of soft or displaced
                                       ///< tracks drift)
    double gap_max_xy_residual = 0.3;  ///< [mm] helix limits of a gap link (tighter: no edge
    double gap_max_z_residual = 3.0;   ///< [mm] vouches for it; chosen on tuning events, docs/)
    // Hit recovery, after the links: a hit in no track, or in a track of fewer than
    // recover_min_track_hits hits, joins a track of at least that many hits it has a
    // candidate edge (filter score >= recover_min_score) to when a helix through it and the
    // track's recover_fit_hits hits nearest to it (in distance from the origin) fits within
    // the recover_max_* limits; the best fit wins; never a second hit on a module the track
    // already crosses. Decided for every hit on the stitched labels (independent of order).
    bool recover_hits = true;
    // End trimming, before the links: where the track building ran past a particle's end
    // onto other hits, the track's last (or first) hits leave the helix of the hits before
    // them; they block links (the joint misfits) and the extension (its fit includes them).
    // An end hit is cut off (it becomes free: recovery and the extension may give it to its
    // own track) when the helix through it and the trim_fit_hits hits before it misses one
    // of them by more than trim_max_*; at most trim_max_hits per end, and only while the
    // track has at least trim_min_track_hits hits. Limits chosen on the tuning events
    // (docs/track-building.md).
    std::size_t trim_max_hits = 3;  ///< 0: no trimming
    std::size_t trim_fit_hits = 5;
    std::size_t trim_min_track_hits = 7;
    double trim_max_xy_residual = 0.5;  ///< [mm]
    double trim_max_z_residual = 10.0;  ///< [mm] (long strips are 10.8 mm long in z)
    // Passes of links and recovery. Recovery can give a piece the hit next to another
    // piece's end (often the second hit of a double layer in the forward disks), and only
    // then does a link between the two qualify; a second pass takes such links. Stops
    // early when a pass changes nothing.
    std::size_t passes = 2;
    float recover_min_score = 0.003F;
    std::size_t recover_fit_hits = 4;
    std::size_t recover_min_track_hits = 5;  ///< shorter tracks take no hits (they would grow into
                                             ///< partial tracks, fakes by the double-majority rule)
    double recover_max_xy_residual = 0.3;    ///< [mm]
    double recover_max_z_residual = 3.0;     ///< [mm]
  };

  explicit TrackStitcher(Config config);
  [[nodiscard]] const Config& config() const { return config_; }

  /// Returns `labels` (one per hit, -1 = no track) with stitched candidates
  /// merged, relabelled 0..k-1 in order of each candidate's smallest hit index.
  /// Hits are ordered along a candidate by their distance from the origin.
  /// Links are taken best fit first (edge links before gap links); each end
  /// of a candidate is used at most once, so a chain of pieces can become one
  /// track but never a tree. Before the links, ends that leave the track's helix are trimmed
  /// (Config::trim_*); links and hit recovery repeat Config::passes times.
  /// `candidates` may lack scores (every edge is then a possible link). Throws
  /// trkx::Error when labels or edges refer to hits outside the event.
  [[nodiscard]] TrackLabels stitch(const HitsView& hits, const TrackLabels& labels,
                                   const EdgeList& candidates) const;

 private:
  /// The candidate edges the passes read: those at or above the lower of min_score and
  /// recover_min_score (every edge when there are no scores), hit indices checked against the
  /// event and narrowed to 32 bits (the passes stream these arrays several times).
  struct Candidates {
    std::vector<std::uint32_t> src;
    std::vector<std::uint32_t> dst;
    std::vector<float> score;  ///< empty when the input has no scores
    [[nodiscard]] std::size_t size() const { return src.size(); }
  };

  /// Candidates from `edges` (checked: throws trkx::Error naming the first edge with a hit outside
  /// [0, n_hits)).
  [[nodiscard]] Candidates select_candidates(const EdgeList& edges, std::size_t n_hits) const;

  /// (inner, outer) candidate pairs for gap links: the outer piece's first hit lies
  /// within max_gap beyond the inner piece's last hit and within gap_max_dphi /
  /// gap_max_dtheta of its direction from the origin; pairs in `edge_pairs` are left out.
  [[nodiscard]] std::vector<std::pair<std::int64_t, std::int64_t>> gap_pairs(
      const HitsView& hits, const std::vector<std::vector<std::int64_t>>& members,
      const std::vector<std::pair<std::int64_t, std::int64_t>>& edge_pairs) const;

  /// (inner, outer) candidate pairs joined by a candidate edge at or above min_score from one
  /// of the inner piece's last end_hits hits to one of the outer piece's first end_hits hits;
  /// sorted, each once.
  [[nodiscard]] std::vector<std::pair<std::int64_t, std::int64_t>> edge_pairs(
      const TrackLabels& labels, const std::vector<std::vector<std::int64_t>>& members,
      const Candidates& candidates) const;

  /// End trimming (Config::trim_*) on `labels`, in place; `dist`: every hit's distance
  /// from the origin.
  void trim_ends(const HitsView& hits, const std::vector<double>& dist, TrackLabels& labels) const;

  /// One pass on checked input: links, then hit recovery (Config::recover_hits); `dist`:
  /// every hit's distance from the origin.
  [[nodiscard]] TrackLabels stitch_once(const HitsView& hits, const std::vector<double>& dist,
                                        const TrackLabels& labels, const Candidates& candidates) const;

  /// Hit recovery (Config::recover_hits) on stitched labels, in place; `dist`: every
  /// hit's distance from the origin.
  void recover_hits(const HitsView& hits, const std::vector<double>& dist, TrackLabels& labels,
                    const Candidates& candidates) const;

  Config config_;
};

}  // namespace trkx
