#include "trkx/eval/ScoreBreakdown.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "trkx/core/Error.hpp"
#include "trkx/eval/TrackingPerformance.hpp"

namespace trkx::eval {
namespace {

/// The histograms of a breakdown, in the order empty_result() makes them.
enum Histogram : std::size_t { kPt, kAbsEta, kHits, kVertexR };

void check_bins(const std::vector<double>& low, const char* name) {
  if (low.empty()) throw Error(fmt::format("ScoreBreakdownEvaluator: {} has no bins", name));
  for (std::size_t i = 0; i < low.size(); ++i) {
    if (!std::isfinite(low[i]) || (i > 0 && low[i] <= low[i - 1])) {
      throw Error(fmt::format("ScoreBreakdownEvaluator: {} must be finite and strictly increasing", name));
    }
  }
}

/// Bin of x (values below the first edge go to the first bin, NaN to none).
std::size_t bin_of(const std::vector<double>& low, double x) {
  const auto it = std::upper_bound(low.begin(), low.end(), x);
  return it == low.begin() ? 0 : static_cast<std::size_t>(it - low.begin()) - 1;
}

void add(ScoreShare& bin, const ParticleScore& p) {
  bin.weight += p.weight;
  bin.found_weight += p.found_weight;
  ++bin.particles;
  if (p.found) {
    ++bin.particles_found;
    bin.matched_weight += p.weight;
  }
}

void add(ScoreShare& sum, const ScoreShare& other) {
  sum.weight += other.weight;
  sum.found_weight += other.found_weight;
  sum.matched_weight += other.matched_weight;
  sum.particles += other.particles;
  sum.particles_found += other.particles_found;
}

void fill(ScoreHistogram& h, double x, const ParticleScore& p) {
  if (!std::isnan(x)) add(h.bins[bin_of(h.low, x)], p);
}

std::string format_low(double low, const std::string& unit) {
  return unit.empty() ? fmt::format("{:g}", low) : fmt::format("{:g} {}", low, unit);
}

}  // namespace

void ScoreBreakdown::merge(const ScoreBreakdown& other) {
  if (other.histograms.size() != histograms.size())
    throw Error("cannot merge score breakdowns with other bins");
  for (std::size_t k = 0; k < histograms.size(); ++k) {
    ScoreHistogram& h = histograms[k];
    const ScoreHistogram& o = other.histograms[k];
    if (o.variable != h.variable || o.low != h.low)
      throw Error("cannot merge score breakdowns with other bins");
    for (std::size_t i = 0; i < h.bins.size(); ++i) add(h.bins[i], o.bins[i]);
  }
  total_weight += other.total_weight;
  n_events += other.n_events;
  add(unlisted, other.unlisted);
}

std::string ScoreBreakdown::summary() const {
  if (!(total_weight > 0.0)) return {};
  const auto format_row = [&](const std::string& label, const ScoreShare& b) {
    return fmt::format("    {:<14} {:8.4f} {:8.4f} {:8.4f} {:9.4f} {:9.4f} {:>7}/{:<7}\n", label,
                       b.weight / total_weight, b.found_weight / total_weight,
                       (b.weight - b.found_weight) / total_weight,
                       (b.weight - b.matched_weight) / total_weight,
                       (b.matched_weight - b.found_weight) / total_weight, b.particles_found, b.particles);
  };
  std::string out =
      "TrackML score weight by particle class (shares of all weight; found = in good tracks; lost = on\n"
      "particles without a good track + on hits missing from good tracks; particles with a good track):\n";
  for (const ScoreHistogram& h : histograms) {
    out += fmt::format("  {:<16} {:>8} {:>8} {:>8} {:>9} {:>9} {:>15}\n", h.variable, "weight", "found",
                       "lost", "no track", "missing", "particles");
    for (std::size_t i = 0; i < h.bins.size(); ++i) {
      const std::string range = i + 1 < h.low.size()
                                    ? fmt::format("{:g}-{}", h.low[i], format_low(h.low[i + 1], h.unit))
                                    : ">= " + format_low(h.low[i], h.unit);
      out += format_row(range, h.bins[i]);
    }
  }
  if (unlisted.particles > 0) out += format_row("not in particles table", unlisted);
  return out;
}

ScoreBreakdownEvaluator::ScoreBreakdownEvaluator(Config config) : config_(std::move(config)) {
  check_bins(config_.pt_low, "pt_low");
  check_bins(config_.abs_eta_low, "abs_eta_low");
  check_bins(config_.n_hits_low, "n_hits_low");
  check_bins(config_.vertex_r_low, "vertex_r_low");
}

ScoreBreakdown ScoreBreakdownEvaluator::empty_result() const {
  ScoreBreakdown result;
  const auto histogram = [&](const char* variable, const char* unit, const std::vector<double>& low) {
    result.histograms.push_back({variable, unit, low, std::vector<ScoreShare>(low.size())});
  };
  histogram("pt", "GeV", config_.pt_low);
  histogram("abs_eta", "", config_.abs_eta_low);
  histogram("n_hits", "", config_.n_hits_low);
  histogram("vertex_r", "mm", config_.vertex_r_low);
  return result;
}

ScoreBreakdown ScoreBreakdownEvaluator::evaluate(const Event& event, double total_weight,
                                                 const std::vector<ParticleScore>& particles) const {
  ScoreBreakdown result = empty_result();
  result.total_weight = total_weight;
  result.n_events = 1;
  // Both lists are sorted by particle id and hold the particles with truth hits.
  const std::vector<ParticleInfo> infos = TrackingEvaluator::particle_infos(event);
  std::size_t k = 0;
  for (const ParticleScore& p : particles) {
    while (k < infos.size() && infos[k].particle_id < p.particle_id) ++k;
    if (k == infos.size() || infos[k].particle_id != p.particle_id) continue;  // no truth hit: cannot happen
    const ParticleInfo& info = infos[k];
    if (!info.listed) {
      add(result.unlisted, p);
      continue;
    }
    fill(result.histograms[kPt], info.pt, p);
    fill(result.histograms[kAbsEta], std::abs(info.eta), p);
    fill(result.histograms[kHits], static_cast<double>(info.n_hits), p);
    fill(result.histograms[kVertexR], info.vertex_r, p);
  }
  return result;
}

}  // namespace trkx::eval
