#include "trkx/eval/TrackMLScore.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <random>
#include <utility>

#include "EvalFixtures.hpp"
#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

using testing::assign;
using testing::four_particle_event;
using testing::perfect_tracks;

constexpr double kTol = 1e-6;

TEST(TrackMLScore, PerfectReconstructionScoresOne) {
  const Event event = four_particle_event();
  const TrackMLScore s = trackml_score(event.truth.view(), perfect_tracks());
  EXPECT_NEAR(s.score, 1.0, kTol);
  EXPECT_NEAR(s.total_weight, 1.0, kTol);
  // 4 particle tracks + track 0 holding the two noise hits (a normal track in
  // the official scorer: good, but of weight 0).
  EXPECT_EQ(s.n_tracks, 5U);
  EXPECT_EQ(s.n_good_tracks, 5U);
  EXPECT_EQ(s.n_missing_hits, 0U);
  EXPECT_EQ(s.n_unknown_hits, 0U);
}

TEST(TrackMLScore, SplitTrackKeepsOnlyTheMajorityPart) {
  const Event event = four_particle_event();
  // kP1 split 3 + 2: the 3-hit part holds 3/5 > 50% of the particle and is
  // 100% pure -> good, weight 3 x 0.05; the 2-hit part is not good.
  const auto tracks =
      assign({{7, 7, 7, 17, 17}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {0, 0}});
  const TrackMLScore s = trackml_score(event.truth.view(), tracks);
  EXPECT_NEAR(s.score, 1.0 - 2 * 0.05, kTol);
  EXPECT_EQ(s.n_tracks, 6U);
  EXPECT_EQ(s.n_good_tracks, 5U);
}

TEST(TrackMLScore, ExactlyHalfOfTheTrackIsNotEnough) {
  const Event event = four_particle_event();
  // Track 7 = 3 hits of kP1 + 3 hits of kP2: each particle owns exactly 50%
  // of it -> not good. The rest of kP1 / kP2 (2 hits each) hold 2/5 -> not good.
  const auto tracks =
      assign({{7, 7, 7, 11, 11}, {7, 7, 7, 12, 12}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {0, 0}});
  const TrackMLScore s = trackml_score(event.truth.view(), tracks);
  EXPECT_NEAR(s.score, 0.2 + 0.3, kTol);
  EXPECT_EQ(s.n_good_tracks, 3U);  // kP3, kP4, noise track 0
}

TEST(TrackMLScore, ExactlyHalfOfTheParticleIsNotEnough) {
  // One particle of 4 hits (weight 0.25 each), split 2 + 2: neither half holds
  // more than 50% of the particle.
  Event event;
  for (HitId h = 11; h <= 14; ++h) event.truth.push_back(h, 77, 0, 0, 0, 1, 0, 0, 0.25F);
  TrackAssignment tracks;
  tracks.hit_id = {11, 12, 13, 14};
  tracks.track_id = {1, 1, 2, 2};
  EXPECT_NEAR(trackml_score(event.truth.view(), tracks).score, 0.0, kTol);
  tracks.track_id = {1, 1, 1, 2};  // 3 of 4 -> good, weight 0.75
  EXPECT_NEAR(trackml_score(event.truth.view(), tracks).score, 0.75, kTol);
}

TEST(TrackMLScore, MergedTrackMatchesOnlyItsMajorityParticle) {
  const Event event = four_particle_event();
  // Track 9 = all 5 hits of kP3 + 4 hits of kP4: kP3 owns 5/9 > 50% and the
  // track holds 5/5 of kP3 -> good with kP3's weight 0.2; kP4 gets nothing.
  const auto tracks = assign({{7, 7, 7, 7, 7}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {9, 9, 9, 9, 10}, {0, 0}});
  const TrackMLScore s = trackml_score(event.truth.view(), tracks);
  EXPECT_NEAR(s.score, 0.25 + 0.25 + 0.2, kTol);
}

