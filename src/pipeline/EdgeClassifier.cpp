#include "trkx/pipeline/EdgeClassifier.hpp"

#include <tbb/parallel_for.h>
#include <tbb/task_arena.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>
#include <string>
#include <utility>

#include "Lanes.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"

namespace trkx {

EdgeClassifier::EdgeClassifier(const std::filesystem::path& file, std::size_t n_features, Config config,
                               const std::filesystem::path& hits_file)
    : config_(config), n_features_(n_features) {
  const auto f = static_cast<std::int64_t>(n_features);
  TensorSpec score{"edge_score", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, {-1}};
  score.allow_trailing_unit_dim = true;
  const TensorSpec features{"node_features", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, {-1, f}};
  std::vector<TensorSpec> inputs{features};
  if (!hits_file.empty()) {
    // The hit part: every output a float [N, w] tensor, which the edge part takes as its inputs.
    // One intra-op thread per call, the row chunks spread over lanes (run_hits): ONNX Runtime's
    // GEMM on several threads may round a hit's sums differently, and the scores are to be the
    // same whichever threading the caller chose.
    OnnxConfig hits = config_.onnx;
    hits.intra_op_threads = 1;
    if (!hits.profile_prefix.empty()) hits.profile_prefix += "-hits";
    hits_model_ = std::make_unique<OnnxModel>(hits_file, hits, std::vector<TensorSpec>{features},
                                              std::vector<TensorSpec>{}, /*all_outputs=*/true);
    inputs.clear();
    const auto& names = hits_model_->output_names();
    if (names.empty()) throw ModelError(hits_file.string() + ": the hit part has no outputs");
    for (std::size_t k = 0; k < names.size(); ++k) {
      const auto& shape = hits_model_->output_shape(k);
      if (hits_model_->output_type(k) != ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT || shape.size() != 2 ||
          shape[1] <= 0) {
        throw ModelError(hits_file.string() + ": hit-part output '" + names[k] + "' is " +
                         describe(hits_model_->output_type(k), shape) +
                         ", expected float32 [N, w] with a static width w");
      }
      hit_widths_.push_back(static_cast<std::size_t>(shape[1]));
      inputs.push_back({names[k], ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, {-1, shape[1]}});
    }
  }
  inputs.push_back({"edge_index", ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64, {2, -1}});
  model_ = std::make_unique<OnnxModel>(file, config_.onnx, inputs, std::vector<TensorSpec>{score});
  if (config_.partitions > 1 && config_.whole_graph_threads > 1) {
    OnnxConfig whole = config_.onnx;
    whole.intra_op_threads = config_.whole_graph_threads;
    if (!whole.profile_prefix.empty()) whole.profile_prefix += "-whole";
    whole_model_ = std::make_unique<OnnxModel>(file, whole, inputs, std::vector<TensorSpec>{score});
    // A model capped to one intra-op thread (kMaxThreadsKey) gains nothing from it.
    if (whole_model_->config().intra_op_threads <= 1) whole_model_.reset();
  }
}

std::unique_ptr<EdgeClassifier::Workspace> EdgeClassifier::make_workspace() const {
  return std::make_unique<Workspace>();
}

EdgeList EdgeClassifier::classify(const Matrix& features, const EdgeList& edges, Workspace* workspace) const {
  if (features.cols != n_features_) {
    throw Error("EdgeClassifier: features have " + std::to_string(features.cols) + " columns, the model " +
                model_->file().string() + " expects " + std::to_string(n_features_));
  }
  EdgeList out;
  out.src = edges.src;
  out.dst = edges.dst;
  out.score.assign(edges.size(), 0.0F);
  const std::size_t n_edges = edges.size();
  if (n_edges == 0 || features.rows == 0) return out;
  const auto n_nodes = static_cast<std::int64_t>(features.rows);
  for (std::size_t e = 0; e < n_edges; ++e) {
    if (edges.src[e] < 0 || edges.src[e] >= n_nodes || edges.dst[e] < 0 || edges.dst[e] >= n_nodes) {
      throw Error("EdgeClassifier: edge " + std::to_string(e) + " (" + std::to_string(edges.src[e]) + " -> " +
                  std::to_string(edges.dst[e]) + ") refers to a node outside 0.." +
                  std::to_string(n_nodes - 1));
    }
  }
  std::unique_ptr<Workspace> temporary;
  if (workspace == nullptr) {
    temporary = make_workspace();
    workspace = temporary.get();
  }
  const std::size_t chunk = config_.chunk_edges == 0 ? n_edges : config_.chunk_edges;
  const std::size_t n_chunks = (n_edges + chunk - 1) / chunk;
  const bool partition = config_.chunk_edges == 0 && config_.partitions > 1 && config_.halo_hops > 0 &&
                         n_edges >= std::max<std::size_t>(config_.min_partition_edges, 2);
  workspace->parts = 0;
  workspace->part_edges = 0;
  try {
    if (hits_model_) run_hits(features, *workspace);
    const auto* hit_rows = hits_model_ ? &workspace->hit_rows : nullptr;
    if (partition) {
      classify_partitioned(features, edges, *workspace, out);
    } else {
      // Each lane owns its IO binding and buffers (Lanes.hpp).
      auto& lanes = workspace->lanes;
      detail::for_each_chunk_on_lanes(
          n_chunks, config_.chunk_threads, *workspace, lanes, [this] { return make_workspace(); },
          [&](std::size_t c, Workspace& lane) {
            const std::size_t begin = c * chunk;
            classify_chunk(features, edges, begin, std::min(chunk, n_edges - begin), c + 1 == n_chunks, lane,
                           out, nullptr, hit_rows);
          });
      for (auto& lane : lanes) {
        workspace->runs += std::exchange(lane->runs, 0);
        workspace->nodes_fed += std::exchange(lane->nodes_fed, 0);
      }
    }
  } catch (const Ort::Exception& e) {
    throw ModelError(model_->file().string() + ": inference failed: " + e.what());
  }
  if (config_.onnx.memory != OrtMemoryMode::kArena) {
    release_buffers(*workspace);
    workspace->lanes.clear();
  }
  return out;
}

void EdgeClassifier::classify_partitioned(const Matrix& features, const EdgeList& edges, Workspace& ws,
                                          EdgeList& out) const {
  const auto* hit_rows = hits_model_ ? &ws.hit_rows : nullptr;
  const std::size_t n_edges = edges.size();
  const std::size_t n_nodes = features.rows;
  const std::size_t col = config_.partition_column;
  if (col >= n_features_) {
    throw Error("EdgeClassifier: partition_column " + std::to_string(col) + " is not a feature column (0.." +
                std::to_string(n_features_ - 1) + ")");
  }
  const auto key = [&](std::int64_t v) {
    return features.data[static_cast<std::size_t>(v) * n_features_ + col];
  };
  // Cut values: quantiles of the source hits' keys, so that the parts own about as many edges
  // each. An edge belongs to the part of its source hit.
  const std::size_t n_parts = std::min(config_.partitions, n_edges);
  std::vector<float> cuts;
  {
    std::vector<float> keys(n_edges);
    for (std::size_t e = 0; e < n_edges; ++e) keys[e] = key(edges.src[e]);
    for (std::size_t k = 1; k < n_parts; ++k) {
      const auto nth = keys.begin() + static_cast<std::ptrdiff_t>(k * n_edges / n_parts);
      std::nth_element(keys.begin(), nth, keys.end());
      cuts.push_back(*nth);
    }
  }
  std::vector<std::uint32_t> owner(n_edges);
  for (std::size_t e = 0; e < n_edges; ++e) {
    owner[e] = static_cast<std::uint32_t>(std::upper_bound(cuts.begin(), cuts.end(), key(edges.src[e])) -
                                          cuts.begin());
  }
  // Undirected adjacency (CSR) for the halo search.
  std::vector<std::size_t> offset(n_nodes + 1, 0);
  for (std::size_t e = 0; e < n_edges; ++e) {
    ++offset[static_cast<std::size_t>(edges.src[e]) + 1];
    ++offset[static_cast<std::size_t>(edges.dst[e]) + 1];
  }
  for (std::size_t v = 0; v < n_nodes; ++v) offset[v + 1] += offset[v];
  std::vector<std::int64_t> adjacent(2 * n_edges);
  {
    std::vector<std::size_t> fill(offset.begin(), offset.end() - 1);
    for (std::size_t e = 0; e < n_edges; ++e) {
      adjacent[fill[static_cast<std::size_t>(edges.src[e])]++] = edges.dst[e];
      adjacent[fill[static_cast<std::size_t>(edges.dst[e])]++] = edges.src[e];
    }
  }
  auto& lanes = ws.lanes;
  while (lanes.size() < n_parts) lanes.push_back(make_workspace());
  tbb::task_arena arena(static_cast<int>(n_parts));
  // 1. Every part's hits: those of its own edges and the halo within halo_hops hops; and how
  // many edges the part holds (both ends marked). The edge lists are only built in 2b.
  std::vector<std::size_t> held_by(n_parts, 0);
  const auto in_part = [&](const Workspace& lane, std::size_t e) {
    return lane.in_part[static_cast<std::size_t>(edges.src[e])] != 0 &&
           lane.in_part[static_cast<std::size_t>(edges.dst[e])] != 0;
  };
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, n_parts, [&](std::size_t k) {
      Workspace& lane = *lanes[k];
      auto& mark = lane.in_part;
      mark.assign(n_nodes, 0);
      std::vector<std::int64_t> frontier;
      std::vector<std::int64_t> next;
      for (std::size_t e = 0; e < n_edges; ++e) {
        if (owner[e] != k) continue;
        for (const std::int64_t v : {edges.src[e], edges.dst[e]}) {
          if (mark[static_cast<std::size_t>(v)] == 0) {
            mark[static_cast<std::size_t>(v)] = 1;
            frontier.push_back(v);
          }
        }
      }
      if (frontier.empty()) return;  // a part without edges (many equal keys)
      for (std::size_t hop = 0; hop < config_.halo_hops && !frontier.empty(); ++hop) {
        next.clear();
        for (const std::int64_t v : frontier) {
          const auto u = static_cast<std::size_t>(v);
          for (std::size_t j = offset[u]; j < offset[u + 1]; ++j) {
            const auto w = static_cast<std::size_t>(adjacent[j]);
            if (mark[w] == 0) {
              mark[w] = 1;
              next.push_back(adjacent[j]);
            }
          }
        }
        std::swap(frontier, next);
      }
      for (std::size_t e = 0; e < n_edges; ++e) held_by[k] += in_part(lane, e) ? 1 : 0;
    });
  });
  const std::size_t held = std::accumulate(held_by.begin(), held_by.end(), std::size_t{0});
  ws.part_edges = held;
  // 2a. Halos covering most of the graph: one call on the whole graph, on the
  // multi-threaded session, does less work than the parts together.
  if (whole_model_ && static_cast<double>(held) > config_.max_part_overlap * static_cast<double>(n_edges)) {
    TRKX_LOG_DEBUG(
        "{}: the {} parts' halos hold {:.2f}x the graph's {} edges: the whole graph in one call on {} "
        "threads",
        model_->file().filename().string(), n_parts, static_cast<double>(held) / static_cast<double>(n_edges),
        n_edges, whole_model_->config().intra_op_threads);
    if (!ws.whole) ws.whole = make_workspace();
    classify_chunk(features, edges, 0, n_edges, true, *ws.whole, out, whole_model_.get(), hit_rows);
    ws.runs += std::exchange(ws.whole->runs, 0);
    ws.nodes_fed += std::exchange(ws.whole->nodes_fed, 0);
    if (config_.onnx.memory != OrtMemoryMode::kArena) release_buffers(*ws.whole);
    return;
  }
  // 2b. The parts at once; each edge takes its score from the part that owns it.
  arena.execute([&] {
    tbb::parallel_for(std::size_t{0}, n_parts, [&](std::size_t k) {
      Workspace& lane = *lanes[k];
      // The part: every edge between marked hits, in the original order.
      lane.part.src.clear();
      lane.part.dst.clear();
      lane.part_edge_id.clear();
      if (held_by[k] == 0) return;
      lane.part.src.reserve(held_by[k]);
      lane.part.dst.reserve(held_by[k]);
      lane.part_edge_id.reserve(held_by[k]);
      for (std::size_t e = 0; e < n_edges; ++e) {
        if (!in_part(lane, e)) continue;
        lane.part.src.push_back(edges.src[e]);
        lane.part.dst.push_back(edges.dst[e]);
        lane.part_edge_id.push_back(e);
      }
      lane.part.score.assign(lane.part.size(), 0.0F);
      classify_chunk(features, lane.part, 0, lane.part.size(), true, lane, lane.part, nullptr, hit_rows);
      for (std::size_t j = 0; j < lane.part_edge_id.size(); ++j) {
        const std::size_t e = lane.part_edge_id[j];
        if (owner[e] == k) out.score[e] = lane.part.score[j];
      }
    });
  });
  for (std::size_t k = 0; k < n_parts; ++k) {
    auto& lane = lanes[k];
    if (!lane->part_edge_id.empty()) ++ws.parts;
    ws.runs += std::exchange(lane->runs, 0);
    ws.nodes_fed += std::exchange(lane->nodes_fed, 0);
  }
}

