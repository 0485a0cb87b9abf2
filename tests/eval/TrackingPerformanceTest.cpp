#include "trkx/eval/TrackingPerformance.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

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
  EXPECT_EQ(p.impure_rate, (Ratio{0, 5}));  // the fragment is pure: not an ATLAS-style fake
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
  EXPECT_EQ(p.impure_rate, (Ratio{1, 5}));     // track 7 (50/50)
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
  EXPECT_EQ(p.impure_rate, (Ratio{1, 5}));    // noise majority
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

  // The selected tracks' bins: a selection every 5-hit track passes gives the same bins, one
  // that none passes the same denominators with nothing found.
  config.track_pt_min = 0.0;
  config.track_eta_max = 100.0;
  const TrackingPerformance all = TrackingEvaluator(config).evaluate(four_particle_event(), tracks);
  EXPECT_EQ(all.selected_efficiency_vs_pt.bins(), pt);
  EXPECT_EQ(all.selected_efficiency_vs_eta.bins(), eta);
  config.track_min_hits = 6;
  const TrackingPerformance none = TrackingEvaluator(config).evaluate(four_particle_event(), tracks);
  ASSERT_EQ(none.selected_efficiency_vs_pt.size(), pt.size());
  ASSERT_EQ(none.selected_efficiency_vs_eta.size(), eta.size());
  for (std::size_t b = 0; b < pt.size(); ++b) {
    EXPECT_EQ(none.selected_efficiency_vs_pt.bins()[b], (Ratio{0, pt[b].denominator})) << b;
  }
  for (std::size_t b = 0; b < eta.size(); ++b) {
    EXPECT_EQ(none.selected_efficiency_vs_eta.bins()[b], (Ratio{0, eta[b].denominator})) << b;
  }
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

// Helix event for the selected rates: five particles x 12 hits on helices from
// the origin in 2 T (hit ids from 501, particle ids 11..15), tracks as below.
//
//   particle  pT [GeV]  eta   tracks (hits)         selected (reco pT > 1, |eta| < 4)
//   11        5.0        0.5  21 (7) + 22 (5)       both: 21 matched, 22 fake + duplicate
//   12        0.6       -1.0  23 (7) + 24 (5)       neither (slow): 24 fake + duplicate
//   13        2.0        4.5  25 (12)               no (|eta| > 4)
//   14        1.5        2.0  26 (12)               yes, matched
//   15        3.0       -0.2  27 (3)                no (shorter than 5 hits)
//
// All rates: fake 2/6 (22, 24), duplicate 2/6 (pure: 21..26).
// Selected: tracks 21, 22, 26 -> fake 1/3, duplicate 1/3.
struct HelixEvent {
  Event event;
  TrackAssignment tracks;
};

HelixEvent helix_event() {
  const std::vector<double> radii = {32.0,  72.0,  116.0, 172.0, 260.0, 360.0,
                                     500.0, 580.0, 660.0, 740.0, 820.0, 1020.0};
  struct Particle {
    double pt, eta, phi0;
    int charge;
    std::vector<std::int64_t> track_of_hit;
  };
  const std::vector<Particle> particles = {
      {5.0, 0.5, 0.3, 1, {21, 21, 21, 21, 21, 21, 21, 22, 22, 22, 22, 22}},
      {0.6, -1.0, 2.0, -1, {23, 23, 23, 23, 23, 23, 23, 24, 24, 24, 24, 24}},
      {2.0, 4.5, -1.0, 1, std::vector<std::int64_t>(12, 25)},
      {1.5, 2.0, -2.5, -1, std::vector<std::int64_t>(12, 26)},
      {3.0, -0.2, 1.2, 1, {27, 27, 27, 0, 0, 0, 0, 0, 0, 0, 0, 0}},
  };
  HelixEvent out;
  out.event.event_id = 7;
  out.tracks.event_id = 7;
  HitId hit_id = 501;
  for (std::size_t p = 0; p < particles.size(); ++p) {
    const Particle& particle = particles[p];
    const ParticleId particle_id = 11 + p;
    const auto h =
        testing::helix_points(particle.pt, particle.eta, particle.phi0, particle.charge, 0.0, 2.0, radii);
    const auto px = static_cast<float>(particle.pt * std::cos(particle.phi0));
    const auto py = static_cast<float>(particle.pt * std::sin(particle.phi0));
    const auto pz = static_cast<float>(particle.pt * std::sinh(particle.eta));
    out.event.particles.push_back(particle_id, 0.0F, 0.0F, 0.0F, px, py, pz, particle.charge, 12);
    for (std::size_t k = 0; k < radii.size(); ++k, ++hit_id) {
      const auto x = static_cast<float>(h.x[k]);
      const auto y = static_cast<float>(h.y[k]);
      const auto z = static_cast<float>(h.z[k]);
      out.event.hits.push_back(hit_id, x, y, z, 8, static_cast<std::int32_t>(k), 0);
      out.event.truth.push_back(hit_id, particle_id, x, y, z, px, py, pz, 1.0F / 60.0F);
      out.tracks.hit_id.push_back(hit_id);
      out.tracks.track_id.push_back(particle.track_of_hit[k]);
    }
  }
  out.event.hits.compute_derived();
  return out;
}

