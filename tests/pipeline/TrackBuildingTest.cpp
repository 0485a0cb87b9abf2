#include "trkx/pipeline/TrackBuilding.hpp"

#include <gtest/gtest.h>
#include <tbb/global_control.h>

#include <algorithm>
#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/connected_components.hpp>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

struct Edge {
  std::int64_t src, dst;
  float score;
};

EdgeList make_edges(const std::vector<Edge>& list) {
  EdgeList edges;
  for (const Edge& e : list) {
    edges.src.push_back(e.src);
    edges.dst.push_back(e.dst);
    edges.score.push_back(e.score);
  }
  return edges;
}

/// Deterministic 64-bit generator for random graphs.
struct Lcg {
  std::uint64_t state;
  std::uint64_t next() {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 17;
  }
};

EdgeList random_graph(std::size_t n, std::size_t m, std::uint64_t seed) {
  Lcg rng{seed};
  EdgeList edges;
  for (std::size_t e = 0; e < m; ++e) {
    edges.src.push_back(static_cast<std::int64_t>(rng.next() % n));
    edges.dst.push_back(static_cast<std::int64_t>(rng.next() % n));
    edges.score.push_back(static_cast<float>(rng.next() % 1000) / 1000.0F);
  }
  return edges;
}

/// Relabels so that labels appear as 0, 1, 2, ... in node order (-1 kept).
TrackLabels canonical(const TrackLabels& labels) {
  std::map<std::int64_t, std::int64_t> map;
  TrackLabels out;
  for (const std::int64_t l : labels) {
    if (l < 0) {
      out.push_back(-1);
      continue;
    }
    const auto it = map.try_emplace(l, static_cast<std::int64_t>(map.size())).first;
    out.push_back(it->second);
  }
  return out;
}

/// 4 tracks x 4 hits on 40 hits whose indices do not start at 0, connected
/// by inner-to-outer edges of score 0.9, plus fake cross-track edges of 0.2.
const std::vector<std::vector<std::int64_t>> kTracks = {
    {17, 18, 19, 20}, {31, 32, 33, 34}, {5, 9, 13, 25}, {36, 37, 38, 39}};

EdgeList four_tracks() {
  std::vector<Edge> list;
  for (const auto& track : kTracks) {
    for (std::size_t h = 0; h + 1 < track.size(); ++h) list.push_back({track[h], track[h + 1], 0.9F});
  }
  list.push_back({17, 31, 0.2F});
  list.push_back({9, 37, 0.2F});
  list.push_back({20, 39, 0.05F});
  return make_edges(list);
}

TrackLabels four_tracks_expected() {
  TrackLabels expected(40, -1);
  // Labels in order of each track's smallest hit: 5 -> 0, 17 -> 1, 31 -> 2, 36 -> 3.
  const std::int64_t label_of_track[] = {1, 2, 0, 3};
  for (std::size_t t = 0; t < kTracks.size(); ++t) {
    for (const std::int64_t h : kTracks[t]) expected[static_cast<std::size_t>(h)] = label_of_track[t];
  }
  return expected;
}

TEST(ConnectedComponents, MatchesBoostGraphOnRandomGraphs) {
  using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS>;
  struct Case {
    std::size_t n, m;
  };
  const Case cases[] = {{1, 0}, {1, 3}, {10, 4}, {1000, 300}, {1000, 1000}, {5000, 2500}, {50000, 75000}};
  std::uint64_t seed = 5;
  for (const Case& c : cases) {
    const EdgeList edges = random_graph(c.n, c.m, seed++);
    Graph g(c.n);
    for (std::size_t e = 0; e < edges.size(); ++e) {
      boost::add_edge(static_cast<std::size_t>(edges.src[e]), static_cast<std::size_t>(edges.dst[e]), g);
    }
    std::vector<int> component(c.n);
    const int n_components = boost::connected_components(g, component.data());
    TrackLabels boost_labels(component.begin(), component.end());
    const TrackLabels labels = connected_components(c.n, edges);
    ASSERT_EQ(labels.size(), c.n);
    // Same partition (up to relabelling), and ours is already canonical.
    EXPECT_EQ(canonical(labels), canonical(boost_labels)) << "n=" << c.n << " m=" << c.m;
    EXPECT_EQ(labels, canonical(labels));
    EXPECT_EQ(*std::max_element(labels.begin(), labels.end()) + 1, n_components);
  }
}