void EdgeClassifier::release_buffers(Workspace& ws) {
  std::vector<std::int64_t>().swap(ws.edge_index);
  std::vector<std::int32_t>().swap(ws.node_slot);
  std::vector<std::int64_t>().swap(ws.chunk_nodes);
  std::vector<float>().swap(ws.chunk_features);
  std::vector<std::vector<float>>().swap(ws.hit_rows);
}

void EdgeClassifier::run_hits(const Matrix& features, Workspace& ws) const {
  const OnnxModel& m = *hits_model_;
  const std::size_t n = features.rows;
  auto& rows = ws.hit_rows;
  rows.resize(hit_widths_.size());
  for (std::size_t k = 0; k < rows.size(); ++k) {
    if (rows[k].size() < n * hit_widths_[k]) rows[k].resize(n * hit_widths_[k]);  // grow-only
  }
  const std::size_t chunk = std::max<std::size_t>(1, config_.hit_rows);
  const std::size_t n_chunks = (n + chunk - 1) / chunk;
  const auto& mem = m.cpu_memory();
  // As many lanes as the edge part uses threads: its chunk lanes, or its intra-op threads.
  const int intra = config_.onnx.intra_op_threads;
  const auto threads = static_cast<std::size_t>(intra > 0 ? intra : tbb::this_task_arena::max_concurrency());
  detail::for_each_chunk_on_lanes(
      n_chunks, std::max(config_.chunk_threads, threads), ws, ws.lanes, [this] { return make_workspace(); },
      [&](std::size_t c, Workspace& /*lane*/) {
        const std::size_t begin = c * chunk;
        const std::size_t count = std::min(chunk, n - begin);
        const std::array<std::int64_t, 2> in_shape = {static_cast<std::int64_t>(count),
                                                      static_cast<std::int64_t>(n_features_)};
        // ORT never writes to inputs; the const_cast only satisfies the C API.
        auto input = Ort::Value::CreateTensor<float>(
            mem, const_cast<float*>(features.data.data() + begin * n_features_), count * n_features_,
            in_shape.data(), 2);
        std::vector<Ort::Value> outputs;
        outputs.reserve(rows.size());
        for (std::size_t k = 0; k < rows.size(); ++k) {
          const std::array<std::int64_t, 2> shape = {static_cast<std::int64_t>(count),
                                                     static_cast<std::int64_t>(hit_widths_[k])};
          outputs.push_back(Ort::Value::CreateTensor<float>(mem, rows[k].data() + begin * hit_widths_[k],
                                                            count * hit_widths_[k], shape.data(), 2));
        }
        m.session().Run(m.run_options(c + 1 == n_chunks), m.input_names().data(), &input, 1,
                        m.output_names().data(), outputs.data(), outputs.size());
      });
}

