#include "trkx/io/TrackML.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>
#include <string>

#include "SyntheticEvent.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/io/Csv.hpp"

namespace fs = std::filesystem;
using trkx::Event;
using trkx::InputError;
namespace io = trkx::io;

namespace {

/// A fresh temporary directory, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("trkx_io_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

void write_text(const fs::path& file, const std::string& text) { io::write_file_atomic(file, text); }

/// A tiny event with known content: 4 tracks x 3 hits + 2 noise hits, ids
/// that do not start at 1, a large particle id.
Event tiny_event() {
  Event e;
  e.event_id = 1000;
  const trkx::ParticleId pids[] = {4503668346847232ULL, 22525763437723648ULL, 7, 18446744073709551615ULL};
  trkx::HitId id = 101;
  for (int t = 0; t < 4; ++t) {
    e.particles.push_back(pids[t], 0.001F * static_cast<float>(t), -0.002F, 1.5F,
                          0.5F + static_cast<float>(t), -0.25F, 3.0F, t % 2 == 0 ? 1 : -1, 3);
    for (int k = 0; k < 3; ++k) {
      const float r = 32.0F + 40.0F * static_cast<float>(k);
      const float x = r * std::cos(0.3F * static_cast<float>(t));
      const float y = r * std::sin(0.3F * static_cast<float>(t));
      e.hits.push_back(id, x, y, -1502.5F + static_cast<float>(k), 8, 2 * (k + 1), 1000 + t);
      e.truth.push_back(id, pids[t], x, y, 1.0e-7F, 0.1F, -0.2F, 1e-30F, 7.7e-6F);
      e.cells.push_back(id, 209 + k, 617, 0.0136123F);
      e.cells.push_back(id, 210 + k, 617, 1.0F);
      ++id;
    }
  }
  for (int k = 0; k < 2; ++k) {
    e.hits.push_back(id, -64.4099F, -7.1637F, 2954.5F, 18, 12, 97);
    e.truth.push_back(id, 0, -64.4099F, -7.1637F, 2954.5F, 0, 0, 0, 0);
    e.cells.push_back(id, 1, 2, 1.0F);
    ++id;
  }
  e.hits.compute_derived();
  return e;
}

const char* kHits =
    "hit_id,x,y,z,volume_id,layer_id,module_id\n"
    "1,-64.4099,-7.1637,-1502.5,7,2,1\n"
    "2,-55.3385,0.630805,-1502.5,7,2,1\n"
    "3,-83.8202,-1.14259,-1502.5,7,2,1\n";
const char* kCells = "hit_id,ch0,ch1,value\n1,209,617,0.0136123\n1,210,617,0.00696685\n2,68,446,0.0120252\n";
const char* kTruth =
    "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight\n"
    "1,0,-64.4116,-7.16412,-1502.5,250710,-149908,-956385,0\n"
    "2,22525763437723648,-55.3385,0.630805,-1502.5,-0.570605,0.0283904,-15.4922,1e-05\n"
    "3,0,-83.8302,-1.14331,-1502.5,626295,-169767,-760877,0\n";
const char* kParticles =
    "particle_id,vx,vy,vz,px,py,pz,q,nhits\n"
    "22525763437723648,-0.00928816,0.00986098,-5.7739,-0.570605,0.0283904,-15.4922,1,1\n";

io::EventText event_text(const std::string& hits, const std::string& cells, const std::string& truth,
                         const std::string& particles) {
  io::EventText t;
  t.event_id = 1;
  t.hits = io::TextFile{"event000000001-hits.csv", hits};
  t.cells = io::TextFile{"event000000001-cells.csv", cells};
  t.truth = io::TextFile{"event000000001-truth.csv", truth};
  t.particles = io::TextFile{"event000000001-particles.csv", particles};
  return t;
}

/// Runs `f` and returns the InputError message (fails the test if none).
template <class F>
std::string input_error(F&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected trkx::InputError, got another exception: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected trkx::InputError, nothing was thrown";
  return {};
}

}  // namespace

// ---- happy paths ---------------------------------------------------------------

