#include "trkx/pipeline/TrackExtension.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include "HelixFit.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/eval/TrackParameters.hpp"

namespace trkx {

namespace {

constexpr double kTwoPi = 2.0 * std::numbers::pi;

/// Bins of the search grid over the free hits' directions from the origin.
constexpr std::size_t kPhiBins = 256;
constexpr std::size_t kThetaBins = 128;

/// A candidate is fitted only when it lies within this many times max_xy_residual of the
/// circle through the track's end hits and within this many times max_z_residual of their
/// z(turning angle) line (cheap tests that reject almost every free hit).
constexpr double kGate = 3.0;

/// The search window follows the helix from a track's end in steps of this fraction of the
/// distance from the origin (at least kSweepMinPath [mm], at most kSweepMaxSteps steps) ...
constexpr double kSweepFraction = 0.05;
constexpr double kSweepMinPath = 5.0;
constexpr int kSweepMaxSteps = 256;
/// ... widened by this angle [rad] (and by the step size and the gates, seen from the origin),
/// and ends where the helix leaves the volume of the event's hits widened by kDetectorMargin [mm].
constexpr double kSweepMargin = 0.02;
constexpr double kDetectorMargin = 20.0;

std::size_t phi_bin(double phi) {
  const double u = (phi + std::numbers::pi) / kTwoPi;
  return std::min(kPhiBins - 1, static_cast<std::size_t>(std::max(0.0, u) * kPhiBins));
}

std::size_t theta_bin(double theta) {
  const double u = theta / std::numbers::pi;
  return std::min(kThetaBins - 1, static_cast<std::size_t>(std::max(0.0, u) * kThetaBins));
}

/// Azimuth difference wrapped to [-pi, pi].
double delta_phi(double a, double b) {
  double d = a - b;
  if (d > std::numbers::pi) d -= kTwoPi;
  if (d < -std::numbers::pi) d += kTwoPi;
  return d;
}

}  // namespace

TrackExtender::TrackExtender(Config config) : config_(config) {
  if (config_.fit_hits < 2) throw Error("TrackExtender: fit_hits must be at least 2");
  if (!(config_.max_xy_residual > 0.0) || !(config_.max_z_residual > 0.0)) {
    throw Error("TrackExtender: residual limits must be positive");
  }
  if (!(config_.max_step > 0.0) || !(config_.window_dphi >= 0.0) || !(config_.window_dtheta >= 0.0)) {
    throw Error("TrackExtender: max_step must be positive and the windows non-negative");
  }
}

TrackLabels TrackExtender::extend(const HitsView& hits, const TrackLabels& labels) const {
  const std::size_t n_hits = hits.size();
  if (labels.size() != n_hits) {
    throw Error("TrackExtender: " + std::to_string(labels.size()) + " labels for " + std::to_string(n_hits) +
                " hits");
  }
  const std::vector<double> dist = detail::distances_from_origin(hits);
  std::vector<std::vector<std::int64_t>> members = detail::members_by_distance(labels, dist);
  const std::size_t min_track = std::max(config_.min_track_hits, config_.fit_hits);

  // Free hits (in no track or in a short one) on a grid of their directions from the origin,
  // stored cell by cell so that a search reads memory in order.
  struct Slot {
    float d;    // distance from the origin [mm]
    float phi;  // azimuth and polar angle of the position [rad]
    float theta;
    float x, y, z;
    std::int64_t hit;
  };
  const auto angles = [&](std::size_t h) {
    return std::pair{std::atan2(hits.y[h], hits.x[h]),
                     std::atan2(std::hypot(hits.x[h], hits.y[h]), hits.z[h])};
  };
  const auto cell_of = [](double phi, double theta) { return phi_bin(phi) * kThetaBins + theta_bin(theta); };
  std::vector<std::size_t> offset(kPhiBins * kThetaBins + 1, 0);
  std::vector<std::size_t> free_cell(n_hits, offset.size());  // cell of each free hit
  for (std::size_t h = 0; h < n_hits; ++h) {
    if (labels[h] >= 0 && members[static_cast<std::size_t>(labels[h])].size() >= min_track) continue;
    const auto [phi, theta] = angles(h);
    free_cell[h] = cell_of(phi, theta);
    ++offset[free_cell[h] + 1];
  }
  for (std::size_t c = 0; c + 1 < offset.size(); ++c) offset[c + 1] += offset[c];
  std::vector<Slot> grid(offset.back());
  {
    std::vector<std::size_t> fill(offset.begin(), offset.end() - 1);
    for (std::size_t h = 0; h < n_hits; ++h) {
      if (free_cell[h] == offset.size()) continue;
      const auto [phi, theta] = angles(h);
      grid[fill[free_cell[h]]++] = {static_cast<float>(dist[h]),
                                    static_cast<float>(phi),
                                    static_cast<float>(theta),
                                    hits.x[h],
                                    hits.y[h],
                                    hits.z[h],
                                    static_cast<std::int64_t>(h)};
    }
    // Each cell ordered by distance from the origin: a search reads only the distances it needs.
    for (std::size_t c = 0; c + 1 < offset.size(); ++c) {
      std::sort(grid.begin() + static_cast<std::ptrdiff_t>(offset[c]),
                grid.begin() + static_cast<std::ptrdiff_t>(offset[c + 1]),
                [](const Slot& a, const Slot& b) { return a.d < b.d || (a.d == b.d && a.hit < b.hit); });
    }
  }

  // The detector's extent (all hits, plus a margin): a helix leaving it finds no hits.
  double r_min = std::numeric_limits<double>::infinity();
  double r_max = 0.0;
  double z_max = 0.0;
  for (std::size_t h = 0; h < n_hits; ++h) {
    const double r = std::hypot(hits.x[h], hits.y[h]);
    r_min = std::min(r_min, r);
    r_max = std::max(r_max, r);
    z_max = std::max(z_max, static_cast<double>(std::abs(hits.z[h])));
  }
  r_min -= kDetectorMargin;
  r_max += kDetectorMargin;
  z_max += kDetectorMargin;

  // Long tracks, longest first.
  std::vector<std::int64_t> order;
  for (std::size_t t = 0; t < members.size(); ++t) {
    if (members[t].size() >= min_track) order.push_back(static_cast<std::int64_t>(t));
  }
  std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) {
    return members[static_cast<std::size_t>(a)].size() > members[static_cast<std::size_t>(b)].size();
  });

  constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();
  // The grid slots track t takes, in order, when the slots marked in `taken` are gone.
  const auto follow = [&](std::int64_t t, const std::vector<char>& taken) {
    std::vector<std::int64_t> m = members[static_cast<std::size_t>(t)];
    std::vector<std::size_t> took;
    std::vector<std::int64_t> fit_ids;
    std::vector<double> wx;
    std::vector<double> wy;
    const auto is_taken = [&](std::size_t k) {
      return taken[k] != 0 || std::find(took.begin(), took.end(), k) != took.end();
    };
    for (const bool outwards : {true, false}) {
      if (!outwards && !config_.inwards) break;
      while (true) {
        // The helix through the track's fit_hits hits at this end.
        const std::size_t w = std::min(config_.fit_hits, m.size());
        const auto window_begin = outwards ? m.end() - static_cast<std::ptrdiff_t>(w) : m.begin();
        const auto end = static_cast<std::size_t>(outwards ? m.back() : m.front());
        wx.clear();
        wy.clear();
        for (auto it = window_begin; it != window_begin + static_cast<std::ptrdiff_t>(w); ++it) {
          wx.push_back(hits.x[static_cast<std::size_t>(*it)]);
          wy.push_back(hits.y[static_cast<std::size_t>(*it)]);
        }
        const eval::CircleFit circle = eval::fit_circle(wx, wy);
        const bool gate = circle.valid && circle.curvature > 0.0;
        // z is linear in the turning angle on the circle: z = z_at_end + dz_dturn * (turn from the end hit).
        double z_at_end = 0.0;
        double dz_dturn = 0.0;
        const double end_angle = gate ? std::atan2(hits.y[end] - circle.y0, hits.x[end] - circle.x0) : 0.0;
        const auto turn_of = [&](std::size_t h) {
          return delta_phi(std::atan2(hits.y[h] - circle.y0, hits.x[h] - circle.x0), end_angle);
        };
        if (gate) {
          double st = 0.0, sz = 0.0, stt = 0.0, stz = 0.0;
          for (auto it = window_begin; it != window_begin + static_cast<std::ptrdiff_t>(w); ++it) {
            const auto k = static_cast<std::size_t>(*it);
            const double a = turn_of(k);
            st += a;
            sz += hits.z[k];
            stt += a * a;
            stz += a * hits.z[k];
          }
          const double nw = static_cast<double>(w);
          const double var = stt - st * st / nw;
          dz_dturn = var > 0.0 ? (stz - st * sz / nw) / var : 0.0;
          z_at_end = (sz - dz_dturn * st) / nw;
        }
        // The nearest free hit beyond the end that the helix fits (ties: the better fit).
        std::size_t best = kNone;
        double best_step = std::numeric_limits<double>::infinity();
        double best_quality = std::numeric_limits<double>::infinity();
        const auto [end_phi, end_theta] = angles(end);
        // Search window (azimuth relative to the end hit, polar angle), both seen from the origin: the
        // configured windows or, with a fitted helix, the angles the helix itself sweeps from the end
        // hit up to max_step (plus a margin), whichever is narrower.
        double phi_lo = -config_.window_dphi;
        double phi_hi = config_.window_dphi;
        double theta_lo = end_theta - config_.window_dtheta;
        double theta_hi = end_theta + config_.window_dtheta;
        if (gate) {
          const double ex = hits.x[end];
          const double ey = hits.y[end];
          // Direction of motion on the circle: away from the origin when outwards.
          const double tx = -(ey - circle.y0);  // tangent for increasing angle around the centre
          const double ty = ex - circle.x0;
          const double sense = (tx * ex + ty * ey > 0.0) == outwards ? 1.0 : -1.0;
          const double radius = circle.radius();
          const double path_per_turn = std::hypot(radius, dz_dturn);  // [mm per rad]
          double p_lo = 0.0, p_hi = 0.0, t_min = end_theta, t_max = end_theta;
          double turn = 0.0;
          double previous_d = dist[end];
          for (int k = 0; k < kSweepMaxSteps && turn < std::numbers::pi; ++k) {
            // steps of a fixed fraction of the distance from the origin: a fixed angular resolution
            const double path = std::max(kSweepMinPath, kSweepFraction * previous_d);
            turn += path / path_per_turn;
            const double px = circle.x0 + radius * std::cos(end_angle + sense * turn);
            const double py = circle.y0 + radius * std::sin(end_angle + sense * turn);
            const double pz = z_at_end + dz_dturn * sense * turn;
            const double pr = std::hypot(px, py);
            if (pr > r_max || pr < r_min || std::abs(pz) > z_max) break;  // left the detector: no hits there
            const double pd = std::hypot(pr, pz);
            // the step's angular size seen from the origin, plus the gates' tolerance
            const double slack = kSweepMargin + (path + kGate * config_.max_z_residual) /
                                                    std::max(1.0, std::min(pd, previous_d));
            previous_d = pd;
            const double dp = delta_phi(std::atan2(py, px), end_phi);
            const double th = std::atan2(pr, pz);
            p_lo = std::min(p_lo, dp - slack);
            p_hi = std::max(p_hi, dp + slack);
            t_min = std::min(t_min, th - slack);
            t_max = std::max(t_max, th + slack);
            if ((outwards ? pd - dist[end] : dist[end] - pd) > config_.max_step) break;
          }
          phi_lo = std::max(phi_lo, p_lo);
          phi_hi = std::min(phi_hi, p_hi);
          theta_lo = std::max(theta_lo, t_min);
          theta_hi = std::min(theta_hi, t_max);
        }
        const auto consider = [&](std::size_t k) {
          const Slot& slot = grid[k];
          if (is_taken(k)) return;
          const double step = outwards ? slot.d - dist[end] : dist[end] - slot.d;
          if (!(step > 0.0 && step <= config_.max_step) || step > best_step) return;
          if (!(slot.theta >= theta_lo && slot.theta <= theta_hi)) return;
          const double dphi = delta_phi(slot.phi, end_phi);
          if (!(dphi >= phi_lo && dphi <= phi_hi)) return;
          if (gate) {
            const double dx = slot.x - circle.x0;
            const double dy = slot.y - circle.y0;
            if (!(std::abs(std::sqrt(dx * dx + dy * dy) - circle.radius()) <=
                  kGate * config_.max_xy_residual))
              return;
            const double turn = delta_phi(std::atan2(dy, dx), end_angle);
            if (!(std::abs(slot.z - z_at_end - dz_dturn * turn) <= kGate * config_.max_z_residual)) return;
          }
          const auto h = static_cast<std::size_t>(slot.hit);
          if (detail::on_a_module_of(hits, m, h)) return;
          fit_ids.assign(window_begin, window_begin + static_cast<std::ptrdiff_t>(w));
          if (outwards) {
            fit_ids.push_back(slot.hit);
          } else {
            fit_ids.insert(fit_ids.begin(), slot.hit);
          }
          const auto [xy, dz, curvature] = detail::helix_residuals(hits, fit_ids);
          const double quality = std::max(xy / config_.max_xy_residual, dz / config_.max_z_residual);
          if (!(quality <= 1.0)) return;
          if (step < best_step || quality < best_quality) {
            best = k;
            best_step = step;
            best_quality = quality;
          }
        };
        const std::size_t t_lo = theta_bin(std::max(0.0, theta_lo));
        const std::size_t t_hi = theta_bin(std::min(std::numbers::pi, theta_hi));
        const auto n_phi = static_cast<std::ptrdiff_t>(kPhiBins);
        const auto p_end = static_cast<std::ptrdiff_t>(phi_bin(end_phi));
        const auto bins = [&](double angle) {
          return std::clamp<std::ptrdiff_t>(
              static_cast<std::ptrdiff_t>(std::ceil(angle / (kTwoPi / kPhiBins))) + 1, -n_phi / 2, n_phi / 2);
        };
        // In each cell, from the end outwards (inwards) in distance, until past max_step or the best so far.
        const double d_end = dist[end];
        const auto by_d = [](const Slot& slot, double d) { return slot.d < d; };
        for (std::ptrdiff_t dp = -bins(-phi_lo); dp <= bins(phi_hi); ++dp) {
          const auto p = static_cast<std::size_t>(((p_end + dp) % n_phi + n_phi) % n_phi);
          for (std::size_t tb = t_lo; tb <= t_hi; ++tb) {
            const auto first = grid.begin() + static_cast<std::ptrdiff_t>(offset[p * kThetaBins + tb]);
            const auto last = grid.begin() + static_cast<std::ptrdiff_t>(offset[p * kThetaBins + tb + 1]);
            if (first == last) continue;
            const auto at_end = std::lower_bound(first, last, d_end, by_d);
            if (outwards) {
              for (auto it = at_end; it != last && it->d - d_end <= std::min(best_step, config_.max_step);
                   ++it)
                consider(static_cast<std::size_t>(it - grid.begin()));
            } else {
              for (auto it = at_end;
                   it != first && d_end - (it - 1)->d <= std::min(best_step, config_.max_step); --it)
                consider(static_cast<std::size_t>(it - 1 - grid.begin()));
            }
          }
        }
        if (best == kNone) break;
        took.push_back(best);
        if (outwards) {
          m.push_back(grid[best].hit);
        } else {
          m.insert(m.begin(), grid[best].hit);
        }
      }
    }
    return took;
  };

  // Every track follows its helix on the initial free hits (in parallel); then, longest track
  // first, a track keeps what it found unless an earlier track took one of those hits, in which
  // case it follows again on what is left. The result is what following the tracks one after
  // the other gives (a track's choices stay the best when hits it did not choose are gone), and
  // it does not depend on the threads.
  std::vector<char> taken(grid.size(), 0);
  std::vector<std::vector<std::size_t>> found(order.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, order.size(), 64),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      for (std::size_t i = range.begin(); i != range.end(); ++i)
                        found[i] = follow(order[i], taken);
                    });
  TrackLabels out = labels;
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (std::any_of(found[i].begin(), found[i].end(), [&](std::size_t k) { return taken[k] != 0; }))
      found[i] = follow(order[i], taken);
    for (const std::size_t k : found[i]) {
      taken[k] = 1;
      out[static_cast<std::size_t>(grid[k].hit)] = order[i];
    }
  }
  return out;
}

}  // namespace trkx
