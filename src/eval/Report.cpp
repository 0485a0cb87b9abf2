#include "trkx/eval/Report.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include <fmt/format.h>

namespace trkx::eval {
namespace {
/// NaN (undefined ratio) as JSON null, so that the document in memory equals
/// the parsed text.
nlohmann::json number_or_null(double x) {
  return std::isfinite(x) ? nlohmann::json(x) : nlohmann::json(nullptr);
}
}  // namespace

nlohmann::json ratio_to_json(const Ratio& ratio) {
  return {{"numerator", ratio.numerator},
          {"denominator", ratio.denominator},
          {"value", number_or_null(ratio.value())},
          {"uncertainty", number_or_null(ratio.uncertainty())}};
}

nlohmann::json residual_to_json(const ResidualSummary& r) {
  return {{"n", r.n}, {"median", number_or_null(r.median)}, {"sigma68", number_or_null(r.sigma68)}};
}

nlohmann::json resolution_to_json(const ParameterResolution& resolution) {
  nlohmann::json bins = nlohmann::json::array();
  for (const auto& b : resolution.summarise()) {
    bins.push_back({{"pt_low", b.pt_low},
                    {"pt_high", b.pt_high},
                    {"pt_relative", residual_to_json(b.pt_relative)},
                    {"phi_rad", residual_to_json(b.phi)},
                    {"eta", residual_to_json(b.eta)},
                    {"z0_mm", residual_to_json(b.z0)},
                    {"charge_misid", ratio_to_json(b.charge_misid)}});
  }
  return bins;
}

nlohmann::json binned_to_json(const BinnedRatio& binned, const std::string& unit) {
  nlohmann::json numerator = nlohmann::json::array();
  nlohmann::json denominator = nlohmann::json::array();
  nlohmann::json efficiency = nlohmann::json::array();
  nlohmann::json uncertainty = nlohmann::json::array();
  for (const Ratio& bin : binned.bins()) {
    numerator.push_back(bin.numerator);
    denominator.push_back(bin.denominator);
    efficiency.push_back(number_or_null(bin.value()));
    uncertainty.push_back(number_or_null(bin.uncertainty()));
  }
  return {{"variable", binned.variable()}, {"unit", unit},
          {"edges", binned.edges()},       {"numerator", numerator},
          {"denominator", denominator},    {"efficiency", efficiency},
          {"uncertainty", uncertainty}};
}

EvaluationReport::EvaluationReport(TrackingEvaluator::Config tracking_config,
                                   EdgeEvaluator::Config edge_config)
    : tracking_config_(std::move(tracking_config)), edge_config_(edge_config) {
  tracking_ = TrackingEvaluator(tracking_config_).empty_result();
}

void EvaluationReport::add_event(std::uint64_t event_id, const TrackMLScore& score,
                                 const TrackingPerformance& performance) {
  events_.push_back({event_id, score});
  tracking_.merge(performance);
}

void EvaluationReport::add_edges(const EdgeMetrics& metrics) {
  for (EdgeMetrics& existing : edges_) {
    if (existing.stage == metrics.stage) {
      existing.merge(metrics);
      return;
    }
  }
  edges_.push_back(metrics);
}

void EvaluationReport::add_score_breakdown(const ScoreBreakdown& breakdown) {
  if (breakdown_.n_events == 0 && breakdown_.histograms.empty()) {
    breakdown_ = breakdown;
  } else {
    breakdown_.merge(breakdown);
  }
}

nlohmann::json score_breakdown_to_json(const ScoreBreakdown& b) {
  const double total = b.total_weight;
  const auto share = [&](double w) { return number_or_null(w / total); };
  nlohmann::json histograms = nlohmann::json::array();
  for (const ScoreHistogram& h : b.histograms) {
    nlohmann::json weight = nlohmann::json::array();
    nlohmann::json found = nlohmann::json::array();
    nlohmann::json matched = nlohmann::json::array();
    nlohmann::json particles = nlohmann::json::array();
    nlohmann::json particles_found = nlohmann::json::array();
    for (const ScoreShare& bin : h.bins) {
      weight.push_back(share(bin.weight));
      found.push_back(share(bin.found_weight));
      matched.push_back(share(bin.matched_weight));
      particles.push_back(bin.particles);
      particles_found.push_back(bin.particles_found);
    }
    histograms.push_back({{"variable", h.variable},
                          {"unit", h.unit},
                          {"low", h.low},
                          {"weight", weight},
                          {"found", found},
                          {"matched", matched},
                          {"particles", particles},
                          {"particles_found", particles_found}});
  }
  return {{"total_weight", total},
          {"n_events", b.n_events},
          {"histograms", histograms},
          {"unlisted",
           {{"weight", share(b.unlisted.weight)},
            {"found", share(b.unlisted.found_weight)},
            {"matched", share(b.unlisted.matched_weight)},
            {"particles", b.unlisted.particles},
            {"particles_found", b.unlisted.particles_found}}}};
}

double EvaluationReport::mean_score() const {
  double sum = 0.0;
  std::size_t n = 0;
  for (const EventScore& e : events_) {
    if (std::isnan(e.score.score)) continue;
    sum += e.score.score;
    ++n;
  }
  return n == 0 ? std::numeric_limits<double>::quiet_NaN() : sum / static_cast<double>(n);
}

nlohmann::json EvaluationReport::to_json() const {
  nlohmann::json per_event = nlohmann::json::array();
  for (const EventScore& e : events_) {
    per_event.push_back({{"event_id", e.event_id},
                         {"score", number_or_null(e.score.score)},
                         {"total_weight", e.score.total_weight},
                         {"n_tracks", e.score.n_tracks},
                         {"n_good_tracks", e.score.n_good_tracks},
                         {"n_missing_hits", e.score.n_missing_hits},
                         {"n_unknown_hits", e.score.n_unknown_hits}});
  }
  nlohmann::json efficiency = nlohmann::json::array();
  nlohmann::json selected_efficiency = nlohmann::json::array();
  for (std::size_t t = 0; t < tracking_.pt_thresholds.size(); ++t) {
    nlohmann::json entry = ratio_to_json(tracking_.efficiency[t]);
    entry["pt_min"] = tracking_.pt_thresholds[t];
    efficiency.push_back(entry);
    entry = ratio_to_json(tracking_.selected_efficiency[t]);
    entry["pt_min"] = tracking_.pt_thresholds[t];
    selected_efficiency.push_back(entry);
  }
  nlohmann::json edges = nlohmann::json::array();
  for (const EdgeMetrics& m : edges_) {
    edges.push_back({{"stage", m.stage},
                     {"n_events", m.n_events},
                     {"n_edges", m.n_edges},
                     {"n_truth_edges", m.n_truth_edges},
                     {"efficiency", ratio_to_json(m.efficiency)},
                     {"efficiency_pt", ratio_to_json(m.efficiency_pt)},
                     {"purity", ratio_to_json(m.purity)},
                     {"same_particle_purity", ratio_to_json(m.same_particle_purity)}});
  }
  const TrackingPerformance& t = tracking_;
  nlohmann::json score = {{"mean", number_or_null(mean_score())}, {"per_event", per_event}};
  if (!breakdown_.histograms.empty()) score["breakdown"] = score_breakdown_to_json(breakdown_);
  return {{"format_version", 1},
          {"n_events", events_.size()},
          {"config",
           {{"pt_thresholds", tracking_config_.pt_thresholds},
            {"min_particle_hits", tracking_config_.min_particle_hits},
            {"min_track_hits", tracking_config_.min_track_hits},
            {"eta_max", tracking_config_.eta_max},
            {"match_fraction", tracking_config_.match_fraction},
            {"track_pt_min", tracking_config_.track_pt_min},
            {"track_eta_max", tracking_config_.track_eta_max},
            {"track_min_hits", tracking_config_.track_min_hits},
            {"bz", tracking_config_.bz},
            {"resolution_max_vertex_r", tracking_config_.resolution_max_vertex_r},
            {"track_id_zero_is_unassigned", tracking_config_.track_id_zero_is_unassigned},
            {"edge_pt_min", edge_config_.pt_min},
            {"edge_score_cut", edge_config_.score_cut}}},
          {"trackml_score", score},
          {"tracking",
           {{"efficiency", efficiency},
            {"selected_efficiency", selected_efficiency},
            {"fake_rate", ratio_to_json(t.fake_rate)},
            {"duplicate_rate", ratio_to_json(t.duplicate_rate)},
            {"selected_fake_rate", ratio_to_json(t.selected_fake_rate)},
            {"impure_rate", ratio_to_json(t.impure_rate)},
            {"selected_impure_rate", ratio_to_json(t.selected_impure_rate)},
            {"selected_duplicate_rate", ratio_to_json(t.selected_duplicate_rate)},
            {"counts",
             {{"n_events", t.n_events},
              {"n_particles", t.n_particles},
              {"n_tracks", t.n_tracks},
              {"n_short_tracks", t.n_short_tracks},
              {"n_matched_tracks", t.n_matched_tracks},
              {"n_pure_tracks", t.n_pure_tracks},
              {"n_assigned_hits", t.n_assigned_hits},
              {"n_truth_hits", t.n_truth_hits}}},
            {"efficiency_vs_pt", binned_to_json(t.efficiency_vs_pt, "GeV")},
            {"efficiency_vs_eta", binned_to_json(t.efficiency_vs_eta, "")},
            {"selected_efficiency_vs_pt", binned_to_json(t.selected_efficiency_vs_pt, "GeV")},
            {"selected_efficiency_vs_eta", binned_to_json(t.selected_efficiency_vs_eta, "")},
            {"resolution", resolution_to_json(t.resolution)}}},
          {"edges", edges}};
}

namespace {
std::string format_ratio(const Ratio& r) {
  if (r.denominator == 0) return "n/a (0 / 0)";
  return fmt::format("{:.4f} +- {:.4f} ({} / {})", r.value(), r.uncertainty(), r.numerator, r.denominator);
}
}  // namespace

std::string EvaluationReport::summary() const {
  std::string out;
  const double score = mean_score();
  out += fmt::format("events:            {}\n", events_.size());
  out += std::isnan(score) ? std::string("TrackML score:     n/a (truth weights are all zero)\n")
                           : fmt::format("TrackML score:     {:.4f} (mean over events)\n", score);
  const TrackingPerformance& t = tracking_;
  const std::string selection = fmt::format("reco pT > {:g} GeV, |eta| < {:g}", tracking_config_.track_pt_min,
                                            tracking_config_.track_eta_max);
  const std::size_t selected_hits =
      std::max(tracking_config_.min_track_hits, tracking_config_.track_min_hits);
  for (std::size_t i = 0; i < t.pt_thresholds.size(); ++i) {
    const std::string label = fmt::format("efficiency pT>{:g}:", t.pt_thresholds[i]);
    out += fmt::format("{:<19}{}  [particles with >= {} hits, |eta| <= {:g}]\n", label,
                       format_ratio(t.efficiency[i]), tracking_config_.min_particle_hits,
                       tracking_config_.eta_max);
    out += fmt::format("  selected tracks: {}  [found by tracks with >= {} hits, {}]\n",
                       format_ratio(t.selected_efficiency[i]), selected_hits, selection);
  }
  out += fmt::format("fake rate:         {}  [tracks with >= {} hits]\n", format_ratio(t.fake_rate),
                     tracking_config_.min_track_hits);
  out += fmt::format("  selected tracks: {}  [tracks with >= {} hits, {}]\n",
                     format_ratio(t.selected_fake_rate), selected_hits, selection);
  out += fmt::format(
      "impure rate:       {}  [tracks with >= {} hits that no particle owns > 50% of; "
      "ATLAS-style fakes]\n",
      format_ratio(t.impure_rate), tracking_config_.min_track_hits);
  out += fmt::format("  selected tracks: {}  [tracks with >= {} hits, {}]\n",
                     format_ratio(t.selected_impure_rate), selected_hits, selection);
  out += fmt::format("duplicate rate:    {}  [pure tracks]\n", format_ratio(t.duplicate_rate));
  out += fmt::format("  selected tracks: {}  [pure tracks with >= {} hits, {}]\n",
                     format_ratio(t.selected_duplicate_rate), selected_hits, selection);
  out += fmt::format("tracks:            {} ({} shorter than {} hits), {} matched\n", t.n_tracks,
                     t.n_short_tracks, tracking_config_.min_track_hits, t.n_matched_tracks);
  bool header = false;
  for (const auto& b : t.resolution.summarise()) {
    if (b.eta.n == 0) continue;  // eta exists for every valid track (pT may be infinite)
    if (!header) {
      out += fmt::format(
          "resolution (matched tracks of particles with |eta| <= {:g} from within {:g} mm of the beam line; "
          "median / sigma68):\n",
          tracking_config_.eta_max, tracking_config_.resolution_max_vertex_r);
      header = true;
    }
    out += fmt::format(
        "  pT {:g}-{:g} GeV: n={} pT/pT_true-1 {:+.4f} / {:.4f}, phi {:+.5f} / {:.5f} rad, "
        "eta {:+.5f} / {:.5f}, z0 {:+.3f} / {:.3f} mm, charge wrong {}\n",
        b.pt_low, b.pt_high, b.pt_relative.n, b.pt_relative.median, b.pt_relative.sigma68, b.phi.median,
        b.phi.sigma68, b.eta.median, b.eta.sigma68, b.z0.median, b.z0.sigma68, format_ratio(b.charge_misid));
  }
  for (const EdgeMetrics& m : edges_) {
    out += fmt::format("edges {:<12} n={} efficiency {} purity {} same-particle purity {}\n", m.stage + ":",
                       m.n_edges, format_ratio(m.efficiency), format_ratio(m.purity),
                       format_ratio(m.same_particle_purity));
  }
  return out;
}

}  // namespace trkx::eval
