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
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "trkx/core/Error.hpp"

namespace trkx::io {

/// Reads a whole file into memory; gzip data (magic bytes 1f 8b) is inflated.
/// Throws trkx::InputError when the file is missing, unreadable or corrupt.
std::string read_file(const std::filesystem::path& file);

/// A whole file in memory for parsing: plain files are memory-mapped (no
/// copy), gzip files (magic bytes 1f 8b) are inflated. Move-only.
class FileBuffer {
 public:
  /// Throws trkx::InputError when the file is missing, unreadable or corrupt.
  explicit FileBuffer(const std::filesystem::path& file);
  ~FileBuffer();
  FileBuffer(FileBuffer&& other) noexcept;
  FileBuffer& operator=(FileBuffer&& other) noexcept;
  FileBuffer(const FileBuffer&) = delete;
  FileBuffer& operator=(const FileBuffer&) = delete;

  /// The (decompressed) contents.
  [[nodiscard]] std::string_view text() const { return text_; }

 private:
  void release() noexcept;
  std::string inflated_;     ///< gzip contents
  void* mapping_ = nullptr;  ///< mmap'ed plain file
  std::size_t mapped_size_ = 0;
  std::string_view text_;
};

/// Writes `data` to `file` atomically: a temporary file in the same directory
/// is written, then renamed over `file`. `gzip` compresses the data (zlib,
/// gzip container, fastest level). Missing parent directories are created. Throws
/// trkx::Error on failure (the temporary file is removed).
void write_file_atomic(const std::filesystem::path& file, std::string_view data, bool gzip = false);

/// Returns `text` quoted for an error message: at most ~40 characters, with
/// non-printable bytes escaped as \xNN, so that messages stay on one line.
std::string quote_for_message(std::string_view text);

/// The type a column is parsed as (Skip: not parsed, e.g. unknown columns).
enum class CsvType : std::uint8_t { Skip, UInt64, Int32, Int64, Float32, Float64 };

/// Maps a C++ type to its CsvType.
template <class T>
constexpr CsvType csv_type_of() {
  if constexpr (std::is_same_v<T, std::uint64_t>) {
    return CsvType::UInt64;
  } else if constexpr (std::is_same_v<T, std::int32_t>) {
    return CsvType::Int32;
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return CsvType::Int64;
  } else if constexpr (std::is_same_v<T, float>) {
    return CsvType::Float32;
  } else {
    static_assert(std::is_same_v<T, double>, "CSV columns are uint64, int32, int64, float or double");
    return CsvType::Float64;
  }
}

/// Row-by-row reader over CSV text held in memory (the text must outlive it).
/// Columns are declared with their type once; next() then parses every
/// declared column of a row in a single pass over its characters.
///
///   CsvReader csv(text, "event000001000-hits.csv");
///   const auto x = csv.require_column<float>("x");
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
  /// Declares column `name` to be parsed as T and returns its index; throws
  /// trkx::InputError (line 1) if the header has no such column.
  template <class T>
  std::size_t require_column(std::string_view name) {
    const std::size_t i = column_index_or_throw(name);
    types_[i] = csv_type_of<T>();
    return i;
  }

  /// Upper estimate of the number of data rows (for reserve()).
  [[nodiscard]] std::size_t estimated_rows() const { return estimated_rows_; }

  /// Advances to the next non-blank line and parses its declared columns.
  /// Returns false at the end of the text. Throws trkx::InputError if the
  /// line does not have one field per header column or a field is not a
  /// valid value of its column's type (floating values must be finite).
  bool next();

  /// 1-based line number of the current row.
  [[nodiscard]] std::size_t line() const { return line_; }
  /// 0-based index of the current data row.
  [[nodiscard]] std::size_t row() const { return row_; }
  /// 1-based line number of data row `row` (any row read so far).
  [[nodiscard]] std::size_t line_of_row(std::size_t row) const;

  // ---- bulk parsing (readers specialised to a column layout) ----
  /// Start of the next line to read.
  [[nodiscard]] const char* position() const { return pos_; }
  /// End of the region in which every line ends with '\n' and is followed by
  /// at least 16 more bytes of text, so that number scanners may read a few
  /// bytes past a line end without bounds checks (see src/io/NumberScan.hpp).
  [[nodiscard]] const char* unchecked_end() const { return unchecked_end_; }
  /// Moves past `rows` non-blank data lines that the caller parsed itself,
  /// ending at `p` (the start of the following line); next() continues there.
  void skip_parsed_rows(const char* p, std::size_t rows) {
    pos_ = p;
    line_ += rows;
    row_ += rows;
  }

  /// The parsed value of column `column` (declared as T) in the current row.
  template <class T>
  [[nodiscard]] T get(std::size_t column) const {
    const Value& v = values_[column];
    if constexpr (std::is_same_v<T, float>) {
      return v.f;
    } else if constexpr (std::is_same_v<T, double>) {
      return v.d;
    } else if constexpr (std::is_same_v<T, std::uint64_t>) {
      return v.u;
    } else {
      return static_cast<T>(v.i);
    }
  }

  /// The raw text of field `column` of the current row (slow; for messages).
  [[nodiscard]] std::string_view field_text(std::size_t column) const;

  /// Throws trkx::InputError for the current line and `column`.
  [[noreturn]] void fail(std::size_t column, const std::string& message) const;
  /// Throws trkx::InputError "expected EXPECTED, found 'FIELD'" for the current line.
  [[noreturn]] void fail_expected(std::size_t column, std::string_view expected) const;
  /// Throws trkx::InputError for a whole-file problem (no line).
  [[noreturn]] void fail_file(const std::string& column, const std::string& message) const;

 private:
  union Value {
    std::uint64_t u;
    std::int64_t i;
    float f;
    double d;
  };
  std::size_t column_index_or_throw(std::string_view name) const;
  template <bool kUnchecked>
  void parse_row(const char* p);
  template <bool kUnchecked>
  const char* parse_field(std::size_t column, const char* p);
  const char* parse_field_general(std::size_t column, const char* p);
  const char* parse_field_slow(std::size_t column, const char* p);
  [[noreturn]] void fail_field_count() const;
  static std::string_view trim(std::string_view s);

  std::string_view text_;
  std::string source_;
  std::vector<std::string> header_;
  std::vector<CsvType> types_;
  std::vector<Value> values_;
  std::vector<std::size_t> blank_before_row_;  ///< row index following each skipped blank line
  const char* pos_ = nullptr;
  const char* end_ = nullptr;
  const char* line_start_ = nullptr;
  const char* unchecked_end_ = nullptr;  ///< rows starting before it need no bounds checks
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

/// Appends one CSV row: the values separated by commas, then a newline.
template <class T, class... Ts>
void append_row(std::string& out, T first, Ts... rest) {
  append_number(out, first);
  ((out += ',', append_number(out, rest)), ...);
  out += '\n';
}

}  // namespace trkx::io
