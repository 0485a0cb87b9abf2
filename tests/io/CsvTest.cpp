#include "trkx/io/Csv.hpp"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "trkx/core/Error.hpp"

namespace io = trkx::io;

namespace {

/// Decimal strings of many shapes: 1-19 significant digits, fixed and
/// scientific notation, signs, leading zeros, exponents near the fast-path limits.
std::vector<std::string> random_decimals(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::string> out;
  char buf[64];
  for (std::size_t i = 0; i < n; ++i) {
    const double mantissa = std::ldexp(static_cast<double>(rng() >> 11), -53);  // [0, 1)
    const int exponent = static_cast<int>(rng() % 60) - 30;
    const int digits = 1 + static_cast<int>(rng() % 19);
    const double v = (rng() % 2 == 0 ? -1 : 1) * mantissa * std::pow(10.0, exponent);
    switch (rng() % 4) {
      case 0:
        std::snprintf(buf, sizeof(buf), "%.*g", digits, v);
        break;
      case 1:
        std::snprintf(buf, sizeof(buf), "%.*e", digits - 1, v);
        break;
      case 2:
        std::snprintf(buf, sizeof(buf), "%.*f", static_cast<int>(rng() % 12), v);
        break;
      default:
        std::snprintf(buf, sizeof(buf), "%llu.%0*llu", static_cast<unsigned long long>(rng() % 100000),
                      static_cast<int>(rng() % 8 + 1), static_cast<unsigned long long>(rng() % 1000));
        break;
    }
    out.emplace_back(buf);
  }
  return out;
}

template <class T>
void expect_same_as_from_chars(const std::vector<std::string>& values) {
  std::string text = "v,other\n";
  for (const auto& v : values) text += v + ",x\n";
  io::CsvReader csv(text, "values.csv");
  const auto col = csv.require_column<T>("v");
  std::size_t i = 0;
  while (csv.next()) {
    const auto& s = values[i++];
    T expected{};
    const auto r = std::from_chars(s.data(), s.data() + s.size(), expected);
    ASSERT_EQ(r.ec, std::errc()) << s;
    const T got = csv.get<T>(col);
    ASSERT_EQ(std::memcmp(&got, &expected, sizeof(T)), 0) << "'" << s << "': " << got << " vs " << expected;
  }
  EXPECT_EQ(i, values.size());
}

}  // namespace

TEST(CsvReader, FloatParsingMatchesFromChars) {
  auto values = random_decimals(20000, 11);
  // Values at the edges of the fast path (24-bit significand, 10^±10, 10^±22).
  for (const char* s : {"16777216",
                        "16777217",
                        "16777215.5",
                        "1e10",
                        "1e-10",
                        "1.5e11",
                        "3.4028235e38",
                        "1e-45",
                        "-0",
                        "0.000",
                        "1.",
                        ".5",
                        "-.25",
                        "123456789012345678",
                        "9.999999e22",
                        "1e22",
                        "1e23",
                        "4503599627370497",
                        "9007199254740993",
                        "0.1",
                        "-64.4099"}) {
    values.emplace_back(s);
  }
  expect_same_as_from_chars<float>(values);
  expect_same_as_from_chars<double>(values);
}

TEST(CsvReader, ShortestFormFloatsAndFloatMidpointsMatchFromChars) {
  // What trkx and the simulation write: std::to_chars shortest form of
  // random floats (up to 9 significant digits), plus decimal strings that
  // lie exactly on, or next to, a midpoint between two adjacent floats.
  std::mt19937_64 rng(5);
  std::vector<std::string> values;
  char buf[64];
  for (int i = 0; i < 20000; ++i) {
    const float f = std::ldexp(static_cast<float>(rng() >> 40), static_cast<int>(rng() % 40) - 30) *
                    (rng() % 2 == 0 ? 1.0F : -1.0F);
    const auto r = std::to_chars(buf, buf + sizeof(buf), f);
    values.emplace_back(buf, r.ptr);
    const double mid = (static_cast<double>(f) + static_cast<double>(std::nextafter(f, 1e30F))) / 2;
    std::snprintf(buf, sizeof(buf), "%.17g", mid);
    values.emplace_back(buf);
    std::snprintf(buf, sizeof(buf), "%.9g", mid);
    values.emplace_back(buf);
  }
  expect_same_as_from_chars<float>(values);
}

