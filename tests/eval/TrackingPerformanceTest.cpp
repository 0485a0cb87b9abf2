#include "trkx/eval/TrackingPerformance.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "EvalFixtures.hpp"
#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

using testing::assign;
using testing::four_particle_event;
using testing::kP1;
using testing::kP2;
using testing::kP3;
using testing::kP4;
using testing::perfect_tracks;

// Reconstructable at pT > 1 GeV: kP1, kP3, kP4; at pT > 0.5 GeV also kP2.

TEST(TrackingEvaluator, PerfectReconstruction) {
  const TrackingEvaluator evaluator(TrackingEvaluator::Config{});
  const TrackingPerformance p = evaluator.evaluate(four_particle_event(), perfect_tracks());
  ASSERT_EQ(p.efficiency.size(), 2U);
  EXPECT_EQ(p.efficiency[0], (Ratio{3, 3}));
  EXPECT_EQ(p.efficiency[1], (Ratio{4, 4}));
  EXPECT_EQ(p.fake_rate, (Ratio{0, 4}));
  EXPECT_EQ(p.duplicate_rate, (Ratio{0, 4}));
  EXPECT_EQ(p.n_tracks, 4U);  // track 0 (the noise hits) is unassigned
  EXPECT_EQ(p.n_matched_tracks, 4U);
  EXPECT_EQ(p.n_particles, 4U);
  EXPECT_EQ(p.n_assigned_hits, 20U);
  EXPECT_EQ(p.n_truth_hits, 22U);
  EXPECT_DOUBLE_EQ(p.efficiency[0].value(), 1.0);
  EXPECT_DOUBLE_EQ(p.efficiency[0].uncertainty(), 0.0);
}

TEST(TrackingEvaluator, MatchTracksReportsMajorityAndFractions) {
  const TrackingEvaluator evaluator(TrackingEvaluator::Config{});
  const Event event = four_particle_event();
  // Track 9 = kP3 (5) + 4 hits of kP4; track 10 = last hit of kP4.
  const auto tracks = assign({{7, 7, 7, 7, 7}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {9, 9, 9, 9, 10}, {0, 0}});
  const auto matches = evaluator.match_tracks(event.truth.view(), tracks);
  ASSERT_EQ(matches.size(), 4U);
  EXPECT_EQ(matches[2].track_id, 9);
  EXPECT_EQ(matches[2].n_hits, 9U);
  EXPECT_EQ(matches[2].majority_particle, kP3);
  EXPECT_EQ(matches[2].n_majority_hits, 5U);
  EXPECT_EQ(matches[2].n_particle_hits, 5U);
  EXPECT_TRUE(matches[2].pure);
  EXPECT_TRUE(matches[2].matched);
  EXPECT_EQ(matches[3].track_id, 10);
  EXPECT_EQ(matches[3].majority_particle, kP4);
  EXPECT_TRUE(matches[3].pure);
  EXPECT_FALSE(matches[3].matched);  // 1 of kP4's 5 hits

  // Merged track: kP3 found, kP4 lost; the one-hit track is shorter than 5 hits.
  const TrackingPerformance p = evaluator.evaluate(event, tracks);
  EXPECT_EQ(p.efficiency[0], (Ratio{2, 3}));
  EXPECT_EQ(p.efficiency[1], (Ratio{3, 4}));
  EXPECT_EQ(p.fake_rate, (Ratio{0, 3}));
  EXPECT_EQ(p.n_short_tracks, 1U);
  EXPECT_NEAR(p.efficiency[0].uncertainty(), std::sqrt(2.0 / 3.0 * (1.0 / 3.0) / 3.0), 1e-12);
}

