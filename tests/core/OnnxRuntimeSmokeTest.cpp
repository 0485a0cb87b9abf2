// Smoke test of the ONNX Runtime C++ SDK found by the build: loads a tiny
// model (tests/data/tiny_mlp.onnx, written by make_tiny_model.py) and checks
// its output against the same arithmetic done here.
#include <gtest/gtest.h>
#include <onnxruntime_cxx_api.h>

#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace {

TEST(OnnxRuntime, RunsTinyMlp) {
  Ort::Env env(ORT_LOGGING_LEVEL_WARNING, "trkx-smoke");
  Ort::SessionOptions options;
  options.SetIntraOpNumThreads(1);
  const std::string path = std::string(TRKX_SOURCE_DIR) + "/tests/data/tiny_mlp.onnx";
  Ort::Session session(env, path.c_str(), options);

  ASSERT_EQ(session.GetInputCount(), 1U);
  ASSERT_EQ(session.GetOutputCount(), 1U);
  Ort::AllocatorWithDefaultOptions alloc;
  EXPECT_EQ(std::string(session.GetInputNameAllocated(0, alloc).get()), "x");
  EXPECT_EQ(std::string(session.GetOutputNameAllocated(0, alloc).get()), "y");

  const std::array<float, 6> w = {0.5F, -1.0F, 0.25F, 0.75F, -0.5F, 2.0F};
  const std::array<float, 2> b = {0.1F, -0.2F};
  std::vector<float> x = {1.0F, 2.0F, 3.0F, -1.0F, 0.5F, 0.0F};
  const std::array<int64_t, 2> shape = {2, 3};
  auto mem = Ort::MemoryInfo::CreateCpu(OrtArenaAllocator, OrtMemTypeDefault);
  auto input = Ort::Value::CreateTensor<float>(mem, x.data(), x.size(), shape.data(), shape.size());
  const char* in_names[] = {"x"};
  const char* out_names[] = {"y"};
  auto outputs = session.Run(Ort::RunOptions{nullptr}, in_names, &input, 1, out_names, 1);
  ASSERT_EQ(outputs.size(), 1U);
  const auto info = outputs[0].GetTensorTypeAndShapeInfo();
  ASSERT_EQ(info.GetShape(), (std::vector<int64_t>{2, 2}));
  const float* y = outputs[0].GetTensorData<float>();
  for (int row = 0; row < 2; ++row) {
    for (int col = 0; col < 2; ++col) {
      float z = b[col];
      for (int k = 0; k < 3; ++k) z += x[row * 3 + k] * w[k * 2 + col];
      EXPECT_NEAR(y[row * 2 + col], std::tanh(z), 1e-6) << "row " << row << " col " << col;
    }
  }
  EXPECT_FALSE(Ort::GetVersionString().empty());
}

}  // namespace
