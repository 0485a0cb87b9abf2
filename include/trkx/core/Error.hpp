#pragma once
/// @file Error.hpp
/// Exceptions with context. Input errors name the file, line and column and
/// what was expected versus found; they never abort the process.

#include <cstddef>
#include <stdexcept>
#include <string>

namespace trkx {

/// Base class of all trkx errors.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Malformed or inconsistent input data. what() is a one-line message
/// `FILE:LINE: column 'COL': MESSAGE` (parts omitted when unknown).
class InputError : public Error {
 public:
  InputError(std::string file, std::size_t line, std::string column, const std::string& message);
  [[nodiscard]] const std::string& file() const { return file_; }
  [[nodiscard]] std::size_t line() const { return line_; }  ///< 1-based; 0 = whole file
  [[nodiscard]] const std::string& column() const { return column_; }

 private:
  std::string file_;
  std::size_t line_;
  std::string column_;
};

/// A model file that does not match what a stage expects.
class ModelError : public Error {
 public:
  using Error::Error;
};

/// Records a failed check with its expression, file and line; used by
/// TRKX_CHECK. Out of line so that the check stays cheap.
[[noreturn]] void throw_check_failure(const char* expression, const char* file, int line,
                                      const std::string& message);

}  // namespace trkx

/// Throws trkx::Error with the expression, file and line when `cond` is false.
#define TRKX_CHECK(cond, message)                                        \
  do {                                                                   \
    if (!(cond)) {                                                       \
      ::trkx::throw_check_failure(#cond, __FILE__, __LINE__, (message)); \
    }                                                                    \
  } while (false)
