#include "trkx/pipeline/TrackStitching.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <numbers>
#include <numeric>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <tbb/blocked_range.h>
#include <tbb/enumerable_thread_specific.h>
#include <tbb/parallel_for.h>

#include "HelixFit.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/eval/TrackParameters.hpp"

namespace trkx {

namespace {

using detail::distances_from_origin;
using detail::helix_residuals;
using detail::HelixFit;
using detail::members_by_distance;
using detail::quick_xy_residual;

/// Hit recovery tries the full helix fit only when the algebraic circle's x-y residual is
/// below this many times the limit. The two fits differ little for a few hits on a track, so a
/// candidate failing the gate almost never passes the full fit (on the 4 tuning events the gate
/// changed one recovered hit). It was a speed gate; since the circle fit uses Newton's method
/// (~0.1 us) it saves no measurable time (track building 0.18 s with or without it), and it
/// stays because the limits were tuned with it (without: tuning events, one particle fewer
/// found, fake rate 0.0281 -> 0.0283).
constexpr double kQuickGate = 3.0;

/// Union-find over candidates (path halving).
std::int64_t find_root(std::vector<std::int64_t>& parent, std::int64_t a) {
  while (parent[static_cast<std::size_t>(a)] != a) {
    auto& p = parent[static_cast<std::size_t>(a)];
    p = parent[static_cast<std::size_t>(p)];
    a = p;
  }
  return a;
}

}  // namespace

TrackStitcher::TrackStitcher(Config config) : config_(config) {
  if (config_.end_hits == 0) throw Error("TrackStitcher: end_hits must be at least 1");
  if (config_.fit_hits < 2) throw Error("TrackStitcher: fit_hits must be at least 2");
  if (config_.passes == 0) throw Error("TrackStitcher: passes must be at least 1");
  if (config_.trim_max_hits > 0 && (config_.trim_fit_hits < 3 || !(config_.trim_max_xy_residual > 0.0) ||
                                    !(config_.trim_max_z_residual > 0.0))) {
    throw Error("TrackStitcher: end trimming needs trim_fit_hits >= 3 and positive residual limits");
  }
  if (!(config_.max_xy_residual > 0.0) || !(config_.max_z_residual > 0.0)) {
    throw Error("TrackStitcher: residual limits must be positive");
  }
  if (config_.max_gap > 0.0 && (!(config_.gap_max_xy_residual > 0.0) || !(config_.gap_max_z_residual > 0.0) ||
                                !(config_.gap_max_dphi >= 0.0) || !(config_.gap_max_dtheta >= 0.0))) {
    throw Error("TrackStitcher: gap links need positive residual limits and non-negative angle windows");
  }
}

std::vector<std::pair<std::int64_t, std::int64_t>> TrackStitcher::gap_pairs(
    const HitsView& hits, const std::vector<std::vector<std::int64_t>>& members,
    const std::vector<std::pair<std::int64_t, std::int64_t>>& edge_pairs) const {
  std::vector<std::pair<std::int64_t, std::int64_t>> out;
  if (!(config_.max_gap > 0.0)) return out;
  struct End {
    double phi;
    double theta;
    double distance;
  };
  const auto end_of = [&](std::int64_t h) {
    const auto i = static_cast<std::size_t>(h);
    const double r = std::hypot(hits.x[i], hits.y[i]);
    return End{std::atan2(hits.y[i], hits.x[i]), std::atan2(r, hits.z[i]), std::hypot(r, hits.z[i])};
  };
  const std::size_t n = members.size();
  std::vector<End> first(n);
  std::vector<End> last(n);
  std::vector<std::pair<double, std::int64_t>> by_phi;  // (azimuth of the first hit, candidate)
  const std::size_t min_hits = std::max<std::size_t>(2, config_.gap_min_hits);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 1024), [&](const auto& range) {
    for (std::size_t c = range.begin(); c != range.end(); ++c) {
      if (members[c].size() < min_hits) continue;
      first[c] = end_of(members[c].front());
      last[c] = end_of(members[c].back());
    }
  });
  for (std::size_t c = 0; c < n; ++c) {
    if (members[c].size() >= min_hits) by_phi.emplace_back(first[c].phi, static_cast<std::int64_t>(c));
  }
  std::sort(by_phi.begin(), by_phi.end());
  using Pairs = std::vector<std::pair<std::int64_t, std::int64_t>>;
  const auto scan = [&](std::size_t a, double lo, double hi, Pairs& found) {
    auto it = std::lower_bound(by_phi.begin(), by_phi.end(), std::make_pair(lo, std::int64_t{-1}));
    for (; it != by_phi.end() && it->first <= hi; ++it) {
      const auto b = static_cast<std::size_t>(it->second);
      if (b == a) continue;
      const double gap = first[b].distance - last[a].distance;
      if (!(gap > 0.0 && gap <= config_.max_gap)) continue;
      if (!(std::abs(first[b].theta - last[a].theta) <= config_.gap_max_dtheta)) continue;
      const std::pair<std::int64_t, std::int64_t> pair{static_cast<std::int64_t>(a),
                                                       static_cast<std::int64_t>(b)};
      if (!std::binary_search(edge_pairs.begin(), edge_pairs.end(), pair)) found.push_back(pair);
    }
  };
  // The candidates scanned by blocks in parallel, each block's pairs in candidate order, then
  // joined in block order: the same list, in the same order, as one scan of every candidate.
  constexpr double kTwoPi = 2.0 * std::numbers::pi;
  constexpr std::size_t kBlock = 512;
  std::vector<Pairs> blocks((n + kBlock - 1) / kBlock);
  tbb::parallel_for(std::size_t{0}, blocks.size(), [&](std::size_t blk) {
    for (std::size_t a = blk * kBlock, end = std::min(n, a + kBlock); a < end; ++a) {
      if (members[a].size() < min_hits) continue;
      const double lo = last[a].phi - config_.gap_max_dphi;
      const double hi = last[a].phi + config_.gap_max_dphi;
      scan(a, lo, hi, blocks[blk]);
      if (lo < -std::numbers::pi) scan(a, lo + kTwoPi, std::numbers::pi, blocks[blk]);
      if (hi > std::numbers::pi) scan(a, -std::numbers::pi, hi - kTwoPi, blocks[blk]);
    }
  });
  for (const Pairs& found : blocks) out.insert(out.end(), found.begin(), found.end());
  return out;
}

