#include "trkx/pipeline/ModelSet.hpp"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"

namespace trkx {

namespace {

std::string join(const std::vector<std::string>& names) {
  std::string s = "[";
  for (std::size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + std::string("\"") + names[i] + "\"";
  return s + "]";
}

const nlohmann::json& field(const nlohmann::json& object, const std::string& key, const std::string& where,
                            const std::string& file) {
  if (!object.is_object() || !object.contains(key)) {
    throw ModelError(file + ": field '" + where + key + "' is missing");
  }
  return object.at(key);
}

template <typename T>
T number(const nlohmann::json& object, const std::string& key, const std::string& where,
         const std::string& file) {
  const auto& v = field(object, key, where, file);
  if (!v.is_number())
    throw ModelError(file + ": field '" + where + key + "' must be a number, found " + v.dump());
  if constexpr (std::is_unsigned_v<T>) {
    if (!v.is_number_unsigned() && !(v.is_number_integer() && v.get<std::int64_t>() >= 0)) {
      throw ModelError(file + ": field '" + where + key + "' must be a non-negative integer, found " +
                       v.dump());
    }
  }
  return v.get<T>();
}

std::filesystem::path model_file(const nlohmann::json& entry, const std::string& stage,
                                 const std::filesystem::path& dir, const std::string& file,
                                 const std::string& key = "file") {
  const auto& v = field(entry, key, stage + ".", file);
  if (!v.is_string())
    throw ModelError(file + ": field '" + stage + "." + key + "' must be a string, found " + v.dump());
  std::filesystem::path p = v.get<std::string>();
  return p.is_absolute() ? p : dir / p;
}

}  // namespace

ModelSet ModelSet::load(const std::filesystem::path& dir, bool require_files) {
  const auto json_path = dir / "pipeline.json";
  const std::string file = json_path.string();
  if (!std::filesystem::is_regular_file(json_path)) {
    throw ModelError(file +
                     ": not found (a models directory needs pipeline.json, see docs/model-contract.md)");
  }
  nlohmann::json j;
  try {
    std::ifstream in(json_path);
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    throw ModelError(file + ": invalid JSON: " + e.what());
  }
  if (!j.is_object()) throw ModelError(file + ": expected a JSON object at the top level");
  ModelSet set;
  set.dir = dir;
  set.format_version = number<int>(j, "format_version", "", file);
  if (set.format_version != 1) {
    throw ModelError(file + ": format_version " + std::to_string(set.format_version) +
                     " is not supported (expected 1)");
  }
  const auto& features = field(j, "node_features", "", file);
  if (!features.is_array()) throw ModelError(file + ": field 'node_features' must be an array of names");
  for (const auto& name : features) {
    if (!name.is_string())
      throw ModelError(file + ": 'node_features' entries must be strings, found " + name.dump());
    set.node_features.push_back(name.get<std::string>());
  }
  const auto present = [&](const std::filesystem::path& p, const char* stage) {
    if (std::filesystem::is_regular_file(p)) return true;
    if (require_files) {
      throw ModelError(file + ": the " + std::string(stage) + " model " + p.string() + " does not exist");
    }
    TRKX_LOG_INFO("{}: no {} model ({} missing); that stage is skipped", file, stage, p.string());
    return false;
  };
  if (j.contains("embedding")) {
    const auto& e = j.at("embedding");
    EmbeddingEntry entry;
    entry.file = model_file(e, "embedding", dir, file);
    entry.dim = number<std::size_t>(e, "dim", "embedding.", file);
    entry.radius = number<float>(e, "radius", "embedding.", file);
    entry.max_neighbours = e.contains("max_neighbours")
                               ? number<std::size_t>(e, "max_neighbours", "embedding.", file)
                               : entry.max_neighbours;
    if (entry.dim == 0) throw ModelError(file + ": 'embedding.dim' must be positive");
    if (!(entry.radius > 0)) throw ModelError(file + ": 'embedding.radius' must be positive");
    if (present(entry.file, "embedding")) set.embedding = entry;
  }
  for (const char* stage : {"filter", "gnn"}) {
    if (!j.contains(stage)) continue;
    const auto& e = j.at(stage);
    ClassifierEntry entry;
    entry.file = model_file(e, stage, dir, file);
    entry.cut = number<float>(e, "cut", std::string(stage) + ".", file);
    if (!(entry.cut >= 0.0F && entry.cut <= 1.0F)) {
      throw ModelError(file + ": '" + std::string(stage) + ".cut' must be in [0, 1]");
    }
    if (e.contains("receptive_hops")) {
      entry.receptive_hops = number<std::size_t>(e, "receptive_hops", std::string(stage) + ".", file);
    }
    if (e.contains("hits_file") != e.contains("edges_file")) {
      throw ModelError(
          file + ": '" + std::string(stage) + "' names " +
          (e.contains("hits_file") ? "hits_file without edges_file" : "edges_file without hits_file") +
          " (a split network needs both parts)");
    }
    if (e.contains("hits_file")) {
      entry.hits_file = model_file(e, stage, dir, file, "hits_file");
      entry.edges_file = model_file(e, stage, dir, file, "edges_file");
      for (const auto* part : {&entry.hits_file, &entry.edges_file}) {
        if (std::filesystem::is_regular_file(*part)) continue;
        if (require_files) {
          throw ModelError(file + ": the " + std::string(stage) + " model's part " + part->string() +
                           " does not exist");
        }
        TRKX_LOG_INFO("{}: {} missing; the {} runs as the whole network {}", file, part->string(), stage,
                      entry.file.string());
        entry.hits_file.clear();
        entry.edges_file.clear();
        break;
      }
    }
    if (present(entry.file, stage)) (std::string(stage) == "filter" ? set.filter : set.gnn) = entry;
  }
  if (j.contains("track_selection")) {
    const auto& t = j.at("track_selection");
    if (!t.is_object())
      throw ModelError(file + ": field 'track_selection' must be an object, found " + t.dump());
    for (const auto& [key, value] : t.items()) {
      if (key != "note" && key != "min_track_hits" && key != "selected_min_hits" &&
          key != "selected_pt_min") {
        throw ModelError(file + ": unknown field 'track_selection." + key +
                         "' (expected min_track_hits, selected_min_hits, selected_pt_min or note)");
      }
    }
    if (t.contains("min_track_hits")) {
      set.min_track_hits = number<std::size_t>(t, "min_track_hits", "track_selection.", file);
    }
    if (t.contains("selected_min_hits")) {
      set.selected_min_hits = number<std::size_t>(t, "selected_min_hits", "track_selection.", file);
    }
    if (t.contains("selected_pt_min")) {
      const auto pt = number<double>(t, "selected_pt_min", "track_selection.", file);
      if (!(pt >= 0.0 && std::isfinite(pt))) {
        throw ModelError(
            file + ": field 'track_selection.selected_pt_min' must be a non-negative number [GeV], found " +
            t.at("selected_pt_min").dump());
      }
      set.selected_pt_min = pt;
    }
  }
  if (j.contains("track_building")) {
    const auto& t = j.at("track_building");
    if (!t.is_object())
      throw ModelError(file + ": field 'track_building' must be an object, found " + t.dump());
    for (const auto& [key, value] : t.items()) {
      if (key == "note") continue;
      set.track_building.emplace_back(key, number<double>(t, key, "track_building.", file));
    }
  }
  if (j.contains("training")) set.training_json = j.at("training").dump();
  return set;
}

void ModelSet::check_node_features(const std::vector<std::string>& produced) const {
  if (node_features != produced) {
    throw ModelError((dir / "pipeline.json").string() + ": node_features " + join(node_features) +
                     " differ from the features the HitFeatures stage produces " + join(produced));
  }
}

}  // namespace trkx
