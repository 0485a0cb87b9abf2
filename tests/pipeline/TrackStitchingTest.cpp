#include "trkx/pipeline/TrackStitching.hpp"

#include <gtest/gtest.h>
#include <tbb/task_arena.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "HelixHits.hpp"
#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

using test::add_helix;

const std::vector<double> kInnerRadii = {32, 72, 116, 172};
const std::vector<double> kOuterRadii = {260, 360, 500, 660};

EdgeList edges(const std::vector<std::pair<std::int64_t, std::int64_t>>& list, float score = 0.02F) {
  EdgeList e;
  for (const auto& [s, d] : list) {
    e.src.push_back(s);
    e.dst.push_back(d);
    e.score.push_back(score);
  }
  return e;
}

TEST(TrackStitcher, JoinsTwoPiecesOfOneHelixLinkedByAnEdge) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kInnerRadii);  // hits 0-3: pT 2 GeV in 2 T
  add_helix(hits, 3333.0, 0.5, kOuterRadii);  // hits 4-7: the same particle further out
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 1, 1, 1, 1};
  const TrackStitcher stitcher({});
  EXPECT_EQ(stitcher.stitch(hits.view(), labels, edges({{3, 4}})), TrackLabels(8, 0));
  // The link may leave the second-to-last hit and reach the second hit (end_hits = 2) ...
  EXPECT_EQ(stitcher.stitch(hits.view(), labels, edges({{2, 5}})), TrackLabels(8, 0));
  // ... and be stored in either direction.
  EXPECT_EQ(stitcher.stitch(hits.view(), labels, edges({{4, 3}})), TrackLabels(8, 0));
  // Not from the middle of a piece, not without an edge, not below min_score (gap links off).
  TrackStitcher::Config edges_only;
  edges_only.max_gap = 0.0;
  const TrackStitcher edge_stitcher(edges_only);
  EXPECT_EQ(edge_stitcher.stitch(hits.view(), labels, edges({{1, 4}})), labels);
  EXPECT_EQ(edge_stitcher.stitch(hits.view(), labels, EdgeList{}), labels);
  TrackStitcher::Config strict = edges_only;
  strict.min_score = 0.1F;
  EXPECT_EQ(TrackStitcher(strict).stitch(hits.view(), labels, edges({{3, 4}}, 0.05F)), labels);
  // Edges without scores are all possible links.
  EdgeList unscored = edges({{3, 4}});
  unscored.score.clear();
  EXPECT_EQ(TrackStitcher(strict).stitch(hits.view(), labels, unscored), TrackLabels(8, 0));
}

TEST(TrackStitcher, GapLinksJoinPiecesWithoutAnEdgeWhenTheHelixFitsTightly) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kInnerRadii);  // 0-3: pT 2 GeV
  add_helix(hits, 3333.0, 0.5, kOuterRadii);  // 4-7: the same particle, no candidate edge between
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 1, 1, 1, 1};
  EXPECT_EQ(TrackStitcher({}).stitch(hits.view(), labels, EdgeList{}), TrackLabels(8, 0));
  TrackStitcher::Config config;
  config.max_gap = 50.0;  // the pieces' ends are ~98 mm apart (distance from the origin)
  EXPECT_EQ(TrackStitcher(config).stitch(hits.view(), labels, EdgeList{}), labels);
  config = {};
  config.gap_min_hits = 5;  // pieces of 4 hits are too short
  EXPECT_EQ(TrackStitcher(config).stitch(hits.view(), labels, EdgeList{}), labels);
  config = {};
  config.gap_max_dphi = 0.0;  // the outer piece starts at another azimuth (the track bends)
  EXPECT_EQ(TrackStitcher(config).stitch(hits.view(), labels, EdgeList{}), labels);
}

