#pragma once
/// @file OnnxRuntime.hpp
/// ONNX Runtime the way production users run it: one Ort::Env per process,
/// one Ort::Session per stage built once and reused, model inputs and outputs
/// checked at load (trkx::ModelError naming the file, the tensor, expected
/// versus found), configurable threads / graph optimisation / memory mode.

#include <onnxruntime_cxx_api.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace trkx {

/// Model metadata key: the most intra-op threads the model is correct with
/// (e.g. "1" for a graph with ScatterND reduction="add", which ONNX Runtime's CPU
/// kernel runs racily on several threads; trkx's exporter writes its own
/// ai.trkx.ScatterAddRows instead, OnnxCustomOps.hpp, which needs no cap). OnnxModel lowers
/// OnnxConfig::intra_op_threads to it.
inline constexpr const char* kMaxThreadsKey = "trkx_max_intra_op_threads";

/// The process-wide ONNX Runtime environment (created on first use; thread-safe).
Ort::Env& ort_env();

/// How ONNX Runtime memory is managed between events.
enum class OrtMemoryMode {
  kArena,    ///< keep ORT's CPU arena across calls: fastest, memory stays at the peak of the largest event
  kRelease,  ///< arena on, but shrunk after the last call of every event (run option
             ///< memory.enable_memory_arena_shrinkage = cpu:0): memory returns after each event
  kNoArena,  ///< CPU arena disabled: every tensor is malloc'ed and freed
};

/// Parses "arena", "release" or "no-arena"; throws trkx::Error otherwise.
OrtMemoryMode parse_memory_mode(const std::string& text);
const char* to_string(OrtMemoryMode mode);

/// Session settings shared by all ONNX stages.
struct OnnxConfig {
  int intra_op_threads = 1;     ///< threads per Run (0 = ORT default: one per core). Use 1 when
                                ///< running several events concurrently, the core count otherwise.
  int inter_op_threads = 1;     ///< parallel independent nodes; MLPs are sequential, 1 is right
  int optimization_level = 99;  ///< 0 disable all, 1 basic, 2 extended, 99 all (ORT levels)
  OrtMemoryMode memory = OrtMemoryMode::kArena;  ///< see OrtMemoryMode
  bool io_binding = true;       ///< Ort::IoBinding with reused buffers; false: plain Session::Run
  bool allow_spinning = false;  ///< intra-op threads spin-wait between ops: can help on idle cores,
                                ///< measured 2.3x slower (filter, 2 threads) when cores are shared
  std::string profile_prefix;   ///< non-empty: ONNX Runtime per-op profiling, written when the session
                                ///< closes to <prefix>_<date>.json (chrome://tracing format); off by default
};

/// Expected element type and shape of one model input or output. Dimensions
/// < 0 are dynamic (any size accepted); a model dimension that is dynamic in
/// the file is accepted for any expected size.
struct TensorSpec {
  std::string name;
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT;
  std::vector<std::int64_t> shape;
  bool allow_trailing_unit_dim = false;  ///< also accept shape + [1] (e.g. [E] or [E,1])
};

/// Human-readable "float32 [-1,8]".
std::string describe(ONNXTensorElementDataType type, const std::vector<std::int64_t>& shape);

/// One ONNX model file loaded into a session. Checks at construction that the
/// model's inputs are exactly `inputs` (names, element types, ranks, static
/// dimensions) and that it has every output in `outputs`; throws
/// trkx::ModelError otherwise. With `all_outputs`, every further output of the
/// file is added after those (file order) to output_names() / output_shape().
/// Run() on the session is thread-safe. Honours the
/// model's kMaxThreadsKey metadata (config().intra_op_threads is the value used).
class OnnxModel {
 public:
  OnnxModel(const std::filesystem::path& file, const OnnxConfig& config,
            const std::vector<TensorSpec>& inputs, const std::vector<TensorSpec>& outputs,
            bool all_outputs = false);
  OnnxModel(const OnnxModel&) = delete;
  OnnxModel& operator=(const OnnxModel&) = delete;
  OnnxModel(OnnxModel&&) = delete;
  OnnxModel& operator=(OnnxModel&&) = delete;
  /// Ends profiling (writes the profile file) when OnnxConfig::profile_prefix was set.
  ~OnnxModel();

  [[nodiscard]] const std::filesystem::path& file() const { return file_; }
  [[nodiscard]] const OnnxConfig& config() const { return config_; }
  [[nodiscard]] Ort::Session& session() const { return *session_; }
  /// Rank of output `k` (as in the `outputs` list) found in the model.
  [[nodiscard]] std::size_t output_rank(std::size_t k) const { return output_shapes_.at(k).size(); }
  /// Element type and shape of output `k` as found in the model (-1: dynamic dimension).
  [[nodiscard]] ONNXTensorElementDataType output_type(std::size_t k) const { return output_types_.at(k); }
  [[nodiscard]] const std::vector<std::int64_t>& output_shape(std::size_t k) const {
    return output_shapes_.at(k);
  }
  /// Names as passed in (and as found in the model) for Run().
  [[nodiscard]] const std::vector<const char*>& input_names() const { return input_names_c_; }
  [[nodiscard]] const std::vector<const char*>& output_names() const { return output_names_c_; }
  /// Run options for a call; `last_of_event` selects arena shrinkage in kRelease mode.
  [[nodiscard]] const Ort::RunOptions& run_options(bool last_of_event) const {
    return last_of_event && config_.memory == OrtMemoryMode::kRelease ? shrink_options_ : plain_options_;
  }
  [[nodiscard]] const Ort::MemoryInfo& cpu_memory() const { return memory_info_; }

 private:
  std::filesystem::path file_;
  OnnxConfig config_;
  std::unique_ptr<Ort::Session> session_;
  std::vector<std::string> input_names_, output_names_;
  std::vector<const char*> input_names_c_, output_names_c_;
  std::vector<ONNXTensorElementDataType> output_types_;
  std::vector<std::vector<std::int64_t>> output_shapes_;
  Ort::RunOptions plain_options_;
  Ort::RunOptions shrink_options_;
  Ort::MemoryInfo memory_info_{nullptr};
};

}  // namespace trkx