TEST(TrackingEvaluator, SplitTrackGivesOneMatchOneFakeAndOneDuplicate) {
  TrackingEvaluator::Config config;
  config.min_track_hits = 2;
  const TrackingEvaluator evaluator(config);
  // kP1 split 3 + 2: the 3-hit part is matched, the 2-hit part is pure but
  // holds only 2/5 of kP1 -> unmatched (fake) and a duplicate of kP1.
  const auto tracks =
      assign({{7, 7, 7, 17, 17}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {0, 0}});
  const TrackingPerformance p = evaluator.evaluate(four_particle_event(), tracks);
  EXPECT_EQ(p.efficiency[0], (Ratio{3, 3}));
  EXPECT_EQ(p.fake_rate, (Ratio{1, 5}));
  EXPECT_EQ(p.duplicate_rate, (Ratio{1, 5}));
  EXPECT_EQ(p.n_matched_tracks, 4U);
  EXPECT_EQ(p.n_pure_tracks, 5U);

  // With the default min_track_hits = 5 both parts of kP1 are too short to
  // count, so kP1 is not found.
  const TrackingPerformance strict =
      TrackingEvaluator(TrackingEvaluator::Config{}).evaluate(four_particle_event(), tracks);
  EXPECT_EQ(strict.efficiency[0], (Ratio{2, 3}));
  EXPECT_EQ(strict.n_short_tracks, 2U);
}

TEST(TrackingEvaluator, EvenSplitIsAnInefficiency) {
  TrackingEvaluator::Config config;
  config.min_track_hits = 2;
  const TrackingEvaluator evaluator(config);
  // Track 7 = 3 hits of kP1 + 3 of kP2 (exactly 50% each): not matched, not pure.
  const auto tracks =
      assign({{7, 7, 7, 11, 11}, {7, 7, 7, 12, 12}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {0, 0}});
  const TrackingPerformance p = evaluator.evaluate(four_particle_event(), tracks);
  EXPECT_EQ(p.efficiency[0], (Ratio{2, 3}));   // kP1 lost
  EXPECT_EQ(p.efficiency[1], (Ratio{2, 4}));   // kP1 and kP2 lost
  EXPECT_EQ(p.fake_rate, (Ratio{3, 5}));       // tracks 7, 11, 12
  EXPECT_EQ(p.duplicate_rate, (Ratio{0, 4}));  // pure: 11 (kP1), 12 (kP2), 9, 10
}

TEST(TrackingEvaluator, NoiseMajorityTrackIsFake) {
  TrackingEvaluator::Config config;
  config.min_track_hits = 3;
  config.track_id_zero_is_unassigned = true;
  const TrackingEvaluator evaluator(config);
  // Track 5 = both noise hits + 1 hit of kP4: noise majority -> fake.
  const auto tracks =
      assign({{7, 7, 7, 7, 7}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 5}, {5, 5}});
  const TrackingPerformance p = evaluator.evaluate(four_particle_event(), tracks);
  EXPECT_EQ(p.fake_rate, (Ratio{1, 5}));
  EXPECT_EQ(p.efficiency[0], (Ratio{3, 3}));  // kP4 keeps 4/5 in track 10
  EXPECT_EQ(p.duplicate_rate, (Ratio{0, 4}));
}

TEST(TrackingEvaluator, TrackIdZeroIsUnassignedOnlyWhenConfigured) {
  const auto tracks =
      assign({{0, 0, 0, 0, 0}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {3, 3}});
  TrackingEvaluator::Config config;
  const TrackingPerformance unassigned = TrackingEvaluator(config).evaluate(four_particle_event(), tracks);
  EXPECT_EQ(unassigned.efficiency[0], (Ratio{2, 3}));
  config.track_id_zero_is_unassigned = false;
  const TrackingPerformance assigned = TrackingEvaluator(config).evaluate(four_particle_event(), tracks);
  EXPECT_EQ(assigned.efficiency[0], (Ratio{3, 3}));
}

TEST(TrackingEvaluator, ReconstructableNeedsEnoughHitsAndEta) {
  TrackingEvaluator::Config config;
  config.min_particle_hits = 6;  // no particle has 6 hits
  EXPECT_EQ(TrackingEvaluator(config).evaluate(four_particle_event(), perfect_tracks()).efficiency[0],
            (Ratio{0, 0}));
  config.min_particle_hits = 5;
  config.eta_max = 1.5;  // kP3 (eta -2) is outside
  EXPECT_EQ(TrackingEvaluator(config).evaluate(four_particle_event(), perfect_tracks()).efficiency[0],
            (Ratio{2, 2}));
}