TEST(TrackMLScore, NoiseHitsInATrackCountOnlyThroughTheMajorityRule) {
  const Event event = four_particle_event();
  // kP1 with both noise hits: 5/7 > 50% -> good (weight 0.25, noise adds 0).
  auto tracks = assign({{7, 7, 7, 7, 7}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {7, 7}});
  EXPECT_NEAR(trackml_score(event.truth.view(), tracks).score, 1.0, kTol);
  // Track 8 = 2 hits of kP2 + 2 noise: tie 2/4 -> not good; the other 3 hits of kP2 are
  // a good track (3/3 pure, 3/5 of the particle) -> weight 3 x 0.05.
  tracks = assign({{7, 7, 7, 7, 7}, {8, 8, 18, 18, 18}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {8, 8}});
  EXPECT_NEAR(trackml_score(event.truth.view(), tracks).score, 0.25 + 0.15 + 0.2 + 0.3, kTol);
}

TEST(TrackMLScore, MissingHitsAreOneHitTracksAndUnknownHitsAreIgnored) {
  const Event event = four_particle_event();
  TrackAssignment tracks = perfect_tracks();
  // Drop kP2's five hits; add a hit the truth does not know.
  TrackAssignment reduced;
  reduced.event_id = tracks.event_id;
  for (std::size_t i = 0; i < tracks.size(); ++i) {
    if (tracks.hit_id[i] >= testing::hit(1, 0) && tracks.hit_id[i] <= testing::hit(1, 4)) continue;
    reduced.hit_id.push_back(tracks.hit_id[i]);
    reduced.track_id.push_back(tracks.track_id[i]);
  }
  reduced.hit_id.push_back(999);
  reduced.track_id.push_back(7);
  const TrackMLScore s = trackml_score(event.truth.view(), reduced);
  EXPECT_NEAR(s.score, 0.75, kTol);
  EXPECT_EQ(s.n_missing_hits, 5U);
  EXPECT_EQ(s.n_unknown_hits, 1U);
  EXPECT_EQ(s.n_tracks, 4U + 5U);  // three particle tracks + track 0 + five one-hit tracks
}

TEST(TrackMLScore, OneHitTrackOfAOneHitParticleIsGood) {
  Event event;
  event.truth.push_back(5, 41, 0, 0, 0, 1, 0, 0, 0.4F);  // single-hit particle
  event.truth.push_back(6, 42, 0, 0, 0, 1, 0, 0, 0.3F);  // two-hit particle
  event.truth.push_back(7, 42, 0, 0, 0, 1, 0, 0, 0.3F);
  TrackAssignment tracks;
  tracks.hit_id = {5, 6, 7};
  tracks.track_id = {1, 2, 3};  // 1/1 of particle 41 -> good; 1/2 of particle 42 -> not
  EXPECT_NEAR(trackml_score(event.truth.view(), tracks).score, 0.4, kTol);
  // Missing hit 5: the official scorer's one-hit track, also good.
  tracks.hit_id = {6, 7};
  tracks.track_id = {2, 2};
  EXPECT_NEAR(trackml_score(event.truth.view(), tracks).score, 1.0, kTol);
}

TEST(TrackMLScore, TrackIdZeroIsAnOrdinaryTrack) {
  const Event event = four_particle_event();
  // All hits of kP1 carry track id 0 together with both noise hits: 5/7 -> good.
  const auto tracks =
      assign({{0, 0, 0, 0, 0}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {10, 10, 10, 10, 10}, {0, 0}});
  EXPECT_NEAR(trackml_score(event.truth.view(), tracks).score, 1.0, kTol);
}

