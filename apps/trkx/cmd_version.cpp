#include <onnxruntime_cxx_api.h>

#include <cstdio>

#include "Commands.hpp"

namespace trkx::cli {

void add_version_command(CLI::App& app) {
  auto* cmd = app.add_subcommand("version", "Print the trkx and ONNX Runtime versions");
  cmd->callback(
      [] { std::printf("trkx %s\nONNX Runtime %s\n", TRKX_VERSION, Ort::GetVersionString().c_str()); });
}

}  // namespace trkx::cli