TrackStitcher::Candidates TrackStitcher::select_candidates(const EdgeList& edges, std::size_t n_hits) const {
  if (n_hits > std::numeric_limits<std::uint32_t>::max()) {
    throw Error("TrackStitcher: " + std::to_string(n_hits) + " hits; at most 2^32 - 1 are supported");
  }
  // Every pass reads only the candidate edges at or above min_score (links) or
  // recover_min_score (recovery): about half of them. Kept once, in their order, by
  // blocks in parallel (count, then fill); a block remembers its first bad edge.
  const bool scored = !edges.score.empty();
  const float floor =
      config_.recover_hits ? std::min(config_.min_score, config_.recover_min_score) : config_.min_score;
  const std::size_t n_edges = edges.size();
  constexpr std::size_t kBlock = 1 << 14;
  const std::size_t n_blocks = (n_edges + kBlock - 1) / kBlock;
  std::vector<std::size_t> count(n_blocks + 1, 0);
  std::vector<std::size_t> first_bad(n_blocks, n_edges);
  const auto keep = [&](std::size_t e) { return !scored || edges.score[e] >= floor; };
  tbb::parallel_for(std::size_t{0}, n_blocks, [&](std::size_t blk) {
    std::size_t kept = 0;
    for (std::size_t e = blk * kBlock, end = std::min(n_edges, e + kBlock); e < end; ++e) {
      const std::int64_t u = edges.src[e];
      const std::int64_t v = edges.dst[e];
      if (u < 0 || v < 0 || static_cast<std::size_t>(u) >= n_hits || static_cast<std::size_t>(v) >= n_hits) {
        first_bad[blk] = e;
        return;
      }
      kept += keep(e) ? 1 : 0;
    }
    count[blk + 1] = kept;
  });
  const auto bad = std::min_element(first_bad.begin(), first_bad.end());
  if (bad != first_bad.end() && *bad < n_edges) {
    const std::size_t e = *bad;
    throw Error("TrackStitcher: edge " + std::to_string(e) + " (" + std::to_string(edges.src[e]) + " -> " +
                std::to_string(edges.dst[e]) + ") refers to a hit outside [0, " + std::to_string(n_hits) +
                ")");
  }
  std::partial_sum(count.begin(), count.end(), count.begin());
  Candidates out;
  out.src.resize(count.back());
  out.dst.resize(count.back());
  if (scored) out.score.resize(count.back());
  tbb::parallel_for(std::size_t{0}, n_blocks, [&](std::size_t blk) {
    std::size_t k = count[blk];
    for (std::size_t e = blk * kBlock, end = std::min(n_edges, e + kBlock); e < end; ++e) {
      if (!keep(e)) continue;
      out.src[k] = static_cast<std::uint32_t>(edges.src[e]);
      out.dst[k] = static_cast<std::uint32_t>(edges.dst[e]);
      if (scored) out.score[k] = edges.score[e];
      ++k;
    }
  });
  return out;
}

