#pragma once
// Decimal number scanners for the CSV reader's hot path. Private to src/io.
//
// The "unchecked" scanners take no end pointer: they stop at the first byte
// that cannot continue the number, and read whole 8-byte words at a time (at
// most 8 bytes past the byte they stop at). The caller guarantees that a
// '\n' follows within the text and that at least kScanPadding readable bytes
// follow that '\n' (CsvReader::unchecked_end()). Every scanner accepts a
// subset of what std::from_chars accepts and returns bit-identical values;
// anything else (too many digits, a '+' sign, inf/nan, values needing more
// than Clinger's exact fast path) returns nullptr, so that the caller falls
// back to the general parser, which also produces the error messages.

#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace trkx::io::detail {

static_assert(std::endian::native == std::endian::little, "the 8-byte digit scan assumes little-endian");

/// Readable bytes the unchecked scanners need after the line end they stop at.
constexpr std::size_t kScanPadding = 16;

inline constexpr std::uint64_t kPow10Int[] = {1ULL,
                                              10ULL,
                                              100ULL,
                                              1000ULL,
                                              10000ULL,
                                              100000ULL,
                                              1000000ULL,
                                              10000000ULL,
                                              100000000ULL,
                                              1000000000ULL,
                                              10000000000ULL,
                                              100000000000ULL,
                                              1000000000000ULL,
                                              10000000000000ULL,
                                              100000000000000ULL,
                                              1000000000000000ULL,
                                              10000000000000000ULL,
                                              100000000000000000ULL,
                                              1000000000000000000ULL,
                                              10000000000000000000ULL};

/// Digit value of `c`, or >= 10 if `c` is not a digit.
inline unsigned digit(char c) { return static_cast<unsigned>(c) - static_cast<unsigned>('0'); }

