#include "trkx/io/Csv.hpp"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

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
  if (deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
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

std::string_view CsvReader::trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

CsvReader::CsvReader(std::string_view text, std::string source) : text_(text), source_(std::move(source)) {
  if (text_.size() >= 3 && text_.substr(0, 3) == "\xEF\xBB\xBF") text_.remove_prefix(3);
  pos_ = text_.data();
  end_ = pos_ + text_.size();
  if (trim(text_).empty()) fail_file("", "empty file, expected a header line");
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
  fields_.resize(header_.size());
  estimated_rows_ = static_cast<std::size_t>(std::count(pos_, end_, '\n')) + 1;
}

std::optional<std::size_t> CsvReader::find_column(std::string_view name) const {
  for (std::size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == name) return i;
  }
  return std::nullopt;
}

std::size_t CsvReader::require_column(std::string_view name) const {
  if (auto i = find_column(name)) return *i;
  std::string found;
  for (const auto& h : header_) found += (found.empty() ? "" : ",") + h;
  throw InputError(source_, 1, std::string(name),
                   "missing from the header, found " + quote_for_message(found));
}

bool CsvReader::next() {
  const std::size_t ncols = header_.size();
  for (;;) {
    if (pos_ >= end_) return false;
    ++line_;
    const char* p = pos_;
    const char* field_start = p;
    std::size_t n = 0;
    // One pass over the line: record field boundaries up to the newline.
    while (p < end_ && *p != '\n') {
      if (*p == ',') {
        if (n < ncols) fields_[n] = std::string_view(field_start, static_cast<std::size_t>(p - field_start));
        ++n;
        field_start = p + 1;
      }
      ++p;
    }
    const char* line_end = p;
    pos_ = p < end_ ? p + 1 : end_;
    if (line_end > field_start && line_end[-1] == '\r') --line_end;
    if (n == 0 && line_end == field_start) {
      // Blank line: skipped, but remembered so that rows map back to lines.
      blank_before_row_.push_back(row_ + 1);
      continue;
    }
    if (n < ncols)
      fields_[n] = std::string_view(field_start, static_cast<std::size_t>(line_end - field_start));
    ++n;
    ++row_;
    if (n != ncols) [[unlikely]] {
      fail_field_count(n);
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

void CsvReader::fail(std::size_t column, const std::string& message) const {
  throw InputError(source_, line_, column < header_.size() ? header_[column] : std::string(), message);
}

void CsvReader::fail_expected(std::size_t column, std::string_view expected) const {
  fail(column, "expected " + std::string(expected) + ", found " + quote_for_message(fields_[column]));
}

void CsvReader::fail_file(const std::string& column, const std::string& message) const {
  throw InputError(source_, 0, column, message);
}

void CsvReader::fail_field_count(std::size_t found) const {
  std::string message = "expected " + std::to_string(header_.size()) + " fields (as in the header), found " +
                        std::to_string(found);
  if (found < header_.size() && pos_ >= end_) message += " (truncated last line?)";
  throw InputError(source_, line_, "", message);
}

}  // namespace trkx::io