TEST(TrackMLRead, ParsesKnownValues) {
  const auto e = io::parse_event(event_text(kHits, kCells, kTruth, kParticles));
  ASSERT_EQ(e.hits.size(), 3U);
  EXPECT_EQ(e.hits.hit_id[2], 3U);
  EXPECT_EQ(e.hits.x[0], -64.4099F);
  EXPECT_EQ(e.hits.y[1], 0.630805F);
  EXPECT_EQ(e.hits.volume_id[0], 7);
  EXPECT_NEAR(e.hits.r[0], std::hypot(-64.4099, -7.1637), 1e-3);
  ASSERT_EQ(e.cells.size(), 3U);
  EXPECT_EQ(e.cells.ch0[1], 210);
  EXPECT_EQ(e.cells.value[2], 0.0120252F);
  ASSERT_EQ(e.truth.size(), 3U);
  EXPECT_EQ(e.truth.particle_id[1], 22525763437723648ULL);
  EXPECT_EQ(e.truth.tpx[0], 250710.0F);
  EXPECT_EQ(e.truth.weight[1], 1e-05F);
  ASSERT_EQ(e.particles.size(), 1U);
  EXPECT_EQ(e.particles.q[0], 1);
  EXPECT_EQ(e.particles.vz[0], -5.7739F);
}

TEST(TrackMLRead, ColumnOrderFromHeaderAndExtraColumnsIgnored) {
  const std::string hits =
      "module_id,extra,z,y,x,hit_id,layer_id,volume_id\n"
      "1,foo,-1502.5,-7.1637,-64.4099,1,2,7\n"
      "9,bar,3,2,1,2,4,8\n";
  const auto h = io::parse_hits(hits, "h.csv");
  ASSERT_EQ(h.size(), 2U);
  EXPECT_EQ(h.hit_id[1], 2U);
  EXPECT_EQ(h.x[0], -64.4099F);
  EXPECT_EQ(h.z[1], 3.0F);
  EXPECT_EQ(h.volume_id[1], 8);
  EXPECT_EQ(h.layer_id[1], 4);
  EXPECT_EQ(h.module_id[1], 9);
}

TEST(TrackMLRead, TruthAndCellsAreReorderedToHitOrder) {
  const std::string truth =
      "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight\n"
      "3,0,3,0,0,0,0,0,0\n"
      "1,0,1,0,0,0,0,0,0\n"
      "2,22525763437723648,2,0,0,0,0,0,0\n";
  const std::string cells = "hit_id,ch0,ch1,value\n2,20,0,1\n1,10,0,1\n2,21,0,1\n1,11,0,1\n";
  const auto e = io::parse_event(event_text(kHits, cells, truth, kParticles));
  ASSERT_EQ(e.truth.size(), 3U);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(e.truth.hit_id[i], e.hits.hit_id[i]);
    EXPECT_EQ(e.truth.tx[i], static_cast<float>(i + 1));
  }
  EXPECT_EQ(e.truth.particle_id[1], 22525763437723648ULL);
  ASSERT_EQ(e.cells.size(), 4U);
  EXPECT_EQ(e.cells.hit_id, (std::vector<trkx::HitId>{1, 1, 2, 2}));
  EXPECT_EQ(e.cells.ch0, (std::vector<std::int32_t>{10, 11, 20, 21}));  // stable within a hit
}

TEST(TrackMLRead, ToleratesCrlfBomBlankLinesAndPlusSigns) {
  const std::string hits =
      "\xEF\xBB\xBFhit_id,x,y,z,volume_id,layer_id,module_id\r\n"
      "1,+1.5,2,3,7,2,1\r\n"
      "\r\n"
      "2, 4 ,5,6,7,2,1\r\n"
      "\n";
  const auto h = io::parse_hits(hits, "h.csv");
  ASSERT_EQ(h.size(), 2U);
  EXPECT_EQ(h.x[0], 1.5F);
  EXPECT_EQ(h.x[1], 4.0F);
  // Line numbers after a blank line still point at the right line.
  const std::string bad = "hit_id,x,y,z,volume_id,layer_id,module_id\n1,1,2,3,7,2,1\n\n2,1,2,zz,7,2,1\n";
  EXPECT_EQ(input_error([&] { (void)io::parse_hits(bad, "h.csv"); }),
            "h.csv:4: column 'z': expected a number, found 'zz'");
}

