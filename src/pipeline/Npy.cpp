#include "trkx/pipeline/Npy.hpp"

#include <bit>
#include <cstring>
#include <fstream>
#include <functional>
#include <numeric>
#include <sstream>
#include <system_error>

#include "trkx/core/Error.hpp"

namespace trkx::npy {

namespace {

static_assert(std::endian::native == std::endian::little, "the .npy writer assumes a little-endian host");

constexpr char kMagic[] = "\x93NUMPY";

std::size_t element_count(const std::vector<std::size_t>& shape) {
  return std::accumulate(shape.begin(), shape.end(), std::size_t{1}, std::multiplies<>());
}

void write_bytes(const std::filesystem::path& file, const std::string& descr, const void* data,
                 std::size_t n_elements, std::size_t element_size, const std::vector<std::size_t>& shape) {
  if (element_count(shape) != n_elements) {
    throw Error("npy: shape of " + file.string() + " does not match its " + std::to_string(n_elements) +
                " elements");
  }
  const std::string head = header(descr, shape);
  const std::filesystem::path tmp = file.string() + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw Error("npy: cannot open " + tmp.string() + " for writing");
    out.write(kMagic, 6);
    const unsigned char version[2] = {1, 0};
    out.write(reinterpret_cast<const char*>(version), 2);
    const auto len = static_cast<std::uint16_t>(head.size());
    const unsigned char len_le[2] = {static_cast<unsigned char>(len & 0xFFU),
                                     static_cast<unsigned char>(len >> 8U)};
    out.write(reinterpret_cast<const char*>(len_le), 2);
    out.write(head.data(), static_cast<std::streamsize>(head.size()));
    if (n_elements > 0) {
      out.write(static_cast<const char*>(data), static_cast<std::streamsize>(n_elements * element_size));
    }
    out.flush();
    if (!out) throw Error("npy: write failed for " + tmp.string());
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw Error("npy: cannot rename " + tmp.string() + " to " + file.string());
  }
}

template <typename T>
std::vector<T> copy_as(const Array& a, const char* want) {
  if (a.descr != want) {
    throw InputError("", 0, "", std::string("npy: expected dtype ") + want + ", found " + a.descr);
  }
  std::vector<T> out(a.size());
  if (!out.empty()) std::memcpy(out.data(), a.bytes.data(), out.size() * sizeof(T));
  return out;
}

std::size_t descr_size(const std::string& descr, const std::string& file) {
  if (descr == "<f4") return 4;
  if (descr == "<i8" || descr == "<u8" || descr == "<f8") return 8;
  if (descr == "<i4" || descr == "<u4") return 4;
  if (descr == "|u1" || descr == "|i1" || descr == "|b1") return 1;
  throw InputError(file, 0, "descr", "npy: unsupported dtype " + descr);
}

}  // namespace

std::string header(const std::string& descr, const std::vector<std::size_t>& shape) {
  std::ostringstream h;
  h << "{'descr': '" << descr << "', 'fortran_order': False, 'shape': (";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    h << shape[i];
    if (shape.size() == 1 || i + 1 < shape.size()) h << ",";
    if (i + 1 < shape.size()) h << " ";
  }
  h << "), }";
  std::string text = h.str();
  const std::size_t unpadded = 10 + text.size() + 1;  // magic(6)+version(2)+len(2)+text+'\n'
  const std::size_t padding = (64 - unpadded % 64) % 64;
  text.append(padding, ' ');
  text.push_back('\n');
  return text;
}

void write(const std::filesystem::path& file, std::span<const float> data,
           const std::vector<std::size_t>& shape) {
  write_bytes(file, "<f4", data.data(), data.size(), sizeof(float), shape);
}
void write(const std::filesystem::path& file, std::span<const std::int64_t> data,
           const std::vector<std::size_t>& shape) {
  write_bytes(file, "<i8", data.data(), data.size(), sizeof(std::int64_t), shape);
}
void write(const std::filesystem::path& file, std::span<const std::uint64_t> data,
           const std::vector<std::size_t>& shape) {
  write_bytes(file, "<u8", data.data(), data.size(), sizeof(std::uint64_t), shape);
}

std::size_t Array::size() const { return element_count(shape); }
std::vector<float> Array::as_float() const { return copy_as<float>(*this, "<f4"); }
std::vector<std::int64_t> Array::as_int64() const { return copy_as<std::int64_t>(*this, "<i8"); }
std::vector<std::uint64_t> Array::as_uint64() const { return copy_as<std::uint64_t>(*this, "<u8"); }

Array read(const std::filesystem::path& file) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(name, 0, "", "npy: cannot open file");
  char magic[6] = {};
  in.read(magic, 6);
  if (!in || std::memcmp(magic, kMagic, 6) != 0)
    throw InputError(name, 0, "", "npy: not a .npy file (bad magic)");
  unsigned char version[2] = {};
  in.read(reinterpret_cast<char*>(version), 2);
  std::size_t header_len = 0;
  if (version[0] == 1) {
    unsigned char len[2] = {};
    in.read(reinterpret_cast<char*>(len), 2);
    header_len = static_cast<std::size_t>(len[0]) | (static_cast<std::size_t>(len[1]) << 8U);
  } else if (version[0] == 2 || version[0] == 3) {
    unsigned char len[4] = {};
    in.read(reinterpret_cast<char*>(len), 4);
    for (int i = 3; i >= 0; --i) header_len = (header_len << 8U) | len[i];
  } else {
    throw InputError(name, 0, "", "npy: unsupported format version " + std::to_string(version[0]));
  }
  std::string head(header_len, '\0');
  in.read(head.data(), static_cast<std::streamsize>(header_len));
  if (!in) throw InputError(name, 0, "", "npy: truncated header");

  Array a;
  const auto descr_pos = head.find("'descr':");
  if (descr_pos == std::string::npos) throw InputError(name, 0, "descr", "npy: header has no descr");
  const auto q1 = head.find('\'', descr_pos + 8);
  const auto q2 = head.find('\'', q1 + 1);
  a.descr = head.substr(q1 + 1, q2 - q1 - 1);
  if (head.find("'fortran_order': True") != std::string::npos) {
    throw InputError(name, 0, "fortran_order", "npy: Fortran order is not supported");
  }
  const auto shape_pos = head.find("'shape':");
  const auto open = head.find('(', shape_pos);
  const auto close = head.find(')', open);
  if (shape_pos == std::string::npos || open == std::string::npos || close == std::string::npos) {
    throw InputError(name, 0, "shape", "npy: header has no shape");
  }
  std::string dims = head.substr(open + 1, close - open - 1);
  std::size_t pos = 0;
  while (pos < dims.size()) {
    while (pos < dims.size() && (dims[pos] == ' ' || dims[pos] == ',')) ++pos;
    if (pos >= dims.size()) break;
    std::size_t end = pos;
    while (end < dims.size() && dims[end] >= '0' && dims[end] <= '9') ++end;
    if (end == pos) throw InputError(name, 0, "shape", "npy: bad shape '" + dims + "'");
    a.shape.push_back(std::stoull(dims.substr(pos, end - pos)));
    pos = end;
  }
  const std::size_t n_bytes = a.size() * descr_size(a.descr, name);
  a.bytes.resize(n_bytes);
  if (n_bytes > 0) in.read(reinterpret_cast<char*>(a.bytes.data()), static_cast<std::streamsize>(n_bytes));
  if (!in)
    throw InputError(name, 0, "", "npy: truncated data (expected " + std::to_string(n_bytes) + " bytes)");
  return a;
}

}  // namespace trkx::npy
