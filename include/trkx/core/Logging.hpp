#pragma once
/// @file Logging.hpp
/// Process-wide logging with levels (spdlog), written to stderr so that
/// stdout stays clean for results.

#include <spdlog/spdlog.h>

#include <memory>
#include <string_view>

namespace trkx {

/// Log levels accepted on the command line: trace, debug, info, warn, error, off.
void set_log_level(std::string_view level);

/// The trkx logger (stderr, colour when stderr is a terminal).
std::shared_ptr<spdlog::logger> logger();

}  // namespace trkx

#define TRKX_LOG_DEBUG(...) ::trkx::logger()->debug(__VA_ARGS__)
#define TRKX_LOG_INFO(...) ::trkx::logger()->info(__VA_ARGS__)
#define TRKX_LOG_WARN(...) ::trkx::logger()->warn(__VA_ARGS__)
#define TRKX_LOG_ERROR(...) ::trkx::logger()->error(__VA_ARGS__)