TEST(TrackStitcher, GapLinksNeedTheTighterFitAndComeAfterEdgeLinks) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kInnerRadii);                   // 0-3 inner piece
  add_helix(hits, 3333.0, 0.5, kOuterRadii);                   // 4-7 its continuation, no edge
  add_helix(hits, 3333.0, 0.5, {261, 361, 501, 661}, 0.3005);  // 8-11 a near twin: ~0.1-0.3 mm off
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
  // Without edges the exact continuation wins the gap link.
  EXPECT_EQ(TrackStitcher({}).stitch(hits.view(), labels, EdgeList{}),
            (TrackLabels{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}));
  // An edge to the twin makes its link an edge link, taken before any gap link.
  EXPECT_EQ(TrackStitcher({}).stitch(hits.view(), labels, edges({{3, 8}})),
            (TrackLabels{0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0}));
  // With a gap residual limit below the twin's misfit, only the exact continuation qualifies.
  TrackStitcher::Config tight;
  tight.gap_max_xy_residual = 0.01;
  EXPECT_EQ(TrackStitcher(tight).stitch(hits.view(), labels, EdgeList{}),
            (TrackLabels{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1}));
}

TEST(TrackStitcher, RecoversAHitLeftOutOfItsTrack) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, {32, 72, 116, 172, 260, 500, 660});  // 0-6: a track
  add_helix(hits, 3333.0, 0.5, {360});                              // 7: its hit at 360 mm, left out
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, 0, 0, -1};
  TrackLabels joined = labels;
  joined[7] = 0;
  TrackStitcher::Config no_gaps;  // (one track: nothing to link anyway)
  EXPECT_EQ(TrackStitcher(no_gaps).stitch(hits.view(), labels, edges({{4, 7}})), joined);
  EXPECT_EQ(TrackStitcher(no_gaps).stitch(hits.view(), labels, edges({{7, 5}})), joined);  // either side
  EXPECT_EQ(TrackStitcher(no_gaps).stitch(hits.view(), labels, EdgeList{}), labels);       // needs an edge
  EXPECT_EQ(TrackStitcher(no_gaps).stitch(hits.view(), labels, edges({{4, 7}}, 0.001F)),
            labels);  // >= min score
  TrackStitcher::Config off;
  off.recover_hits = false;
  EXPECT_EQ(TrackStitcher(off).stitch(hits.view(), labels, edges({{4, 7}})), labels);
  TrackStitcher::Config long_tracks_only;
  long_tracks_only.recover_min_track_hits = 8;  // the track has 7 hits
  EXPECT_EQ(TrackStitcher(long_tracks_only).stitch(hits.view(), labels, edges({{4, 7}})), labels);
}

TEST(TrackStitcher, ASecondPassTakesALinkThatARecoveredHitMadePossible) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, {32, 72, 116, 172, 260});      // 0-4: inner piece
  add_helix(hits, 3333.0, 0.5, {360});                        // 5: its next hit, in no track
  add_helix(hits, 3333.0, 0.5, {500, 660, 820, 1000, 1100});  // 6-10: outer piece
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, -1, 1, 1, 1, 1, 1};
  // Hit 5 has edges to both pieces; no edge joins the pieces' ends, and gap links are off.
  const EdgeList candidates = edges({{4, 5}, {5, 6}});
  TrackStitcher::Config one_pass;
  one_pass.max_gap = 0.0;
  one_pass.passes = 1;
  // One pass: hit 5 is recovered into one of the pieces, the pieces stay apart.
  const TrackLabels once = TrackStitcher(one_pass).stitch(hits.view(), labels, candidates);
  EXPECT_GE(once[5], 0);
  EXPECT_NE(once[0], once[10]);
  // Two passes: the piece that took hit 5 now has an edge to the other one's end: joined.
  TrackStitcher::Config two_passes = one_pass;
  two_passes.passes = 2;
  EXPECT_EQ(TrackStitcher(two_passes).stitch(hits.view(), labels, candidates), TrackLabels(11, 0));
}

