// TrackML CSV I/O throughput: parsing one ~120k-hit event (hits + cells +
// truth + particles) from disk and from memory, and writing it.
//
//   bench_io                              synthetic 120k-hit event (generated once, in a temp dir)
//   bench_io --event=DIR/event000001000   a given event on disk
//   bench_io --write-synthetic=DIR        only write the synthetic event to DIR and print its prefix
//
// scripts/bench_io_vs_pandas.py runs BM_ReadEvent next to pandas.read_csv on the same files.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "SyntheticEvent.hpp"
#include "trkx/io/Csv.hpp"
#include "trkx/io/TrackML.hpp"

namespace fs = std::filesystem;
namespace io = trkx::io;

namespace {

constexpr std::size_t kSyntheticHits = 120000;

fs::path& event_prefix() {
  static fs::path prefix;
  return prefix;
}

fs::path& temp_dir() {
  static fs::path dir;
  return dir;
}

/// The event's files in memory (decompressed), read once.
struct EventFilesInMemory {
  std::string hits, cells, truth, particles;
  std::size_t bytes() const { return hits.size() + cells.size() + truth.size() + particles.size(); }
};

const EventFilesInMemory& files_in_memory() {
  static const EventFilesInMemory files = [] {
    EventFilesInMemory f;
    auto read = [](const char* part) {
      for (const char* ext : {".csv", ".csv.gz"}) {
        fs::path file = event_prefix();
        file += std::string("-") + part + ext;
        if (fs::exists(file)) return io::read_file(file);
      }
      return std::string();
    };
    f.hits = read("hits");
    f.cells = read("cells");
    f.truth = read("truth");
    f.particles = read("particles");
    return f;
  }();
  return files;
}

io::EventText event_text(const EventFilesInMemory& f) {
  io::EventText t;
  t.event_id = 1000;
  t.hits = io::TextFile{"hits.csv", f.hits};
  if (!f.cells.empty()) t.cells = io::TextFile{"cells.csv", f.cells};
  if (!f.truth.empty()) t.truth = io::TextFile{"truth.csv", f.truth};
  if (!f.particles.empty()) t.particles = io::TextFile{"particles.csv", f.particles};
  return t;
}

/// Read + parse from disk (page cache), everything read_event does.
void BM_ReadEvent(benchmark::State& state) {
  std::size_t hits = 0;
  for (auto _ : state) {
    const auto event = io::read_event(event_prefix());
    hits = event.hits.size();
    benchmark::DoNotOptimize(event.hits.x.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * files_in_memory().bytes()));
  state.counters["hits"] = static_cast<double>(hits);
}
BENCHMARK(BM_ReadEvent)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

/// Parse only (files already in memory), with all cross-file checks.
void BM_ParseEvent(benchmark::State& state) {
  const auto& f = files_in_memory();
  const auto text = event_text(f);
  for (auto _ : state) {
    const auto event = io::parse_event(text);
    benchmark::DoNotOptimize(event.hits.x.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * f.bytes()));
}
BENCHMARK(BM_ParseEvent)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime()->UseRealTime();

template <class Parse>
void parse_one(benchmark::State& state, const std::string& text, Parse parse) {
  for (auto _ : state) {
    auto part = parse(text, std::string("file.csv"));
    benchmark::DoNotOptimize(part.size());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * text.size()));
}

void BM_ParseHits(benchmark::State& state) { parse_one(state, files_in_memory().hits, io::parse_hits); }
void BM_ParseCells(benchmark::State& state) { parse_one(state, files_in_memory().cells, io::parse_cells); }
void BM_ParseTruth(benchmark::State& state) { parse_one(state, files_in_memory().truth, io::parse_truth); }
void BM_ParseParticles(benchmark::State& state) {
  parse_one(state, files_in_memory().particles, io::parse_particles);
}
BENCHMARK(BM_ParseHits)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseCells)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseTruth)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ParseParticles)->Unit(benchmark::kMillisecond);

/// Formatting all four parts (std::to_chars shortest round-trip form).
void BM_FormatEvent(benchmark::State& state) {
  const auto event = io::parse_event(event_text(files_in_memory()));
  std::size_t bytes = 0;
  for (auto _ : state) {
    const auto h = io::format_hits(event.hits);
    const auto c = io::format_cells(event.cells);
    const auto t = io::format_truth(event.truth);
    const auto p = io::format_particles(event.particles);
    bytes = h.size() + c.size() + t.size() + p.size();
    benchmark::DoNotOptimize(bytes);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes));
}
BENCHMARK(BM_FormatEvent)->Unit(benchmark::kMillisecond);

/// Writing the event atomically to disk (plain CSV).
void BM_WriteEvent(benchmark::State& state) {
  const auto event = io::parse_event(event_text(files_in_memory()));
  const fs::path out = temp_dir() / "write";
  for (auto _ : state) io::write_event(event, out);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * files_in_memory().bytes()));
}
BENCHMARK(BM_WriteEvent)->Unit(benchmark::kMillisecond)->UseRealTime();

fs::path write_synthetic(const fs::path& dir) {
  const auto event = io::testing::make_synthetic_event(kSyntheticHits, 42, 1000);
  io::write_event(event, dir);
  return dir / io::event_prefix_name(event.event_id);
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<char*> args;
  std::string event_arg;
  std::string write_arg;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--event=", 8) == 0) {
      event_arg = argv[i] + 8;
    } else if (std::strncmp(argv[i], "--write-synthetic=", 18) == 0) {
      write_arg = argv[i] + 18;
    } else {
      args.push_back(argv[i]);
    }
  }
  if (!write_arg.empty()) {
    std::printf("%s\n", write_synthetic(write_arg).string().c_str());
    return 0;
  }
  temp_dir() = fs::temp_directory_path() / ("trkx_bench_io_" + std::to_string(::getpid()));
  fs::create_directories(temp_dir());
  event_prefix() = event_arg.empty() ? write_synthetic(temp_dir() / "event") : fs::path(event_arg);
  int n = static_cast<int>(args.size());
  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  benchmark::AddCustomContext("event", event_prefix().string());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  std::error_code ec;
  fs::remove_all(temp_dir(), ec);
  return 0;
}
