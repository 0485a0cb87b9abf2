#include "trkx/io/Csv.hpp"

#include "NumberScan.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>

namespace trkx::io {
namespace {

namespace fs = std::filesystem;

bool is_gzip(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

/// Inflates gzip data (possibly several concatenated members).
std::string gunzip(std::string_view in, const std::string& source) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 32) != Z_OK) throw InputError(source, 0, "", "cannot initialise zlib");
  std::string out;
  out.resize(std::max<std::size_t>(in.size() * 4, 1 << 16));
  std::size_t produced = 0;
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  for (;;) {
    if (produced == out.size()) out.resize(out.size() * 2);
    const std::size_t room = std::min<std::size_t>(out.size() - produced, 1U << 30);
    zs.next_out = reinterpret_cast<Bytef*>(out.data() + produced);
    zs.avail_out = static_cast<uInt>(room);
    const int ret = inflate(&zs, Z_NO_FLUSH);
    produced += room - zs.avail_out;
    if (ret == Z_STREAM_END) {
      // Another gzip member may follow (e.g. files concatenated with cat).
      if (zs.avail_in > 0 && zs.avail_in >= 2 && zs.next_in[0] == 0x1f && zs.next_in[1] == 0x8b) {
        inflateReset(&zs);
        continue;
      }
      break;
    }
    if (ret == Z_OK) continue;
    if (ret == Z_BUF_ERROR && zs.avail_in == 0) {
      inflateEnd(&zs);
      throw InputError(source, 0, "", "truncated gzip data (unexpected end of file)");
    }
    const std::string message = zs.msg != nullptr ? zs.msg : "error " + std::to_string(ret);
    inflateEnd(&zs);
    throw InputError(source, 0, "", "corrupt gzip data: " + message);
  }
  inflateEnd(&zs);
  out.resize(produced);
  return out;
}

std::string gzip_compress(std::string_view in, const std::string& target) {
  z_stream zs{};
  if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error(target + ": cannot initialise zlib");
  }
  std::string out;
  out.resize(deflateBound(&zs, static_cast<uLong>(in.size())) + 64);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  const int ret = deflate(&zs, Z_FINISH);
  const std::size_t produced = out.size() - zs.avail_out;
  deflateEnd(&zs);
  if (ret != Z_STREAM_END) throw Error(target + ": gzip compression failed");
  out.resize(produced);
  return out;
}

std::string errno_text() { return std::strerror(errno); }

}  // namespace

std::string read_file(const fs::path& file) {
  const std::string source = file.string();
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> fp(std::fopen(source.c_str(), "rb"), &std::fclose);
  if (!fp) {
    throw InputError(source, 0, "", errno == ENOENT ? "no such file" : "cannot open: " + errno_text());
  }
  std::error_code ec;
  if (fs::is_directory(file, ec)) throw InputError(source, 0, "", "is a directory, expected a file");
  std::string data;
  const auto size = fs::file_size(file, ec);
  if (!ec) data.reserve(static_cast<std::size_t>(size));
  std::size_t used = 0;
  data.resize(ec ? std::size_t{1} << 16 : static_cast<std::size_t>(size) + 1);
  for (;;) {
    if (used == data.size()) data.resize(data.size() * 2);
    const std::size_t got = std::fread(data.data() + used, 1, data.size() - used, fp.get());
    used += got;
    if (got == 0) {
      if (std::ferror(fp.get()) != 0) throw InputError(source, 0, "", "read error: " + errno_text());
      break;
    }
  }
  data.resize(used);
  if (is_gzip(data)) return gunzip(data, source);
  return data;
}

FileBuffer::FileBuffer(const fs::path& file) {
  const std::string source = file.string();
  const int fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    throw InputError(source, 0, "", errno == ENOENT ? "no such file" : "cannot open: " + errno_text());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    // Not a regular file (pipe, device, ...): read it the portable way.
    inflated_ = read_file(file);
    text_ = inflated_;
    return;
  }
  const auto size = static_cast<std::size_t>(st.st_size);
  if (size == 0) {
    ::close(fd);
    return;
  }
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) {
    inflated_ = read_file(file);
    text_ = inflated_;
    return;
  }
  mapping_ = map;
  mapped_size_ = size;
  text_ = std::string_view(static_cast<const char*>(map), size);
  if (is_gzip(text_)) {
    inflated_ = gunzip(text_, source);
    release();
    text_ = inflated_;
  }
}