/// The 8 bytes at `p` as a little-endian word (first byte lowest).
[[gnu::always_inline]] inline std::uint64_t load8(const char* p) {
  std::uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

/// Number of leading decimal digits (0..8) of the 8 bytes in `x`, where `x`
/// holds the bytes XOR '0' (so a digit byte holds its value 0..9). The test is
/// per byte without carries between bytes: bit 7 of a lane ends up set iff
/// the lane is >= 10.
[[gnu::always_inline]] inline unsigned leading_digits8(std::uint64_t x) {
  const std::uint64_t high = 0x8080808080808080ULL;
  const std::uint64_t non_digit = (((x & ~high) + 0x7676767676767676ULL) | x) & high;
  return static_cast<unsigned>(std::countr_zero(non_digit)) / 8;  // 64 / 8 = 8 when all are digits
}

/// Value of 8 digit lanes (first byte = most significant digit, lanes 0..9).
[[gnu::always_inline]] inline std::uint64_t value8(std::uint64_t x) {
  // Pairs: lane 2k becomes 10 * d[2k] + d[2k+1] (<= 99, no carries).
  x = x * 10 + (x >> 8);
  // Lanes 0 and 4 hold the pairs weighted 10^6 and 10^2, lanes 2 and 6 those
  // weighted 10^4 and 10^0; two 32x32 multiplies gather them in the high half.
  const std::uint64_t mask = 0x000000FF000000FFULL;
  const std::uint64_t mul_a = 100ULL + (1000000ULL << 32);
  const std::uint64_t mul_b = 1ULL + (10000ULL << 32);
  return (((x & mask) * mul_a) + (((x >> 16) & mask) * mul_b)) >> 32;
}

/// Value of the first `n` (0..8) digit lanes of `x` (0 for n = 0).
[[gnu::always_inline]] inline std::uint64_t value_first(std::uint64_t x, unsigned n) {
  const std::uint64_t v = value8(x << ((64 - 8 * n) & 63));
  return n == 0 ? 0 : v;
}

/// Digits 17.. of a run whose first 16 bytes are digits (rare: kept out of line).
[[gnu::noinline]] inline const char* scan_digits_tail(const char* p, std::uint64_t v, std::uint64_t& value,
                                                      unsigned& count) {
  const std::uint64_t x2 = load8(p + 16) ^ 0x3030303030303030ULL;
  const unsigned n2 = leading_digits8(x2);
  count = 16 + n2;
  value = n2 > 3 ? 0 : v * kPow10Int[n2] + value_first(x2, n2);  // 20+ digits: rejected
  return p + 16 + n2;
}

/// Scans a run of decimal digits at `p` (unchecked, see above). Sets `value`
/// and `count` (the run length) and returns the end of the run. Runs longer
/// than 19 digits return a `count` > 19 and an unspecified `value`.
[[gnu::always_inline]] inline const char* scan_digits(const char* p, std::uint64_t& value, unsigned& count) {
  const std::uint64_t zeros = 0x3030303030303030ULL;
  const std::uint64_t x0 = load8(p) ^ zeros;
  const unsigned n0 = leading_digits8(x0);
  if (n0 < 8) [[likely]] {
    value = value_first(x0, n0);
    count = n0;
    return p + n0;
  }
  const std::uint64_t v = value8(x0);
  const std::uint64_t x1 = load8(p + 8) ^ zeros;
  const unsigned n1 = leading_digits8(x1);
  if (n1 < 8) [[likely]] {
    value = v * kPow10Int[n1] + value_first(x1, n1);
    count = 8 + n1;
    return p + 8 + n1;
  }
  return scan_digits_tail(p, v * 100000000ULL + value8(x1), value, count);
}

/// Unsigned decimal integer of 1..`max_digits` (<= 19) digits; nullptr otherwise.
[[gnu::always_inline]] inline const char* scan_unsigned(const char* p, std::uint64_t& out,
                                                        unsigned max_digits) {
  unsigned count = 0;
  const char* q = scan_digits(p, out, count);
  return count == 0 || count > max_digits ? nullptr : q;
}

/// Optionally '-'-signed decimal integer of 1..`max_digits` (<= 18) digits.
[[gnu::always_inline]] inline const char* scan_signed(const char* p, std::int64_t& out, unsigned max_digits) {
  const bool negative = *p == '-';
  std::uint64_t u = 0;
  const char* q = scan_unsigned(p + (negative ? 1 : 0), u, max_digits);
  out =
      static_cast<std::int64_t>(negative ? 0 - u : u);  // modular (C++20); |value| < 10^18 when q != nullptr
  return q;
}

/// Turns a decimal significand `m` and power of ten `exp10` into T when that
/// is one exactly rounded operation (Clinger's fast path), so that the result
/// equals std::from_chars; false if the general parser is needed. For float,
/// values with up to 16 digits go through double (exact) and are then rounded
/// to float, which differs from direct rounding only when the double lands
/// exactly on a midpoint between two floats; those, and results outside the
/// normal float range, are left to the general parser.
template <class T>
[[gnu::always_inline]] inline bool finish_float(bool negative, std::uint64_t m, int exp10, T& out) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  if constexpr (std::is_same_v<T, float>) {
    static constexpr float kPow10f[] = {1e0F, 1e1F, 1e2F, 1e3F, 1e4F, 1e5F, 1e6F, 1e7F, 1e8F, 1e9F, 1e10F};
    if (m <= (1ULL << 24) && exp10 >= -10 && exp10 <= 10) {
      float v = static_cast<float>(m);
      v = exp10 < 0 ? v / kPow10f[-exp10] : v * kPow10f[exp10];
      out = negative ? -v : v;
      return true;
    }
    if (m > (1ULL << 53) || exp10 < -22 || exp10 > 22) return false;
    double d = static_cast<double>(m);
    d = exp10 < 0 ? d / kPow10[-exp10] : d * kPow10[exp10];
    constexpr std::uint64_t kBelowFloat = (1ULL << 29) - 1;  // double mantissa bits a float drops
    if ((std::bit_cast<std::uint64_t>(d) & kBelowFloat) == (1ULL << 28)) return false;
    const float f = static_cast<float>(d);
    if (f != 0.0F && !(f >= std::numeric_limits<float>::min() && f <= std::numeric_limits<float>::max())) {
      return false;
    }
    out = negative ? -f : f;
    return true;
  } else {
    static_assert(std::is_same_v<T, double>);
    if (m > (1ULL << 53) || exp10 < -22 || exp10 > 22) return false;
    double v = static_cast<double>(m);
    v = exp10 < 0 ? v / kPow10[-exp10] : v * kPow10[exp10];
    out = negative ? -v : v;
    return true;
  }
}

