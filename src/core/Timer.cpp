#include "trkx/core/Timer.hpp"

#include <fstream>
#include <string>

namespace trkx {
namespace {
std::size_t read_status_kib(const char* key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  const std::string prefix = std::string(key) + ":";
  while (std::getline(status, line)) {
    if (line.rfind(prefix, 0) == 0) return std::stoull(line.substr(prefix.size()));
  }
  return 0;
}
}  // namespace

std::size_t peak_rss_bytes() { return read_status_kib("VmHWM") * 1024; }
std::size_t current_rss_bytes() { return read_status_kib("VmRSS") * 1024; }

}  // namespace trkx