TEST(TrackMLRead, HeaderOnlyFilesGiveEmptyParts) {
  const auto e = io::parse_event(event_text(
      "hit_id,x,y,z,volume_id,layer_id,module_id\n", "hit_id,ch0,ch1,value",
      "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight\n", "particle_id,vx,vy,vz,px,py,pz,q,nhits\n"));
  EXPECT_EQ(e.hits.size(), 0U);
  EXPECT_EQ(e.cells.size(), 0U);
  EXPECT_EQ(e.truth.size(), 0U);
  EXPECT_EQ(e.particles.size(), 0U);
}

TEST(TrackMLRoundTrip, FloatsAndIdsSurviveFormatAndParse) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<std::uint32_t> bits;
  trkx::HitContainer hits;
  for (trkx::HitId id = 1; id <= 2000; ++id) {
    float v = 0;
    do {
      const std::uint32_t b = bits(rng);
      std::memcpy(&v, &b, sizeof(v));
    } while (!std::isfinite(v));
    hits.push_back(id * 1000003ULL, v, std::numeric_limits<float>::denorm_min(), -0.0F, -7,
                   std::numeric_limits<std::int32_t>::max(), std::numeric_limits<std::int64_t>::min());
  }
  const auto back = io::parse_hits(io::format_hits(hits), "h.csv");
  ASSERT_EQ(back.size(), hits.size());
  EXPECT_EQ(std::memcmp(back.x.data(), hits.x.data(), hits.size() * sizeof(float)), 0);
  EXPECT_EQ(std::memcmp(back.z.data(), hits.z.data(), hits.size() * sizeof(float)), 0);  // -0 kept
  EXPECT_EQ(back.hit_id, hits.hit_id);
  EXPECT_EQ(back.y, hits.y);
  EXPECT_EQ(back.layer_id, hits.layer_id);
  EXPECT_EQ(back.module_id, hits.module_id);
}

TEST(TrackMLRoundTrip, WriteReadGivesIdenticalEvent) {
  const TempDir dir;
  const Event e = tiny_event();
  for (const bool gzip : {false, true}) {
    const auto out = dir.path() / (gzip ? "gz" : "plain");
    io::write_event(e, out, gzip);
    const auto ext = gzip ? std::string(".csv.gz") : std::string(".csv");
    for (const char* part : {"hits", "cells", "truth", "particles"}) {
      EXPECT_TRUE(fs::exists(out / ("event000001000-" + std::string(part) + ext))) << part;
    }
    const Event back = io::read_event(out / "event000001000");
    EXPECT_TRUE(io::identical(e, back));
    EXPECT_EQ(back.event_id, 1000U);
    EXPECT_EQ(back.particles.particle_id[3], 18446744073709551615ULL);
    // Second round trip is byte-identical too.
    io::write_event(back, dir.path() / "again", gzip);
    EXPECT_TRUE(io::identical(e, io::read_event(dir.path() / "again" / ("event000001000-hits" + ext))));
  }
  // No temporary files are left behind.
  for (const auto& entry : fs::recursive_directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
  }
}

TEST(TrackMLRoundTrip, SyntheticEventIsRealisticAndRoundTrips) {
  const Event e = io::testing::make_synthetic_event(3000, 3);
  ASSERT_EQ(e.hits.size(), 3000U);
  EXPECT_GT(e.particles.size(), 100U);
  EXPECT_NEAR(static_cast<double>(e.cells.size()) / 3000.0, 2.5, 0.2);
  const auto text = io::format_hits(e.hits);
  EXPECT_LT(text.size(), 3000U * 48);  // ~6 significant digits per value
  io::EventText t;
  t.event_id = e.event_id;
  const std::string h = io::format_hits(e.hits);
  const std::string c = io::format_cells(e.cells);
  const std::string tr = io::format_truth(e.truth);
  const std::string p = io::format_particles(e.particles);
  t.hits = io::TextFile{"h", h};
  t.cells = io::TextFile{"c", c};
  t.truth = io::TextFile{"t", tr};
  t.particles = io::TextFile{"p", p};
  EXPECT_TRUE(io::identical(e, io::parse_event(t)));
}