TEST(TrackStitcher, TrimsEndHitsThatLeaveTheTracksHelix) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, {32, 72, 116, 172, 260, 360, 500, 660});  // 0-7: a track
  add_helix(hits, 1000.0, 0.5, {820});  // 8: a hit of a softer particle beyond its end
  add_helix(hits, 3333.0, 0.5, {20});   // 9: a hit of another particle before its start,
  hits.y[9] += 3.0F;                    //    3 mm off the helix
  hits.compute_derived();
  TrackLabels labels(10, 0);
  TrackLabels trimmed = labels;
  trimmed[8] = -1;
  trimmed[9] = -1;
  TrackStitcher::Config config;
  config.recover_hits = false;
  EXPECT_EQ(TrackStitcher(config).stitch(hits.view(), labels, EdgeList{}), trimmed);
  // A track on its helix is left alone, ...
  const TrackLabels clean = {0, 0, 0, 0, 0, 0, 0, 0, -1, -1};
  EXPECT_EQ(TrackStitcher(config).stitch(hits.view(), clean, EdgeList{}), clean);
  // ... as are tracks shorter than trim_min_track_hits, and every track without trimming.
  TrackStitcher::Config long_only = config;
  long_only.trim_min_track_hits = 11;
  EXPECT_EQ(TrackStitcher(long_only).stitch(hits.view(), labels, EdgeList{}), labels);
  TrackStitcher::Config off = config;
  off.trim_max_hits = 0;
  EXPECT_EQ(TrackStitcher(off).stitch(hits.view(), labels, EdgeList{}), labels);
  // With a candidate edge, recovery gives a trimmed hit back when it fits (not these).
  config.recover_hits = true;
  EXPECT_EQ(TrackStitcher(config).stitch(hits.view(), labels, edges({{7, 8}, {9, 0}})), trimmed);
}

TEST(TrackStitcher, SameResultOnOneThread) {
  // 600 helices, each built as two pieces, some with a foreign hit at an end and one hit left
  // out; trimming, link pairs (edge and gap: 1200 pieces are several blocks) and fits, and
  // recovery run in parallel: the result must not depend on threads.
  HitContainer hits;
  TrackLabels labels;
  EdgeList candidates;
  std::mt19937 rng(5);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::vector<double> radii = {32, 72, 116, 172, 260, 360, 500, 660, 820, 1020};
  std::int64_t label = 0;
  for (int track = 0; track < 600; ++track) {
    const double radius = (unit(rng) < 0.5 ? -1.0 : 1.0) * (700.0 + 5000.0 * unit(rng));
    const std::size_t first = hits.size();
    add_helix(hits, radius, 2.0 * unit(rng) - 1.0, radii, 6.28 * unit(rng));
    const std::size_t split = 3 + static_cast<std::size_t>(unit(rng) * 4.0);
    for (std::size_t k = 0; k < radii.size(); ++k) {
      labels.push_back(k == 6 ? -1 : (k < split ? label : label + 1));
      if (k == 0) continue;
      candidates.src.push_back(static_cast<std::int64_t>(first + k - 1));
      candidates.dst.push_back(static_cast<std::int64_t>(first + k));
      candidates.score.push_back(static_cast<float>(unit(rng)));
    }
    if (track % 3 == 0) {  // a foreign hit at the outer end of the outer piece
      add_helix(hits, -radius, 0.3, {1100}, 6.28 * unit(rng));
      labels.push_back(label + 1);
    }
    label += 2;
  }
  hits.compute_derived();
  const TrackStitcher stitcher({});
  const TrackLabels parallel = stitcher.stitch(hits.view(), labels, candidates);
  const auto tracks = [](const TrackLabels& l) { return std::set<std::int64_t>(l.begin(), l.end()).size(); };
  EXPECT_LE(tracks(parallel), 700U);  // most of the 1200 pieces joined (and -1)
  tbb::task_arena one_thread(1);
  TrackLabels serial;
  one_thread.execute([&] { serial = stitcher.stitch(hits.view(), labels, candidates); });
  EXPECT_EQ(serial, parallel);
}

