#include "trkx/eval/ScoreBreakdown.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <vector>

#include "EvalFixtures.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/eval/Report.hpp"
#include "trkx/eval/TrackMLScore.hpp"

namespace trkx::eval {
namespace {

using testing::assign;
using testing::four_particle_event;
using testing::kP1;
using testing::kP2;
using testing::kP3;
using testing::kP4;

constexpr double kTol = 1e-6;

// kP1 found whole (0.25), kP2 split 3 + 2 (its 3-hit part: 0.15 of 0.25), kP3 in no
// track (0 of 0.2), kP4 found whole (0.3): score 0.7. kP3 is made a secondary
// (vertex 50 mm from the beam line).
Event secondary_event() {
  Event event = four_particle_event();
  event.particles.vx[2] = 40.0F;
  event.particles.vy[2] = 30.0F;
  return event;
}

TrackAssignment tracks_of_the_test() {
  return assign({{1, 1, 1, 1, 1}, {2, 2, 2, 3, 3}, {}, {4, 4, 4, 4, 4}});
}

ScoreBreakdownEvaluator::Config bins() {
  ScoreBreakdownEvaluator::Config config;
  config.pt_low = {0.0, 1.0, 3.0};
  config.abs_eta_low = {0.0, 0.75, 1.5};  // kP1, kP4 | kP2 (eta 1) | kP3 (eta -2)
  return config;
}

void expect_bin(const ScoreHistogram& h, std::size_t i, double weight, double found, std::uint64_t particles,
                std::uint64_t particles_found) {
  SCOPED_TRACE(h.variable + " bin " + std::to_string(i));
  EXPECT_NEAR(h.bins.at(i).weight, weight, kTol);
  EXPECT_NEAR(h.bins.at(i).found_weight, found, kTol);
  EXPECT_EQ(h.bins.at(i).particles, particles);
  EXPECT_EQ(h.bins.at(i).particles_found, particles_found);
}

TEST(TrackMLScore, PerParticleWeightsAddUpToTheScore) {
  const Event event = secondary_event();
  std::vector<ParticleScore> particles;
  const TrackMLScore s = trackml_score(event.truth.view(), tracks_of_the_test(), particles);
  EXPECT_NEAR(s.score, 0.7, kTol);
  ASSERT_EQ(particles.size(), 4U);  // noise is not a particle
  const ParticleId ids[4] = {kP1, kP2, kP3, kP4};
  const double weight[4] = {0.25, 0.25, 0.2, 0.3};
  const double found[4] = {0.25, 0.15, 0.0, 0.3};
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_EQ(particles[k].particle_id, ids[k]);
    EXPECT_NEAR(particles[k].weight, weight[k], kTol);
    EXPECT_NEAR(particles[k].found_weight, found[k], kTol);
    EXPECT_EQ(particles[k].found, found[k] > 0.0);
  }
  EXPECT_DOUBLE_EQ(s.score, trackml_score(event.truth.view(), tracks_of_the_test()).score);
}

TEST(ScoreBreakdown, BinsEachParticlesWeightAndFoundWeight) {
  const Event event = secondary_event();
  std::vector<ParticleScore> particles;
  const TrackMLScore s = trackml_score(event.truth.view(), tracks_of_the_test(), particles);
  const ScoreBreakdown b = ScoreBreakdownEvaluator(bins()).evaluate(event, s.total_weight, particles);
  ASSERT_EQ(b.histograms.size(), 4U);
  EXPECT_NEAR(b.total_weight, 1.0, kTol);
  EXPECT_EQ(b.n_events, 1U);
  const ScoreHistogram& pt = b.histograms[0];
  EXPECT_EQ(pt.variable, "pt");
  expect_bin(pt, 0, 0.25, 0.15, 1, 1);  // kP2, 0.8 GeV
  expect_bin(pt, 1, 0.45, 0.25, 2, 1);  // kP1 2 GeV, kP3 1.5 GeV
  expect_bin(pt, 2, 0.3, 0.3, 1, 1);    // kP4, 5 GeV (last bin open)
  const ScoreHistogram& eta = b.histograms[1];
  expect_bin(eta, 0, 0.55, 0.55, 2, 2);
  expect_bin(eta, 1, 0.25, 0.15, 1, 1);
  expect_bin(eta, 2, 0.2, 0.0, 1, 0);
  const ScoreHistogram& hits = b.histograms[2];  // default bins 1, 4, 6, ...: 5 hits each
  expect_bin(hits, 0, 0.0, 0.0, 0, 0);
  expect_bin(hits, 1, 1.0, 0.7, 4, 3);
  const ScoreHistogram& vertex = b.histograms[3];  // default bins 0, 1, 30, 200 mm
  expect_bin(vertex, 0, 0.8, 0.7, 3, 3);
  expect_bin(vertex, 1, 0.0, 0.0, 0, 0);
  expect_bin(vertex, 2, 0.2, 0.0, 1, 0);
  // The found weight of every variable adds up to the score.
  for (const ScoreHistogram& h : b.histograms) {
    const double found =
        std::accumulate(h.bins.begin(), h.bins.end(), 0.0,
                        [](double sum, const ScoreShare& bin) { return sum + bin.found_weight; });
    EXPECT_NEAR(found, s.score, kTol) << h.variable;
  }
  // kP2 is found with 3 of its 5 hits: 0.1 lost on missing hits; kP3 has no track: 0.2.
  EXPECT_NEAR(pt.bins[0].matched_weight, 0.25, kTol);
  EXPECT_NEAR(pt.bins[1].matched_weight, 0.25, kTol);
  EXPECT_EQ(b.unlisted.particles, 0U);
  const std::string text = b.summary();
  EXPECT_NE(text.find(">= 3 GeV"), std::string::npos) << text;
  EXPECT_NE(text.find("0.2000   0.0000   0.2000    0.2000    0.0000       0/1"), std::string::npos) << text;
}

TEST(ScoreBreakdown, AParticleOfWeightZeroWithAGoodTrackCountsAsFound) {
  Event event = secondary_event();
  for (std::size_t row = 0; row < event.truth.particle_id.size(); ++row) {
    if (event.truth.particle_id[row] == kP3) event.truth.weight[row] = 0.0F;  // as for <= 3 hits in TrackML
  }
  std::vector<ParticleScore> particles;
  const auto tracks = assign({{1, 1, 1, 1, 1}, {2, 2, 2, 3, 3}, {5, 5, 5, 5, 5}, {4, 4, 4, 4, 4}});
  const TrackMLScore s = trackml_score(event.truth.view(), tracks, particles);
  ASSERT_EQ(particles.size(), 4U);
  EXPECT_TRUE(particles[2].found);
  EXPECT_EQ(particles[2].found_weight, 0.0);
  const ScoreBreakdown b = ScoreBreakdownEvaluator(bins()).evaluate(event, s.total_weight, particles);
  expect_bin(b.histograms[3], 2, 0.0, 0.0, 1, 1);  // the secondary, vertex 50 mm
}

TEST(ScoreBreakdown, ParticlesMissingFromTheTableAreSummedApart) {
  Event event = secondary_event();
  ParticleContainer without_p4;
  const ParticlesView all = event.particles.view();
  for (std::size_t i = 0; i + 1 < all.size(); ++i) {
    without_p4.push_back(all.particle_id[i], all.vx[i], all.vy[i], all.vz[i], all.px[i], all.py[i], all.pz[i],
                         all.q[i], all.nhits[i]);
  }
  event.particles = without_p4;
  std::vector<ParticleScore> particles;
  const TrackMLScore s = trackml_score(event.truth.view(), tracks_of_the_test(), particles);
  const ScoreBreakdown b = ScoreBreakdownEvaluator(bins()).evaluate(event, s.total_weight, particles);
  EXPECT_EQ(b.unlisted.particles, 1U);
  EXPECT_NEAR(b.unlisted.weight, 0.3, kTol);
  EXPECT_NEAR(b.unlisted.found_weight, 0.3, kTol);
  expect_bin(b.histograms[0], 2, 0.0, 0.0, 0, 0);
}

TEST(ScoreBreakdown, MergesEventsAndRefusesOtherBins) {
  const Event event = secondary_event();
  std::vector<ParticleScore> particles;
  const TrackMLScore s = trackml_score(event.truth.view(), tracks_of_the_test(), particles);
  const ScoreBreakdownEvaluator evaluator(bins());
  EvaluationReport report({}, {});
  report.add_score_breakdown(evaluator.evaluate(event, s.total_weight, particles));
  report.add_score_breakdown(evaluator.evaluate(event, s.total_weight, particles));
  const ScoreBreakdown& b = report.score_breakdown();
  EXPECT_EQ(b.n_events, 2U);
  EXPECT_NEAR(b.total_weight, 2.0, kTol);
  expect_bin(b.histograms[0], 1, 0.9, 0.5, 4, 2);
  // JSON: shares of the summed weight.
  const nlohmann::json j = report.to_json()["trackml_score"]["breakdown"];
  EXPECT_EQ(j["n_events"], 2);
  EXPECT_EQ(j["histograms"][0]["variable"], "pt");
  EXPECT_NEAR(j["histograms"][0]["weight"][1].get<double>(), 0.45, kTol);
  EXPECT_NEAR(j["histograms"][0]["found"][1].get<double>(), 0.25, kTol);
  EXPECT_NEAR(j["histograms"][0]["matched"][0].get<double>(), 0.25, kTol);
  EXPECT_EQ(j["histograms"][0]["particles_found"][1], 2);

  ScoreBreakdown other = ScoreBreakdownEvaluator({}).empty_result();
  ScoreBreakdown copy = b;
  EXPECT_THROW(copy.merge(other), Error);
}

TEST(ScoreBreakdown, RefusesBinsThatDoNotIncrease) {
  ScoreBreakdownEvaluator::Config config;
  config.pt_low = {0.0, 1.0, 1.0};
  EXPECT_THROW(ScoreBreakdownEvaluator{config}, Error);
  config = {};
  config.vertex_r_low.clear();
  EXPECT_THROW(ScoreBreakdownEvaluator{config}, Error);
}

TEST(EvaluationReport, HasNoBreakdownUnlessOneIsAdded) {
  const EvaluationReport report({}, {});
  EXPECT_FALSE(report.to_json()["trackml_score"].contains("breakdown"));
}

}  // namespace
}  // namespace trkx::eval
