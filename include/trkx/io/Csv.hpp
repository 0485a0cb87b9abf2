#pragma once
/// @file Csv.hpp
/// Generic, fast CSV reading and writing used by the TrackML readers.
///
/// Files are read whole into memory (gzip-compressed files, detected by their
/// magic bytes, are inflated transparently) and parsed in place with
/// std::from_chars; numbers are written with std::to_chars in the shortest
/// form that reads back to the identical value. The dialect is the plain one
/// TrackML uses: comma separated, one header line naming the columns, no
/// quoting; `\r\n` line ends, a UTF-8 byte-order mark and blank lines are
/// tolerated. Every malformed field throws trkx::InputError with the file,
/// line, column, what was expected and what was found.

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "trkx/core/Error.hpp"

namespace trkx::io {

/// Reads a whole file into memory; gzip data (magic bytes 1f 8b) is inflated.
/// Throws trkx::InputError when the file is missing, unreadable or corrupt.
std::string read_file(const std::filesystem::path& file);

/// Writes `data` to `file` atomically: a temporary file in the same directory
/// is written, then renamed over `file`. `gzip` compresses the data (zlib,
/// gzip container). Missing parent directories are created. Throws
/// trkx::Error on failure (the temporary file is removed).
void write_file_atomic(const std::filesystem::path& file, std::string_view data, bool gzip = false);

/// Returns `text` quoted for an error message: at most ~40 characters, with
/// non-printable bytes escaped as \xNN, so that messages stay on one line.
std::string quote_for_message(std::string_view text);

/// Row-by-row reader over CSV text held in memory (the text must outlive it).
///
///   CsvReader csv(text, "event000001000-hits.csv");
///   const auto x = csv.require_column("x");
///   while (csv.next()) values.push_back(csv.get<float>(x));
class CsvReader {
 public:
  /// Parses the header line. `source` names the file in error messages.
  /// Throws trkx::InputError on an empty file or an invalid header.
  CsvReader(std::string_view text, std::string source);

  [[nodiscard]] const std::string& source() const { return source_; }
  [[nodiscard]] const std::vector<std::string>& header() const { return header_; }
  [[nodiscard]] std::size_t num_columns() const { return header_.size(); }

  /// Index of a column by name, or nullopt.
  [[nodiscard]] std::optional<std::size_t> find_column(std::string_view name) const;
  /// Index of a column by name; throws trkx::InputError (line 1) if absent.
  [[nodiscard]] std::size_t require_column(std::string_view name) const;

  /// Upper bound on the number of data rows (for reserve()).
  [[nodiscard]] std::size_t estimated_rows() const { return estimated_rows_; }

  /// Advances to the next non-blank line and splits it into fields. Returns
  /// false at the end of the text. Throws trkx::InputError if the line does
  /// not have exactly one field per header column.
  bool next();

  /// 1-based line number of the current row.
  [[nodiscard]] std::size_t line() const { return line_; }
  /// 0-based index of the current data row.
  [[nodiscard]] std::size_t row() const { return row_; }
  /// 1-based line number of data row `row` (any row read so far).
  [[nodiscard]] std::size_t line_of_row(std::size_t row) const;

  /// The raw text of field `column` of the current row.
  [[nodiscard]] std::string_view field(std::size_t column) const { return fields_[column]; }

  /// Parses field `column` of the current row as T (an integer or floating
  /// type). Floating values must be finite; integers must fit into T.
  template <class T>
  [[nodiscard]] T get(std::size_t column) const;

  /// Throws trkx::InputError for the current line and `column`.
  [[noreturn]] void fail(std::size_t column, const std::string& message) const;
  /// Throws trkx::InputError "expected EXPECTED, found 'FIELD'" for the current line.
  [[noreturn]] void fail_expected(std::size_t column, std::string_view expected) const;
  /// Throws trkx::InputError for a whole-file problem (no line).
  [[noreturn]] void fail_file(const std::string& column, const std::string& message) const;

 private:
  [[noreturn]] void fail_field_count(std::size_t found) const;
  static std::string_view trim(std::string_view s);

  std::string_view text_;
  std::string source_;
  std::vector<std::string> header_;
  std::vector<std::string_view> fields_;
  std::vector<std::size_t> blank_before_row_;  ///< row index following each skipped blank line
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  std::size_t line_ = 1;
  std::size_t row_ = static_cast<std::size_t>(-1);
  std::size_t estimated_rows_ = 0;
};

// ---- number formatting --------------------------------------------------

/// Appends `value` in the shortest form that reads back identically
/// (std::to_chars), e.g. "-64.4099", "1e-05", "4503668346847232".
template <class T>
void append_number(std::string& out, T value) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, result.ptr);
}

// ---- implementation of CsvReader::get -------------------------------------

namespace detail {
/// Parses all of `s` as T; returns false on any error. `out_of_range` is set
/// when the text is a number that does not fit into T.
template <class T>
bool parse_number(std::string_view s, T& value, bool& out_of_range) {
  out_of_range = false;
  const char* first = s.data();
  const char* last = first + s.size();
  if (first != last && *first == '+') {
    ++first;
    if (first != last && *first == '-') return false;
  }
  if (first == last) return false;
  if constexpr (std::is_floating_point_v<T>) {
    auto result = std::from_chars(first, last, value);
    if (result.ec == std::errc::result_out_of_range && result.ptr == last) {
      // Underflow (|x| below the smallest subnormal) reads as zero; overflow is an error.
      double wide = 0.0;
      result = std::from_chars(first, last, wide);
      if (result.ec == std::errc() && result.ptr == last && std::fabs(wide) <= 1.0) {
        value = static_cast<T>(std::signbit(wide) ? -0.0 : 0.0);
        return true;
      }
      out_of_range = true;
      return false;
    }
    return result.ec == std::errc() && result.ptr == last;
  } else {
    const auto result = std::from_chars(first, last, value);
    if (result.ec == std::errc::result_out_of_range && result.ptr == last) out_of_range = true;
    return result.ec == std::errc() && result.ptr == last;
  }
}

template <class T>
constexpr std::string_view number_kind() {
  if constexpr (std::is_floating_point_v<T>) {
    return "a number";
  } else if constexpr (std::is_unsigned_v<T>) {
    return "a non-negative integer";
  } else {
    return "an integer";
  }
}
}  // namespace detail

template <class T>
T CsvReader::get(std::size_t column) const {
  static_assert(std::is_arithmetic_v<T>, "CsvReader::get parses numbers");
  std::string_view s = fields_[column];
  T value{};
  bool out_of_range = false;
  if (!detail::parse_number(s, value, out_of_range)) [[unlikely]] {
    // Tolerate spaces around the number before giving up.
    const std::string_view trimmed = trim(s);
    if (trimmed.size() == s.size() || !detail::parse_number(trimmed, value, out_of_range)) {
      if (out_of_range) {
        fail_expected(column, std::is_floating_point_v<T>
                                  ? std::string_view("a number within floating-point range")
                                  : std::string_view("an integer within range"));
      }
      fail_expected(column, detail::number_kind<T>());
    }
  }
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(value)) [[unlikely]] {
      fail_expected(column, "a finite number");
    }
  }
  return value;
}

}  // namespace trkx::io