TEST(TrackStitcher, RecoversAHitFromAShortTrack) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, {32, 72, 116, 172, 260, 500, 660});  // 0-6: a track
  add_helix(hits, 3333.0, 0.5, {360});                              // 7: its hit, in a short track ...
  add_helix(hits, -800.0, 0.5, {400, 450});  // 8-9: ... with two hits of another particle
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, 0, 0, 1, 1, 1};
  EXPECT_EQ(TrackStitcher({}).stitch(hits.view(), labels, edges({{4, 7}})),
            (TrackLabels{0, 0, 0, 0, 0, 0, 0, 0, 1, 1}));
  TrackStitcher::Config short_ok;
  short_ok.recover_min_track_hits = 3;  // with 3 fit hits the short track counts as a track: its hits stay
  short_ok.recover_fit_hits = 3;
  EXPECT_EQ(TrackStitcher(short_ok).stitch(hits.view(), labels, edges({{4, 7}})), labels);
}

TEST(TrackStitcher, RecoversOnlyHitsOnTheHelixAndOnANewModule) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, {32, 72, 116, 172, 260, 500, 660});  // 0-6: a track
  add_helix(hits, 3333.0, 0.5, {360}, 0.3 + 1.0 / 360.0);           // 7: 1 mm off in x-y
  add_helix(hits, 3333.0, 0.52, {360});                             // 8: ~7 mm off in z
  add_helix(hits, 3333.0, 0.5, {361});                              // 9: on the helix ...
  hits.module_id[9] = hits.module_id[5];                            // ... but on the module of hit 5
  add_helix(hits, 3333.0, 0.5, {361});                              // 10: on the helix, own module
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1};
  TrackLabels expected = labels;
  expected[10] = 0;
  EXPECT_EQ(TrackStitcher({}).stitch(hits.view(), labels, edges({{4, 7}, {4, 8}, {4, 9}, {4, 10}})),
            expected);
}

TEST(TrackStitcher, RecoveredHitJoinsTheTrackItFitsBest) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, {32, 72, 116, 172, 260});  // 0-4: track A
  add_helix(hits, 3333.0, 0.5, {32.5, 72.5, 116.5, 172.5, 260.5},
            0.3 + 0.15 / 200.0);        // 5-9: track B, ~0.15 mm beside A
  add_helix(hits, 3333.0, 0.5, {360});  // 10: on A's helix
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, -1};
  TrackLabels expected = labels;
  expected[10] = 0;
  EXPECT_EQ(TrackStitcher({}).stitch(hits.view(), labels, edges({{9, 10}, {4, 10}})), expected);
}

TEST(TrackStitcher, KeepsPiecesOfDifferentHelicesApart) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kInnerRadii);   // 0-3
  add_helix(hits, -3333.0, 0.5, kOuterRadii);  // 4-7: opposite charge, ~20 mm off at r = 260 in x-y
  add_helix(hits, 3333.0, 0.7, kOuterRadii);   // 8-11: same circle, other dip: 52 mm off in z
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
  EXPECT_EQ(TrackStitcher({}).stitch(hits.view(), labels, edges({{3, 4}, {3, 8}})), labels);
}

TEST(TrackStitcher, TakesTheBestOfCompetingLinksAndChainsPieces) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kInnerRadii);               // 0-3  inner piece
  add_helix(hits, 3333.0, 0.5, {260, 360});                // 4-5  its continuation
  add_helix(hits, 3333.0, 0.5, {500, 660, 820, 1020});     // 6-9  and the rest
  add_helix(hits, 3333.0, 0.5015, {260.5, 360.5, 500.5});  // 10-12 a near twin (0.3% steeper)
  hits.compute_derived();
  // Labels in hit order except the twin, which comes first: the result is relabelled by
  // smallest hit index.
  const TrackLabels labels = {1, 1, 1, 1, 2, 2, 3, 3, 3, 3, 0, 0, 0};
  TrackStitcher::Config config;
  config.max_z_residual = 5.0;
  config.recover_hits = false;  // (the twin's hits would fit the joined track within the recovery limits)
  const TrackLabels out =
      TrackStitcher(config).stitch(hits.view(), labels, edges({{3, 10}, {3, 4}, {5, 6}, {12, 6}}));
  EXPECT_EQ(out, (TrackLabels{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1}));
}

