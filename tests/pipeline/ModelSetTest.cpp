#include "trkx/pipeline/ModelSet.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "TinyEvent.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/pipeline/EdgeClassifier.hpp"
#include "trkx/pipeline/Embedding.hpp"
#include "trkx/pipeline/HitFeatures.hpp"
#include "trkx/pipeline/Pipeline.hpp"

namespace trkx {
namespace {

namespace fs = std::filesystem;

// A copy of the test model set in a temporary directory, with pipeline.json replaced.
fs::path model_dir(const std::string& name, const std::string& json) {
  const auto dir = fs::temp_directory_path() / ("trkx_modelset_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  for (const char* f :
       {"embedding.onnx", "filter.onnx", "gnn.onnx", "bad_input_name.onnx", "bad_index_type.onnx"}) {
    fs::copy_file(fs::path(test::test_data_dir()) / f, dir / f);
  }
  std::ofstream(dir / "pipeline.json") << json;
  return dir;
}

const char* kFeatures =
    R"("node_features": ["r", "phi", "z", "cell_count", "cell_charge", "cell_extent_ch0", "cell_extent_ch1"])";

std::string json_with(const std::string& extra) {
  return std::string("{\"format_version\": 1, ") + kFeatures + ", " + extra + "}";
}

template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(no ModelError)";
}

TEST(ModelSet, ParsesTheTestModels) {
  const ModelSet set = ModelSet::load(test::test_data_dir());
  EXPECT_EQ(set.format_version, 1);
  EXPECT_EQ(set.node_features, HitFeatures::feature_names());
  ASSERT_TRUE(set.embedding && set.filter && set.gnn);
  EXPECT_EQ(set.embedding->dim, 3U);
  EXPECT_FLOAT_EQ(set.embedding->radius, 0.05F);
  EXPECT_EQ(set.embedding->max_neighbours, 16U);
  EXPECT_EQ(set.embedding->file, fs::path(test::test_data_dir()) / "embedding.onnx");
  EXPECT_FLOAT_EQ(set.filter->cut, 0.5F);
  EXPECT_NE(set.training_json.find("tiny"), std::string::npos);
  EXPECT_NO_THROW(set.check_node_features(HitFeatures::feature_names()));
}

TEST(ModelSet, MissingPipelineJson) {
  const auto dir = fs::temp_directory_path() / "trkx_modelset_none";
  fs::create_directories(dir);
  fs::remove(dir / "pipeline.json");
  const auto msg = error_of([&] { (void)ModelSet::load(dir); });
  EXPECT_NE(msg.find("pipeline.json: not found"), std::string::npos) << msg;
}

TEST(ModelSet, MissingModelFile) {
  const auto dir = model_dir("missing", json_with(R"("gnn": {"file": "nope.onnx", "cut": 0.5})"));
  const auto msg = error_of([&] { (void)ModelSet::load(dir); });
  EXPECT_NE(msg.find("nope.onnx does not exist"), std::string::npos) << msg;
  // prepare's mode drops the stage instead.
  const ModelSet partial = ModelSet::load(dir, /*require_files=*/false);
  EXPECT_FALSE(partial.gnn.has_value());
}

TEST(ModelSet, SplitNetworkParts) {
  // hits_file and edges_file: both read (paths in the set's directory), one alone refused, a
  // missing part an error; in prepare's mode a missing part leaves the whole network.
  const ModelSet set = ModelSet::load(model_dir(
      "split", json_with(R"("filter": {"file": "filter.onnx", "cut": 0.5, "hits_file": "embedding.onnx",
                                       "edges_file": "gnn.onnx"})")));
  ASSERT_TRUE(set.filter.has_value());
  EXPECT_EQ(set.filter->hits_file.filename(), "embedding.onnx");
  EXPECT_EQ(set.filter->edges_file.filename(), "gnn.onnx");
  auto msg = error_of([&] {
    (void)ModelSet::load(model_dir(
        "split1", json_with(R"("filter": {"file": "filter.onnx", "cut": 0.5, "hits_file": "gnn.onnx"})")));
  });
  EXPECT_NE(msg.find("hits_file without edges_file"), std::string::npos) << msg;
  const auto dir = model_dir("split2", json_with(R"("filter": {"file": "filter.onnx", "cut": 0.5,
                                                   "hits_file": "nope.onnx", "edges_file": "gnn.onnx"})"));
  msg = error_of([&] { (void)ModelSet::load(dir); });
  EXPECT_NE(msg.find("nope.onnx does not exist"), std::string::npos) << msg;
  const ModelSet partial = ModelSet::load(dir, /*require_files=*/false);
  ASSERT_TRUE(partial.filter.has_value());
  EXPECT_TRUE(partial.filter->hits_file.empty() && partial.filter->edges_file.empty());
}

TEST(ModelSet, MissingOrMistypedFields) {
  auto msg = error_of(
      [&] { (void)ModelSet::load(model_dir("nofield", json_with(R"("filter": {"file": "filter.onnx"})"))); });
  EXPECT_NE(msg.find("'filter.cut' is missing"), std::string::npos) << msg;
  msg = error_of([&] {
    (void)ModelSet::load(model_dir(
        "badradius", json_with(R"("embedding": {"file": "embedding.onnx", "dim": 3, "radius": "x"})")));
  });
  EXPECT_NE(msg.find("'embedding.radius' must be a number"), std::string::npos) << msg;
  msg = error_of([&] { (void)ModelSet::load(model_dir("badjson", "{ not json")); });
  EXPECT_NE(msg.find("invalid JSON"), std::string::npos) << msg;
  msg = error_of(
      [&] { (void)ModelSet::load(model_dir("version", R"({"format_version": 2, "node_features": []})")); });
  EXPECT_NE(msg.find("format_version 2"), std::string::npos) << msg;
}

TEST(ModelSet, TrackSelection) {
  EXPECT_EQ(ModelSet::load(test::test_data_dir()).min_track_hits, 0U);  // absent: every track kept
  const ModelSet set =
      ModelSet::load(model_dir("selection", json_with(R"("track_selection": {"min_track_hits": 7})")));
  EXPECT_EQ(set.min_track_hits, 7U);
  auto msg = error_of([&] {
    (void)ModelSet::load(
        model_dir("badselection", json_with(R"("track_selection": {"min_track_hits": -1})")));
  });
  EXPECT_NE(msg.find("'track_selection.min_track_hits' must be a non-negative integer"), std::string::npos)
      << msg;
  msg = error_of(
      [&] { (void)ModelSet::load(model_dir("selectiontype", json_with(R"("track_selection": 7)"))); });
  EXPECT_NE(msg.find("'track_selection' must be an object"), std::string::npos) << msg;
}

TEST(ModelSet, AnalysisSelectionDropsNothing) {
  const ModelSet plain = ModelSet::load(test::test_data_dir());
  EXPECT_FALSE(plain.selected_min_hits.has_value());
  EXPECT_FALSE(plain.selected_pt_min.has_value());
  const ModelSet set = ModelSet::load(model_dir(
      "analysis",
      json_with(R"("track_selection": {"selected_min_hits": 7, "selected_pt_min": 0.5, "note": "x"})")));
  EXPECT_EQ(set.min_track_hits, 0U);  // every track stays in the output
  EXPECT_EQ(set.selected_min_hits, 7U);
  EXPECT_EQ(set.selected_pt_min, 0.5);
  auto msg = error_of([&] {
    (void)ModelSet::load(
        model_dir("analysisneg", json_with(R"("track_selection": {"selected_pt_min": -1})")));
  });
  EXPECT_NE(msg.find("'track_selection.selected_pt_min' must be a non-negative number [GeV], found -1"),
            std::string::npos)
      << msg;
  msg = error_of([&] {
    (void)ModelSet::load(model_dir("analysistypo", json_with(R"("track_selection": {"selected_pt": 1})")));
  });
  EXPECT_NE(msg.find("unknown field 'track_selection.selected_pt'"), std::string::npos) << msg;
}

TEST(ModelSet, TrackBuildingSettings) {
  EXPECT_TRUE(ModelSet::load(test::test_data_dir()).track_building.empty());
  const ModelSet set = ModelSet::load(model_dir(
      "building", json_with(R"("track_building": {"note": "tuned", "recover_xy": 0.6, "extend_z": 6})")));
  ASSERT_EQ(set.track_building.size(), 2U);  // the note is not a setting
  EXPECT_EQ(set.track_building[0], (std::pair<std::string, double>{"extend_z", 6.0}));  // sorted by name
  EXPECT_EQ(set.track_building[1], (std::pair<std::string, double>{"recover_xy", 0.6}));
  auto msg = error_of([&] {
    (void)ModelSet::load(model_dir("badbuilding", json_with(R"("track_building": {"extend_z": "wide"})")));
  });
  EXPECT_NE(msg.find("'track_building.extend_z' must be a number"), std::string::npos) << msg;
  msg = error_of(
      [&] { (void)ModelSet::load(model_dir("buildingtype", json_with(R"("track_building": [6])"))); });
  EXPECT_NE(msg.find("'track_building' must be an object"), std::string::npos) << msg;
}

TEST(ModelSet, WrongFeatureNamesNameBothLists) {
  const auto dir = model_dir("features", R"({"format_version": 1, "node_features": ["r", "phi", "eta"],
      "embedding": {"file": "embedding.onnx", "dim": 3, "radius": 0.05},
      "gnn": {"file": "gnn.onnx", "cut": 0.5}})");
  const ModelSet set = ModelSet::load(dir);
  const auto msg = error_of([&] { Pipeline p(set, {}); });
  EXPECT_NE(msg.find("[\"r\", \"phi\", \"eta\"]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"cell_extent_ch1\"]"), std::string::npos) << msg;
}

TEST(ModelSet, PipelineRejectsMissingStages) {
  const auto dir =
      model_dir("nognn", json_with(R"("embedding": {"file": "embedding.onnx", "dim": 3, "radius": 0.05})"));
  const ModelSet set = ModelSet::load(dir);
  const auto msg = error_of([&] { Pipeline p(set, {}); });
  EXPECT_NE(msg.find("needs a 'gnn' model"), std::string::npos) << msg;
  Pipeline::Config partial;
  partial.allow_partial = true;
  Pipeline p(set, partial);
  EXPECT_TRUE(p.has_embedding());
  EXPECT_FALSE(p.has_gnn());
}

TEST(ModelIo, WrongInputNameIsReportedWithTheModelsInputs) {
  const auto file = fs::path(test::test_data_dir()) / "bad_input_name.onnx";
  const auto msg = error_of([&] { EdgeClassifier c(file, 7, {}); });
  EXPECT_NE(msg.find("bad_input_name.onnx"), std::string::npos) << msg;
  EXPECT_NE(msg.find("input 'edge_index' not found"), std::string::npos) << msg;
  EXPECT_NE(msg.find("edges int64 [2,-1]"), std::string::npos) << msg;
}

TEST(ModelIo, WrongDtypeIsReportedAsExpectedVersusFound) {
  const auto file = fs::path(test::test_data_dir()) / "bad_index_type.onnx";
  const auto msg = error_of([&] { EdgeClassifier c(file, 7, {}); });
  EXPECT_NE(msg.find("input 'edge_index': expected int64 [2,-1]"), std::string::npos) << msg;
  EXPECT_NE(msg.find("found int32 [2,-1]"), std::string::npos) << msg;
}

TEST(ModelIo, WrongWidthAndWrongModelKind) {
  const auto dir = fs::path(test::test_data_dir());
  auto msg = error_of([&] { Embedding e(dir / "embedding.onnx", 5, 3, {}); });
  EXPECT_NE(msg.find("expected float32 [-1,5]"), std::string::npos) << msg;
  msg = error_of([&] { Embedding e(dir / "embedding.onnx", 7, 8, {}); });
  EXPECT_NE(msg.find("output 'embedding': expected float32 [-1,8]"), std::string::npos) << msg;
  msg = error_of([&] { EdgeClassifier c(dir / "embedding.onnx", 7, {}); });
  EXPECT_NE(msg.find("input 'edge_index' not found"), std::string::npos) << msg;
  msg = error_of([&] { Embedding e(dir / "filter.onnx", 7, 3, {}); });
  EXPECT_NE(msg.find("unexpected input edge_index"), std::string::npos) << msg;
  msg = error_of([&] { Embedding e(dir / "no_such.onnx", 7, 3, {}); });
  EXPECT_NE(msg.find("model file not found"), std::string::npos) << msg;
}

}  // namespace
}  // namespace trkx