FileBuffer::~FileBuffer() { release(); }

FileBuffer::FileBuffer(FileBuffer&& other) noexcept
    : inflated_(std::move(other.inflated_)), mapping_(other.mapping_), mapped_size_(other.mapped_size_) {
  text_ = mapping_ != nullptr ? other.text_ : std::string_view(inflated_);
  other.mapping_ = nullptr;
  other.mapped_size_ = 0;
  other.text_ = {};
}

FileBuffer& FileBuffer::operator=(FileBuffer&& other) noexcept {
  if (this != &other) {
    release();
    inflated_ = std::move(other.inflated_);
    mapping_ = other.mapping_;
    mapped_size_ = other.mapped_size_;
    text_ = mapping_ != nullptr ? other.text_ : std::string_view(inflated_);
    other.mapping_ = nullptr;
    other.mapped_size_ = 0;
    other.text_ = {};
  }
  return *this;
}

void FileBuffer::release() noexcept {
  if (mapping_ != nullptr) ::munmap(mapping_, mapped_size_);
  mapping_ = nullptr;
  mapped_size_ = 0;
}

void write_file_atomic(const fs::path& file, std::string_view data, bool gzip) {
  static std::atomic<unsigned> counter{0};
  const std::string target = file.string();
  std::error_code ec;
  if (file.has_parent_path()) {
    fs::create_directories(file.parent_path(), ec);
    if (ec) throw Error(target + ": cannot create directory: " + ec.message());
  }
  std::string compressed;
  if (gzip) {
    compressed = gzip_compress(data, target);
    data = compressed;
  }
  fs::path tmp = file;
  tmp += ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  const std::string tmp_name = tmp.string();
  std::FILE* fp = std::fopen(tmp_name.c_str(), "wb");
  if (fp == nullptr) throw Error(target + ": cannot create temporary file: " + errno_text());
  const bool written = std::fwrite(data.data(), 1, data.size(), fp) == data.size();
  const int write_errno = errno;
  const bool closed = std::fclose(fp) == 0;
  if (!written || !closed) {
    fs::remove(tmp, ec);
    throw Error(target + ": write failed: " + std::strerror(written ? errno : write_errno));
  }
  fs::rename(tmp, file, ec);
  if (ec) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw Error(target + ": cannot rename temporary file: " + ec.message());
  }
}

std::string quote_for_message(std::string_view text) {
  constexpr std::size_t kMax = 40;
  std::string out = "'";
  const std::size_t n = std::min(text.size(), kMax);
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    }
  }
  out += '\'';
  if (text.size() > kMax) out += "...";
  return out;
}

// ---- CsvReader ----------------------------------------------------------