TEST(ConnectedComponents, EmptyGraph) {
  EXPECT_TRUE(connected_components(0, EdgeList{}).empty());
  EXPECT_EQ(connected_components(3, EdgeList{}), (TrackLabels{0, 1, 2}));
}

TEST(ConnectedComponents, ResultDoesNotDependOnThreadCountOrEdgeOrder) {
  const EdgeList edges = random_graph(40000, 30000, 99);
  TrackLabels one;
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    one = connected_components(40000, edges);
  }
  EdgeList reversed;
  reversed.src.assign(edges.dst.rbegin(), edges.dst.rend());
  reversed.dst.assign(edges.src.rbegin(), edges.src.rend());
  EXPECT_EQ(connected_components(40000, reversed), one);
}

TEST(ConnectedComponentsTrackBuilder, FourTracksWithFakeEdgesBelowCut) {
  const ConnectedComponentsTrackBuilder builder({.cut = 0.5F, .min_hits = 3});
  EXPECT_EQ(builder.build(40, four_tracks()), four_tracks_expected());
  // Lowering the cut merges tracks through the fake edges 17-31 and 9-37 (20-39 stays below).
  const ConnectedComponentsTrackBuilder loose({.cut = 0.1F, .min_hits = 3});
  const TrackLabels merged = loose.build(40, four_tracks());
  EXPECT_EQ(merged[17], merged[31]);
  EXPECT_EQ(merged[9], merged[37]);
  EXPECT_NE(merged[17], merged[9]);
  EXPECT_EQ(merged[0], -1);
}

TEST(ConnectedComponentsTrackBuilder, MinHitsDropsSmallComponents) {
  // Components {2, 3, 4} and {7, 8}; hit 0 isolated.
  const EdgeList edges = make_edges({{2, 3, 0.9F}, {3, 4, 0.9F}, {7, 8, 0.9F}});
  EXPECT_EQ(ConnectedComponentsTrackBuilder({.cut = 0.5F, .min_hits = 3}).build(10, edges),
            (TrackLabels{-1, -1, 0, 0, 0, -1, -1, -1, -1, -1}));
  EXPECT_EQ(ConnectedComponentsTrackBuilder({.cut = 0.5F, .min_hits = 2}).build(10, edges),
            (TrackLabels{-1, -1, 0, 0, 0, -1, -1, 1, 1, -1}));
  EXPECT_EQ(
      ConnectedComponentsTrackBuilder({.cut = 0.5F, .min_hits = 1}).build(4, make_edges({{2, 3, 0.9F}})),
      (TrackLabels{0, 1, 2, 2}));
}

TEST(ConnectedComponentsTrackBuilder, EmptyAndAllBelowCut) {
  const ConnectedComponentsTrackBuilder builder({.cut = 0.5F, .min_hits = 3});
  EXPECT_TRUE(builder.build(0, EdgeList{}).empty());
  EXPECT_EQ(builder.build(4, EdgeList{}), TrackLabels(4, -1));
  const EdgeList low = make_edges({{0, 1, 0.1F}, {1, 2, 0.49F}, {2, 3, 0.3F}});
  EXPECT_EQ(builder.build(4, low), TrackLabels(4, -1));
  // The cut is inclusive.
  const EdgeList at_cut = make_edges({{0, 1, 0.5F}, {1, 2, 0.5F}});
  EXPECT_EQ(builder.build(4, at_cut), (TrackLabels{0, 0, 0, -1}));
}

