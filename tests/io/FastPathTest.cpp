// The CSV reader's fast path: the unchecked 8-byte number scanners
// (src/io/NumberScan.hpp) and the typed per-layout row loop
// (src/io/TypedRows.hpp). Both must give exactly what the general parser
// gives, hand every row they do not accept back to it, and leave error
// messages (file, line, column, expected, found) unchanged.

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "NumberScan.hpp"
#include "SyntheticEvent.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/io/Csv.hpp"
#include "trkx/io/TrackML.hpp"

namespace io = trkx::io;
namespace detail = trkx::io::detail;

namespace {

/// `s` followed by a line end and enough bytes for the unchecked scanners.
std::string padded(const std::string& s, const char* after = ",0\n") {
  return s + after + std::string(2 * detail::kScanPadding, '7');
}

/// Splits CSV text into lines (without '\n').
std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    lines.push_back(text.substr(start, nl - start));
    start = nl == std::string::npos ? text.size() : nl + 1;
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

/// The same CSV with its columns in reverse order (forces the general path).
std::string reverse_columns(const std::string& text) {
  std::vector<std::string> out;
  for (const auto& line : lines_of(text)) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    for (;;) {
      const std::size_t comma = line.find(',', start);
      fields.push_back(line.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    std::string r;
    for (auto it = fields.rbegin(); it != fields.rend(); ++it) r += (r.empty() ? "" : ",") + *it;
    out.push_back(r);
  }
  return join(out);
}

template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const trkx::InputError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected trkx::InputError";
  return {};
}

/// Reference parse of a decimal digit run (what scan_digits must report).
void reference_digits(const char* p, std::uint64_t& value, unsigned& count) {
  value = 0;
  count = 0;
  while (p[count] >= '0' && p[count] <= '9') {
    if (count < 19) value = value * 10 + static_cast<unsigned>(p[count] - '0');
    ++count;
  }
}

}  // namespace

TEST(NumberScan, DigitRunsOfEveryLengthAndTerminator) {
  std::mt19937_64 rng(3);
  // Bytes next to '0'..'9' ('/', ':'), bytes whose XOR with '0' is >= 0x80
  // or in 10..0x7f, and the CSV delimiters.
  const char terminators[] = {',',  '\n', '\r', '.',    'e',    '/',    ':',
                              '\0', ' ',  '-',  '\x7f', '\xb0', '\xfa', '\xff'};
  for (unsigned len = 0; len <= 24; ++len) {
    for (const char term : terminators) {
      for (int rep = 0; rep < 20; ++rep) {
        std::string s;
        for (unsigned i = 0; i < len; ++i) s += static_cast<char>('0' + rng() % 10);
        s += term;
        s += std::string(32, static_cast<char>('0' + rng() % 10));  // digits after the end must not leak in
        // Put the terminator's trailing digits behind one more non-digit.
        s[len + 1] = ',';
        std::uint64_t value = 0;
        unsigned count = 0;
        const char* end = detail::scan_digits(s.data(), value, count);
        std::uint64_t ref_value = 0;
        unsigned ref_count = 0;
        reference_digits(s.data(), ref_value, ref_count);
        ASSERT_EQ(count, ref_count) << "'" << s << "'";
        ASSERT_EQ(end, s.data() + len);
        if (count <= 19) {
          ASSERT_EQ(value, ref_value) << "'" << s << "'";
        }
      }
    }
  }
}

/// scan_value on `text` (`s` padded) gives what std::from_chars gives, or declines (nullptr),
/// which is allowed only when `may_decline` (sign or digit count outside the fast path).
template <typename T>
void expect_scan_matches_from_chars(const std::string& text, const std::string& s, bool may_decline) {
  T got = 0;
  T want = 0;
  const char* last = text.data() + s.size();
  const char* q = detail::scan_value(text.data(), got);
  const auto r = std::from_chars(text.data(), last, want);
  if (q != nullptr) {
    ASSERT_EQ(r.ec, std::errc()) << s;
    ASSERT_EQ(q, last) << s;
    ASSERT_EQ(got, want) << s;
  } else {
    ASSERT_TRUE(may_decline) << s;
  }
}

TEST(NumberScan, IntegersMatchFromCharsOrFallBack) {
  std::mt19937_64 rng(17);
  for (int i = 0; i < 50000; ++i) {
    const unsigned digits = 1 + static_cast<unsigned>(rng() % 21);
    std::string s = rng() % 3 == 0 ? "-" : "";
    for (unsigned d = 0; d < digits; ++d) s += static_cast<char>('0' + rng() % 10);
    const std::string text = padded(s);
    ASSERT_NO_FATAL_FAILURE(
        expect_scan_matches_from_chars<std::uint64_t>(text, s, s[0] == '-' || digits > 19));
    ASSERT_NO_FATAL_FAILURE(expect_scan_matches_from_chars<std::int64_t>(text, s, digits > 18));
    ASSERT_NO_FATAL_FAILURE(expect_scan_matches_from_chars<std::int32_t>(text, s, digits > 9));
  }
}