TEST(TrackingEvaluator, TrackParametersComeFromTheHits) {
  const HelixEvent h = helix_event();
  const TrackingEvaluator evaluator(TrackingEvaluator::Config{});
  const auto params = evaluator.track_parameters(h.event, h.tracks);
  ASSERT_EQ(params.size(), 7U);
  const double expected_pt[7] = {5.0, 5.0, 0.6, 0.6, 2.0, 1.5, 3.0};
  const double expected_eta[7] = {0.5, 0.5, -1.0, -1.0, 4.5, 2.0, -0.2};
  for (std::size_t i = 0; i < params.size(); ++i) {
    EXPECT_EQ(params[i].first, static_cast<std::int64_t>(21 + i));
    ASSERT_TRUE(params[i].second.valid()) << i;
    // Float hit positions: close, not exact.
    EXPECT_NEAR(params[i].second.pt / expected_pt[i], 1.0, 2e-3) << i;
    EXPECT_NEAR(params[i].second.eta, expected_eta[i], 1e-3) << i;
  }
  // The truth is not used: moving the truth positions changes nothing.
  HelixEvent moved = helix_event();
  for (float& x : moved.event.truth.tx) x += 100.0F;
  const auto same = evaluator.track_parameters(moved.event, moved.tracks);
  EXPECT_EQ(same[0].second.pt, params[0].second.pt);
}

TEST(TrackingEvaluator, ResolutionOfMatchedPromptTracks) {
  // Matched: 21 (particle 11, 5 GeV), 23 (12, 0.6 GeV), 25 (13, eta 4.5 > eta_max:
  // not counted), 26 (14, 1.5 GeV). Default bins 0.5 / 1 / 2 / 5 / 100 GeV; particle
  // 11's pT from its float momentum is 4.9999998 GeV: bin 2-5.
  HelixEvent h = helix_event();
  const TrackingPerformance p = TrackingEvaluator(TrackingEvaluator::Config{}).evaluate(h.event, h.tracks);
  const auto bins = p.resolution.summarise();
  ASSERT_EQ(bins.size(), 4U);
  const std::size_t expected_n[4] = {1, 1, 1, 0};
  for (std::size_t b = 0; b < bins.size(); ++b) {
    EXPECT_EQ(bins[b].pt_relative.n, expected_n[b]) << b;
    EXPECT_EQ(bins[b].charge_misid, (Ratio{0, expected_n[b]})) << b;
    if (expected_n[b] == 0) {
      EXPECT_TRUE(std::isnan(bins[b].pt_relative.median));
      continue;
    }
    // Exact helices stored as float: tiny residuals, no spread for one track.
    EXPECT_NEAR(bins[b].pt_relative.median, 0.0, 2e-3) << b;
    EXPECT_NEAR(bins[b].phi.median, 0.0, 1e-4) << b;
    EXPECT_NEAR(bins[b].eta.median, 0.0, 1e-3) << b;
    EXPECT_NEAR(bins[b].z0.median, 0.0, 1e-2) << b;
    EXPECT_EQ(bins[b].pt_relative.sigma68, 0.0) << b;
  }

  // A wrong charge in the particles table is a charge mis-identification; a
  // particle produced 5 mm from the beam line is not prompt and not counted.
  h.event.particles.q[3] = -h.event.particles.q[3];  // particle 14
  h.event.particles.vx[0] = 5.0F;                    // particle 11
  const auto changed =
      TrackingEvaluator(TrackingEvaluator::Config{}).evaluate(h.event, h.tracks).resolution.summarise();
  EXPECT_EQ(changed[1].charge_misid, (Ratio{1, 1}));
  EXPECT_EQ(changed[2].pt_relative.n, 0U);
  EXPECT_EQ(changed[0].pt_relative.n, 1U);
}