TEST(TrackMLScore, WeightsAreNormalisedByTheirSum) {
  Event event;
  for (HitId h = 1; h <= 3; ++h) event.truth.push_back(h, 5, 0, 0, 0, 1, 0, 0, 2.0F);
  for (HitId h = 4; h <= 6; ++h) event.truth.push_back(h, 6, 0, 0, 0, 1, 0, 0, 6.0F);
  TrackAssignment tracks;
  tracks.hit_id = {1, 2, 3, 4, 5, 6};
  tracks.track_id = {1, 1, 1, 2, 3, 4};
  const TrackMLScore s = trackml_score(event.truth.view(), tracks);
  EXPECT_NEAR(s.total_weight, 24.0, kTol);
  EXPECT_NEAR(s.score, 6.0 / 24.0, kTol);
}

TEST(TrackMLScore, AllZeroWeightsGiveNaN) {
  Event event;
  event.truth.push_back(1, 5, 0, 0, 0, 1, 0, 0, 0.0F);
  TrackAssignment tracks;
  tracks.hit_id = {1};
  tracks.track_id = {1};
  EXPECT_TRUE(std::isnan(trackml_score(event.truth.view(), tracks).score));
}

TEST(TrackMLScore, DuplicateHitIdsAreRejected) {
  const Event event = four_particle_event();
  TrackAssignment tracks = perfect_tracks();
  tracks.hit_id.push_back(tracks.hit_id.front());
  tracks.track_id.push_back(3);
  EXPECT_THROW((void)trackml_score(event.truth.view(), tracks), InputError);

  Event doubled = four_particle_event();
  doubled.truth.push_back(101, 0, 0, 0, 0, 0, 0, 0, 0.0F);
  EXPECT_THROW((void)trackml_score(doubled.truth.view(), perfect_tracks()), InputError);
}

// Brute force straight from the definition: for every track, count the hits
// of every particle; compare with the sweep on random events.
double brute_force_score(const TruthContainer& truth, const TrackAssignment& tracks) {
  std::map<ParticleId, int> particle_hits;
  std::map<HitId, std::size_t> row;
  double total = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    ++particle_hits[truth.particle_id[i]];
    row[truth.hit_id[i]] = i;
    total += truth.weight[i];
  }
  std::map<std::int64_t, std::vector<std::size_t>> track_rows;
  for (std::size_t i = 0; i < tracks.size(); ++i)
    track_rows[tracks.track_id[i]].push_back(row.at(tracks.hit_id[i]));
  double good = 0.0;
  for (const auto& [id, rows] : track_rows) {
    std::map<ParticleId, std::pair<int, double>> content;
    for (std::size_t r : rows) {
      content[truth.particle_id[r]].first += 1;
      content[truth.particle_id[r]].second += truth.weight[r];
    }
    for (const auto& [p, cw] : content) {
      if (2 * cw.first > static_cast<int>(rows.size()) && 2 * cw.first > particle_hits[p]) good += cw.second;
    }
  }
  return good / total;
}

TEST(TrackMLScore, AgreesWithABruteForceScorerOnRandomEvents) {
  std::mt19937_64 rng(12345);
  for (int trial = 0; trial < 50; ++trial) {
    Event event;
    std::uniform_int_distribution<int> particle(0, 12);
    std::uniform_real_distribution<float> weight(0.0F, 1.0F);
    const int n = 60;
    for (int h = 0; h < n; ++h) {
      event.truth.push_back(static_cast<HitId>(1000 + 3 * h), static_cast<ParticleId>(particle(rng)), 0, 0, 0,
                            0, 0, 0, weight(rng));
    }
    TrackAssignment tracks;
    std::uniform_int_distribution<int> track(0, 15);
    std::bernoulli_distribution follow_truth(0.6);
    for (int h = 0; h < n; ++h) {
      tracks.hit_id.push_back(event.truth.hit_id[static_cast<std::size_t>(h)]);
      tracks.track_id.push_back(
          follow_truth(rng) ? static_cast<std::int64_t>(event.truth.particle_id[static_cast<std::size_t>(h)])
                            : track(rng));
    }
    EXPECT_NEAR(trackml_score(event.truth.view(), tracks).score, brute_force_score(event.truth, tracks), 1e-9)
        << "trial " << trial;
  }
}

}  // namespace
}  // namespace trkx::eval