TEST(NumberScan, FloatsMatchFromCharsBitForBit) {
  std::mt19937_64 rng(23);
  std::vector<std::string> values = {"0",
                                     "-0",
                                     "0.0",
                                     "1.",
                                     ".5",
                                     "-.25",
                                     "1e5",
                                     "1E-5",
                                     "1e+05",
                                     "9.834401e-06",
                                     "-1502.5",
                                     "0.43221226",
                                     "16777217",
                                     "1234567890123456789",
                                     "0.000000000000000001",
                                     "1e22",
                                     "4503599627370497"};
  const std::size_t fixed = values.size();
  char buf[64];
  for (int i = 0; i < 40000; ++i) {
    const float f = std::ldexp(static_cast<float>(rng() >> 40), static_cast<int>(rng() % 50) - 35) *
                    (rng() % 2 == 0 ? 1.0F : -1.0F);
    auto r = std::to_chars(buf, buf + sizeof(buf), f);  // shortest form, as trkx writes
    values.emplace_back(buf, r.ptr);
    std::snprintf(buf, sizeof(buf), "%.*g", 1 + static_cast<int>(rng() % 17), static_cast<double>(f) * 1.37);
    values.emplace_back(buf);
  }
  std::size_t fallbacks_shortest = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    const std::string& s = values[i];
    const std::string text = padded(s);
    const char* last = text.data() + s.size();
    float got = 0;
    float want = 0;
    const char* q = detail::scan_value(text.data(), got);
    const auto r = std::from_chars(text.data(), last, want);
    if (q == nullptr) {
      fallbacks_shortest += (i >= fixed && (i - fixed) % 2 == 0) ? 1 : 0;
    } else {
      ASSERT_EQ(r.ec, std::errc()) << s;
      ASSERT_EQ(q, last) << s;
      ASSERT_EQ(std::memcmp(&got, &want, sizeof(float)), 0) << s << ": " << got << " vs " << want;
    }
    double got_d = 0;
    double want_d = 0;
    const char* qd = detail::scan_value(text.data(), got_d);
    const auto rd = std::from_chars(text.data(), last, want_d);
    if (qd != nullptr) {
      ASSERT_EQ(rd.ec, std::errc()) << s;
      ASSERT_EQ(qd, last) << s;
      ASSERT_EQ(std::memcmp(&got_d, &want_d, sizeof(double)), 0) << s;
    }
  }
  // Shortest-form floats (what TrackML files hold) almost never need the slow path.
  EXPECT_LT(fallbacks_shortest, 400U);
  // Text the general parser must handle.
  for (const char* s : {"+1", "nan", "inf", "-", ".", "e5", "1e", "1e-", "1e12345", " 1"}) {
    float v = 0;
    EXPECT_EQ(detail::scan_value(padded(s).data(), v), nullptr) << s;
  }
}

TEST(TypedRows, StandardAndReorderedColumnsGiveIdenticalEvents) {
  const auto e = io::testing::make_synthetic_event(6000, 4);
  const std::string h = io::format_hits(e.hits);
  const std::string c = io::format_cells(e.cells);
  const std::string t = io::format_truth(e.truth);
  const std::string p = io::format_particles(e.particles);
  const std::string hr = reverse_columns(h);
  const std::string cr = reverse_columns(c);
  const std::string tr = reverse_columns(t);
  const std::string pr = reverse_columns(p);
  for (const bool reversed : {false, true}) {
    io::EventText text;
    text.event_id = e.event_id;
    text.hits = io::TextFile{"h.csv", reversed ? hr : h};
    text.cells = io::TextFile{"c.csv", reversed ? cr : c};
    text.truth = io::TextFile{"t.csv", reversed ? tr : t};
    text.particles = io::TextFile{"p.csv", reversed ? pr : p};
    EXPECT_TRUE(io::identical(io::parse_event(text), e)) << (reversed ? "reversed" : "standard");
  }
}

