#include "trkx/pipeline/TrackBuilding.hpp"

#include <tbb/enumerable_thread_specific.h>
#include <tbb/global_control.h>
#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <limits>
#include <queue>
#include <string>
#include <utility>
#include <vector>

#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

using Index = std::int32_t;

/// Below this many edges the union-find runs on the calling thread.
constexpr std::size_t kParallelEdges = 16384;

void check_edges(std::size_t n_nodes, const EdgeList& edges, bool need_scores, const char* who) {
  if (edges.dst.size() != edges.src.size()) {
    throw Error(std::string(who) + ": edge list has " + std::to_string(edges.src.size()) + " src but " +
                std::to_string(edges.dst.size()) + " dst entries");
  }
  if (need_scores && edges.score.size() != edges.src.size()) {
    throw Error(std::string(who) + ": expected one score per edge (" + std::to_string(edges.src.size()) +
                "), found " + std::to_string(edges.score.size()));
  }
  if (n_nodes >= static_cast<std::size_t>(std::numeric_limits<Index>::max())) {
    throw Error(std::string(who) + ": too many hits (" + std::to_string(n_nodes) + ")");
  }
  const auto n = static_cast<std::int64_t>(n_nodes);
  for (std::size_t e = 0; e < edges.src.size(); ++e) {
    if (edges.src[e] < 0 || edges.src[e] >= n || edges.dst[e] < 0 || edges.dst[e] >= n) {
      throw Error(std::string(who) + ": edge " + std::to_string(e) + " (" + std::to_string(edges.src[e]) +
                  " -> " + std::to_string(edges.dst[e]) + ") refers to a hit outside [0, " +
                  std::to_string(n_nodes) + ")");
    }
    if (need_scores && std::isnan(edges.score[e])) {
      throw Error(std::string(who) + ": edge " + std::to_string(e) + " has a NaN score");
    }
  }
}

/// Lock-free union-find: a root is always the smallest node of its set, so
/// parents only ever decrease and concurrent linking/halving stays a forest.
class UnionFind {
 public:
  explicit UnionFind(std::size_t n) : parent_(n) {
    for (std::size_t i = 0; i < n; ++i) parent_[i] = static_cast<Index>(i);
  }

  Index find(Index x) {
    while (true) {
      const Index p = load(x);
      if (p == x) return x;
      const Index gp = load(p);
      // Path halving. x is no root, so only other halvings write parent[x],
      // and all of them write an ancestor of x: a plain atomic store is safe.
      if (gp != p)
        std::atomic_ref<Index>(parent_[static_cast<std::size_t>(x)]).store(gp, std::memory_order_relaxed);
      x = gp;
    }
  }

  void unite(Index a, Index b) {
    while (true) {
      a = find(a);
      b = find(b);
      if (a == b) return;
      if (a < b) std::swap(a, b);  // link the larger root below the smaller one
      Index expected = a;
      if (std::atomic_ref<Index>(parent_[static_cast<std::size_t>(a)])
              .compare_exchange_strong(expected, b, std::memory_order_relaxed)) {
        return;
      }
    }
  }

  /// Single-threaded union (Rem's algorithm with splicing, plain memory
  /// accesses); keeps the same invariant parent[v] <= v, so it may be mixed
  /// with unite() as long as no other thread runs.
  void unite_serial(Index x, Index y) {
    Index* parent = parent_.data();
    while (parent[x] != parent[y]) {
      if (parent[x] > parent[y]) std::swap(x, y);
      const Index next = parent[y];
      parent[y] = parent[x];
      if (next == y) return;  // y was a root: linked below x's parent
      y = next;
    }
  }

  /// Root (smallest node) of every node; call after all unions have finished.
  std::vector<Index> roots() {
    const std::size_t n = parent_.size();
    std::vector<Index> out(n);
    // Roots are smaller than their members, so one ascending pass suffices.
    for (std::size_t i = 0; i < n; ++i) {
      const Index p = parent_[i];
      out[i] = p == static_cast<Index>(i) ? p : out[static_cast<std::size_t>(p)];
    }
    return out;
  }

 private:
  Index load(Index x) {
    return std::atomic_ref<Index>(parent_[static_cast<std::size_t>(x)]).load(std::memory_order_relaxed);
  }
  std::vector<Index> parent_;
};