TEST(TrackStitcher, LeavesUnassignedHitsAndOverlappingPiecesAlone) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, {32, 72, 116, 172, 260});  // 0-4
  add_helix(hits, 3333.0, 0.5, {116.5, 172.5, 260.5});    // 5-7: runs alongside piece 0 in r
  add_helix(hits, 3333.0, 0.5, {500});                    // 8: no track
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, 1, 1, 1, -1};
  // (Module overlaps give a particle two hits at nearly the same r; a piece whose second hit
  // is not beyond the other piece's last one is a parallel piece, not a continuation.)
  TrackStitcher::Config links_only;
  links_only.recover_hits = false;  // (recovery would rightly take hit 5 as piece 0's overlap hit)
  EXPECT_EQ(TrackStitcher(links_only).stitch(hits.view(), labels, edges({{4, 5}, {3, 5}, {7, 8}})), labels);
}

TEST(TrackStitcher, MinPtLeavesSoftPiecesAlone) {
  // R = 400 mm in 2 T: pT = 0.24 GeV. The default (min_pt 0) joins the pieces; a pT limit of
  // 0.3 GeV does not.
  HitContainer hits;
  add_helix(hits, 400.0, 0.5, kInnerRadii);
  add_helix(hits, 400.0, 0.5, {260, 360, 500});
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 1, 1, 1};
  EXPECT_EQ(TrackStitcher({}).stitch(hits.view(), labels, edges({{3, 4}})), TrackLabels(7, 0));
  TrackStitcher::Config limited;
  limited.min_pt = 0.3;
  EXPECT_EQ(TrackStitcher(limited).stitch(hits.view(), labels, edges({{3, 4}})), labels);
  TrackStitcher::Config weak_field;  // the same circle in 1 T
  weak_field.min_pt = 0.1;
  weak_field.bz = 1.0;  // pT = 0.12 GeV: above 0.1
  EXPECT_EQ(TrackStitcher(weak_field).stitch(hits.view(), labels, edges({{3, 4}})), TrackLabels(7, 0));
  weak_field.min_pt = 0.13;
  EXPECT_EQ(TrackStitcher(weak_field).stitch(hits.view(), labels, edges({{3, 4}})), labels);
}

TEST(TrackStitcher, RejectsInconsistentInput) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kInnerRadii);
  hits.compute_derived();
  const TrackStitcher stitcher({});
  EXPECT_THROW((void)stitcher.stitch(hits.view(), TrackLabels{0, 0, 0}, EdgeList{}), Error);
  EXPECT_THROW((void)stitcher.stitch(hits.view(), TrackLabels{0, 0, 1, 1}, edges({{1, 9}})), Error);
  try {  // the message names the first bad edge, by its index in the input
    (void)stitcher.stitch(hits.view(), TrackLabels{0, 0, 1, 1}, edges({{0, 1}, {2, -1}, {1, 9}}));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("edge 1 (2 -> -1) refers to a hit outside [0, 4)"),
              std::string::npos)
        << e.what();
  }
  EdgeList bad = edges({{1, 2}});
  bad.score.push_back(0.5F);
  EXPECT_THROW((void)stitcher.stitch(hits.view(), TrackLabels{0, 0, 1, 1}, bad), Error);
  TrackStitcher::Config config;
  config.fit_hits = 1;
  EXPECT_THROW(TrackStitcher{config}, Error);
  TrackStitcher::Config no_pass;
  no_pass.passes = 0;
  EXPECT_THROW(TrackStitcher{no_pass}, Error);
  TrackStitcher::Config trim;
  trim.trim_fit_hits = 2;
  EXPECT_THROW(TrackStitcher{trim}, Error);
  trim.trim_max_hits = 0;  // no trimming: its limits are not used
  EXPECT_NO_THROW(TrackStitcher{trim});
  TrackStitcher::Config gap;
  gap.gap_max_z_residual = 0.0;
  EXPECT_THROW(TrackStitcher{gap}, Error);
  gap.max_gap = 0.0;  // no gap links: their limits are not used
  EXPECT_NO_THROW(TrackStitcher{gap});
}

}  // namespace
}  // namespace trkx