TEST(TrackingEvaluator, SelectedRatesUseReconstructedPtAndEta) {
  const HelixEvent h = helix_event();
  const TrackingPerformance p = TrackingEvaluator(TrackingEvaluator::Config{}).evaluate(h.event, h.tracks);
  EXPECT_EQ(p.n_tracks, 7U);
  EXPECT_EQ(p.n_short_tracks, 1U);
  EXPECT_EQ(p.fake_rate, (Ratio{2, 6}));
  EXPECT_EQ(p.duplicate_rate, (Ratio{2, 6}));
  EXPECT_EQ(p.selected_fake_rate, (Ratio{1, 3}));
  EXPECT_EQ(p.selected_duplicate_rate, (Ratio{1, 3}));
  EXPECT_EQ(p.selected_impure_rate.denominator, p.selected_fake_rate.denominator);
  EXPECT_LE(p.selected_impure_rate.numerator, p.selected_fake_rate.numerator);
  EXPECT_EQ(p.track_pt_min, 1.0);
  EXPECT_EQ(p.track_eta_max, 4.0);
  // Reconstructable (>= 5 hits, |eta| <= 4): 11, 12, 14, 15. Every track finds 11 (21),
  // 12 (23) and 14 (26); selected tracks find 11 and 14 (23 is slow); 15's only track is short.
  EXPECT_EQ(p.efficiency[0], (Ratio{2, 3}));           // pT >= 1: 11, 14, 15
  EXPECT_EQ(p.efficiency[1], (Ratio{3, 4}));           // pT >= 0.5
  EXPECT_EQ(p.selected_efficiency[0], (Ratio{2, 3}));  // 11, 14
  EXPECT_EQ(p.selected_efficiency[1], (Ratio{2, 4}));  // not 12
  // Per bin: the eta bins hold the particles above the first threshold, as selected_efficiency[0].
  Ratio selected_eta;
  for (const Ratio& r : p.selected_efficiency_vs_eta.bins()) selected_eta += r;
  EXPECT_EQ(selected_eta, p.selected_efficiency[0]);
  Ratio selected_pt;
  Ratio every_pt;
  for (const Ratio& r : p.selected_efficiency_vs_pt.bins()) selected_pt += r;
  for (const Ratio& r : p.efficiency_vs_pt.bins()) every_pt += r;
  EXPECT_EQ(selected_pt.denominator, every_pt.denominator);
  EXPECT_EQ(every_pt.numerator - selected_pt.numerator, 1U);  // 12, found only by every track

  // A looser selection takes the slow fragment (24) and track 23 in as well,
  // and a wider eta range track 25.
  TrackingEvaluator::Config loose;
  loose.track_pt_min = 0.5;
  loose.track_eta_max = 5.0;
  const TrackingPerformance all = TrackingEvaluator(loose).evaluate(h.event, h.tracks);
  EXPECT_EQ(all.selected_fake_rate, all.fake_rate);
  EXPECT_EQ(all.selected_duplicate_rate, all.duplicate_rate);

  // At least 8 hits: of the selected tracks only 26 (12 hits) is left; 21 has 7.
  TrackingEvaluator::Config long_tracks;
  long_tracks.track_min_hits = 8;
  const TrackingPerformance longer = TrackingEvaluator(long_tracks).evaluate(h.event, h.tracks);
  EXPECT_EQ(longer.selected_fake_rate, (Ratio{0, 1}));
  EXPECT_EQ(longer.selected_duplicate_rate, (Ratio{0, 1}));
  EXPECT_EQ(longer.selected_efficiency[0], (Ratio{1, 3}));  // 14
  EXPECT_EQ(longer.efficiency, p.efficiency);               // the other rates do not change
  EXPECT_EQ(longer.fake_rate, p.fake_rate);

  // Between the two momenta of the fragments: 0.6 GeV fails, 5 GeV passes.
  TrackingEvaluator::Config tight;
  tight.track_pt_min = 4.0;
  const TrackingPerformance fast = TrackingEvaluator(tight).evaluate(h.event, h.tracks);
  EXPECT_EQ(fast.selected_fake_rate, (Ratio{1, 2}));  // 21, 22
  EXPECT_EQ(fast.selected_duplicate_rate, (Ratio{1, 2}));

  // The field scales the reconstructed pT: at 0.2 T every track is below 1 GeV.
  TrackingEvaluator::Config weak;
  weak.bz = 0.2;
  const TrackingPerformance none = TrackingEvaluator(weak).evaluate(h.event, h.tracks);
  EXPECT_EQ(none.selected_fake_rate, (Ratio{0, 0}));
  EXPECT_EQ(none.fake_rate, (Ratio{2, 6}));
}