std::vector<std::pair<std::int64_t, std::int64_t>> TrackStitcher::edge_pairs(
    const TrackLabels& labels, const std::vector<std::vector<std::int64_t>>& members,
    const Candidates& candidates) const {
  // One word per hit: (1 + its candidate) << 2, bit 0 set when the hit is one of the
  // candidate's last end_hits hits (an outer end), bit 1 when one of its first (an inner
  // end) and the candidate has two hits or more (a link needs the outer piece's second hit:
  // link_quality); 0 for a hit in no candidate. An edge then costs two loads.
  constexpr std::uint64_t kOuterEnd = 1;
  constexpr std::uint64_t kInnerEnd = 2;
  std::vector<std::uint64_t> code(labels.size(), 0);
  for (std::size_t a = 0; a < members.size(); ++a) {
    const auto& m = members[a];
    for (std::size_t k = 0; k < m.size(); ++k) {
      code[static_cast<std::size_t>(m[k])] = ((static_cast<std::uint64_t>(a) + 1) << 2) |
                                             (k + config_.end_hits >= m.size() ? kOuterEnd : 0) |
                                             (k < config_.end_hits && m.size() >= 2 ? kInnerEnd : 0);
    }
  }
  // Pairs as words (inner << 32 | outer; candidates < 2^32 as hits are): found by blocks of
  // edges in parallel, then sorted and made unique (many edges join the same two ends).
  const bool scored = !candidates.score.empty();
  using Words = std::vector<std::uint64_t>;
  tbb::enumerable_thread_specific<Words> found;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, candidates.size(), 1 << 12), [&](const auto& range) {
    Words& local = found.local();
    for (std::size_t e = range.begin(); e != range.end(); ++e) {
      if (scored && !(candidates.score[e] >= config_.min_score)) continue;
      const std::uint64_t cu = code[candidates.src[e]];
      const std::uint64_t cv = code[candidates.dst[e]];
      if ((cu >> 2) == (cv >> 2)) continue;  // same candidate, or both in none
      const std::uint64_t a = (cu >> 2) - 1;
      const std::uint64_t b = (cv >> 2) - 1;
      if ((cu & kOuterEnd) != 0 && (cv & kInnerEnd) != 0) local.push_back(a << 32 | b);
      if ((cv & kOuterEnd) != 0 && (cu & kInnerEnd) != 0) local.push_back(b << 32 | a);
    }
  });
  Words words;
  for (const Words& local : found) words.insert(words.end(), local.begin(), local.end());
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  std::vector<std::pair<std::int64_t, std::int64_t>> pairs(words.size());
  for (std::size_t i = 0; i < words.size(); ++i) {
    pairs[i] = {static_cast<std::int64_t>(words[i] >> 32), static_cast<std::int64_t>(words[i] & 0xFFFFFFFFU)};
  }
  return pairs;
}

TrackLabels TrackStitcher::stitch(const HitsView& hits, const TrackLabels& labels,
                                  const EdgeList& candidates) const {
  const std::size_t n_hits = hits.size();
  if (labels.size() != n_hits) {
    throw Error("TrackStitcher: " + std::to_string(labels.size()) + " labels for " + std::to_string(n_hits) +
                " hits");
  }
  if (candidates.src.size() != candidates.dst.size() ||
      (!candidates.score.empty() && candidates.score.size() != candidates.src.size())) {
    throw Error("TrackStitcher: candidate edges have " + std::to_string(candidates.src.size()) +
                " sources, " + std::to_string(candidates.dst.size()) + " targets and " +
                std::to_string(candidates.score.size()) + " scores");
  }
  const Candidates edges = select_candidates(candidates, n_hits);
  const std::vector<double> dist = distances_from_origin(hits);
  TrackLabels out = labels;
  if (config_.trim_max_hits > 0) trim_ends(hits, dist, out);
  for (std::size_t pass = 0; pass < config_.passes; ++pass) {
    TrackLabels next = stitch_once(hits, dist, out, edges);
    if (pass > 0 && next == out) break;
    out = std::move(next);
  }
  return out;
}