/// The optional exponent of a float at `p` (e/E, optional sign, 1-4
/// digits), then finish_float; returns the end of the text or nullptr.
template <class T>
[[gnu::always_inline]] inline const char* finish_exponent(const char* p, bool negative, std::uint64_t m,
                                                          int exp10, T& out) {
  if ((*p | 0x20) == 'e') {
    ++p;
    const bool exp_negative = *p == '-';
    p += (*p == '-' || *p == '+') ? 1 : 0;
    const char* exp_start = p;
    int e = 0;
    while (digit(*p) < 10 && p - exp_start < 4) {
      e = e * 10 + static_cast<int>(digit(*p));
      ++p;
    }
    if (p == exp_start || digit(*p) < 10) return nullptr;
    exp10 += exp_negative ? -e : e;
  }
  return finish_float(negative, m, exp10, out) ? p : nullptr;
}

/// Decimal floating-point text (unchecked, see above): optional '-', digits
/// with an optional '.', an optional exponent (e/E, optional sign, 1-4
/// digits), at most 19 significant digits in all (leading zeros count).
template <class T>
[[gnu::always_inline]] inline const char* scan_float(const char* p, T& out) {
  const bool negative = *p == '-';
  p += negative ? 1 : 0;
  std::uint64_t m = 0;
  unsigned digits = 0;
  int exp10 = 0;
  // Common case: "I.F" with at most 8 digits in all. The integer digits
  // (low bytes of the first word) and the fraction digits (the word after
  // the '.') are merged into one word and converted at once.
  const std::uint64_t zeros = 0x3030303030303030ULL;
  const std::uint64_t x0 = load8(p) ^ zeros;
  const unsigned n0 = leading_digits8(x0);
  if (n0 < 8 && p[n0] == '.') [[likely]] {
    const char* frac = p + n0 + 1;
    const std::uint64_t x1 = load8(frac) ^ zeros;
    const unsigned n1 = leading_digits8(x1);
    if (n0 + n1 <= 8) [[likely]] {
      const unsigned keep = 8 * n0;  // < 64
      const std::uint64_t int_lanes = x0 & ((std::uint64_t{1} << keep) - 1);
      m = value_first(int_lanes | (x1 << keep), n0 + n1);
      if (n0 + n1 == 0) return nullptr;
      return finish_exponent(frac + n1, negative, m, -static_cast<int>(n1), out);
    }
    // Longer fractions (e.g. "0.43221226"): the integer part is known.
    std::uint64_t f = 0;
    unsigned frac_digits = 0;
    p = scan_digits(frac, f, frac_digits);
    if (n0 + frac_digits > 19) return nullptr;
    m = value_first(x0, n0) * kPow10Int[frac_digits] + f;
    return finish_exponent(p, negative, m, -static_cast<int>(frac_digits), out);
  }
  p = scan_digits(p, m, digits);
  if (*p == '.') {
    std::uint64_t frac = 0;
    unsigned frac_digits = 0;
    p = scan_digits(p + 1, frac, frac_digits);
    digits += frac_digits;
    if (digits > 19) return nullptr;
    m = m * kPow10Int[frac_digits] + frac;
    exp10 = -static_cast<int>(frac_digits);
  }
  if (digits == 0 || digits > 19) return nullptr;
  return finish_exponent(p, negative, m, exp10, out);
}

/// Scans one value of type T (uint64, int32, int64, float or double) with
/// the limits of the CSV reader's fast path; nullptr if the general parser is
/// needed.
template <class T>
[[gnu::always_inline]] inline const char* scan_value(const char* p, T& out) {
  if constexpr (std::is_same_v<T, std::uint64_t>) {
    return scan_unsigned(p, out, 19);
  } else if constexpr (std::is_same_v<T, std::int64_t>) {
    return scan_signed(p, out, 18);
  } else if constexpr (std::is_same_v<T, std::int32_t>) {
    std::int64_t v = 0;
    const char* q = scan_signed(p, v, 9);
    out = static_cast<std::int32_t>(v);
    return q;
  } else {
    static_assert(std::is_floating_point_v<T>);
    return scan_float(p, out);
  }
}

}  // namespace trkx::io::detail