void EdgeClassifier::classify_chunk(const Matrix& features, const EdgeList& edges, std::size_t start,
                                    std::size_t n, bool last, Workspace& ws, EdgeList& out,
                                    const OnnxModel* model,
                                    const std::vector<std::vector<float>>* hit_rows) const {
  const OnnxModel& m = model != nullptr ? *model : *model_;
  Ort::Session& session = m.session();
  const auto& mem = m.cpu_memory();
  const auto n_cols = static_cast<std::int64_t>(n_features_);
  const bool compact = config_.compact_nodes && hit_rows == nullptr;
  if (ws.edge_index.size() < 2 * n) ws.edge_index.resize(2 * n);  // grow-only
  if (compact && ws.node_slot.size() < features.rows) ws.node_slot.resize(features.rows, -1);
  const bool rank2 = m.output_rank(0) == 2;
  if (config_.onnx.io_binding && !ws.binding) ws.binding.emplace(session);
  std::int64_t* index = ws.edge_index.data();
  const float* node_data = features.data.data();
  auto n_rows = static_cast<std::int64_t>(features.rows);
  if (compact) {
    // Renumber the chunk's nodes in order of first use and gather their rows.
    auto& slot = ws.node_slot;
    auto& nodes = ws.chunk_nodes;
    nodes.clear();
    const auto renumber = [&](const std::int64_t* ends, std::int64_t* renumbered) {
      for (std::size_t e = 0; e < n; ++e) {
        const auto v = static_cast<std::size_t>(ends[e]);
        if (slot[v] < 0) {
          slot[v] = static_cast<std::int32_t>(nodes.size());
          nodes.push_back(ends[e]);
        }
        renumbered[e] = slot[v];
      }
    };
    renumber(edges.src.data() + start, index);
    renumber(edges.dst.data() + start, index + n);
    auto& rows = ws.chunk_features;
    rows.resize(nodes.size() * n_features_);
    for (std::size_t k = 0; k < nodes.size(); ++k) {
      const auto v = static_cast<std::size_t>(nodes[k]);
      std::memcpy(rows.data() + k * n_features_, features.data.data() + v * n_features_,
                  n_features_ * sizeof(float));
      slot[v] = -1;  // ready for the next chunk
    }
    node_data = rows.data();
    n_rows = static_cast<std::int64_t>(nodes.size());
  } else {
    std::memcpy(index, edges.src.data() + start, n * sizeof(std::int64_t));
    std::memcpy(index + n, edges.dst.data() + start, n * sizeof(std::int64_t));
  }
  ws.nodes_fed += static_cast<std::size_t>(n_rows);
  // The node inputs (the features, or a split network's hit-part outputs), then edge_index, in
  // the order of m.input_names(). ORT never writes to inputs; the const_cast only satisfies the C API.
  std::vector<Ort::Value> inputs;
  if (hit_rows == nullptr) {
    const std::array<std::int64_t, 2> feature_shape = {n_rows, n_cols};
    inputs.push_back(Ort::Value::CreateTensor<float>(mem, const_cast<float*>(node_data),
                                                     static_cast<std::size_t>(n_rows) * n_features_,
                                                     feature_shape.data(), 2));
  } else {
    for (std::size_t k = 0; k < hit_rows->size(); ++k) {
      const std::array<std::int64_t, 2> shape = {n_rows, static_cast<std::int64_t>(hit_widths_[k])};
      inputs.push_back(Ort::Value::CreateTensor<float>(mem, const_cast<float*>((*hit_rows)[k].data()),
                                                       features.rows * hit_widths_[k], shape.data(), 2));
    }
  }
  const std::array<std::int64_t, 2> index_shape = {2, static_cast<std::int64_t>(n)};
  inputs.push_back(Ort::Value::CreateTensor<std::int64_t>(mem, index, 2 * n, index_shape.data(), 2));
  const std::array<std::int64_t, 2> score_shape = {static_cast<std::int64_t>(n), 1};
  if (config_.onnx.io_binding) {
    auto& binding = *ws.binding;
    auto score_tensor =
        Ort::Value::CreateTensor<float>(mem, out.score.data() + start, n, score_shape.data(), rank2 ? 2 : 1);
    binding.ClearBoundInputs();
    binding.ClearBoundOutputs();
    for (std::size_t k = 0; k < inputs.size(); ++k) binding.BindInput(m.input_names()[k], inputs[k]);
    binding.BindOutput(m.output_names()[0], score_tensor);
    session.Run(m.run_options(last), binding);
    binding.ClearBoundInputs();
    binding.ClearBoundOutputs();
  } else {
    auto outputs = session.Run(m.run_options(last), m.input_names().data(), inputs.data(), inputs.size(),
                               m.output_names().data(), 1);
    const auto count = outputs[0].GetTensorTypeAndShapeInfo().GetElementCount();
    if (count != n) {
      throw ModelError(m.file().string() + ": output 'edge_score' has " + std::to_string(count) +
                       " values for " + std::to_string(n) + " edges");
    }
    std::memcpy(out.score.data() + start, outputs[0].GetTensorData<float>(), n * sizeof(float));
  }
  ++ws.runs;
}

}  // namespace trkx