/// Component root (smallest node) of every node over the edges for which
/// `keep(e)` is true; unions run in parallel for large edge lists.
template <typename Keep>
std::vector<Index> component_roots(std::size_t n_nodes, const EdgeList& edges, Keep keep) {
  UnionFind uf(n_nodes);
  const bool serial = edges.size() < kParallelEdges || tbb::this_task_arena::max_concurrency() == 1 ||
                      tbb::global_control::active_value(tbb::global_control::max_allowed_parallelism) == 1;
  if (serial) {
    for (std::size_t e = 0; e < edges.size(); ++e) {
      if (keep(e)) uf.unite_serial(static_cast<Index>(edges.src[e]), static_cast<Index>(edges.dst[e]));
    }
  } else {
    auto run = [&](std::size_t first, std::size_t last) {
      for (std::size_t e = first; e < last; ++e) {
        if (keep(e)) uf.unite(static_cast<Index>(edges.src[e]), static_cast<Index>(edges.dst[e]));
      }
    };
    tbb::parallel_for(tbb::blocked_range<std::size_t>(0, edges.size(), 4096),
                      [&](const auto& range) { run(range.begin(), range.end()); });
  }
  return uf.roots();
}

/// Final labels from a group id per node (-1: none): groups with fewer than
/// `min_hits` members get -1, the others 0..k-1 in order of their smallest
/// node. `group` values must be node indices (e.g. the group's root).
TrackLabels label_groups(const std::vector<Index>& group, std::size_t min_hits) {
  const std::size_t n = group.size();
  std::vector<Index> size(n, 0);
  for (const Index g : group) {
    if (g >= 0) ++size[static_cast<std::size_t>(g)];
  }
  std::vector<std::int64_t> label_of(n, -1);
  TrackLabels labels(n, -1);
  std::int64_t next = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Index g = group[i];
    if (g < 0 || static_cast<std::size_t>(size[static_cast<std::size_t>(g)]) < min_hits) continue;
    std::int64_t& label = label_of[static_cast<std::size_t>(g)];
    if (label < 0) label = next++;
    labels[i] = label;
  }
  return labels;
}

/// Lets every unlabelled hit join the track with the most distinct hits it
/// shares edges passing `kept` with (at least `min_hits`; ties: smaller
/// label), then renumbers the labels in order of each track's smallest hit.
template <typename Kept>
void attach_leftovers(TrackLabels& labels, const EdgeList& edges, Kept kept, std::size_t min_hits) {
  struct Link {
    Index hit;           // leftover hit
    std::int64_t label;  // track of its neighbour
    Index neighbour;     // the neighbour hit
    auto operator<=>(const Link&) const = default;
  };
  std::vector<Link> links;
  for (std::size_t e = 0; e < edges.size(); ++e) {
    if (!kept(e)) continue;
    const auto a = static_cast<std::size_t>(edges.src[e]);
    const auto b = static_cast<std::size_t>(edges.dst[e]);
    if (labels[a] < 0 && labels[b] >= 0)
      links.push_back({static_cast<Index>(a), labels[b], static_cast<Index>(b)});
    if (labels[b] < 0 && labels[a] >= 0)
      links.push_back({static_cast<Index>(b), labels[a], static_cast<Index>(a)});
  }
  if (links.empty()) return;
  std::sort(links.begin(), links.end());
  links.erase(std::unique(links.begin(), links.end()),
              links.end());  // an edge in both directions counts once
  std::vector<Index> group(labels.size(), -1);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= 0) group[i] = static_cast<Index>(labels[i]);
  }
  for (std::size_t k = 0; k < links.size();) {
    const Index hit = links[k].hit;
    std::int64_t best_label = -1;
    std::size_t best_count = 0;
    while (k < links.size() && links[k].hit == hit) {
      std::size_t run = k;
      while (run < links.size() && links[run].hit == hit && links[run].label == links[k].label) ++run;
      if (run - k > best_count) {  // labels ascend within a hit: ties keep the smaller
        best_count = run - k;
        best_label = links[k].label;
      }
      k = run;
    }
    if (best_count >= min_hits) group[static_cast<std::size_t>(hit)] = static_cast<Index>(best_label);
  }
  // The group values are old labels (all < n); label_groups only needs equal values per
  // track and gives the documented numbering.
  labels = label_groups(group, 0);
}

/// Compressed rows of the walk graph: out-edges of each node sorted by
/// score (descending), then target (ascending).
struct WalkGraph {
  std::vector<std::size_t> offset;  ///< n + 1
  std::vector<Index> target;
  std::vector<float> score;
  std::vector<Index> in_degree;
};

/// Per-thread scratch of the walk.
struct WalkScratch {
  std::vector<std::pair<float, Index>> row;
  std::vector<Index> starts;
  std::vector<Index> heap;
};

}  // namespace

TrackLabels connected_components(std::size_t n_nodes, const EdgeList& edges) {
  check_edges(n_nodes, edges, false, "connected_components");
  const std::vector<Index> roots = component_roots(n_nodes, edges, [](std::size_t) { return true; });
  return label_groups(roots, 0);
}

ConnectedComponentsTrackBuilder::ConnectedComponentsTrackBuilder(Config config) : config_(config) {}

