#include "trkx/pipeline/Embedding.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <utility>

#include "Lanes.hpp"
#include "trkx/core/Error.hpp"

namespace trkx {

Embedding::Embedding(const std::filesystem::path& file, std::size_t n_features, std::size_t dim,
                     Config config)
    : config_(config), n_features_(n_features), dim_(dim) {
  const auto f = static_cast<std::int64_t>(n_features);
  const auto d = static_cast<std::int64_t>(dim);
  model_ = std::make_unique<OnnxModel>(
      file, config_.onnx,
      std::vector<TensorSpec>{{"node_features", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, {-1, f}}},
      std::vector<TensorSpec>{{"embedding", ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, {-1, d}}});
}

std::unique_ptr<Embedding::Workspace> Embedding::make_workspace() const {
  return std::make_unique<Workspace>();
}

Matrix Embedding::run(const Matrix& features, Workspace* workspace) const {
  if (features.cols != n_features_) {
    throw Error("Embedding: features have " + std::to_string(features.cols) + " columns, the model " +
                model_->file().string() + " expects " + std::to_string(n_features_));
  }
  Matrix out(features.rows, dim_);
  if (features.rows == 0) return out;
  std::unique_ptr<Workspace> temporary;
  if (workspace == nullptr) {
    temporary = make_workspace();
    workspace = temporary.get();
  }
  const std::size_t rows = features.rows;
  const std::size_t chunk = config_.chunk_rows == 0 ? rows : config_.chunk_rows;
  const std::size_t n_chunks = (rows + chunk - 1) / chunk;
  auto& lanes = workspace->lanes;
  detail::for_each_chunk_on_lanes(
      n_chunks, config_.chunk_threads, *workspace, lanes, [this] { return make_workspace(); },
      [&](std::size_t c, Workspace& lane) {
        const std::size_t start = c * chunk;
        run_chunk(features, start, std::min(chunk, rows - start), c + 1 == n_chunks, lane, out);
      });
  for (auto& lane : lanes) workspace->runs += std::exchange(lane->runs, 0);
  if (config_.onnx.memory != OrtMemoryMode::kArena) lanes.clear();
  return out;
}

void Embedding::run_chunk(const Matrix& features, std::size_t start, std::size_t n, bool last,
                          Workspace& workspace, Matrix& out) const {
  Ort::Session& session = model_->session();
  const std::array<std::int64_t, 2> in_shape = {static_cast<std::int64_t>(n),
                                                static_cast<std::int64_t>(n_features_)};
  const std::array<std::int64_t, 2> out_shape = {static_cast<std::int64_t>(n),
                                                 static_cast<std::int64_t>(dim_)};
  // ORT never writes to inputs; the const_cast only satisfies the C API.
  auto input = Ort::Value::CreateTensor<float>(model_->cpu_memory(), const_cast<float*>(features.row(start)),
                                               n * n_features_, in_shape.data(), in_shape.size());
  try {
    if (config_.onnx.io_binding) {
      if (!workspace.binding) workspace.binding.emplace(session);
      auto& binding = *workspace.binding;
      auto output = Ort::Value::CreateTensor<float>(model_->cpu_memory(), out.row(start), n * dim_,
                                                    out_shape.data(), out_shape.size());
      binding.ClearBoundInputs();
      binding.ClearBoundOutputs();
      binding.BindInput(model_->input_names()[0], input);
      binding.BindOutput(model_->output_names()[0], output);
      session.Run(model_->run_options(last), binding);
      binding.ClearBoundInputs();
      binding.ClearBoundOutputs();
    } else {
      auto outputs = session.Run(model_->run_options(last), model_->input_names().data(), &input, 1,
                                 model_->output_names().data(), 1);
      const auto shape = outputs[0].GetTensorTypeAndShapeInfo().GetShape();
      if (shape.size() != 2 || shape[0] != static_cast<std::int64_t>(n) ||
          shape[1] != static_cast<std::int64_t>(dim_)) {
        throw ModelError(model_->file().string() + ": output 'embedding' has shape " +
                         describe(ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT, shape) + ", expected [" +
                         std::to_string(n) + "," + std::to_string(dim_) + "]");
      }
      std::memcpy(out.row(start), outputs[0].GetTensorData<float>(), n * dim_ * sizeof(float));
    }
  } catch (const Ort::Exception& e) {
    throw ModelError(model_->file().string() + ": inference failed: " + e.what());
  }
  ++workspace.runs;
}

}  // namespace trkx
