#include "trkx/pipeline/OnnxRuntime.hpp"

#include <algorithm>
#include <sstream>
#include <utility>

#include "trkx/core/Error.hpp"
#include "trkx/core/Logging.hpp"
#include "trkx/pipeline/OnnxCustomOps.hpp"

namespace trkx {

Ort::Env& ort_env() {
  static Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "trkx");
  return env;
}

OrtMemoryMode parse_memory_mode(const std::string& text) {
  if (text == "arena") return OrtMemoryMode::kArena;
  if (text == "release") return OrtMemoryMode::kRelease;
  if (text == "no-arena") return OrtMemoryMode::kNoArena;
  throw Error("unknown memory mode '" + text + "' (expected arena, release or no-arena)");
}

const char* to_string(OrtMemoryMode mode) {
  switch (mode) {
    case OrtMemoryMode::kArena:
      return "arena";
    case OrtMemoryMode::kRelease:
      return "release";
    case OrtMemoryMode::kNoArena:
      return "no-arena";
  }
  return "?";
}

namespace {

const char* type_name(ONNXTensorElementDataType type) {
  switch (type) {
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT:
      return "float32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_DOUBLE:
      return "float64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT64:
      return "int64";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT32:
      return "int32";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_FLOAT16:
      return "float16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BFLOAT16:
      return "bfloat16";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_BOOL:
      return "bool";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_UINT8:
      return "uint8";
    case ONNX_TENSOR_ELEMENT_DATA_TYPE_INT8:
      return "int8";
    default:
      return "other";
  }
}

struct Found {
  std::string name;
  bool is_tensor = false;
  ONNXTensorElementDataType type = ONNX_TENSOR_ELEMENT_DATA_TYPE_UNDEFINED;
  std::vector<std::int64_t> shape;
};

std::string describe_found(const Found& f) {
  return f.is_tensor ? f.name + " " + describe(f.type, f.shape) : f.name + " (not a tensor)";
}

std::string list_found(const std::vector<Found>& all) {
  std::string text;
  for (const auto& f : all) text += (text.empty() ? "" : ", ") + describe_found(f);
  return text.empty() ? "none" : text;
}

bool shape_matches(const std::vector<std::int64_t>& expected, const std::vector<std::int64_t>& found) {
  if (expected.size() != found.size()) return false;
  for (std::size_t d = 0; d < expected.size(); ++d) {
    if (expected[d] >= 0 && found[d] >= 0 && expected[d] != found[d]) return false;
  }
  return true;
}

void check(const std::filesystem::path& file, const char* kind, const TensorSpec& spec, const Found& found) {
  const std::string where = file.string() + ": " + kind + " '" + spec.name + "'";
  if (!found.is_tensor) throw ModelError(where + ": expected a tensor, found a non-tensor value");
  auto expected_shape = spec.shape;
  bool ok = found.type == spec.type && shape_matches(expected_shape, found.shape);
  if (!ok && spec.allow_trailing_unit_dim) {
    expected_shape.push_back(1);
    ok = found.type == spec.type && shape_matches(expected_shape, found.shape);
  }
  if (!ok) {
    std::string want = describe(spec.type, spec.shape);
    if (spec.allow_trailing_unit_dim) want += " or " + describe(spec.type, expected_shape);
    throw ModelError(where + ": expected " + want + " (-1 = dynamic), found " +
                     describe(found.type, found.shape));
  }
}

/// The model's metadata value kMaxThreadsKey as a positive int, 0 when absent.
int max_intra_op_threads(Ort::Session& session) {
  Ort::AllocatorWithDefaultOptions alloc;
  const auto meta = session.GetModelMetadata();
  const auto value = meta.LookupCustomMetadataMapAllocated(kMaxThreadsKey, alloc);
  if (!value) return 0;
  try {
    return std::max(0, std::stoi(value.get()));
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::string describe(ONNXTensorElementDataType type, const std::vector<std::int64_t>& shape) {
  std::ostringstream s;
  s << type_name(type) << " [";
  for (std::size_t d = 0; d < shape.size(); ++d) s << (d ? "," : "") << shape[d];
  s << "]";
  return s.str();
}

OnnxModel::OnnxModel(const std::filesystem::path& file, const OnnxConfig& config,
                     const std::vector<TensorSpec>& inputs, const std::vector<TensorSpec>& outputs,
                     bool all_outputs)
    : file_(file), config_(config) {
  if (!std::filesystem::is_regular_file(file)) throw ModelError(file.string() + ": model file not found");
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(config.intra_op_threads);
  options.SetInterOpNumThreads(config.inter_op_threads);
  options.SetExecutionMode(ExecutionMode::ORT_SEQUENTIAL);
  GraphOptimizationLevel level = GraphOptimizationLevel::ORT_ENABLE_ALL;
  switch (config.optimization_level) {
    case 0:
      level = GraphOptimizationLevel::ORT_DISABLE_ALL;
      break;
    case 1:
      level = GraphOptimizationLevel::ORT_ENABLE_BASIC;
      break;
    case 2:
      level = GraphOptimizationLevel::ORT_ENABLE_EXTENDED;
      break;
    case 99:
      level = GraphOptimizationLevel::ORT_ENABLE_ALL;
      break;
    default:
      throw Error("ONNX optimisation level must be 0, 1, 2 or 99, found " +
                  std::to_string(config.optimization_level));
  }
  options.SetGraphOptimizationLevel(level);
  if (config.memory == OrtMemoryMode::kNoArena) {
    options.DisableCpuMemArena();
  } else {
    options.EnableCpuMemArena();
  }
  add_trkx_custom_ops(options);
  options.AddConfigEntry("session.intra_op.allow_spinning", config.allow_spinning ? "1" : "0");
  if (!config.profile_prefix.empty()) options.EnableProfiling(config.profile_prefix.c_str());
  try {
    session_ = std::make_unique<Ort::Session>(ort_env(), file.c_str(), options);
    // A model may declare that it is only correct with at most k intra-op threads
    // (metadata kMaxThreadsKey, written by trkx_train.export: ONNX Runtime's CPU
    // ScatterND with reduction="add" loses updates when several threads share it; models
    // exported since session 15 use ai.trkx.ScatterAddRows instead, OnnxCustomOps.hpp).
    const int cap = max_intra_op_threads(*session_);
    if (cap > 0 && (config_.intra_op_threads <= 0 || config_.intra_op_threads > cap)) {
      TRKX_LOG_DEBUG("{}: model allows at most {} intra-op thread(s) ({} requested)", file.string(), cap,
                     config_.intra_op_threads);
      config_.intra_op_threads = cap;
      options.SetIntraOpNumThreads(cap);
      session_ = std::make_unique<Ort::Session>(ort_env(), file.c_str(), options);
    }
  } catch (const Ort::Exception& e) {
    throw ModelError(file.string() + ": ONNX Runtime cannot load the model: " + e.what());
  }

  Ort::AllocatorWithDefaultOptions alloc;
  const auto collect = [&](bool is_input) {
    std::vector<Found> all;
    const std::size_t n = is_input ? session_->GetInputCount() : session_->GetOutputCount();
    for (std::size_t i = 0; i < n; ++i) {
      Found f;
      f.name = is_input ? session_->GetInputNameAllocated(i, alloc).get()
                        : session_->GetOutputNameAllocated(i, alloc).get();
      const auto info = is_input ? session_->GetInputTypeInfo(i) : session_->GetOutputTypeInfo(i);
      f.is_tensor = info.GetONNXType() == ONNX_TYPE_TENSOR;
      if (f.is_tensor) {
        const auto tensor = info.GetTensorTypeAndShapeInfo();
        f.type = tensor.GetElementType();
        f.shape = tensor.GetShape();
      }
      all.push_back(std::move(f));
    }
    return all;
  };
  const auto model_inputs = collect(true);
  const auto model_outputs = collect(false);

  for (const auto& spec : inputs) {
    const Found* match = nullptr;
    for (const auto& f : model_inputs) {
      if (f.name == spec.name) match = &f;
    }
    if (match == nullptr) {
      throw ModelError(file.string() + ": input '" + spec.name + "' not found; expected " +
                       describe(spec.type, spec.shape) +
                       "; the model's inputs are: " + list_found(model_inputs));
    }
    check(file, "input", spec, *match);
    input_names_.push_back(spec.name);
  }
  for (const auto& f : model_inputs) {
    bool known = false;
    for (const auto& spec : inputs) known = known || spec.name == f.name;
    if (!known) {
      throw ModelError(file.string() + ": unexpected input " + describe_found(f) +
                       " (the stage feeds only the inputs of the model contract)");
    }
  }
  for (const auto& spec : outputs) {
    const Found* match = nullptr;
    for (const auto& f : model_outputs) {
      if (f.name == spec.name) match = &f;
    }
    if (match == nullptr) {
      throw ModelError(file.string() + ": output '" + spec.name + "' not found; expected " +
                       describe(spec.type, spec.shape) +
                       "; the model's outputs are: " + list_found(model_outputs));
    }
    check(file, "output", spec, *match);
    output_names_.push_back(spec.name);
    output_types_.push_back(match->type);
    output_shapes_.push_back(match->shape);
  }
  for (const auto& f : model_outputs) {
    if (!all_outputs || std::find(output_names_.begin(), output_names_.end(), f.name) != output_names_.end())
      continue;
    if (!f.is_tensor) throw ModelError(file.string() + ": output '" + f.name + "' is not a tensor");
    output_names_.push_back(f.name);
    output_types_.push_back(f.type);
    output_shapes_.push_back(f.shape);
  }
  for (const auto& n : input_names_) input_names_c_.push_back(n.c_str());
  for (const auto& n : output_names_) output_names_c_.push_back(n.c_str());
  shrink_options_.AddConfigEntry("memory.enable_memory_arena_shrinkage", "cpu:0");
  memory_info_ = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
}

OnnxModel::~OnnxModel() {
  if (config_.profile_prefix.empty() || !session_) return;
  try {
    Ort::AllocatorWithDefaultOptions alloc;
    (void)session_->EndProfilingAllocated(alloc);
  } catch (const Ort::Exception&) {
    // A profile that cannot be written must not turn into an exception in a destructor.
  }
}

}  // namespace trkx
