#include "trkx/eval/GraphDump.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "EvalFixtures.hpp"
#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

TEST(GraphDump, ParsesHitIndicesWithScores) {
  const Event event = testing::four_particle_event();
  const EdgeList edges = parse_graph_dump("src,dst,score\n0,1,0.25\r\n\n 20 , 21 ,1\n", "g.csv", event);
  ASSERT_EQ(edges.size(), 2U);
  EXPECT_EQ(edges.src[1], 20);
  EXPECT_EQ(edges.dst[1], 21);
  ASSERT_EQ(edges.score.size(), 2U);
  EXPECT_FLOAT_EQ(edges.score[0], 0.25F);
}

TEST(GraphDump, TranslatesHitIdsToIndices) {
  const Event event = testing::four_particle_event();
  // Columns in another order, no score: hit 106 is row 5, hit 122 is row 21.
  const EdgeList edges = parse_graph_dump("extra,hit_id_dst,hit_id_src\nx,106,122\n", "g.csv", event);
  ASSERT_EQ(edges.size(), 1U);
  EXPECT_EQ(edges.src[0], 21);
  EXPECT_EQ(edges.dst[0], 5);
  EXPECT_TRUE(edges.score.empty());
}

TEST(GraphDump, RejectsBadInputWithLineAndColumn) {
  const Event event = testing::four_particle_event();
  try {
    (void)parse_graph_dump("src,dst\n0,1\n2,22\n", "g.csv", event);
    FAIL() << "index 22 is out of range";
  } catch (const InputError& e) {
    EXPECT_EQ(e.file(), "g.csv");
    EXPECT_EQ(e.line(), 3U);
    EXPECT_EQ(e.column(), "dst");
  }
  EXPECT_THROW((void)parse_graph_dump("hit_id_src,hit_id_dst\n101,100\n", "g.csv", event), InputError);
  EXPECT_THROW((void)parse_graph_dump("a,b\n1,2\n", "g.csv", event), InputError);
  EXPECT_THROW((void)parse_graph_dump("src,dst,score\n1,2,abc\n", "g.csv", event), InputError);
  EXPECT_THROW((void)parse_graph_dump("src,dst\n1,2,3\n", "g.csv", event), InputError);
  EXPECT_THROW((void)parse_graph_dump("", "g.csv", event), InputError);
}

TEST(GraphDump, FindsTheDumpsOfOneEvent) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("trkx_eval_graphdump_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const char* name :
       {"event000001000-graph-gnn.csv", "event000001000-graph-radius_graph.csv",
        "event000001001-graph-gnn.csv", "event000001000-submission.csv", "event000001000-graph-.csv"}) {
    std::ofstream(dir / name) << "src,dst\n0,1\n";
  }
  const auto dumps = find_graph_dumps(dir, 1000);
  ASSERT_EQ(dumps.size(), 2U);
  EXPECT_EQ(dumps[0].stage, "radius_graph");  // pipeline order, not alphabetical
  EXPECT_EQ(dumps[1].stage, "gnn");
  const EdgeList edges = read_graph_dump(dumps[1].file, testing::four_particle_event());
  EXPECT_EQ(edges.size(), 1U);
  EXPECT_TRUE(find_graph_dumps(dir / "missing", 1000).empty());
  EXPECT_THROW((void)read_graph_dump(dir / "missing.csv", testing::four_particle_event()), InputError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace trkx::eval