namespace {

/// Parses all of `s` as T (slow path: allows a leading '+'); false on error.
/// `out_of_range` is set when the text is a number that does not fit into T.
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

using detail::digit;

/// Bounds-checked fast path for unsigned decimal integers of at most
/// `max_digits` digits (the last lines of a text, see CsvReader::unchecked_end).
/// Returns the end of the number, or nullptr when the general parser is needed.
inline const char* fast_unsigned(const char* p, const char* end, std::uint64_t& out,
                                 std::ptrdiff_t max_digits) {
  const char* start = p;
  std::uint64_t v = 0;
  while (p < end && p - start <= max_digits && digit(*p) < 10) {
    v = v * 10 + digit(*p);
    ++p;
  }
  const std::ptrdiff_t n = p - start;
  if (n == 0 || n > max_digits) return nullptr;
  out = v;
  return p;
}

/// Bounds-checked fast path for signed decimal integers of at most `max_digits` digits.
inline const char* fast_signed(const char* p, const char* end, std::int64_t& out, std::ptrdiff_t max_digits) {
  const bool negative = p < end && *p == '-';
  std::uint64_t u = 0;
  const char* q = fast_unsigned(p + (negative ? 1 : 0), end, u, max_digits);
  if (q == nullptr) return nullptr;
  out = negative ? -static_cast<std::int64_t>(u) : static_cast<std::int64_t>(u);
  return q;
}

/// Bounds-checked fast path for decimal floating-point text: the same syntax
/// as detail::scan_float, finished by detail::finish_float (Clinger's exact
/// fast path); nullptr for anything else.
template <class T>
inline const char* fast_float(const char* p, const char* end, T& out) {
  const bool negative = p < end && *p == '-';
  if (negative) ++p;
  std::uint64_t m = 0;
  const char* start = p;
  while (p < end && p - start < 20 && digit(*p) < 10) {
    m = m * 10 + digit(*p);
    ++p;
  }
  std::ptrdiff_t digits = p - start;
  int exp10 = 0;
  if (p < end && *p == '.') {
    ++p;
    const char* frac = p;
    while (p < end && digits + (p - frac) < 20 && digit(*p) < 10) {
      m = m * 10 + digit(*p);
      ++p;
    }
    digits += p - frac;
    exp10 = -static_cast<int>(p - frac);
  }
  if (digits == 0 || digits > 19) return nullptr;
  if (p < end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool exp_negative = false;
    if (p < end && (*p == '-' || *p == '+')) {
      exp_negative = *p == '-';
      ++p;
    }
    const char* exp_start = p;
    int e = 0;
    while (p < end && digit(*p) < 10 && p - exp_start < 4) {
      e = e * 10 + static_cast<int>(digit(*p));
      ++p;
    }
    if (p == exp_start || (p < end && digit(*p) < 10)) return nullptr;
    exp10 += exp_negative ? -e : e;
  }
  return detail::finish_float(negative, m, exp10, out) ? p : nullptr;
}

/// True if `q` ends a field: end of text, ',', '\n' or "\r\n" / final '\r'.
inline bool is_field_end(const char* q, const char* end) {
  if (q == end) return true;
  const char c = *q;
  return c == ',' || c == '\n' || (c == '\r' && (q + 1 == end || q[1] == '\n'));
}

}  // namespace

std::string_view CsvReader::trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

CsvReader::CsvReader(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {
  if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  pos_ = text_.data();
  end_ = pos_ + text_.size();
  if (text_.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    fail_file("", "empty file, expected a header line");
  }
  // Header: the first line (leading blank lines are not allowed).
  const char* nl = static_cast<const char*>(std::memchr(pos_, '\n', text_.size()));
  const char* line_end = nl != nullptr ? nl : end_;
  std::string_view header_line(pos_, static_cast<std::size_t>(line_end - pos_));
  pos_ = nl != nullptr ? nl + 1 : end_;
  if (trim(header_line).empty()) {
    throw InputError(source_, 1, "", "expected a header line, found an empty line");
  }
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = header_line.find(',', start);
    const std::string_view name = trim(header_line.substr(start, comma - start));
    if (name.empty()) {
      throw InputError(source_, 1, "", "header: expected a column name, found an empty field");
    }
    for (const auto& existing : header_) {
      if (existing == name) {
        throw InputError(source_, 1, std::string(name), "header: column name appears twice");
      }
    }
    header_.emplace_back(name);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  // Rows starting before unchecked_end_ end with a '\n' followed by at least
  // kScanPadding bytes: the scanners may read past their line without checks.
  unchecked_end_ = pos_;
  if (static_cast<std::size_t>(end_ - pos_) > detail::kScanPadding) {
    const auto span = static_cast<std::size_t>(end_ - pos_) - detail::kScanPadding;
    if (const void* last = ::memrchr(pos_, '\n', span)) unchecked_end_ = static_cast<const char*>(last) + 1;
  }
  types_.assign(header_.size(), CsvType::Skip);
  values_.assign(header_.size(), Value{0});
  // Estimate the row count from the first 64 KiB (exact for small texts).
  const auto remaining = static_cast<std::size_t>(end_ - pos_);
  const std::size_t sample = std::min<std::size_t>(remaining, 1 << 16);
  const auto lines = static_cast<std::size_t>(std::count(pos_, pos_ + sample, '\n'));
  estimated_rows_ = sample == remaining ? lines + 1
                                        : static_cast<std::size_t>(static_cast<double>(remaining) *
                                                                   static_cast<double>(lines + 1) /
                                                                   static_cast<double>(sample) * 1.05) +
                                              16;
}

std::optional<std::size_t> CsvReader::find_column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return std::nullopt;
}