TEST(TrackingEvaluator, TrackWithHitsMissingFromTheHitsTableIsNotSelected) {
  HelixEvent h = helix_event();
  // Drop hit 501 (first hit of track 21) from the hits table only.
  HitContainer hits;
  for (std::size_t i = 1; i < h.event.hits.size(); ++i) {
    hits.push_back(h.event.hits.hit_id[i], h.event.hits.x[i], h.event.hits.y[i], h.event.hits.z[i], 8, 0, 0);
  }
  hits.compute_derived();
  h.event.hits = hits;
  const TrackingPerformance p = TrackingEvaluator(TrackingEvaluator::Config{}).evaluate(h.event, h.tracks);
  EXPECT_EQ(p.fake_rate, (Ratio{2, 6}));
  EXPECT_EQ(p.selected_fake_rate, (Ratio{1, 2}));       // 22, 26
  EXPECT_EQ(p.selected_duplicate_rate, (Ratio{0, 2}));  // 22 is now particle 11's first selected pure track
}

TEST(TrackingEvaluator, MergeAddsSelectedRatesAndChecksTheSelection) {
  const HelixEvent h = helix_event();
  const TrackingEvaluator evaluator(TrackingEvaluator::Config{});
  TrackingPerformance total = evaluator.empty_result();
  total.merge(evaluator.evaluate(h.event, h.tracks));
  total.merge(evaluator.evaluate(h.event, h.tracks));
  EXPECT_EQ(total.selected_fake_rate, (Ratio{2, 6}));
  EXPECT_EQ(total.selected_duplicate_rate, (Ratio{2, 6}));
  EXPECT_EQ(total.selected_efficiency[1], (Ratio{4, 8}));
  const TrackingPerformance one = evaluator.evaluate(h.event, h.tracks);
  for (std::size_t b = 0; b < one.selected_efficiency_vs_pt.size(); ++b) {
    const Ratio& r = one.selected_efficiency_vs_pt.bins()[b];
    EXPECT_EQ(total.selected_efficiency_vs_pt.bins()[b], (Ratio{2 * r.numerator, 2 * r.denominator})) << b;
  }
  TrackingEvaluator::Config other;
  other.track_min_hits = 7;
  EXPECT_THROW(total.merge(TrackingEvaluator(other).empty_result()), Error);
  other = {};
  other.track_pt_min = 2.0;
  EXPECT_THROW(total.merge(TrackingEvaluator(other).empty_result()), Error);
  other = {};
  other.track_eta_max = 2.5;
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
  config = {};
  config.bz = 0.0;
  EXPECT_THROW(TrackingEvaluator{config}, Error);
  config = {};
  config.track_pt_min = std::nan("");
  EXPECT_THROW(TrackingEvaluator{config}, Error);
}

}  // namespace
}  // namespace trkx::eval