TrackLabels ConnectedComponentsTrackBuilder::build(std::size_t n_hits, const EdgeList& edges) const {
  check_edges(n_hits, edges, true, "ConnectedComponentsTrackBuilder");
  const float cut = config_.cut;
  const std::vector<Index> roots =
      component_roots(n_hits, edges, [&](std::size_t e) { return edges.score[e] >= cut; });
  return label_groups(roots, config_.min_hits);
}

WalkthroughTrackBuilder::WalkthroughTrackBuilder(Config config) : config_(config) {}

TrackLabels WalkthroughTrackBuilder::build(std::size_t n_hits, const EdgeList& edges) const {
  check_edges(n_hits, edges, true, "WalkthroughTrackBuilder");
  const std::size_t n = n_hits;
  const float cut = config_.cut;
  const float walk_cut = std::max(config_.cut, config_.walk_cut);
  auto kept = [&](std::size_t e) { return edges.score[e] >= cut && edges.src[e] != edges.dst[e]; };
  const std::vector<Index> roots = component_roots(n, edges, kept);

  // A component branches when one of its nodes has in- or out-degree > 1.
  std::vector<Index> in_deg(n, 0), out_deg(n, 0);
  for (std::size_t e = 0; e < edges.size(); ++e) {
    if (!kept(e)) continue;
    ++out_deg[static_cast<std::size_t>(edges.src[e])];
    ++in_deg[static_cast<std::size_t>(edges.dst[e])];
  }
  std::vector<std::uint8_t> branching(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (in_deg[i] > 1 || out_deg[i] > 1) branching[static_cast<std::size_t>(roots[i])] = 1;
  }
  // group[i]: track candidate id of hit i (a node index: the component root
  // for plain components, the walk's start node for walks).
  std::vector<Index> group(n, -1);
  std::vector<Index> branching_roots;
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = static_cast<std::size_t>(roots[i]);
    if (!branching[r]) {
      group[i] = roots[i];
    } else if (r == i) {
      branching_roots.push_back(static_cast<Index>(i));
    }
  }
  // Without branching no dropped hit has a kept edge to a track: nothing to attach.
  if (branching_roots.empty()) return label_groups(group, config_.min_hits);

  // Nodes of each branching component, ascending (counting sort by root).
  std::vector<Index> comp_of(n, -1);
  for (std::size_t c = 0; c < branching_roots.size(); ++c) {
    comp_of[static_cast<std::size_t>(branching_roots[c])] = static_cast<Index>(c);
  }
  std::vector<std::size_t> comp_offset(branching_roots.size() + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Index c = comp_of[static_cast<std::size_t>(roots[i])];
    if (c >= 0) ++comp_offset[static_cast<std::size_t>(c) + 1];
  }
  for (std::size_t c = 0; c < branching_roots.size(); ++c) comp_offset[c + 1] += comp_offset[c];
  std::vector<Index> comp_nodes(comp_offset.back());
  {
    std::vector<std::size_t> fill(comp_offset.begin(), comp_offset.end() - 1);
    for (std::size_t i = 0; i < n; ++i) {
      const Index c = comp_of[static_cast<std::size_t>(roots[i])];
      if (c >= 0) comp_nodes[fill[static_cast<std::size_t>(c)]++] = static_cast<Index>(i);
    }
  }

  // Walk graph: edges >= walk_cut inside branching components.
  WalkGraph walk;
  walk.offset.assign(n + 1, 0);
  walk.in_degree.assign(n, 0);
  auto walkable = [&](std::size_t e) {
    return kept(e) && edges.score[e] >= walk_cut &&
           branching[static_cast<std::size_t>(roots[static_cast<std::size_t>(edges.src[e])])];
  };
  for (std::size_t e = 0; e < edges.size(); ++e) {
    if (walkable(e)) ++walk.offset[static_cast<std::size_t>(edges.src[e]) + 1];
  }
  for (std::size_t i = 0; i < n; ++i) walk.offset[i + 1] += walk.offset[i];
  walk.target.resize(walk.offset.back());
  walk.score.resize(walk.offset.back());
  {
    std::vector<std::size_t> fill(walk.offset.begin(), walk.offset.end() - 1);
    for (std::size_t e = 0; e < edges.size(); ++e) {
      if (!walkable(e)) continue;
      const std::size_t slot = fill[static_cast<std::size_t>(edges.src[e])]++;
      walk.target[slot] = static_cast<Index>(edges.dst[e]);
      walk.score[slot] = edges.score[e];
      ++walk.in_degree[static_cast<std::size_t>(edges.dst[e])];
    }
  }

  std::vector<std::uint8_t> used(n, 0);
  std::vector<Index> unused_pred(walk.in_degree);  // walk predecessors not yet used
  tbb::enumerable_thread_specific<WalkScratch> scratch_local;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, branching_roots.size(), 1), [&](const auto& range) {
    WalkScratch& scratch = scratch_local.local();
    // Sort each row of the component once: best score first, ties by target.
    for (std::size_t c = range.begin(); c != range.end(); ++c) {
      for (std::size_t k = comp_offset[c]; k < comp_offset[c + 1]; ++k) {
        const auto u = static_cast<std::size_t>(comp_nodes[k]);
        const std::size_t b = walk.offset[u];
        const std::size_t e = walk.offset[u + 1];
        if (e - b < 2) continue;
        scratch.row.clear();
        for (std::size_t s = b; s < e; ++s) scratch.row.emplace_back(walk.score[s], walk.target[s]);
        std::sort(scratch.row.begin(), scratch.row.end(), [](const auto& x, const auto& y) {
          return x.first > y.first || (x.first == y.first && x.second < y.second);
        });
        for (std::size_t s = b; s < e; ++s) {
          walk.score[s] = scratch.row[s - b].first;
          walk.target[s] = scratch.row[s - b].second;
        }
      }
    }
    // Static start priority: best outgoing walk score (higher first), then index.
    auto best_score = [&](Index u) {
      const auto ui = static_cast<std::size_t>(u);
      return walk.offset[ui] == walk.offset[ui + 1] ? -1.0F : walk.score[walk.offset[ui]];
    };
    auto before = [&](Index a, Index b) {
      const float sa = best_score(a);
      const float sb = best_score(b);
      return sa > sb || (sa == sb && a < b);
    };
    auto heap_less = [&](Index a, Index b) { return before(b, a); };  // max-heap on priority
    bool collect = false;  // phase 2: nodes freed by marking go onto the heap
    auto mark = [&](Index u) {
      const auto ui = static_cast<std::size_t>(u);
      used[ui] = 1;
      for (std::size_t s = walk.offset[ui]; s < walk.offset[ui + 1]; ++s) {
        const auto v = static_cast<std::size_t>(walk.target[s]);
        if (--unused_pred[v] == 0 && collect && !used[v]) {
          scratch.heap.push_back(walk.target[s]);
          std::push_heap(scratch.heap.begin(), scratch.heap.end(), heap_less);
        }
      }
    };
    // Walk from `start` along the best edge to an unused hit.
    auto walk_from = [&](Index start) {
      Index cur = start;
      mark(cur);
      group[static_cast<std::size_t>(cur)] = start;
      while (true) {
        const auto ci = static_cast<std::size_t>(cur);
        Index next = -1;
        for (std::size_t s = walk.offset[ci]; s < walk.offset[ci + 1]; ++s) {
          if (!used[static_cast<std::size_t>(walk.target[s])]) {
            next = walk.target[s];
            break;
          }
        }
        if (next < 0) return;
        cur = next;
        mark(cur);
        group[static_cast<std::size_t>(cur)] = start;
      }
    };

    for (std::size_t c = range.begin(); c != range.end(); ++c) {
      const Index* nodes = comp_nodes.data() + comp_offset[c];
      const std::size_t count = comp_offset[c + 1] - comp_offset[c];
      // Phase 1: innermost hits (no incoming walk edge), best first.
      collect = false;
      scratch.starts.clear();
      for (std::size_t k = 0; k < count; ++k) {
        if (walk.in_degree[static_cast<std::size_t>(nodes[k])] == 0) scratch.starts.push_back(nodes[k]);
      }
      std::sort(scratch.starts.begin(), scratch.starts.end(), before);
      for (const Index s : scratch.starts) {
        if (!used[static_cast<std::size_t>(s)]) walk_from(s);
      }
      // Phase 2: leftovers; start at unused hits without unused predecessors,
      // best first; inside cycles fall back to the smallest unused hit.
      collect = true;
      scratch.heap.clear();
      for (std::size_t k = 0; k < count; ++k) {
        const auto u = static_cast<std::size_t>(nodes[k]);
        if (!used[u] && unused_pred[u] == 0) scratch.heap.push_back(nodes[k]);
      }
      std::make_heap(scratch.heap.begin(), scratch.heap.end(), heap_less);
      std::size_t scan = 0;
      while (true) {
        Index start = -1;
        while (!scratch.heap.empty()) {
          std::pop_heap(scratch.heap.begin(), scratch.heap.end(), heap_less);
          const Index u = scratch.heap.back();
          scratch.heap.pop_back();
          if (!used[static_cast<std::size_t>(u)]) {
            start = u;
            break;
          }
        }
        if (start < 0) {
          while (scan < count && used[static_cast<std::size_t>(nodes[scan])]) ++scan;
          if (scan == count) break;
          start = nodes[scan];
        }
        walk_from(start);
      }
    }
  });
  TrackLabels labels = label_groups(group, config_.min_hits);
  if (config_.attach_min_edges > 0) attach_leftovers(labels, edges, kept, config_.attach_min_edges);
  return labels;
}

}  // namespace trkx