TrackLabels TrackStitcher::stitch_once(const HitsView& hits, const std::vector<double>& dist,
                                       const TrackLabels& labels, const Candidates& candidates) const {
  const std::size_t n_hits = hits.size();
  // Hits of each candidate, ordered by distance from the origin.
  const auto distance = [&](std::int64_t h) { return dist[static_cast<std::size_t>(h)]; };
  const std::vector<std::vector<std::int64_t>> members = members_by_distance(labels, dist);
  const auto n_tracks = static_cast<std::int64_t>(members.size());

  // Links: a candidate edge from one of the last end_hits hits of candidate A to one of the
  // first end_hits hits of candidate B, with B beyond A (its second hit farther out than A's
  // last), and a helix through the joint. Several edges may join the same two candidates: the
  // pairs are collected first and each is fitted once.
  const std::vector<std::pair<std::int64_t, std::int64_t>> pairs = edge_pairs(labels, members, candidates);
  const std::vector<std::pair<std::int64_t, std::int64_t>> gaps = gap_pairs(hits, members, pairs);

  struct Link {
    double quality;  // larger residual relative to its limit (smaller is better); gap links + 1
    std::int64_t inner;
    std::int64_t outer;
  };
  std::vector<Link> links;
  // The link quality of a pair (infinite: no link); pairs are fitted in parallel.
  const auto link_quality = [&](std::int64_t a, std::int64_t b, double max_xy, double max_z,
                                std::vector<std::int64_t>& fit_ids) {
    constexpr double kNoLink = std::numeric_limits<double>::infinity();
    const auto& inner = members[static_cast<std::size_t>(a)];
    const auto& outer = members[static_cast<std::size_t>(b)];
    if (outer.size() < 2 || !(distance(outer[1]) > distance(inner.back()))) return kNoLink;
    fit_ids.clear();
    const std::size_t from_inner = std::min(config_.fit_hits, inner.size());
    fit_ids.insert(fit_ids.end(), inner.end() - static_cast<std::ptrdiff_t>(from_inner), inner.end());
    const std::size_t from_outer = std::min(config_.fit_hits, outer.size());
    fit_ids.insert(fit_ids.end(), outer.begin(), outer.begin() + static_cast<std::ptrdiff_t>(from_outer));
    const auto [xy, dz, curvature] = helix_residuals(hits, fit_ids);
    if (eval::kPtPerTeslaMillimetre * config_.bz < config_.min_pt * curvature)
      return kNoLink;  // below min_pt
    const double quality = std::max(xy / max_xy, dz / max_z);
    return quality <= 1.0 ? quality : kNoLink;
  };
  const auto add_links = [&](const std::vector<std::pair<std::int64_t, std::int64_t>>& pieces, double max_xy,
                             double max_z, double rank) {
    std::vector<double> quality(pieces.size());
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, pieces.size(), 256),
                      [&](const tbb::blocked_range<std::size_t>& range) {
                        std::vector<std::int64_t> fit_ids;
                        for (std::size_t i = range.begin(); i != range.end(); ++i)
                          quality[i] =
                              link_quality(pieces[i].first, pieces[i].second, max_xy, max_z, fit_ids);
                      });
    for (std::size_t i = 0; i < pieces.size(); ++i) {
      if (std::isfinite(quality[i])) links.push_back({rank + quality[i], pieces[i].first, pieces[i].second});
    }
  };
  add_links(pairs, config_.max_xy_residual, config_.max_z_residual, 0.0);
  add_links(gaps, config_.gap_max_xy_residual, config_.gap_max_z_residual, 1.0);
  // Best links first; each end of a candidate once; never a cycle.
  std::sort(links.begin(), links.end(), [](const Link& l, const Link& r) {
    return std::tie(l.quality, l.inner, l.outer) < std::tie(r.quality, r.inner, r.outer);
  });
  std::vector<char> outer_end_used(static_cast<std::size_t>(n_tracks), 0);
  std::vector<char> inner_end_used(static_cast<std::size_t>(n_tracks), 0);
  std::vector<std::int64_t> parent(static_cast<std::size_t>(n_tracks));
  std::iota(parent.begin(), parent.end(), 0);
  for (const Link& l : links) {
    const auto i = static_cast<std::size_t>(l.inner);
    const auto o = static_cast<std::size_t>(l.outer);
    if (outer_end_used[i] != 0 || inner_end_used[o] != 0) continue;
    const std::int64_t ri = find_root(parent, l.inner);
    const std::int64_t ro = find_root(parent, l.outer);
    if (ri == ro) continue;
    outer_end_used[i] = 1;
    inner_end_used[o] = 1;
    parent[static_cast<std::size_t>(std::max(ri, ro))] = std::min(ri, ro);
  }
  // Relabel 0..k-1 in order of each stitched candidate's smallest hit index.
  TrackLabels out(n_hits, -1);
  std::vector<std::int64_t> new_label(static_cast<std::size_t>(n_tracks), -1);
  std::int64_t next = 0;
  for (std::size_t h = 0; h < n_hits; ++h) {
    if (labels[h] < 0) continue;
    const auto root = static_cast<std::size_t>(find_root(parent, labels[h]));
    if (new_label[root] < 0) new_label[root] = next++;
    out[h] = new_label[root];
  }
  if (config_.recover_hits) recover_hits(hits, dist, out, candidates);
  return out;
}

