#include "trkx/pipeline/Npy.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "trkx/core/Error.hpp"

namespace trkx {
namespace {

std::filesystem::path temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("trkx_npy_test_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<unsigned char> bytes_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(Npy, HeaderBytesAreNumpyV1) {
  const auto dir = temp_dir("header");
  const std::vector<float> data = {1.0F, 2.0F, 3.0F, 4.0F, 5.0F, 6.0F};
  npy::write(dir / "a.npy", std::span<const float>(data), {2, 3});
  const auto bytes = bytes_of(dir / "a.npy");
  ASSERT_GE(bytes.size(), 10U);
  const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  EXPECT_EQ(std::memcmp(bytes.data(), magic, 8), 0);
  const std::size_t header_len = bytes[8] | (static_cast<std::size_t>(bytes[9]) << 8U);
  EXPECT_EQ((10 + header_len) % 64, 0U);
  ASSERT_EQ(bytes.size(), 10 + header_len + data.size() * 4);
  const std::string header(bytes.begin() + 10, bytes.begin() + 10 + static_cast<std::ptrdiff_t>(header_len));
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 0), 0U) << header;
  EXPECT_EQ(header.back(), '\n');
  float first = 0;
  std::memcpy(&first, bytes.data() + 10 + header_len, 4);
  EXPECT_EQ(first, 1.0F);
  EXPECT_FALSE(std::filesystem::exists(dir / "a.npy.tmp"));
}

TEST(Npy, OneDimensionalShapeHasTrailingComma) {
  EXPECT_NE(npy::header("<i8", {5}).find("'shape': (5,)"), std::string::npos);
  EXPECT_NE(npy::header("<i8", {2, 0}).find("'shape': (2, 0)"), std::string::npos);
}

TEST(Npy, RoundTripsAllDtypes) {
  const auto dir = temp_dir("roundtrip");
  const std::vector<std::int64_t> i = {-1, 0, 1LL << 40, 7};
  const std::vector<std::uint64_t> u = {0, 1, ~0ULL};
  const std::vector<float> f = {0.5F, -2.0F};
  npy::write(dir / "i.npy", std::span<const std::int64_t>(i), {2, 2});
  npy::write(dir / "u.npy", std::span<const std::uint64_t>(u), {3});
  npy::write(dir / "f.npy", std::span<const float>(f), {2});
  const auto ai = npy::read(dir / "i.npy");
  EXPECT_EQ(ai.descr, "<i8");
  EXPECT_EQ(ai.shape, (std::vector<std::size_t>{2, 2}));
  EXPECT_EQ(ai.as_int64(), i);
  EXPECT_EQ(npy::read(dir / "u.npy").as_uint64(), u);
  EXPECT_EQ(npy::read(dir / "f.npy").as_float(), f);
  EXPECT_THROW((void)npy::read(dir / "f.npy").as_int64(), InputError);
}

TEST(Npy, EmptyArrayAndShapeMismatch) {
  const auto dir = temp_dir("empty");
  npy::write(dir / "e.npy", std::span<const std::int64_t>(), {2, 0});
  const auto a = npy::read(dir / "e.npy");
  EXPECT_EQ(a.shape, (std::vector<std::size_t>{2, 0}));
  EXPECT_EQ(a.size(), 0U);
  const std::vector<float> f = {1, 2, 3};
  EXPECT_THROW(npy::write(dir / "bad.npy", std::span<const float>(f), {2, 2}), Error);
}

TEST(Npy, RejectsNonNpyFile) {
  const auto dir = temp_dir("bad");
  std::ofstream(dir / "x.npy") << "hello world, not numpy";
  EXPECT_THROW((void)npy::read(dir / "x.npy"), InputError);
}

}  // namespace
}  // namespace trkx