TEST(TrackingEvaluator, BinnedEfficiencies) {
  TrackingEvaluator::Config config;
  config.pt_bins = {0.5, 1.0, 2.0, 10.0};
  config.eta_bins = {-3.0, -1.0, 0.25, 3.0};
  // kP1 (pT 2, eta 0) lost: its hits are split 2 + 3 with the 3-part too short.
  const auto tracks =
      assign({{7, 7, 7, 17, 17}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {0, 0}});
  const TrackingPerformance p = TrackingEvaluator(config).evaluate(four_particle_event(), tracks);
  const auto& pt = p.efficiency_vs_pt.bins();
  ASSERT_EQ(pt.size(), 3U);
  EXPECT_EQ(pt[0], (Ratio{1, 1}));               // kP2 0.8
  EXPECT_EQ(pt[1], (Ratio{1, 1}));               // kP3 1.5
  EXPECT_EQ(pt[2], (Ratio{1, 2}));               // kP1 2.0 (lost), kP4 5.0
  const auto& eta = p.efficiency_vs_eta.bins();  // pT > 1 GeV only: kP1, kP3, kP4
  ASSERT_EQ(eta.size(), 3U);
  EXPECT_EQ(eta[0], (Ratio{1, 1}));  // kP3 -2
  EXPECT_EQ(eta[1], (Ratio{0, 1}));  // kP1 0
  EXPECT_EQ(eta[2], (Ratio{1, 1}));  // kP4 0.5
}

TEST(TrackingEvaluator, ParticleKinematicsFallBackToTruthMomentum) {
  Event event = four_particle_event();
  const auto from_table = TrackingEvaluator::particle_infos(event);
  event.particles.clear();
  const auto from_truth = TrackingEvaluator::particle_infos(event);
  ASSERT_EQ(from_table.size(), 4U);
  ASSERT_EQ(from_truth.size(), 4U);
  for (std::size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(from_table[i].particle_id, from_truth[i].particle_id);
    EXPECT_EQ(from_table[i].n_hits, 5U);
    EXPECT_NEAR(from_table[i].pt, from_truth[i].pt, 1e-6);
    EXPECT_NEAR(from_table[i].eta, from_truth[i].eta, 1e-6);
  }
  EXPECT_EQ(from_table[0].particle_id, kP1);
  EXPECT_NEAR(from_table[0].pt, 2.0, 1e-6);
  EXPECT_EQ(from_table[1].particle_id, kP2);
  EXPECT_NEAR(from_table[1].eta, 1.0, 1e-6);
  EXPECT_EQ(from_table[3].particle_id, kP4);
}

TEST(TrackingEvaluator, MergeAddsCounts) {
  const TrackingEvaluator evaluator(TrackingEvaluator::Config{});
  TrackingPerformance total = evaluator.empty_result();
  total.merge(evaluator.evaluate(four_particle_event(), perfect_tracks()));
  const auto tracks = assign({{7, 7, 7, 7, 7}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {9, 9, 9, 9, 10}, {0, 0}});
  total.merge(evaluator.evaluate(four_particle_event(), tracks));
  EXPECT_EQ(total.n_events, 2U);
  EXPECT_EQ(total.efficiency[0], (Ratio{5, 6}));
  EXPECT_EQ(total.fake_rate, (Ratio{0, 7}));
  TrackingEvaluator::Config other;
  other.pt_thresholds = {2.0};
  EXPECT_THROW(total.merge(TrackingEvaluator(other).empty_result()), Error);
}

TEST(TrackingEvaluator, RejectsBadConfig) {
  TrackingEvaluator::Config config;
  config.pt_thresholds.clear();
  EXPECT_THROW(TrackingEvaluator{config}, Error);
  config = {};
  config.pt_bins = {1.0, 1.0};
  EXPECT_THROW(TrackingEvaluator{config}, Error);
  config = {};
  config.match_fraction = 1.0;
  EXPECT_THROW(TrackingEvaluator{config}, Error);
}

}  // namespace
}  // namespace trkx::eval
