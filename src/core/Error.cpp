#include "trkx/core/Error.hpp"

#include <string>

namespace trkx {
namespace {
std::string format_input_error(const std::string& file, std::size_t line, const std::string& column,
                               const std::string& message) {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!column.empty()) out += "column '" + column + "': ";
  out += message;
  return out;
}
}  // namespace

InputError::InputError(std::string file, std::size_t line, std::string column, const std::string& message)
    : Error(format_input_error(file, line, column, message)),
      file_(std::move(file)),
      line_(line),
      column_(std::move(column)) {}

void throw_check_failure(const char* expression, const char* file, int line, const std::string& message) {
  throw Error(message + " [check '" + expression + "' failed at " + file + ":" + std::to_string(line) + "]");
}

}  // namespace trkx