TEST(TrackMLRead, ReadOptionsSelectParts) {
  const TempDir dir;
  const Event e = tiny_event();
  io::write_event(e, dir.path());
  io::ReadOptions hits_only;
  hits_only.cells = hits_only.truth = hits_only.particles = false;
  const Event h = io::read_event(dir.path() / "event000001000", hits_only);
  EXPECT_EQ(h.hits.size(), e.hits.size());
  EXPECT_EQ(h.cells.size(), 0U);
  EXPECT_FALSE(h.has_truth());
  // A missing optional part is fine unless require_all.
  fs::remove(dir.path() / "event000001000-cells.csv");
  EXPECT_EQ(io::read_event(dir.path() / "event000001000").cells.size(), 0U);
  io::ReadOptions all;
  all.require_all = true;
  EXPECT_EQ(input_error([&] { (void)io::read_event(dir.path() / "event000001000", all); }),
            (dir.path() / "event000001000-cells.csv").string() + ": no such file (nor .csv.gz)");
  fs::remove(dir.path() / "event000001000-hits.csv");
  EXPECT_EQ(input_error([&] { (void)io::read_event(dir.path() / "event000001000"); }),
            (dir.path() / "event000001000-hits.csv").string() + ": no such file (nor .csv.gz)");
}

TEST(TrackMLFiles, ListAndResolveEvents) {
  const TempDir dir;
  Event e = tiny_event();
  e.event_id = 1002;
  io::write_event(e, dir.path());
  e.event_id = 7;
  io::write_event(e, dir.path(), /*gzip=*/true);
  write_text(dir.path() / "notes.txt", "not an event\n");
  write_text(dir.path() / "eventXYZ-hits.csv", "x\n");
  const auto listed = io::list_events(dir.path());
  ASSERT_EQ(listed.size(), 2U);
  EXPECT_EQ(listed[0].event_id, 7U);
  EXPECT_EQ(listed[0].prefix, dir.path() / "event000000007");
  EXPECT_EQ(listed[1].event_id, 1002U);
  const auto resolved = io::resolve_inputs({(dir.path() / "event000001002").string(), dir.path().string(),
                                            (dir.path() / "event000000007-hits.csv.gz").string()});
  ASSERT_EQ(resolved.size(), 2U);  // de-duplicated
  EXPECT_EQ(resolved[0].event_id, 7U);
  EXPECT_EQ(resolved[1].event_id, 1002U);
  EXPECT_EQ(io::read_event(resolved[0].prefix).hits.size(), e.hits.size());
  EXPECT_NE(input_error([&] {
              (void)io::resolve_inputs({(dir.path() / "event000000099").string()});
            }).find("no such event directory or event prefix"),
            std::string::npos);
  const TempDir empty;
  EXPECT_NE(
      input_error([&] { (void)io::resolve_inputs({empty.path().string()}); }).find("no events in directory"),
      std::string::npos);
}

TEST(TrackMLFiles, EventIdFromName) {
  EXPECT_EQ(io::event_id_from_name("event000001000-hits.csv"), 1000U);
  EXPECT_EQ(io::event_id_from_name("event000001000"), 1000U);
  EXPECT_FALSE(io::event_id_from_name("event-hits.csv"));
  EXPECT_FALSE(io::event_id_from_name("evt000001000"));
  EXPECT_FALSE(io::event_id_from_name("event12x"));
  EXPECT_EQ(io::event_prefix_name(1000), "event000001000");
  EXPECT_EQ(io::event_prefix_name(12345678901ULL), "event12345678901");
}

// ---- detectors and submissions ---------------------------------------------------