TEST(CsvReader, IntegersAtTheirLimits) {
  const std::string text =
      "u,i,l\n"
      "18446744073709551615,2147483647,9223372036854775807\n"
      "0,-2147483648,-9223372036854775808\n"
      "1234567890123456789,-999999999,-1000000000000000000\n"
      "12345678901234567890,0012,-000000000000000000001\n";
  io::CsvReader csv(text, "ints.csv");
  const auto u = csv.require_column<std::uint64_t>("u");
  const auto i = csv.require_column<std::int32_t>("i");
  const auto l = csv.require_column<std::int64_t>("l");
  ASSERT_TRUE(csv.next());
  EXPECT_EQ(csv.get<std::uint64_t>(u), 18446744073709551615ULL);
  EXPECT_EQ(csv.get<std::int32_t>(i), 2147483647);
  EXPECT_EQ(csv.get<std::int64_t>(l), 9223372036854775807LL);
  ASSERT_TRUE(csv.next());
  EXPECT_EQ(csv.get<std::int32_t>(i), -2147483647 - 1);
  EXPECT_EQ(csv.get<std::int64_t>(l), -9223372036854775807LL - 1);
  ASSERT_TRUE(csv.next());
  EXPECT_EQ(csv.get<std::uint64_t>(u), 1234567890123456789ULL);
  EXPECT_EQ(csv.get<std::int32_t>(i), -999999999);
  EXPECT_EQ(csv.get<std::int64_t>(l), -1000000000000000000LL);
  ASSERT_TRUE(csv.next());  // 20 digits and leading zeros take the general path
  EXPECT_EQ(csv.get<std::uint64_t>(u), 12345678901234567890ULL);
  EXPECT_EQ(csv.get<std::int32_t>(i), 12);
  EXPECT_EQ(csv.get<std::int64_t>(l), -1);
  EXPECT_FALSE(csv.next());

  io::CsvReader over("u,i\n18446744073709551616,1\n", "over.csv");
  (void)over.require_column<std::uint64_t>("u");
  try {
    (void)over.next();
    FAIL() << "expected an InputError";
  } catch (const trkx::InputError& e) {
    EXPECT_STREQ(e.what(),
                 "over.csv:2: column 'u': expected an integer within range, found '18446744073709551616'");
    EXPECT_EQ(e.line(), 2U);
    EXPECT_EQ(e.column(), "u");
  }
}

TEST(CsvReader, UnparsedColumnsAreSkippedAndCountsChecked) {
  io::CsvReader csv("a,b,c\n1,anything at all,3\n4,,6\r\n", "t.csv");
  const auto c = csv.require_column<float>("c");
  EXPECT_FALSE(csv.find_column("d").has_value());
  EXPECT_EQ(csv.estimated_rows(), 3U);
  ASSERT_TRUE(csv.next());
  EXPECT_EQ(csv.get<float>(c), 3.0F);
  EXPECT_EQ(csv.field_text(1), "anything at all");
  ASSERT_TRUE(csv.next());
  EXPECT_EQ(csv.get<float>(c), 6.0F);
  EXPECT_EQ(csv.line(), 3U);
  EXPECT_FALSE(csv.next());
}

TEST(CsvReader, DigitsNextToNeighbouringBytesAreRejected) {
  // ':' and '/' border '0'..'9'; 0xFA.. carry in the 8-byte digit scan.
  for (const char* bad : {"123:", "123/5", "12345678:",
                          "1234567\xfa"
                          "9",
                          "\xff"
                          "1234567",
                          "1.2345678/"}) {
    const std::string text = std::string("v,w\n") + bad + ",0\n";
    io::CsvReader csv(text, "b.csv");
    (void)csv.require_column<float>("v");
    EXPECT_THROW((void)csv.next(), trkx::InputError) << bad;
  }
}

TEST(CsvReader, QuoteForMessageIsOneShortLine) {
  EXPECT_EQ(io::quote_for_message("abc"), "'abc'");
  EXPECT_EQ(io::quote_for_message(std::string("a\nb\0c", 5)), "'a\\x0ab\\x00c'");
  EXPECT_EQ(io::quote_for_message(std::string(100, 'x')), "'" + std::string(40, 'x') + "'...");
}