std::size_t CsvReader::column_index_or_throw(std::string_view name) const {
  if (auto i = find_column(name)) return *i;
  std::string found;
  for (const auto& h : header_) found += (found.empty() ? "" : ",") + h;
  throw InputError(source_, 1, std::string(name),
                   "missing from the header, found " + quote_for_message(found));
}

// Inlined into next(): the per-field call and dispatch are on the hot path.
// kUnchecked: the row lies before unchecked_end_ (scanners need no bounds).
template <bool kUnchecked>
[[gnu::always_inline]] inline const char* CsvReader::parse_field(std::size_t column, const char* p) {
  Value& v = values_[column];
  const char* q = nullptr;
  switch (types_[column]) {
    case CsvType::Skip: {
      while ((kUnchecked || p < end_) && *p != ',' && *p != '\n') ++p;
      if (p[-1] == '\r' && (p == end_ || *p == '\n')) --p;
      return p;
    }
    case CsvType::Float32:
      q = kUnchecked ? detail::scan_float(p, v.f) : fast_float(p, end_, v.f);
      break;
    case CsvType::Float64:
      q = kUnchecked ? detail::scan_float(p, v.d) : fast_float(p, end_, v.d);
      break;
    case CsvType::UInt64:
      q = kUnchecked ? detail::scan_unsigned(p, v.u, 19) : fast_unsigned(p, end_, v.u, 19);
      break;
    case CsvType::Int64:
      q = kUnchecked ? detail::scan_signed(p, v.i, 18) : fast_signed(p, end_, v.i, 18);
      break;
    case CsvType::Int32:
      q = kUnchecked ? detail::scan_signed(p, v.i, 9) : fast_signed(p, end_, v.i, 9);
      break;
  }
  if (q != nullptr && is_field_end(q, end_)) [[likely]] {
    return q;
  }
  return parse_field_general(column, p);
}

const char* CsvReader::parse_field_general(std::size_t column, const char* p) {
  Value& v = values_[column];
  switch (types_[column]) {
    case CsvType::Skip:
      break;
    case CsvType::Float32: {
      const auto r = std::from_chars(p, end_, v.f);
      if (r.ec == std::errc() && is_field_end(r.ptr, end_) && std::isfinite(v.f)) return r.ptr;
      break;
    }
    case CsvType::Float64: {
      const auto r = std::from_chars(p, end_, v.d);
      if (r.ec == std::errc() && is_field_end(r.ptr, end_) && std::isfinite(v.d)) return r.ptr;
      break;
    }
    case CsvType::UInt64: {
      const auto r = std::from_chars(p, end_, v.u);
      if (r.ec == std::errc() && is_field_end(r.ptr, end_)) return r.ptr;
      break;
    }
    case CsvType::Int64: {
      const auto r = std::from_chars(p, end_, v.i);
      if (r.ec == std::errc() && is_field_end(r.ptr, end_)) return r.ptr;
      break;
    }
    case CsvType::Int32: {
      std::int32_t x = 0;
      const auto r = std::from_chars(p, end_, x);
      if (r.ec == std::errc() && is_field_end(r.ptr, end_)) {
        v.i = x;
        return r.ptr;
      }
      break;
    }
  }
  return parse_field_slow(column, p);
}

