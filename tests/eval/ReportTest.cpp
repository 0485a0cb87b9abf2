#include "trkx/eval/Report.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "EvalFixtures.hpp"

namespace trkx::eval {
namespace {

using testing::assign;
using testing::four_particle_event;
using testing::perfect_tracks;

TEST(EvaluationReport, AggregatesEventsAndWritesJson) {
  const TrackingEvaluator::Config tracking_config;
  const EdgeEvaluator::Config edge_config;
  const TrackingEvaluator evaluator(tracking_config);
  EvaluationReport report(tracking_config, edge_config);

  const Event event = four_particle_event();
  const TrackAssignment perfect = perfect_tracks();
  report.add_event(1000, trackml_score(event.truth.view(), perfect), evaluator.evaluate(event, perfect));
  // Second event: kP3 + 4 hits of kP4 merged -> score 0.7, kP4 lost.
  const auto merged = assign({{7, 7, 7, 7, 7}, {8, 8, 8, 8, 8}, {9, 9, 9, 9, 9}, {9, 9, 9, 9, 10}, {0, 0}});
  report.add_event(1001, trackml_score(event.truth.view(), merged), evaluator.evaluate(event, merged));

  EdgeMetrics edges;
  edges.stage = "filter";
  edges.n_events = 1;
  edges.efficiency = {3, 4};
  report.add_edges(edges);
  report.add_edges(edges);
  edges.stage = "gnn";
  report.add_edges(edges);

  EXPECT_NEAR(report.mean_score(), (1.0 + 0.7) / 2.0, 1e-6);
  const nlohmann::json j = report.to_json();
  EXPECT_EQ(j["format_version"], 1);
  EXPECT_EQ(j["n_events"], 2);
  ASSERT_EQ(j["trackml_score"]["per_event"].size(), 2U);
  EXPECT_EQ(j["trackml_score"]["per_event"][1]["event_id"], 1001);
  EXPECT_NEAR(j["trackml_score"]["per_event"][1]["score"].get<double>(), 0.7, 1e-6);
  const auto& eff = j["tracking"]["efficiency"];
  ASSERT_EQ(eff.size(), 2U);
  EXPECT_EQ(eff[0]["pt_min"], 1.0);
  EXPECT_EQ(eff[0]["numerator"], 5);
  EXPECT_EQ(eff[0]["denominator"], 6);
  EXPECT_NEAR(eff[0]["value"].get<double>(), 5.0 / 6.0, 1e-12);
  EXPECT_EQ(j["tracking"]["fake_rate"]["denominator"], 7);
  // Each particle's hits lie on a straight line (reconstructed pT huge, |eta| <= 2),
  // so all single-particle tracks are selected; the merged track 9 (hits of kP3
  // and kP4 on two lines at an angle) fits a small circle, pT < 1 GeV.
  EXPECT_EQ(j["tracking"]["selected_fake_rate"]["denominator"], 6);
  EXPECT_EQ(j["tracking"]["selected_fake_rate"]["numerator"], 0);
  EXPECT_EQ(j["tracking"]["selected_duplicate_rate"]["denominator"], 6);
  // kP3 is found in the second event only by the unselected track 9.
  const auto& selected_eff = j["tracking"]["selected_efficiency"];
  ASSERT_EQ(selected_eff.size(), 2U);
  EXPECT_EQ(selected_eff[0]["pt_min"], 1.0);
  EXPECT_EQ(selected_eff[0]["numerator"], 4);
  EXPECT_EQ(selected_eff[0]["denominator"], 6);
  EXPECT_EQ(j["config"]["track_min_hits"], 0);
  EXPECT_EQ(j["config"]["track_pt_min"], 1.0);
  EXPECT_EQ(j["config"]["track_eta_max"], 4.0);
  EXPECT_EQ(j["config"]["bz"], 2.0);
  const auto& vs_pt = j["tracking"]["efficiency_vs_pt"];
  EXPECT_EQ(vs_pt["variable"], "pt");
  EXPECT_EQ(vs_pt["edges"].size(), tracking_config.pt_bins.size());
  EXPECT_EQ(vs_pt["efficiency"].size(), tracking_config.pt_bins.size() - 1);
  EXPECT_TRUE(vs_pt["efficiency"][0].is_null()) << "empty bins have no efficiency";
  // The selected tracks' eta bins (particles above 1 GeV) add up to selected_efficiency[0].
  const auto& selected_eta = j["tracking"]["selected_efficiency_vs_eta"];
  EXPECT_EQ(selected_eta["variable"], "eta");
  EXPECT_EQ(j["tracking"]["selected_efficiency_vs_pt"]["edges"], vs_pt["edges"]);
  int found = 0;
  int reconstructable = 0;
  for (const auto& n : selected_eta["numerator"]) found += n.get<int>();
  for (const auto& n : selected_eta["denominator"]) reconstructable += n.get<int>();
  EXPECT_EQ(found, 4);
  EXPECT_EQ(reconstructable, 6);
  ASSERT_EQ(j["edges"].size(), 2U);
  EXPECT_EQ(j["edges"][0]["stage"], "filter");
  EXPECT_EQ(j["edges"][0]["n_events"], 2);
  EXPECT_EQ(j["edges"][0]["efficiency"]["numerator"], 6);
  EXPECT_TRUE(j["edges"][0]["purity"]["value"].is_null());
  EXPECT_EQ(j["config"]["min_track_hits"], 5);
  // Parameter resolution: the default 4 pT bins; every matched track of a prompt
  // particle has an eta residual (4 tracks in the first event, 3 in the second).
  const auto& resolution = j["tracking"]["resolution"];
  ASSERT_EQ(resolution.size(), tracking_config.resolution_pt_bins.size() - 1);
  std::size_t n_eta = 0;
  for (const auto& bin : resolution) {
    n_eta += bin["eta"]["n"].get<std::size_t>();
    for (const char* key : {"pt_relative", "phi_rad", "z0_mm", "charge_misid"})
      EXPECT_TRUE(bin.contains(key));
  }
  EXPECT_EQ(n_eta, 7U);
  EXPECT_EQ(resolution[0]["pt_low"], 0.5);
  EXPECT_EQ(j["config"]["resolution_max_vertex_r"], 1.0);

  // The text form is valid JSON (NaN is written as null).
  const nlohmann::json back = nlohmann::json::parse(j.dump());
  EXPECT_EQ(back.dump(), j.dump());
  EXPECT_TRUE(back["edges"][0]["purity"]["value"].is_null());

  const std::string text = report.summary();
  EXPECT_NE(text.find("TrackML score:     0.8500"), std::string::npos) << text;
  EXPECT_NE(text.find("efficiency pT>1"), std::string::npos) << text;
  EXPECT_NE(text.find("5 / 6"), std::string::npos) << text;
  EXPECT_NE(
      text.find("  selected tracks: 0.6667 +- 0.1925 (4 / 6)  [found by tracks with >= 5 hits, reco pT > 1 "
                "GeV, |eta| < 4]"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("edges filter:"), std::string::npos) << text;
  EXPECT_NE(text.find("resolution (matched tracks of particles with |eta| <= 4"), std::string::npos) << text;
  EXPECT_NE(text.find("fake rate:         0.0000 +- 0.0000 (0 / 7)  [tracks with >= 5 hits]\n"
                      "  selected tracks: 0.0000 +- 0.0000 (0 / 6)  [tracks with >= 5 hits, reco pT > 1 GeV, "
                      "|eta| < 4]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  selected tracks: 0.0000 +- 0.0000 (0 / 6)  [pure tracks with >= 5 hits, reco pT > 1 "
                      "GeV, |eta| < 4]"),
            std::string::npos)
      << text;
}

TEST(EvaluationReport, EmptyReportHasNoScore) {
  const EvaluationReport report({}, {});
  EXPECT_TRUE(std::isnan(report.mean_score()));
  EXPECT_TRUE(report.to_json()["trackml_score"]["mean"].is_null());
}

}  // namespace
}  // namespace trkx::eval
