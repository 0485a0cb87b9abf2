#include "trkx/pipeline/TrackExtension.hpp"

#include <gtest/gtest.h>

#include <tbb/task_arena.h>

#include <cstdint>
#include <vector>

#include "HelixHits.hpp"
#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

using test::add_helix;

// A pT 2 GeV helix (R = 3333 mm in 2 T); a track's first 5 hits and the rest of the particle.
const std::vector<double> kTrackRadii = {32, 72, 116, 172, 260};
const std::vector<double> kRestRadii = {360, 500, 660, 820};

TEST(TrackExtender, FollowsATrackOntoFreeHitsOnItsHelix) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kTrackRadii);  // 0-4: the track
  add_helix(hits, 3333.0, 0.5, kRestRadii);   // 5-8: the particle's outer hits, in no track
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, -1, -1, -1, -1};
  EXPECT_EQ(TrackExtender({}).extend(hits.view(), labels), TrackLabels(9, 0));
  // Inwards too: a track made of the outer hits takes the inner ones.
  const TrackLabels outer_track = {-1, -1, -1, 0, 0, 0, 0, 0, 0};
  EXPECT_EQ(TrackExtender({}).extend(hits.view(), outer_track), TrackLabels(9, 0));
  TrackExtender::Config outwards_only;
  outwards_only.inwards = false;
  EXPECT_EQ(TrackExtender(outwards_only).extend(hits.view(), outer_track), outer_track);
}

TEST(TrackExtender, TakesOnlyHitsOnTheHelixOnANewModuleWithinTheStep) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kTrackRadii);               // 0-4: the track
  add_helix(hits, 3333.0, 0.5, {360}, 0.3 + 6.0 / 360.0);  // 5: 6 mm off in x-y (the fit through
                                                           // it spreads a smaller offset below 1 mm)
  add_helix(hits, 3333.0, 0.53, {360});                    // 6: ~10 mm off in z
  add_helix(hits, 3333.0, 0.5, {361});                     // 7: on the helix ...
  hits.module_id[7] = hits.module_id[4];                   // ... but on the module of hit 4
  add_helix(hits, 3333.0, 0.5, {1600});                    // 8: on the helix, ~1500 mm beyond the track
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, -1, -1, -1, -1};
  EXPECT_EQ(TrackExtender({}).extend(hits.view(), labels), labels);
  TrackExtender::Config long_step;
  long_step.max_step = 2000.0;
  TrackLabels expected = labels;
  expected[8] = 0;
  EXPECT_EQ(TrackExtender(long_step).extend(hits.view(), labels), expected);
}

TEST(TrackExtender, TakesHitsFromShortTracksOnlyAndExtendsLongTracksOnly) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kTrackRadii);  // 0-4: the track
  add_helix(hits, 3333.0, 0.5, kRestRadii);   // 5-8: its outer hits ...
  hits.compute_derived();
  // ... in a short track (3 hits, plus one in no track): taken.
  EXPECT_EQ(TrackExtender({}).extend(hits.view(), {0, 0, 0, 0, 0, 1, 1, 1, -1}), TrackLabels(9, 0));
  // ... in a long track (>= min_track_hits): left alone; the two tracks meet but do not merge.
  TrackExtender::Config four;
  four.min_track_hits = 4;
  four.fit_hits = 4;
  const TrackLabels two_long = {0, 0, 0, 0, 0, 1, 1, 1, 1};
  EXPECT_EQ(TrackExtender(four).extend(hits.view(), two_long), two_long);
  // A 4-hit track is not extended with the default min_track_hits = 5.
  const TrackLabels short_track = {-1, 0, 0, 0, 0, -1, -1, -1, -1};
  EXPECT_EQ(TrackExtender({}).extend(hits.view(), short_track), short_track);
  TrackLabels extended(9, 0);
  EXPECT_EQ(TrackExtender(four).extend(hits.view(), short_track), extended);
}

TEST(TrackExtender, TakesTheNearestHitAndTheLongerTrackFirstIndependentOfThreads) {
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, {32, 72, 116, 172, 260, 360});  // 0-5: track A (6 hits)
  add_helix(hits, 3333.0, 0.5, {32.4, 72.4, 116.4, 172.4, 260.4},
            0.3 + 0.1 / 260.0);              // 6-10: track B beside A (5 hits)
  add_helix(hits, 3333.0, 0.5, {500, 660});  // 11-12: free hits on A's helix
  hits.compute_derived();
  const TrackLabels labels = {0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, -1, -1};
  TrackLabels expected = labels;
  expected[11] = 0;  // both helices fit them; the longer track A asks first
  expected[12] = 0;
  const TrackExtender extender({});
  EXPECT_EQ(extender.extend(hits.view(), labels), expected);
  tbb::task_arena one_thread(1);
  TrackLabels serial;
  one_thread.execute([&] { serial = extender.extend(hits.view(), labels); });
  EXPECT_EQ(serial, expected);
}

TEST(TrackExtender, RejectsBadConfigurationAndInput) {
  TrackExtender::Config c;
  c.fit_hits = 1;
  EXPECT_THROW(TrackExtender{c}, Error);
  c = {};
  c.max_xy_residual = 0.0;
  EXPECT_THROW(TrackExtender{c}, Error);
  c = {};
  c.max_step = -1.0;
  EXPECT_THROW(TrackExtender{c}, Error);
  HitContainer hits;
  add_helix(hits, 3333.0, 0.5, kTrackRadii);
  hits.compute_derived();
  EXPECT_THROW(static_cast<void>(TrackExtender({}).extend(hits.view(), TrackLabels(3, 0))), Error);
}

}  // namespace
}  // namespace trkx