const char* CsvReader::parse_field_slow(std::size_t column, const char* p) {
  const char* fe = p;
  while (fe < end_ && *fe != ',' && *fe != '\n') ++fe;
  const char* stop = fe;
  if (stop > p && stop[-1] == '\r' && (stop == end_ || *stop == '\n')) --stop;
  const std::string_view text = trim(std::string_view(p, static_cast<std::size_t>(stop - p)));
  Value& v = values_[column];
  bool ok = false;
  bool out_of_range = false;
  const bool floating = types_[column] == CsvType::Float32 || types_[column] == CsvType::Float64;
  switch (types_[column]) {
    case CsvType::Float32:
      ok = parse_number(text, v.f, out_of_range) && std::isfinite(v.f);
      break;
    case CsvType::Float64:
      ok = parse_number(text, v.d, out_of_range) && std::isfinite(v.d);
      break;
    case CsvType::UInt64:
      ok = parse_number(text, v.u, out_of_range);
      break;
    case CsvType::Int64:
      ok = parse_number(text, v.i, out_of_range);
      break;
    case CsvType::Int32: {
      std::int32_t x = 0;
      ok = parse_number(text, x, out_of_range);
      v.i = x;
      break;
    }
    case CsvType::Skip:
      ok = true;
      break;
  }
  if (ok) return stop;
  // A missing or extra field explains a bad value better than the value does.
  std::size_t fields = 1;
  for (const char* q = line_start_; q < end_ && *q != '\n'; ++q) fields += *q == ',' ? 1 : 0;
  if (fields != header_.size()) fail_field_count();
  if (out_of_range) {
    fail_expected(column, floating ? "a number within floating-point range" : "an integer within range");
  }
  if (floating) {
    double d = 0;
    bool ignored = false;
    fail_expected(column, parse_number(text, d, ignored) ? "a finite number" : "a number");
  }
  fail_expected(column, types_[column] == CsvType::UInt64 ? "a non-negative integer" : "an integer");
}

template <bool kUnchecked>
[[gnu::always_inline]] inline void CsvReader::parse_row(const char* p) {
  const std::size_t ncols = header_.size();
  for (std::size_t c = 0;; ++c) {
    const char* q = parse_field<kUnchecked>(c, p);
    if (c + 1 < ncols) {
      if (q < end_ && *q == ',') [[likely]] {
        p = q + 1;
        continue;
      }
      fail_field_count();  // the line ended early
    }
    if (q < end_ && *q == '\r') ++q;
    if (q == end_) {
      pos_ = end_;
    } else if (*q == '\n') {
      pos_ = q + 1;
    } else {
      fail_field_count();  // more fields than columns
    }
    return;
  }
}

bool CsvReader::next() {
  for (;;) {
    if (pos_ >= end_) return false;
    ++line_;
    const char* p = pos_;
    if (*p == '\n' || (*p == '\r' && (p + 1 == end_ || p[1] == '\n'))) {
      // Blank line: skipped, but remembered so that rows map back to lines.
      pos_ = *p == '\n' ? p + 1 : std::min(p + 2, end_);
      blank_before_row_.push_back(row_ + 1);
      continue;
    }
    line_start_ = p;
    ++row_;
    if (p < unchecked_end_) [[likely]] {
      parse_row<true>(p);
    } else {
      parse_row<false>(p);
    }
    return true;
  }
}

std::size_t CsvReader::line_of_row(std::size_t row) const {
  // Blank lines before `row` shift it down; header is line 1.
  const auto blanks = static_cast<std::size_t>(
      std::upper_bound(blank_before_row_.begin(), blank_before_row_.end(), row) - blank_before_row_.begin());
  return row + 2 + blanks;
}

std::string_view CsvReader::field_text(std::size_t column) const {
  const char* p = line_start_;
  for (std::size_t c = 0; c < column && p < end_; ++c) {
    while (p < end_ && *p != ',' && *p != '\n') ++p;
    if (p < end_ && *p == ',') ++p;
  }
  const char* q = p;
  while (q < end_ && *q != ',' && *q != '\n') ++q;
  if (q > p && q[-1] == '\r' && (q == end_ || *q == '\n')) --q;
  return {p, static_cast<std::size_t>(q - p)};
}

void CsvReader::fail(std::size_t column, const std::string& message) const {
  throw InputError(source_, line_, column < header_.size() ? header_[column] : std::string(), message);
}

void CsvReader::fail_expected(std::size_t column, std::string_view expected) const {
  fail(column, "expected " + std::string(expected) + ", found " + quote_for_message(field_text(column)));
}

void CsvReader::fail_file(const std::string& column, const std::string& message) const {
  throw InputError(source_, 0, column, message);
}

void CsvReader::fail_field_count() const {
  std::size_t found = 1;
  const char* q = line_start_;
  for (; q < end_ && *q != '\n'; ++q) found += *q == ',' ? 1 : 0;
  std::string message = "expected " + std::to_string(header_.size()) + " fields (as in the header), found " +
                        std::to_string(found);
  if (found < header_.size() && q == end_) message += " (truncated last line?)";
  throw InputError(source_, line_, "", message);
}

}  // namespace trkx::io