void TrackStitcher::trim_ends(const HitsView& hits, const std::vector<double>& dist,
                              TrackLabels& labels) const {
  const std::vector<std::vector<std::int64_t>> members = members_by_distance(labels, dist);
  const std::size_t fit = config_.trim_fit_hits;
  const std::size_t min_track = std::max(config_.trim_min_track_hits, fit + 2);
  // Whether a helix through the last fit + 1 hits of m passes the limits.
  const auto end_fits = [&](const std::vector<std::int64_t>& m, std::vector<std::int64_t>& ids) {
    ids.assign(m.end() - static_cast<std::ptrdiff_t>(fit + 1), m.end());
    const HelixFit f = helix_residuals(hits, ids);
    return f.xy <= config_.trim_max_xy_residual && f.z <= config_.trim_max_z_residual;
  };
  std::vector<std::vector<std::int64_t>> cut(members.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, members.size(), 64),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      std::vector<std::int64_t> ids;
                      std::vector<std::int64_t> m;
                      for (std::size_t t = range.begin(); t != range.end(); ++t) {
                        if (members[t].size() < min_track) continue;
                        m = members[t];
                        for (int side = 0; side < 2; ++side) {  // outer end, then inner end
                          for (std::size_t k = 0; k < config_.trim_max_hits && m.size() >= min_track; ++k) {
                            if (end_fits(m, ids)) break;
                            cut[t].push_back(m.back());
                            m.pop_back();
                          }
                          std::reverse(m.begin(), m.end());
                        }
                      }
                    });
  for (const auto& c : cut) {
    for (const std::int64_t h : c) labels[static_cast<std::size_t>(h)] = -1;
  }
}

