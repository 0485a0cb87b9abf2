#include "trkx/core/Error.hpp"

#include <string>

namespace trkx {
namespace {
std::string format_input_error(const std::string& file, std::size_t line, const std::string& column,
                               const std::string& message) {
  // Built with append() only: GCC 12 at -O3 reports a false -Wrestrict on
  // chains of operator+ with string literals.
  std::string out = file;
  if (line > 0) {
    out.append(":").append(std::to_string(line));
  }
  out.append(": ");
  if (!column.empty()) {
    out.append("column '").append(column).append("': ");
  }
  out.append(message);
  return out;
}
}  // namespace

InputError::InputError(std::string file, std::size_t line, std::string column, const std::string& message)
    : Error(format_input_error(file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(std::move(column)) {}

void throw_check_failure(const char* expression, const char* file, int line, const std::string& message) {
  std::string what = message;
  what.append(" [check '").append(expression).append("' failed at ").append(file).append(":");
  what.append(std::to_string(line)).append("]");
  throw Error(what);
}

}  // namespace trkx
