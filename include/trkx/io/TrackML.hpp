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
#include <string>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/core/Geometry.hpp"

namespace trkx::io {

/// Which parts of an event to read. Hits are always read.
struct ReadOptions {
  bool cells = true;      ///< read -cells.csv if present (required if `require_all`)
  bool truth = true;      ///< read -truth.csv if present
  bool particles = true;  ///< read -particles.csv if present
  bool require_all = false;  ///< a missing cells/truth/particles file is an error
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

/// Reads one event from its prefix. Derived hit quantities are computed.
Event read_event(const std::filesystem::path& prefix, const ReadOptions& options = {});

/// Writes one event as `<dir>/event<9-digit id>-{hits,cells,truth,particles}.csv`
/// (empty parts are skipped). `gzip` writes `.csv.gz`. Each file is written
/// atomically (temporary file, then rename).
void write_event(const Event& event, const std::filesystem::path& dir, bool gzip = false);

/// Reads / writes a TrackML `detectors.csv` module description.
DetectorGeometry read_detectors(const std::filesystem::path& file);
void write_detectors(const DetectorGeometry& geometry, const std::filesystem::path& file);

/// Reads / writes a submission (`event_id,hit_id,track_id`), atomically.
TrackAssignment read_submission(const std::filesystem::path& file);
void write_submission(const TrackAssignment& tracks, const std::filesystem::path& file);

}  // namespace trkx::io
