#pragma once
/// @file Embedding.hpp
/// Learned embedding stage: maps node features [N,F] to points [N,D] in a
/// space where hits of one particle are close (ONNX model, contract IO names
/// `node_features` -> `embedding`).

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "trkx/pipeline/Graph.hpp"
#include "trkx/pipeline/OnnxRuntime.hpp"

namespace trkx {

/// Runs embedding.onnx. The session is built once; run() is const and
/// thread-safe. Per-thread state (IO binding, reused buffers) lives in a
/// Workspace; pass one per thread to reuse it across events.
class Embedding {
 public:
  struct Config {
    OnnxConfig onnx;                  ///< threads, optimisation, memory mode, IO binding
    std::size_t chunk_rows = 200000;  ///< hits per ONNX call (0 = all at once). Small chunks keep the
                                      ///< [chunk, width] tensors in cache: 4096 rows were 2.2x faster
                                      ///< per hit than one call for the shipped embedding
                                      ///< (docs/measurements.md)
    std::size_t chunk_threads = 1;    ///< embed up to this many chunks at once, each ONNX call on the
                                      ///< thread that makes it (TBB; give the session
                                      ///< onnx.intra_op_threads = 1). Results do not depend on it.
  };

  /// Per-thread reusable state: the IO binding of the session.
  struct Workspace {
    std::optional<Ort::IoBinding> binding;
    std::size_t runs = 0;                           ///< ONNX calls made through this workspace (all lanes)
    std::vector<std::unique_ptr<Workspace>> lanes;  ///< chunk_threads > 1: one per concurrent call
  };

  /// Loads `file` and checks it: input node_features float32 [N, n_features],
  /// output embedding float32 [N, dim]. Throws trkx::ModelError on mismatch.
  Embedding(const std::filesystem::path& file, std::size_t n_features, std::size_t dim, Config config);
  [[nodiscard]] const Config& config() const { return config_; }
  [[nodiscard]] std::size_t dim() const { return dim_; }

  [[nodiscard]] std::unique_ptr<Workspace> make_workspace() const;
  /// Embedding of every row of `features` ([N x n_features]) -> [N x dim].
  /// `workspace` may be null (a temporary one is used).
  [[nodiscard]] Matrix run(const Matrix& features, Workspace* workspace = nullptr) const;

 private:
  /// Rows [start, start + n) of `features` into the same rows of `out`.
  void run_chunk(const Matrix& features, std::size_t start, std::size_t n, bool last, Workspace& workspace,
                 Matrix& out) const;

  Config config_;
  std::size_t n_features_;
  std::size_t dim_;
  std::unique_ptr<OnnxModel> model_;
};

}  // namespace trkx
