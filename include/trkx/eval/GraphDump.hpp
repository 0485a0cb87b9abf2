#pragma once
/// @file GraphDump.hpp
/// Reading the per-event intermediate graphs written by
/// `trkx reconstruct --dump-graphs`, for per-stage edge metrics.
///
/// Format: one CSV file per event and stage,
///   `<dir>/event<9-digit id>-graph-<stage>.csv`
/// (stage: radius_graph, filter, gnn, ...; letters, digits, '_' and '-'),
/// with a header line and one edge per row. Columns, found by name in any order:
///   `src,dst[,score]`                hit indices: rows of the event's hits file (0-based), or
///   `hit_id_src,hit_id_dst[,score]`  TrackML hit ids.
/// `score` (edge classifier output in [0, 1]) is optional; other columns are ignored.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "trkx/core/EventData.hpp"
#include "trkx/pipeline/Graph.hpp"

namespace trkx::eval {

/// One dumped graph file of one event.
struct GraphDumpFile {
  std::string stage;  ///< e.g. "filter"
  std::filesystem::path file;
};

/// The graph dumps of event `event_id` in `dir`, in pipeline order
/// (radius_graph, filter, gnn), then other stages by name; empty if there
/// are none or `dir` does not exist.
std::vector<GraphDumpFile> find_graph_dumps(const std::filesystem::path& dir, std::uint64_t event_id);

/// Parses a graph dump held in memory; edges are returned as hit indices of
/// `event` (hit ids are translated). `source` names the file in errors.
/// Throws trkx::InputError (file, line, column, expected vs found) for a
/// missing column, a malformed number, an unknown hit id or an index out of range.
EdgeList parse_graph_dump(std::string_view text, const std::string& source, const Event& event);

/// Reads and parses one dump file (see parse_graph_dump).
EdgeList read_graph_dump(const std::filesystem::path& file, const Event& event);

}  // namespace trkx::eval