TEST(TrackBuilders, RejectInconsistentEdges) {
  const ConnectedComponentsTrackBuilder cc({});
  const WalkthroughTrackBuilder walk({});
  const EdgeList out_of_range = make_edges({{0, 5, 0.9F}});
  EXPECT_THROW((void)cc.build(5, out_of_range), Error);
  EXPECT_THROW((void)walk.build(5, out_of_range), Error);
  EXPECT_THROW((void)connected_components(5, out_of_range), Error);
  const EdgeList negative = make_edges({{-1, 2, 0.9F}});
  EXPECT_THROW((void)cc.build(5, negative), Error);
  EdgeList no_scores = make_edges({{0, 1, 0.9F}});
  no_scores.score.clear();
  EXPECT_THROW((void)cc.build(5, no_scores), Error);
  EXPECT_THROW((void)walk.build(5, no_scores), Error);
  EXPECT_EQ(connected_components(2, no_scores), (TrackLabels{0, 0}));  // scores not needed
  const EdgeList nan_score = make_edges({{0, 1, std::numeric_limits<float>::quiet_NaN()}});
  EXPECT_THROW((void)walk.build(5, nan_score), Error);
}

TEST(WalkthroughTrackBuilder, NonBranchingComponentsAreTracksAsTheyAre) {
  const WalkthroughTrackBuilder builder({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  EXPECT_EQ(builder.build(40, four_tracks()), four_tracks_expected());
  // A chain whose edges are below walk_cut (but above cut) is still a track.
  const EdgeList weak = make_edges({{3, 4, 0.55F}, {4, 5, 0.6F}});
  EXPECT_EQ(builder.build(6, weak), (TrackLabels{-1, -1, -1, 0, 0, 0}));
}

/// Y shape: 10 -> 11 -> {12 -> 13, 20 -> 21 -> 22}.
EdgeList y_shape(float score_upper, float score_lower) {
  return make_edges({{10, 11, 0.9F},
                     {11, 12, score_upper},
                     {12, 13, 0.9F},
                     {11, 20, score_lower},
                     {20, 21, 0.9F},
                     {21, 22, 0.9F}});
}

TEST(WalkthroughTrackBuilder, YShapeFollowsTheHigherScore) {
  const WalkthroughTrackBuilder builder({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  {
    // Upper branch wins: {10, 11, 12, 13}; leftover {20, 21, 22} forms a second track.
    const TrackLabels labels = builder.build(25, y_shape(0.95F, 0.8F));
    TrackLabels expected(25, -1);
    for (const std::size_t h : {10, 11, 12, 13}) expected[h] = 0;
    for (const std::size_t h : {20, 21, 22}) expected[h] = 1;
    EXPECT_EQ(labels, expected);
  }
  {
    // Lower branch wins: {10, 11, 20, 21, 22}; leftover {12, 13} is too short.
    const TrackLabels labels = builder.build(25, y_shape(0.8F, 0.95F));
    TrackLabels expected(25, -1);
    for (const std::size_t h : {10, 11, 20, 21, 22}) expected[h] = 0;
    EXPECT_EQ(labels, expected);
    // ... unless min_hits allows two-hit candidates.
    const TrackLabels loose = WalkthroughTrackBuilder({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 2})
                                  .build(25, y_shape(0.8F, 0.95F));
    for (const std::size_t h : {12, 13}) expected[h] = 1;
    EXPECT_EQ(loose, expected);
  }
  // Connected components alone would merge the Y into one candidate.
  const TrackLabels cc =
      ConnectedComponentsTrackBuilder({.cut = 0.5F, .min_hits = 3}).build(25, y_shape(0.95F, 0.8F));
  EXPECT_EQ(cc[13], cc[22]);
}

TEST(WalkthroughTrackBuilder, BranchBelowWalkCutIsNotFollowed) {
  // 11 -> 20 passes the cut (so the component branches) but not walk_cut:
  // the walk from 10 cannot take it, and 20 starts a walk of its own.
  const WalkthroughTrackBuilder builder({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  const TrackLabels labels = builder.build(25, y_shape(0.9F, 0.6F));
  TrackLabels expected(25, -1);
  for (const std::size_t h : {10, 11, 12, 13}) expected[h] = 0;
  for (const std::size_t h : {20, 21, 22}) expected[h] = 1;
  EXPECT_EQ(labels, expected);
}

TEST(WalkthroughTrackBuilder, MergingStartsBestFirst) {
  // Two inner hits 0 and 1 both lead into the chain 2 -> 3 -> 4.
  const WalkthroughTrackBuilder builder({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  auto graph = [](float s0, float s1) {
    return make_edges({{0, 2, s0}, {1, 2, s1}, {2, 3, 0.9F}, {3, 4, 0.9F}});
  };
  EXPECT_EQ(builder.build(5, graph(0.95F, 0.75F)), (TrackLabels{0, -1, 0, 0, 0}));
  EXPECT_EQ(builder.build(5, graph(0.75F, 0.95F)), (TrackLabels{-1, 0, 0, 0, 0}));
  // Equal scores: the smaller index starts first.
  EXPECT_EQ(builder.build(5, graph(0.8F, 0.8F)), (TrackLabels{0, -1, 0, 0, 0}));
}

TEST(WalkthroughTrackBuilder, LeftoverHitWithTwoEdgesToATrackJoinsIt) {
  // A layer crossed twice: hits 1 and 2 are both between 0 and 3. The walk from 0 takes
  // 0 -> 2 (best score) and leaves 1 out, although 0 -> 1 and 1 -> 2 pass the cut.
  const EdgeList overlap =
      make_edges({{0, 1, 0.8F}, {0, 2, 0.95F}, {1, 2, 0.8F}, {2, 3, 0.9F}, {3, 4, 0.9F}});
  const WalkthroughTrackBuilder attach({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  EXPECT_EQ(attach.config().attach_min_edges, 2U);  // the default
  EXPECT_EQ(attach.build(5, overlap), (TrackLabels{0, 0, 0, 0, 0}));
  const WalkthroughTrackBuilder no_attach(
      {.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3, .attach_min_edges = 0});
  EXPECT_EQ(no_attach.build(5, overlap), (TrackLabels{0, -1, 0, 0, 0}));
  // Edges below the cut do not count: 1 -> 2 at 0.4 leaves hit 1 with one edge.
  const EdgeList weak = make_edges({{0, 1, 0.8F}, {0, 2, 0.95F}, {1, 2, 0.4F}, {2, 3, 0.9F}, {3, 4, 0.9F}});
  EXPECT_EQ(attach.build(5, weak), (TrackLabels{0, -1, 0, 0, 0}));
  // Edges in both directions to one hit count once: hit 1 has one neighbour in the track.
  const EdgeList twice = make_edges({{0, 1, 0.8F}, {1, 0, 0.8F}, {0, 2, 0.95F}, {2, 3, 0.9F}, {3, 4, 0.9F}});
  EXPECT_EQ(attach.build(5, twice), (TrackLabels{0, -1, 0, 0, 0}));
  // The first hit of the branch the walk did not take has one edge to the track: it stays out
  // (y_shape: 11 -> 20 wins, 12 -> 13 is too short; 12 has only 11 -> 12).
  const TrackLabels y = attach.build(25, y_shape(0.8F, 0.95F));
  EXPECT_EQ(y[12], -1);
  EXPECT_EQ(y[13], -1);
  // A leftover hit linked to two tracks joins the one it has more edges to. Walks: 9 -> 5 -> 7
  // -> 8 (5 -> 7 beats 5 -> 6) and 0 -> 1 -> 2 -> 3 (0 -> 5, 0 -> 6 are below walk_cut); hit 6
  // is left over with two edges to the first track (5 -> 6, 6 -> 7) and one to the second.
  const EdgeList two = make_edges({{5, 6, 0.9F},
                                   {6, 7, 0.9F},
                                   {7, 8, 0.9F},
                                   {5, 7, 0.95F},
                                   {1, 2, 0.9F},
                                   {2, 3, 0.9F},
                                   {0, 5, 0.6F},
                                   {0, 6, 0.6F},
                                   {0, 1, 0.9F},
                                   {9, 5, 0.99F}});
  EXPECT_EQ(no_attach.build(10, two), (TrackLabels{0, 0, 0, 0, -1, 1, -1, 1, 1, 1}));
  EXPECT_EQ(attach.build(10, two), (TrackLabels{0, 0, 0, 0, -1, 1, 1, 1, 1, 1}));
}

TEST(WalkthroughTrackBuilder, CycleInBranchingComponentTerminates) {
  // 0 -> 1 -> 2 -> 0 plus 2 -> 3: no hit without an incoming edge.
  const WalkthroughTrackBuilder builder({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  const EdgeList edges = make_edges({{0, 1, 0.9F}, {1, 2, 0.9F}, {2, 0, 0.95F}, {2, 3, 0.8F}});
  EXPECT_EQ(builder.build(5, edges), (TrackLabels{0, 0, 0, 0, -1}));
}

TEST(WalkthroughTrackBuilder, EmptyAndAllBelowCut) {
  const WalkthroughTrackBuilder builder({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  EXPECT_TRUE(builder.build(0, EdgeList{}).empty());
  EXPECT_EQ(builder.build(6, EdgeList{}), TrackLabels(6, -1));
  const EdgeList low = make_edges({{0, 1, 0.1F}, {1, 2, 0.2F}, {1, 3, 0.3F}, {3, 4, 0.4F}});
  EXPECT_EQ(builder.build(6, low), TrackLabels(6, -1));
}

/// Random "event": chains of 5-12 hits with high scores plus random fake
/// edges with random scores, in shuffled order.
EdgeList random_event(std::size_t n, std::uint64_t seed) {
  Lcg rng{seed};
  std::vector<Edge> list;
  std::size_t h = 0;
  while (h < n) {
    const std::size_t len = std::min<std::size_t>(5 + rng.next() % 8, n - h);
    for (std::size_t k = 0; k + 1 < len; ++k) {
      list.push_back({static_cast<std::int64_t>(h + k), static_cast<std::int64_t>(h + k + 1),
                      0.6F + static_cast<float>(rng.next() % 400) / 1000.0F});
    }
    h += len;
  }
  for (std::size_t k = 0; k < n / 4; ++k) {
    const auto a = static_cast<std::int64_t>(rng.next() % n);
    const auto b = static_cast<std::int64_t>(rng.next() % n);
    list.push_back({std::min(a, b), std::max(a, b), static_cast<float>(rng.next() % 1000) / 1000.0F});
  }
  for (std::size_t k = list.size(); k-- > 1;) std::swap(list[k], list[rng.next() % (k + 1)]);
  return make_edges(list);
}

TEST(WalkthroughTrackBuilder, RandomEventInvariantsAndDeterminism) {
  const std::size_t n = 30000;
  const EdgeList edges = random_event(n, 17);
  const WalkthroughTrackBuilder walk({.cut = 0.5F, .walk_cut = 0.7F, .min_hits = 3});
  const ConnectedComponentsTrackBuilder cc({.cut = 0.5F, .min_hits = 1});
  TrackLabels serial;
  {
    tbb::global_control limit(tbb::global_control::max_allowed_parallelism, 1);
    serial = walk.build(n, edges);
  }
  const TrackLabels labels = walk.build(n, edges);
  EXPECT_EQ(labels, serial);
  EXPECT_EQ(labels, canonical(labels));
  // Reversed edge order: same result.
  EdgeList reversed;
  reversed.src.assign(edges.src.rbegin(), edges.src.rend());
  reversed.dst.assign(edges.dst.rbegin(), edges.dst.rend());
  reversed.score.assign(edges.score.rbegin(), edges.score.rend());
  EXPECT_EQ(walk.build(n, reversed), labels);
  // Every candidate lies inside one component and has >= min_hits hits.
  const TrackLabels components = cc.build(n, edges);
  std::map<std::int64_t, std::int64_t> component_of;
  std::map<std::int64_t, std::size_t> size_of;
  std::size_t labelled = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (labels[i] < 0) continue;
    ++labelled;
    ++size_of[labels[i]];
    const auto [it, inserted] = component_of.try_emplace(labels[i], components[i]);
    EXPECT_EQ(it->second, components[i]);
  }
  for (const auto& [label, size] : size_of) EXPECT_GE(size, 3U);
  EXPECT_GT(size_of.size(), n / 20);  // the walk found plenty of tracks
  EXPECT_GT(labelled, n / 2);
}

}  // namespace
}  // namespace trkx
