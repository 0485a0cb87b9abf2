#include "trkx/core/Logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <string>

#include "trkx/core/Error.hpp"

namespace trkx {

std::shared_ptr<spdlog::logger> logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto l = spdlog::stderr_color_mt("trkx");
    l->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
    l->set_level(spdlog::level::info);
    return l;
  }();
  return instance;
}

void set_log_level(std::string_view level) {
  const auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") {
    throw Error("unknown log level '" + std::string(level) +
                "' (expected trace, debug, info, warn, error or off)");
  }
  logger()->set_level(parsed);
}

}  // namespace trkx
