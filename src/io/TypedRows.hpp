#pragma once
// Reading all rows of a CSV text with a column layout known at compile time.
// Private to src/io.
//
// When the header holds exactly the requested columns in the requested order
// (the standard TrackML files), rows are parsed by a loop specialised for the
// column types: no per-field dispatch, no bounds checks (the text region of
// CsvReader::unchecked_end()), values go straight to the caller. Any row this
// loop does not accept (blank lines, the last lines of the text, numbers
// outside the scanners' fast path, malformed rows) is handed to
// CsvReader::next(), which parses it with the general parser or throws its
// usual error (file, line, column, expected, found). Both paths give
// bit-identical values.

#include <array>
#include <cstddef>
#include <tuple>
#include <utility>

#include "NumberScan.hpp"
#include "trkx/io/Csv.hpp"

namespace trkx::io::detail {

/// Parses fields I.. of one row starting at `p` into `values`; returns the
/// start of the next line, or nullptr if the row needs the general parser.
template <std::size_t I, class Tuple>
[[gnu::always_inline]] inline const char* scan_fields(const char* p, Tuple& values) {
  const char* q = scan_value(p, std::get<I>(values));
  if (q == nullptr) [[unlikely]] {
    return nullptr;
  }
  if constexpr (I + 1 < std::tuple_size_v<Tuple>) {
    if (*q != ',') [[unlikely]] {
      return nullptr;
    }
    return scan_fields<I + 1>(q + 1, values);
  } else {
    if (*q == '\n') [[likely]] {
      return q + 1;
    }
    if (*q == '\r' && q[1] == '\n') return q + 2;
    return nullptr;
  }
}

/// Reads every remaining row of `csv`, whose columns `columns` (declared
/// with require_column<Ts>()) hold the values passed to `sink(Ts...)`.
/// `sink` returns false to reject a row; the row is then re-read by
/// CsvReader::next() (so that the reader stands on its line) and
/// `reject(csv)` is called, which must throw.
template <class... Ts, class Sink, class Reject>
[[gnu::flatten]] void read_rows(CsvReader& csv, const std::array<std::size_t, sizeof...(Ts)>& columns,
                                Sink&& sink, Reject&& reject) {
  constexpr std::size_t kN = sizeof...(Ts);
  bool standard = csv.num_columns() == kN;
  for (std::size_t i = 0; i < kN; ++i) standard = standard && columns[i] == i;
  const auto generic_row = [&]<std::size_t... I>(std::index_sequence<I...>) {
    if (!sink(csv.get<Ts>(columns[I])...)) reject(csv);
  };
  for (;;) {
    if (standard) {
      const char* p = csv.position();
      const char* const stop = csv.unchecked_end();
      std::size_t rows = 0;
      while (p < stop) {
        std::tuple<Ts...> values;
        const char* q = scan_fields<0>(p, values);
        if (q == nullptr || !std::apply(sink, values)) break;  // both inlined (flatten)
        p = q;
        ++rows;
      }
      csv.skip_parsed_rows(p, rows);
    }
    if (!csv.next()) return;
    generic_row(std::index_sequence_for<Ts...>{});
  }
}

}  // namespace trkx::io::detail
