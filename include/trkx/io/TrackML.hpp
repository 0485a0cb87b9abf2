#pragma once
/// @file TrackML.hpp
/// Reading and writing events in the TrackML CSV format:
///   eventNNNNNNNNN-hits.csv       hit_id,x,y,z,volume_id,layer_id,module_id
///   eventNNNNNNNNN-cells.csv      hit_id,ch0,ch1,value
///   eventNNNNNNNNN-truth.csv      hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight
///   eventNNNNNNNNN-particles.csv  particle_id,vx,vy,vz,px,py,pz,q,nhits
///   detectors.csv                 volume_id,layer_id,module_id,cx,cy,cz,rot_*,module_t,...
///   submission                    event_id,hit_id,track_id
/// Files may be gzip-compressed (`.csv.gz`). Column order comes from the
/// header; unknown columns are ignored. Malformed input throws
/// trkx::InputError naming file, line, column, expected and found.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/core/Geometry.hpp"

namespace trkx::io {

/// Which parts of an event to read. Hits are always read.
struct ReadOptions {
  bool cells = true;         ///< read -cells.csv if present (required if `require_all`)
  bool truth = true;         ///< read -truth.csv if present
  bool particles = true;     ///< read -particles.csv if present
  bool require_all = false;  ///< a missing cells/truth/particles file is an error
  bool parallel = true;      ///< parse the files of a large event (>= 1 MiB) on two threads
};

/// One event on disk: its prefix (e.g. `/data/event000001000`) and id.
struct EventFiles {
  std::filesystem::path prefix;  ///< path without the `-hits.csv` suffix
  std::uint64_t event_id = 0;
};

/// Lists the events in `dir` (by their `-hits.csv[.gz]` files), sorted by id.
std::vector<EventFiles> list_events(const std::filesystem::path& dir);

/// Resolves command-line inputs: each entry is an event directory or an event
/// prefix (`DIR/event000001000`); returns all events, sorted and de-duplicated.
std::vector<EventFiles> resolve_inputs(const std::vector<std::string>& inputs);

/// Reads one event from its prefix (`DIR/event000001000`; a path to its
/// `-hits.csv[.gz]` file is accepted too). Each part is `PREFIX-<part>.csv`
/// or `PREFIX-<part>.csv.gz`. Checked and ordered as by parse_event().
Event read_event(const std::filesystem::path& prefix, const ReadOptions& options = {});

/// Writes one event as `<dir>/event<9-digit id>-{hits,cells,truth,particles}.csv`
/// (hits always; empty cells/truth/particles are skipped unless `all_parts`,
/// e.g. a simulated event without any particle: its files then have headers
/// only). `gzip` writes `.csv.gz`. Numbers in shortest round-trip form. Each
/// file is written atomically (temporary file, then rename).
void write_event(const Event& event, const std::filesystem::path& dir, bool gzip = false,
                 bool all_parts = false);

/// Reads / writes a TrackML `detectors.csv` module description (written
/// atomically; gzip-compressed when the file name ends in `.gz`).
DetectorGeometry read_detectors(const std::filesystem::path& file);
void write_detectors(const DetectorGeometry& geometry, const std::filesystem::path& file);

/// Reads / writes a submission (`event_id,hit_id,track_id`), atomically
/// (gzip-compressed when the file name ends in `.gz`).
/// read_submission() expects the rows of one event (an empty file body gives
/// an empty assignment); a file with several events is an InputError.
TrackAssignment read_submission(const std::filesystem::path& file);
void write_submission(const TrackAssignment& tracks, const std::filesystem::path& file);

/// Reads / writes a submission holding several events (as in the TrackML
/// challenge), one TrackAssignment per event in order of first appearance.
std::vector<TrackAssignment> read_submissions(const std::filesystem::path& file);
void write_submissions(std::span<const TrackAssignment> tracks, const std::filesystem::path& file);

// ---- in-memory parsing and formatting ---------------------------------------
// The file functions above are thin wrappers around these; they are public so
// that tests, fuzzers and benchmarks can work without touching the disk.
// `source` names the file in error messages.

/// One file's contents and the name used in error messages.
struct TextFile {
  std::string name;       ///< e.g. `/data/event000001000-hits.csv`
  std::string_view text;  ///< whole (decompressed) contents
};

/// The files of one event in memory; absent parts are nullopt.
struct EventText {
  std::uint64_t event_id = 0;
  std::optional<TextFile> hits;  ///< required
  std::optional<TextFile> cells, truth, particles;
};

/// Parses an event and checks it as a whole: unique hit ids, cells and truth
/// referencing known hits, one truth row per hit, unique particle ids, truth
/// particles present in the particles file (0 = noise). Truth is returned in
/// hit order and cells grouped by hit in hit order. Derived hit quantities
/// (r, phi, eta) are computed. Of `options` only `parallel` is used (all
/// parts present in `text` are parsed). Errors are reported deterministically
/// (the first failing file in the order hits, particles, cells, truth).
Event parse_event(const EventText& text, const ReadOptions& options = {});

/// Single-file parsers (no cross-file checks; parse_hits rejects duplicate ids).
HitContainer parse_hits(std::string_view text, const std::string& source);
CellContainer parse_cells(std::string_view text, const std::string& source);
TruthContainer parse_truth(std::string_view text, const std::string& source);
ParticleContainer parse_particles(std::string_view text, const std::string& source);
DetectorGeometry parse_detectors(std::string_view text, const std::string& source);
std::vector<TrackAssignment> parse_submissions(std::string_view text, const std::string& source);

/// CSV text of each part, with the standard TrackML header and numbers in
/// shortest round-trip form (parse(format(x)) == x).
std::string format_hits(const HitContainer& hits);
std::string format_cells(const CellContainer& cells);
std::string format_truth(const TruthContainer& truth);
std::string format_particles(const ParticleContainer& particles);
std::string format_detectors(const DetectorGeometry& geometry);
std::string format_submissions(std::span<const TrackAssignment> tracks);

/// Event id encoded in a file name such as `event000001000-hits.csv` or a
/// prefix `event000001000`; nullopt if the name does not follow the pattern.
std::optional<std::uint64_t> event_id_from_name(std::string_view file_name);

/// `event<9-digit id>` (more digits if needed), the TrackML file name prefix.
std::string event_prefix_name(std::uint64_t event_id);

/// True if two events hold identical data (all parts, bitwise-equal floats).
bool identical(const Event& a, const Event& b);

}  // namespace trkx::io