void TrackStitcher::recover_hits(const HitsView& hits, const std::vector<double>& dist, TrackLabels& labels,
                                 const Candidates& candidates) const {
  const std::size_t n_hits = hits.size();
  const auto distance = [&](std::int64_t h) { return dist[static_cast<std::size_t>(h)]; };
  const std::vector<std::vector<std::int64_t>> members = members_by_distance(labels, dist);
  const std::size_t window = std::max<std::size_t>(2, config_.recover_fit_hits);
  const std::size_t min_track = std::max(window, config_.recover_min_track_hits);
  // The long track of every hit (-1: none); hits without one may move.
  std::vector<std::int64_t> long_label(n_hits, -1);
  for (std::size_t h = 0; h < n_hits; ++h) {
    if (labels[h] >= 0 && members[static_cast<std::size_t>(labels[h])].size() >= min_track)
      long_label[h] = labels[h];
  }
  // (hit, long track) candidates joined by a candidate edge, found by blocks of edges in
  // parallel (a word each: hit << 32 | track), then grouped by hit (a counting sort).
  using Found = std::vector<std::uint64_t>;
  tbb::enumerable_thread_specific<Found> found;
  const bool scored = !candidates.score.empty();
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, candidates.size(), 1 << 12), [&](const auto& range) {
    Found& local = found.local();
    for (std::size_t e = range.begin(); e != range.end(); ++e) {
      if (scored && !(candidates.score[e] >= config_.recover_min_score)) continue;
      const std::uint32_t u = candidates.src[e];
      const std::uint32_t v = candidates.dst[e];
      const std::int64_t lu = long_label[u];
      const std::int64_t lv = long_label[v];
      if (lu < 0 && lv >= 0) local.push_back(std::uint64_t{u} << 32 | static_cast<std::uint64_t>(lv));
      if (lv < 0 && lu >= 0) local.push_back(std::uint64_t{v} << 32 | static_cast<std::uint64_t>(lu));
    }
  });
  std::vector<std::size_t> offset(n_hits + 1, 0);
  for (const Found& local : found) {
    for (const std::uint64_t w : local) ++offset[(w >> 32) + 1];
  }
  for (std::size_t h = 0; h < n_hits; ++h) offset[h + 1] += offset[h];
  std::vector<std::int64_t> tracks_of(offset.back());
  {
    std::vector<std::size_t> fill(offset.begin(), offset.end() - 1);
    for (const Found& local : found) {
      for (const std::uint64_t w : local)
        tracks_of[fill[w >> 32]++] = static_cast<std::int64_t>(w & 0xFFFFFFFFU);
    }
  }
  std::vector<std::int64_t> movable;  // hits with at least one candidate track
  for (std::size_t h = 0; h < n_hits; ++h) {
    if (offset[h + 1] > offset[h]) movable.push_back(static_cast<std::int64_t>(h));
  }
  // The track (-1: none) whose helix the hit h fits best. `tracks` and `fit_ids`: scratch.
  const auto best_track_for = [&](std::int64_t h, std::vector<std::int64_t>& tracks,
                                  std::vector<std::int64_t>& fit_ids) {
    const auto hu = static_cast<std::size_t>(h);
    const double dh = distance(h);
    tracks.assign(tracks_of.begin() + static_cast<std::ptrdiff_t>(offset[hu]),
                  tracks_of.begin() + static_cast<std::ptrdiff_t>(offset[hu + 1]));
    std::sort(tracks.begin(), tracks.end());
    tracks.erase(std::unique(tracks.begin(), tracks.end()), tracks.end());
    double best = std::numeric_limits<double>::infinity();
    std::int64_t best_track = -1;
    for (const std::int64_t t : tracks) {
      const auto& m = members[static_cast<std::size_t>(t)];
      // A particle crosses a module once: no second hit on a module the track already has.
      if (detail::on_a_module_of(hits, m, hu)) continue;
      // The `window` track hits nearest to h in distance from the origin, plus h in its place.
      const auto pos = static_cast<std::size_t>(
          std::lower_bound(m.begin(), m.end(), dh,
                           [&](std::int64_t k, double d) { return distance(k) < d; }) -
          m.begin());
      std::size_t lo = pos >= window ? pos - window : 0;
      std::size_t hi = std::min(m.size(), pos + window);
      while (hi - lo > window) {
        if (dh - distance(m[lo]) > distance(m[hi - 1]) - dh) {
          ++lo;
        } else {
          --hi;
        }
      }
      fit_ids.assign(m.begin() + static_cast<std::ptrdiff_t>(lo),
                     m.begin() + static_cast<std::ptrdiff_t>(hi));
      fit_ids.insert(fit_ids.begin() + static_cast<std::ptrdiff_t>(pos - lo), h);
      if (quick_xy_residual(hits, fit_ids) > kQuickGate * config_.recover_max_xy_residual) continue;
      const auto [xy, dz, curvature] = helix_residuals(hits, fit_ids);
      if (eval::kPtPerTeslaMillimetre * config_.bz < config_.min_pt * curvature) continue;
      const double quality =
          std::max(xy / config_.recover_max_xy_residual, dz / config_.recover_max_z_residual);
      if (quality <= 1.0 && quality < best) {
        best = quality;
        best_track = t;
      }
    }
    return best_track;
  };
  // Decided for every hit on the labels as they were: the result depends neither on the order
  // of the hits nor on the threads.
  std::vector<std::int64_t> best_track(movable.size(), -1);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, movable.size(), 256),
                    [&](const tbb::blocked_range<std::size_t>& range) {
                      std::vector<std::int64_t> tracks;
                      std::vector<std::int64_t> fit_ids;
                      for (std::size_t g = range.begin(); g != range.end(); ++g)
                        best_track[g] = best_track_for(movable[g], tracks, fit_ids);
                    });
  for (std::size_t g = 0; g < best_track.size(); ++g) {
    if (best_track[g] >= 0) labels[static_cast<std::size_t>(movable[g])] = best_track[g];
  }
}

}  // namespace trkx
