// Randomized robustness test of every reader: valid small files are mutated
// (byte flips, truncations, deleted/duplicated/swapped lines, inserted
// garbage) and fed to the readers, which must either succeed or throw
// trkx::Error (usually trkx::InputError) — never another exception or crash.
// ASan/UBSan runs it in CI. Iterations: env TRKX_FUZZ_ITERATIONS (default
// 2000); seed: env TRKX_FUZZ_SEED (default 20260101).

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "SyntheticEvent.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/io/Csv.hpp"
#include "trkx/io/TrackML.hpp"

namespace fs = std::filesystem;
namespace io = trkx::io;

namespace {

std::uint64_t env_or(const char* name, std::uint64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  return std::strtoull(v, nullptr, 10);
}

std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < s.size()) {
    const std::size_t nl = s.find('\n', start);
    const std::size_t end = nl == std::string::npos ? s.size() : nl + 1;
    lines.push_back(s.substr(start, end - start));
    start = end;
  }
  return lines;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

/// Applies 1..4 random mutations to `text`.
std::string mutate(std::string text, std::mt19937_64& rng) {
  static const char* kTokens[] = {",",     "\n",         "\r\n", "nan", "-inf", "1e999",
                                  "-",     "+",          "",     "\"",  "0",    "-0",
                                  "1e-50", " ",          "\xff", "abc", ",,,,", "18446744073709551616",
                                  "0x1",   "4294967296", "\t",   ".",   "e5"};
  auto pick = [&](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n); };
  const int n = 1 + static_cast<int>(rng() % 4);
  for (int m = 0; m < n; ++m) {
    switch (rng() % 8) {
      case 0:  // random byte
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(rng() & 0xFF);
        break;
      case 1:  // bit flip
        if (!text.empty()) text[pick(text.size())] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 2:  // truncate
        text.resize(pick(text.size() + 1));
        break;
      case 3: {  // delete a line
        auto lines = split_lines(text);
        if (!lines.empty()) lines.erase(lines.begin() + static_cast<std::ptrdiff_t>(pick(lines.size())));
        text = join(lines);
        break;
      }
      case 4: {  // duplicate a line
        auto lines = split_lines(text);
        if (!lines.empty()) {
          const auto i = pick(lines.size());
          lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(pick(lines.size() + 1)), lines[i]);
        }
        text = join(lines);
        break;
      }
      case 5: {  // swap two lines (may move the header)
        auto lines = split_lines(text);
        if (lines.size() >= 2) std::swap(lines[pick(lines.size())], lines[pick(lines.size())]);
        text = join(lines);
        break;
      }
      case 6: {  // insert a token
        const char* token = kTokens[pick(std::size(kTokens))];
        text.insert(pick(text.size() + 1), token);
        break;
      }
      default: {  // insert random garbage
        std::string garbage(1 + pick(12), '\0');
        for (auto& c : garbage) c = static_cast<char>(rng() & 0xFF);
        text.insert(pick(text.size() + 1), garbage);
        break;
      }
    }
  }
  return text;
}

/// Runs a reader; records a failure for anything but success or trkx::Error.
void expect_clean(const std::function<void()>& reader, const std::string& what, const std::string& input,
                  std::size_t& errors) {
  try {
    reader();
  } catch (const trkx::InputError& e) {
    ++errors;
    EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << "multi-line message: " << e.what();
  } catch (const trkx::Error&) {
    ++errors;
  } catch (const std::exception& e) {
    ADD_FAILURE() << what << ": unexpected exception " << typeid(e).name() << ": " << e.what()
                  << "\ninput: " << io::quote_for_message(input);
  } catch (...) {
    ADD_FAILURE() << what << ": unknown exception; input: " << io::quote_for_message(input);
  }
}

}  // namespace