TEST(TypedRows, RowsTheFastLoopRejectsAreReadInPlace) {
  // 3000 hits; in the middle, rows only the general parser accepts, a blank
  // line and a CRLF line; afterwards the fast loop resumes.
  std::string text = "hit_id,x,y,z,volume_id,layer_id,module_id\n";
  for (int i = 1; i <= 3000; ++i) {
    std::string row = std::to_string(i) + "," + std::to_string(i) + ".25,-" + std::to_string(i % 97) +
                      ".5,1e-3," + std::to_string(i % 9) + ",2," + std::to_string(i * 7);
    if (i == 1000) row = "1000,+1000.25,-30.5,1e-3,1,2,7000";                    // '+' sign
    if (i == 1001) row = "1001, 1001.25 ,-31.5,1e-3,2,2,7007";                   // blanks around a field
    if (i == 1002) row = "00000000000000000001002,1002.25,-32.5,1e-3,3,2,7014";  // 23 digits
    if (i == 1003) row += "\r";                                                  // CRLF
    if (i == 1004) text += "\n";                                                 // blank line
    text += row + "\n";
  }
  const auto hits = io::parse_hits(text, "h.csv");
  ASSERT_EQ(hits.size(), 3000U);
  for (std::size_t i = 0; i < hits.size(); ++i) {
    ASSERT_EQ(hits.hit_id[i], i + 1);
    ASSERT_EQ(hits.x[i], static_cast<float>(i + 1) + 0.25F) << i;
  }
  EXPECT_EQ(hits.volume_id[1000], 2);
  EXPECT_EQ(hits.module_id[1002], 7021);
  // After the blank line, rows sit one line lower: row 2000 (0-based) is on line 2003.
  std::string bad = text;
  const std::string row2001 = "\n2001,2001.25,";
  bad.replace(bad.find(row2001) + 1 + 5, 7, "abc");
  EXPECT_EQ(input_error([&] { (void)io::parse_hits(bad, "h.csv"); }),
            "h.csv:2003: column 'x': expected a number, found 'abc'");
}

TEST(TypedRows, ErrorsInsideTheFastRegionKeepTheirMessages) {
  const auto e = io::testing::make_synthetic_event(12000, 8);
  const std::string h = io::format_hits(e.hits);
  auto lines = lines_of(h);
  ASSERT_GT(lines.size(), 1000U);
  auto with_row = [&](std::size_t line, const std::string& row) {
    auto copy = lines;
    copy[line - 1] = row;
    return join(copy);
  };
  auto err = [&](const std::string& text) {
    return input_error([&] { (void)io::parse_hits(text, "h.csv"); });
  };
  EXPECT_EQ(err(with_row(500, "499,nan,1,2,3,4,5")),
            "h.csv:500: column 'x': expected a finite number, found 'nan'");
  EXPECT_EQ(err(with_row(500, "499,1,-inf,2,3,4,5")),
            "h.csv:500: column 'y': expected a finite number, found '-inf'");
  EXPECT_EQ(err(with_row(500, "499,1,2,3,4,5")), "h.csv:500: expected 7 fields (as in the header), found 6");
  EXPECT_EQ(err(with_row(500, "499,1,2,3,4,5,6,7")),
            "h.csv:500: expected 7 fields (as in the header), found 8");
  EXPECT_EQ(err(with_row(500, "0,1,2,3,4,5,6")),
            "h.csv:500: column 'hit_id': expected a positive hit id, found '0'");
  EXPECT_EQ(err(with_row(500, "499,1,2,3,4.5,5,6")),
            "h.csv:500: column 'volume_id': expected an integer, found '4.5'");
  EXPECT_EQ(
      err(with_row(500, "499,1,2,3,4,5,9999999999999999999999")),
      "h.csv:500: column 'module_id': expected an integer within range, found '9999999999999999999999'");
  EXPECT_EQ(err(with_row(700, "12,1,2,3,4,5,6")),
            "h.csv:700: column 'hit_id': duplicate hit id 12 (first on line 13)");
  // Bytes next to the digits end a number; they are not part of it.
  for (const char* bad : {"1:5", "1/5", "12345678:", "1234567\xfa",
                          "\xff"
                          "1234567",
                          "1.2345678/"}) {
    EXPECT_EQ(err(with_row(600, std::string("599,") + bad + ",2,3,4,5,6")),
              "h.csv:600: column 'x': expected a number, found " + io::quote_for_message(bad))
        << bad;
  }
  // Particle id 0 (noise) is not allowed in the particles file.
  const std::string p = io::format_particles(e.particles);
  auto plines = lines_of(p);
  ASSERT_GT(plines.size(), 300U);
  plines[200] = "0" + plines[200].substr(plines[200].find(','));
  EXPECT_EQ(input_error([&] { (void)io::parse_particles(join(plines), "p.csv"); }),
            "p.csv:201: column 'particle_id': expected a non-zero particle id (0 means noise), found '0'");
}
