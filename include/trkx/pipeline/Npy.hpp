#pragma once
/// @file Npy.hpp
/// Minimal NumPy `.npy` (format version 1.0) writer and reader for the arrays
/// exchanged with the Python training: little-endian float32 ('<f4'), int64
/// ('<i8') and uint64 ('<u8'), C order, any rank. Files are written atomically
/// (temporary file in the same directory, then rename).

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace trkx::npy {

/// Writes `data` with the given shape (product of shape == data.size()).
void write(const std::filesystem::path& file, std::span<const float> data,
           const std::vector<std::size_t>& shape);
void write(const std::filesystem::path& file, std::span<const std::int64_t> data,
           const std::vector<std::size_t>& shape);
void write(const std::filesystem::path& file, std::span<const std::uint64_t> data,
           const std::vector<std::size_t>& shape);

/// The header text for a dtype descriptor ('<f4', ...) and shape, padded with
/// spaces and a final '\n' so that magic + header length + header is a
/// multiple of 64 bytes (as NumPy writes it).
std::string header(const std::string& descr, const std::vector<std::size_t>& shape);

/// An array read back from a .npy file (raw little-endian bytes).
struct Array {
  std::string descr;               ///< '<f4', '<i8', '<u8', ...
  std::vector<std::size_t> shape;  ///< C order
  std::vector<unsigned char> bytes;

  [[nodiscard]] std::size_t size() const;  ///< number of elements
  /// Copies the elements out; throws trkx::InputError if the dtype differs.
  [[nodiscard]] std::vector<float> as_float() const;
  [[nodiscard]] std::vector<std::int64_t> as_int64() const;
  [[nodiscard]] std::vector<std::uint64_t> as_uint64() const;
};

/// Reads a version 1.0 or 2.0 .npy file with C order (Fortran order is rejected).
Array read(const std::filesystem::path& file);

}  // namespace trkx::npy