TEST(IoFuzz, MutatedFilesGiveSuccessOrTrkxError) {
  const std::uint64_t iterations = env_or("TRKX_FUZZ_ITERATIONS", 2000);
  std::mt19937_64 rng(env_or("TRKX_FUZZ_SEED", 20260101));

  const trkx::Event event = io::testing::make_synthetic_event(40, 5);
  const std::string hits = io::format_hits(event.hits);
  const std::string cells = io::format_cells(event.cells);
  const std::string truth = io::format_truth(event.truth);
  const std::string particles = io::format_particles(event.particles);
  trkx::TrackAssignment sub;
  sub.event_id = 1000;
  sub.hit_id = {1, 2, 3, 4, 5};
  sub.track_id = {1, 1, 2, 0, 2};
  trkx::TrackAssignment sub2 = sub;
  sub2.event_id = 1001;
  const std::vector<trkx::TrackAssignment> subs = {sub, sub2};
  const std::string submission = io::format_submissions(subs);
  const std::string detectors =
      "volume_id,layer_id,module_id,cx,cy,cz,rot_xu,rot_xv,rot_xw,rot_yu,rot_yv,rot_yw,rot_zu,rot_zv,rot_zw,"
      "module_t,module_minhu,module_maxhu,module_hv,pitch_u,pitch_v\n"
      "7,2,1,-65.7965,-5.1783,-1502.5,0.0784591,-0.996917,0,-0.996917,-0.0784591,0,0,0,-1,0.15,8.4,8.4,36,0."
      "05,"
      "0.05625\n"
      "7,2,2,-139.851,-6.46568,-1502,0.0461835,-0.998933,0,-0.998933,-0.0461835,0,0,0,-1,0.15,8.4,8.4,36,0."
      "05,"
      "0.05625\n"
      "8,4,3,-1.5,2.25,3,1,0,0,0,1,0,0,0,1,0.25,12,16,54,0.08,1.2\n";

  const fs::path dir = fs::temp_directory_path() / ("trkx_io_fuzz_" + std::to_string(::getpid()));
  fs::create_directories(dir);

  std::size_t errors = 0;
  std::size_t successes = 0;
  for (std::uint64_t it = 0; it < iterations; ++it) {
    const auto target = rng() % 10;
    const std::size_t before = errors;
    switch (target) {
      case 0: {
        const auto t = mutate(hits, rng);
        expect_clean([&] { (void)io::parse_hits(t, "hits.csv"); }, "parse_hits", t, errors);
        break;
      }
      case 1: {
        const auto t = mutate(cells, rng);
        expect_clean([&] { (void)io::parse_cells(t, "cells.csv"); }, "parse_cells", t, errors);
        break;
      }
      case 2: {
        const auto t = mutate(truth, rng);
        expect_clean([&] { (void)io::parse_truth(t, "truth.csv"); }, "parse_truth", t, errors);
        break;
      }
      case 3: {
        const auto t = mutate(particles, rng);
        expect_clean([&] { (void)io::parse_particles(t, "particles.csv"); }, "parse_particles", t, errors);
        break;
      }
      case 4: {
        const auto t = mutate(detectors, rng);
        expect_clean([&] { (void)io::parse_detectors(t, "detectors.csv"); }, "parse_detectors", t, errors);
        break;
      }
      case 5: {
        const auto t = mutate(submission, rng);
        expect_clean([&] { (void)io::parse_submissions(t, "submission.csv"); }, "parse_submissions", t,
                     errors);
        break;
      }
      case 6:
      case 7:
      case 8: {  // a whole event with one mutated part (cross-file checks)
        std::string parts[4] = {hits, cells, truth, particles};
        const auto which = rng() % 4;
        parts[which] = mutate(parts[which], rng);
        io::EventText text;
        text.event_id = 1000;
        text.hits = io::TextFile{"hits.csv", parts[0]};
        text.cells = io::TextFile{"cells.csv", parts[1]};
        text.truth = io::TextFile{"truth.csv", parts[2]};
        text.particles = io::TextFile{"particles.csv", parts[3]};
        expect_clean([&] { (void)io::parse_event(text); }, "parse_event", parts[which], errors);
        break;
      }
      default: {  // files on disk, plain or gzip with mutated compressed bytes
        const bool gzip = rng() % 2 == 0;
        const fs::path file = dir / (gzip ? "event000001000-hits.csv.gz" : "event000001000-hits.csv");
        fs::remove(dir / "event000001000-hits.csv");
        fs::remove(dir / "event000001000-hits.csv.gz");
        io::write_file_atomic(file, gzip ? hits : mutate(hits, rng), gzip);
        std::string raw;
        if (gzip) {
          std::FILE* fp = std::fopen(file.c_str(), "rb");
          ASSERT_NE(fp, nullptr);
          raw.resize(1 << 16);
          raw.resize(std::fread(raw.data(), 1, raw.size(), fp));
          std::fclose(fp);
          raw = mutate(raw, rng);
          fp = std::fopen(file.c_str(), "wb");
          ASSERT_NE(fp, nullptr);
          std::fwrite(raw.data(), 1, raw.size(), fp);
          std::fclose(fp);
        }
        expect_clean([&] { (void)io::read_event(dir / "event000001000"); }, "read_event", raw, errors);
        break;
      }
    }
    if (errors == before) ++successes;
  }
  fs::remove_all(dir);
  // The mutations must actually exercise the error paths (and some survive).
  EXPECT_GT(errors, iterations / 4);
  RecordProperty("errors", static_cast<int>(errors));
  RecordProperty("successes", static_cast<int>(successes));
}