TEST(TrackMLDetectors, SmallGeometryRoundTrips) {
  const std::string text =
      "volume_id,layer_id,module_id,cx,cy,cz,rot_xu,rot_xv,rot_xw,rot_yu,rot_yv,rot_yw,rot_zu,rot_zv,rot_zw,"
      "module_t,module_minhu,module_maxhu,module_hv,pitch_u,pitch_v\n"
      "7,2,1,-65.7965,-5.1783,-1502.5,0.0784591,-0.996917,0,-0.996917,-0.0784591,0,0,0,-1,0.15,8.4,8.4,36,0."
      "05,"
      "0.05625\n"
      "7,2,2,-139.851,-6.46568,-1502,0.0461835,-0.998933,0,-0.998933,-0.0461835,0,0,0,-1,0.15,8.4,8.4,36,0."
      "05,"
      "0.05625\n";
  const auto g = io::parse_detectors(text, "detectors.csv");
  ASSERT_EQ(g.size(), 2U);
  EXPECT_EQ(g.center[1][0], -139.851);
  EXPECT_EQ(g.rot[0][1], -0.996917);
  EXPECT_EQ(g.rot[0][8], -1.0);
  EXPECT_EQ(g.pitch_v[1], 0.05625);
  ASSERT_TRUE(g.find({7, 2, 2}).has_value());
  EXPECT_EQ(*g.find({7, 2, 2}), 1U);
  EXPECT_EQ(io::format_detectors(g), text);  // shortest form reproduces the TrackML text
  const std::string dup = text + "7,2,1,0,0,0,1,0,0,0,1,0,0,0,1,0.15,8.4,8.4,36,0.05,0.05625\n";
  EXPECT_EQ(
      input_error([&] { (void)io::parse_detectors(dup, "detectors.csv"); }),
      "detectors.csv:4: column 'module_id': duplicate module (volume 7, layer 2, module 1), first on line 2");
}

TEST(TrackMLDetectors, RealTrackMLFileIfPresent) {
  const fs::path file = fs::path(TRKX_SOURCE_DIR) / ".." / "shared" / "data" / "trackml" / "detectors.csv";
  if (!fs::exists(file)) GTEST_SKIP() << "no " << file;
  const auto g = io::read_detectors(file);
  EXPECT_EQ(g.size(), 18728U);
  const TempDir dir;
  io::write_detectors(g, dir.path() / "detectors.csv.gz");
  const auto back = io::read_detectors(dir.path() / "detectors.csv.gz");
  EXPECT_EQ(io::format_detectors(back), io::format_detectors(g));
  EXPECT_EQ(back.volume_id, g.volume_id);
  EXPECT_EQ(back.rot, g.rot);
}

TEST(TrackMLSubmission, RoundTripAndErrors) {
  const TempDir dir;
  trkx::TrackAssignment a;
  a.event_id = 1000;
  a.hit_id = {1, 2, 3, 5};
  a.track_id = {7, 7, 0, -3};
  io::write_submission(a, dir.path() / "sub.csv");
  const auto back = io::read_submission(dir.path() / "sub.csv");
  EXPECT_EQ(back.event_id, 1000U);
  EXPECT_EQ(back.hit_id, a.hit_id);
  EXPECT_EQ(back.track_id, a.track_id);

  trkx::TrackAssignment b = a;
  b.event_id = 1001;
  const std::vector<trkx::TrackAssignment> both = {a, b};
  io::write_submissions(both, dir.path() / "all.csv.gz");
  const auto many = io::read_submissions(dir.path() / "all.csv.gz");
  ASSERT_EQ(many.size(), 2U);
  EXPECT_EQ(many[1].event_id, 1001U);
  EXPECT_EQ(many[1].track_id, a.track_id);
  EXPECT_NE(input_error([&] {
              (void)io::read_submission(dir.path() / "all.csv.gz");
            }).find("expected the rows of one event, found 2 events"),
            std::string::npos);
  const std::string dup = "event_id,hit_id,track_id\n1,1,1\n2,1,1\n1,2,1\n1,1,4\n";
  EXPECT_EQ(input_error([&] { (void)io::parse_submissions(dup, "s.csv"); }),
            "s.csv:5: column 'hit_id': duplicate hit id 1 in event 1 (first on line 2)");
}

// ---- errors ---------------------------------------------------------------

struct ErrorCase {
  const char* name;
  std::string hits, cells, truth, particles;
  std::string message;  // exact what()
};

class TrackMLErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(TrackMLErrors, GivesOneLineInputError) {
  const auto& c = GetParam();
  const std::string message =
      input_error([&] { (void)io::parse_event(event_text(c.hits, c.cells, c.truth, c.particles)); });
  EXPECT_EQ(message, c.message);
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

const std::string kHitsHeader = "hit_id,x,y,z,volume_id,layer_id,module_id\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, TrackMLErrors,
    ::testing::Values(
        ErrorCase{"non_numeric", kHitsHeader + "1,1,2,abc,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'z': expected a number, found 'abc'"},
        ErrorCase{"missing_column", "hit_id,x,y,volume_id,layer_id,module_id\n1,1,2,7,2,1\n", kCells, kTruth,
                  kParticles,
                  "event000000001-hits.csv:1: column 'z': missing from the header, found "
                  "'hit_id,x,y,volume_id,layer_id,module_id'"},
        ErrorCase{"nan", kHitsHeader + "1,nan,2,3,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'x': expected a finite number, found 'nan'"},
        ErrorCase{"inf", kHitsHeader + "1,1,-inf,3,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'y': expected a finite number, found '-inf'"},
        ErrorCase{
            "float_overflow", kHitsHeader + "1,1e39,2,3,7,2,1\n", kCells, kTruth, kParticles,
            "event000000001-hits.csv:2: column 'x': expected a number within floating-point range, found "
            "'1e39'"},
        ErrorCase{"int_overflow", kHitsHeader + "1,1,2,3,7,3000000000,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'layer_id': expected an integer within range, found "
                  "'3000000000'"},
        ErrorCase{"negative_id", kHitsHeader + "-1,1,2,3,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'hit_id': expected a non-negative integer, found '-1'"},
        ErrorCase{"zero_id", kHitsHeader + "0,1,2,3,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'hit_id': expected a positive hit id, found '0'"},
        ErrorCase{"float_id", kHitsHeader + "1.0,1,2,3,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'hit_id': expected a non-negative integer, found '1.0'"},
        ErrorCase{"duplicate_hit", std::string(kHits) + "2,1,2,3,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:5: column 'hit_id': duplicate hit id 2 (first on line 3)"},
        ErrorCase{"empty_file", "", kCells, kTruth, kParticles,
                  "event000000001-hits.csv: empty file, expected a header line"},
        ErrorCase{"truncated", std::string(kHits) + "4,1.5,2", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:5: expected 7 fields (as in the header), found 3 (truncated last "
                  "line?)"},
        ErrorCase{"too_many_fields", kHitsHeader + "1,1,2,3,7,2,1,9\n2,1,2,3,7,2,1\n", kCells, kTruth,
                  kParticles, "event000000001-hits.csv:2: expected 7 fields (as in the header), found 8"},
        ErrorCase{"empty_field", kHitsHeader + "1,1,,3,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'y': expected a number, found ''"},
        ErrorCase{"garbage_bytes", kHitsHeader + "1,1,2,\x01\xff,7,2,1\n", kCells, kTruth, kParticles,
                  "event000000001-hits.csv:2: column 'z': expected a number, found '\\x01\\xff'"},
        ErrorCase{"duplicate_header", "hit_id,x,x,y,z,volume_id,layer_id,module_id\n", kCells, kTruth,
                  kParticles, "event000000001-hits.csv:1: column 'x': header: column name appears twice"},
        ErrorCase{"cells_unknown_hit", kHits, "hit_id,ch0,ch1,value\n1,1,1,1\n9,1,1,1\n", kTruth, kParticles,
                  "event000000001-cells.csv:3: column 'hit_id': hit id 9 not found in the hits file"},
        ErrorCase{"truth_unknown_hit", kHits, kCells, std::string(kTruth) + "12,0,1,1,1,1,1,1,0\n",
                  kParticles,
                  "event000000001-truth.csv:5: column 'hit_id': hit id 12 not found in the hits file"},
        ErrorCase{
            "truth_duplicate_hit", kHits, kCells, std::string(kTruth) + "2,0,1,1,1,1,1,1,0\n", kParticles,
            "event000000001-truth.csv:5: column 'hit_id': second truth row for hit id 2 (first on line 3)"},
        ErrorCase{
            "truth_missing_hit", kHits, kCells,
            "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight\n1,0,1,1,1,1,1,1,0\n", kParticles,
            "event000000001-truth.csv: column 'hit_id': no truth row for 2 of 3 hits (expected one row per "
            "hit)"},
        ErrorCase{
            "truth_unknown_particle", kHits, kCells,
            "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight\n1,0,1,1,1,1,1,1,0\n2,5,1,1,1,1,1,1,0\n"
            "3,0,1,1,1,1,1,1,0\n",
            kParticles,
            "event000000001-truth.csv:3: column 'particle_id': particle id 5 not found in the particles "
            "file"},
        ErrorCase{
            "duplicate_particle", kHits, kCells, kTruth,
            std::string(kParticles) + "22525763437723648,0,0,0,1,1,1,-1,2\n",
            "event000000001-particles.csv:3: column 'particle_id': duplicate particle id 22525763437723648 "
            "(first on line 2)"},
        ErrorCase{
            "cells_missing_column", kHits, "hit_id,ch0,value\n1,1,1\n", kTruth, kParticles,
            "event000000001-cells.csv:1: column 'ch1': missing from the header, found 'hit_id,ch0,value'"}),
    [](const ::testing::TestParamInfo<ErrorCase>& param_info) { return std::string(param_info.param.name); });

TEST(TrackMLErrorsFiles, CorruptGzipAndMissingFiles) {
  const TempDir dir;
  io::write_event(tiny_event(), dir.path(), /*gzip=*/true);
  const auto hits = dir.path() / "event000001000-hits.csv.gz";
  std::string data = io::read_file(hits);  // decompressed
  EXPECT_EQ(data.rfind("hit_id,x,y,z", 0), 0U);
  // Truncate the compressed file.
  {
    std::FILE* fp = std::fopen(hits.c_str(), "rb");
    ASSERT_NE(fp, nullptr);
    std::string raw(4096, '\0');
    raw.resize(std::fread(raw.data(), 1, raw.size(), fp));
    std::fclose(fp);
    raw.resize(raw.size() / 2);
    fp = std::fopen(hits.c_str(), "wb");
    std::fwrite(raw.data(), 1, raw.size(), fp);
    std::fclose(fp);
  }
  EXPECT_EQ(input_error([&] { (void)io::read_event(dir.path() / "event000001000"); }),
            hits.string() + ": truncated gzip data (unexpected end of file)");
  EXPECT_EQ(input_error([&] { (void)io::read_detectors(dir.path() / "nope.csv"); }),
            (dir.path() / "nope.csv").string() + ": no such file");
}

TEST(TrackMLRead, ParallelAndSerialParsingAgreeIncludingErrors) {
  const Event e = io::testing::make_synthetic_event(8000, 9);
  const std::string h = io::format_hits(e.hits);
  const std::string c = io::format_cells(e.cells);
  const std::string t = io::format_truth(e.truth);
  const std::string p = io::format_particles(e.particles);
  ASSERT_GT(h.size() + c.size() + t.size() + p.size(), std::size_t{1} << 20);  // takes the parallel path
  auto text = [&](const std::string& hits, const std::string& truth) {
    io::EventText et;
    et.event_id = e.event_id;
    et.hits = io::TextFile{"h.csv", hits};
    et.cells = io::TextFile{"c.csv", c};
    et.truth = io::TextFile{"t.csv", truth};
    et.particles = io::TextFile{"p.csv", p};
    return et;
  };
  io::ReadOptions serial;
  serial.parallel = false;
  const io::ReadOptions parallel;
  EXPECT_TRUE(io::identical(io::parse_event(text(h, t), parallel), e));
  EXPECT_TRUE(io::identical(io::parse_event(text(h, t), serial), e));
  // Errors in several files: the hits error wins in both modes.
  std::string bad_hits = h;
  bad_hits.replace(bad_hits.find('\n', bad_hits.size() / 2) + 1, 1, "x");
  std::string bad_truth = t;
  bad_truth.replace(bad_truth.find('\n', 100) + 1, 1, "y");
  for (const auto& options : {serial, parallel}) {
    const auto both = input_error([&] { (void)io::parse_event(text(bad_hits, bad_truth), options); });
    EXPECT_EQ(both.rfind("h.csv:", 0), 0U) << both;
    const auto truth_only = input_error([&] { (void)io::parse_event(text(h, bad_truth), options); });
    EXPECT_EQ(truth_only.rfind("t.csv:", 0), 0U) << truth_only;
    EXPECT_NE(truth_only.find("column 'hit_id': expected a non-negative integer, found 'y"),
              std::string::npos)
        << truth_only;
  }
}
