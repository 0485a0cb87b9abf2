#include "trkx/io/TrackML.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <exception>
#include <functional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>

#include "IdIndex.hpp"
#include "TypedRows.hpp"
#include "trkx/core/Error.hpp"
#include "trkx/io/Csv.hpp"

namespace trkx::io {
namespace {

namespace fs = std::filesystem;
using detail::IdIndex;
constexpr std::uint32_t kNone = IdIndex::kNone;

/// Events smaller than this are parsed on one thread.
constexpr std::size_t kParallelBytes = std::size_t{1} << 20;

constexpr const char* kParts[] = {"hits", "cells", "truth", "particles"};

std::string id_text(std::uint64_t id) { return std::to_string(id); }

/// Builds the index of `ids` read by `csv`; a duplicate is an InputError at its line.
void index_unique_ids(IdIndex& index, std::span<const std::uint64_t> ids, const CsvReader& csv,
                      const char* column, const char* what) {
  if (ids.size() >= kNone) csv.fail_file(column, "too many rows");
  const auto [first, second] = index.build(ids);
  if (second != kNone) {
    throw InputError(csv.source(), csv.line_of_row(second), column,
                     std::string("duplicate ") + what + " " + id_text(ids[second]) + " (first on line " +
                         std::to_string(csv.line_of_row(first)) + ")");
  }
}

/// Resizes every column vector of a container to `n` rows.
template <class... Columns>
void resize_columns(std::size_t n, Columns&... columns) {
  (columns.resize(n), ...);
}

// ---- per-file parsers with optional links to other files ---------------------

HitContainer parse_hits_impl(CsvReader& csv, IdIndex& index) {
  const auto c_id = csv.require_column<HitId>("hit_id");
  const auto c_x = csv.require_column<float>("x");
  const auto c_y = csv.require_column<float>("y");
  const auto c_z = csv.require_column<float>("z");
  const auto c_vol = csv.require_column<std::int32_t>("volume_id");
  const auto c_lay = csv.require_column<std::int32_t>("layer_id");
  const auto c_mod = csv.require_column<ModuleId>("module_id");
  HitContainer hits;
  std::size_t n = 0;
  std::size_t capacity = csv.estimated_rows();
  resize_columns(capacity, hits.hit_id, hits.x, hits.y, hits.z, hits.volume_id, hits.layer_id,
                 hits.module_id);
  detail::read_rows<HitId, float, float, float, std::int32_t, std::int32_t, ModuleId>(
      csv, {c_id, c_x, c_y, c_z, c_vol, c_lay, c_mod},
      [&](HitId id, float x, float y, float z, std::int32_t vol, std::int32_t lay, ModuleId mod) {
        if (id == 0) [[unlikely]] {
          return false;
        }
        if (n == capacity) [[unlikely]] {
          capacity += capacity / 2 + 16;
          resize_columns(capacity, hits.hit_id, hits.x, hits.y, hits.z, hits.volume_id, hits.layer_id,
                         hits.module_id);
        }
        hits.hit_id[n] = id;
        hits.x[n] = x;
        hits.y[n] = y;
        hits.z[n] = z;
        hits.volume_id[n] = vol;
        hits.layer_id[n] = lay;
        hits.module_id[n] = mod;
        ++n;
        return true;
      },
      [&](const CsvReader& reader) { reader.fail_expected(c_id, "a positive hit id"); });
  resize_columns(n, hits.hit_id, hits.x, hits.y, hits.z, hits.volume_id, hits.layer_id, hits.module_id);
  index_unique_ids(index, hits.hit_id, csv, "hit_id", "hit id");
  return hits;
}

ParticleContainer parse_particles_impl(CsvReader& csv, IdIndex& index) {
  const auto c_id = csv.require_column<ParticleId>("particle_id");
  const auto c_vx = csv.require_column<float>("vx");
  const auto c_vy = csv.require_column<float>("vy");
  const auto c_vz = csv.require_column<float>("vz");
  const auto c_px = csv.require_column<float>("px");
  const auto c_py = csv.require_column<float>("py");
  const auto c_pz = csv.require_column<float>("pz");
  const auto c_q = csv.require_column<std::int32_t>("q");
  const auto c_n = csv.require_column<std::int32_t>("nhits");
  ParticleContainer particles;
  std::size_t n = 0;
  std::size_t capacity = csv.estimated_rows();
  resize_columns(capacity, particles.particle_id, particles.vx, particles.vy, particles.vz, particles.px,
                 particles.py, particles.pz, particles.q, particles.nhits);
  detail::read_rows<ParticleId, float, float, float, float, float, float, std::int32_t, std::int32_t>(
      csv, {c_id, c_vx, c_vy, c_vz, c_px, c_py, c_pz, c_q, c_n},
      [&](ParticleId id, float vx, float vy, float vz, float px, float py, float pz, std::int32_t q,
          std::int32_t nhits) {
        if (id == 0) [[unlikely]] {
          return false;
        }
        if (n == capacity) [[unlikely]] {
          capacity += capacity / 2 + 16;
          resize_columns(capacity, particles.particle_id, particles.vx, particles.vy, particles.vz,
                         particles.px, particles.py, particles.pz, particles.q, particles.nhits);
        }
        particles.particle_id[n] = id;
        particles.vx[n] = vx;
        particles.vy[n] = vy;
        particles.vz[n] = vz;
        particles.px[n] = px;
        particles.py[n] = py;
        particles.pz[n] = pz;
        particles.q[n] = q;
        particles.nhits[n] = nhits;
        ++n;
        return true;
      },
      [&](const CsvReader& reader) { reader.fail_expected(c_id, "a non-zero particle id (0 means noise)"); });
  resize_columns(n, particles.particle_id, particles.vx, particles.vy, particles.vz, particles.px,
                 particles.py, particles.pz, particles.q, particles.nhits);
  index_unique_ids(index, particles.particle_id, csv, "particle_id", "particle id");
  return particles;
}

CellContainer parse_cells_impl(CsvReader& csv) {
  const auto c_id = csv.require_column<HitId>("hit_id");
  const auto c_ch0 = csv.require_column<std::int32_t>("ch0");
  const auto c_ch1 = csv.require_column<std::int32_t>("ch1");
  const auto c_val = csv.require_column<float>("value");
  CellContainer cells;
  std::size_t n = 0;
  std::size_t capacity = csv.estimated_rows();
  resize_columns(capacity, cells.hit_id, cells.ch0, cells.ch1, cells.value);
  detail::read_rows<HitId, std::int32_t, std::int32_t, float>(
      csv, {c_id, c_ch0, c_ch1, c_val},
      [&](HitId id, std::int32_t ch0, std::int32_t ch1, float value) {
        if (n == capacity) [[unlikely]] {
          capacity += capacity / 2 + 16;
          resize_columns(capacity, cells.hit_id, cells.ch0, cells.ch1, cells.value);
        }
        cells.hit_id[n] = id;
        cells.ch0[n] = ch0;
        cells.ch1[n] = ch1;
        cells.value[n] = value;
        ++n;
        return true;
      },
      [](const CsvReader&) {});
  resize_columns(n, cells.hit_id, cells.ch0, cells.ch1, cells.value);
  return cells;
}

/// Every cell must reference a known hit; returns the cells grouped by hit in
/// hit order (stable within a hit). `csv` is the reader that parsed them.
CellContainer link_cells(CellContainer cells, const CsvReader& csv, const IdIndex& hits) {
  std::vector<std::uint32_t> hit_row(cells.size());
  bool ordered = true;
  std::uint32_t previous = 0;
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const auto row = hits.find(cells.hit_id[i]);
    if (row == kNone) [[unlikely]] {
      throw InputError(csv.source(), csv.line_of_row(i), "hit_id",
                       "hit id " + id_text(cells.hit_id[i]) + " not found in the hits file");
    }
    ordered = ordered && row >= previous;
    previous = row;
    hit_row[i] = row;
  }
  if (ordered) return cells;
  // Counting sort by hit row (stable): groups each hit's cells in hit order.
  std::vector<std::uint32_t> start(hits.size() + 1, 0);
  for (const auto r : hit_row) ++start[r + 1];
  for (std::size_t i = 1; i < start.size(); ++i) start[i] += start[i - 1];
  std::vector<std::uint32_t> order(hit_row.size());
  for (std::size_t i = 0; i < hit_row.size(); ++i) order[start[hit_row[i]]++] = static_cast<std::uint32_t>(i);
  CellContainer sorted;
  sorted.reserve(order.size());
  for (const auto i : order) sorted.push_back(cells.hit_id[i], cells.ch0[i], cells.ch1[i], cells.value[i]);
  return sorted;
}

TruthContainer parse_truth_impl(CsvReader& csv) {
  const auto c_id = csv.require_column<HitId>("hit_id");
  const auto c_pid = csv.require_column<ParticleId>("particle_id");
  const auto c_tx = csv.require_column<float>("tx");
  const auto c_ty = csv.require_column<float>("ty");
  const auto c_tz = csv.require_column<float>("tz");
  const auto c_tpx = csv.require_column<float>("tpx");
  const auto c_tpy = csv.require_column<float>("tpy");
  const auto c_tpz = csv.require_column<float>("tpz");
  const auto c_w = csv.require_column<float>("weight");
  TruthContainer truth;
  std::size_t n = 0;
  std::size_t capacity = csv.estimated_rows();
  resize_columns(capacity, truth.hit_id, truth.particle_id, truth.tx, truth.ty, truth.tz, truth.tpx,
                 truth.tpy, truth.tpz, truth.weight);
  detail::read_rows<HitId, ParticleId, float, float, float, float, float, float, float>(
      csv, {c_id, c_pid, c_tx, c_ty, c_tz, c_tpx, c_tpy, c_tpz, c_w},
      [&](HitId id, ParticleId pid, float tx, float ty, float tz, float tpx, float tpy, float tpz, float w) {
        if (n == capacity) [[unlikely]] {
          capacity += capacity / 2 + 16;
          resize_columns(capacity, truth.hit_id, truth.particle_id, truth.tx, truth.ty, truth.tz, truth.tpx,
                         truth.tpy, truth.tpz, truth.weight);
        }
        truth.hit_id[n] = id;
        truth.particle_id[n] = pid;
        truth.tx[n] = tx;
        truth.ty[n] = ty;
        truth.tz[n] = tz;
        truth.tpx[n] = tpx;
        truth.tpy[n] = tpy;
        truth.tpz[n] = tpz;
        truth.weight[n] = w;
        ++n;
        return true;
      },
      [](const CsvReader&) {});
  resize_columns(n, truth.hit_id, truth.particle_id, truth.tx, truth.ty, truth.tz, truth.tpx, truth.tpy,
                 truth.tpz, truth.weight);
  return truth;
}

/// One truth row per known hit, returned in hit order; with `particles`,
/// every non-zero particle id must be a known particle. `csv` parsed `truth`.
TruthContainer link_truth(TruthContainer truth, const CsvReader& csv, const IdIndex& hits,
                          const IdIndex* particles) {
  std::vector<std::uint32_t> row_of_hit(hits.size(), kNone);
  bool in_hit_order = true;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const auto id = truth.hit_id[i];
    const auto hit = hits.find(id);
    if (hit == kNone) [[unlikely]] {
      throw InputError(csv.source(), csv.line_of_row(i), "hit_id",
                       "hit id " + id_text(id) + " not found in the hits file");
    }
    if (row_of_hit[hit] != kNone) [[unlikely]] {
      throw InputError(csv.source(), csv.line_of_row(i), "hit_id",
                       "second truth row for hit id " + id_text(id) + " (first on line " +
                           std::to_string(csv.line_of_row(row_of_hit[hit])) + ")");
    }
    row_of_hit[hit] = static_cast<std::uint32_t>(i);
    in_hit_order = in_hit_order && hit == i;
    const auto pid = truth.particle_id[i];
    if (particles != nullptr && pid != 0 && particles->find(pid) == kNone) [[unlikely]] {
      throw InputError(csv.source(), csv.line_of_row(i), "particle_id",
                       "particle id " + id_text(pid) + " not found in the particles file");
    }
  }
  if (truth.size() != hits.size()) {
    const auto missing = static_cast<std::size_t>(std::count(row_of_hit.begin(), row_of_hit.end(), kNone));
    csv.fail_file("hit_id", "no truth row for " + std::to_string(missing) + " of " +
                                std::to_string(hits.size()) + " hits (expected one row per hit)");
  }
  if (in_hit_order) return truth;
  TruthContainer sorted;
  sorted.reserve(truth.size());
  for (const auto i : row_of_hit) {
    sorted.push_back(truth.hit_id[i], truth.particle_id[i], truth.tx[i], truth.ty[i], truth.tz[i],
                     truth.tpx[i], truth.tpy[i], truth.tpz[i], truth.weight[i]);
  }
  return sorted;
}

/// Runs `on_helper` on a second thread and `on_caller` on this one (both
/// must not throw), or both here when `parallel` is false or no thread can
/// be started.
template <class OnHelper, class OnCaller>
void run_pair(bool parallel, OnHelper&& on_helper, OnCaller&& on_caller) {
  if (parallel) {
    std::optional<std::thread> helper;
    try {
      helper.emplace(std::ref(on_helper));
    } catch (const std::system_error&) {
      helper.reset();
    }
    if (helper) {
      on_caller();
      helper->join();
      return;
    }
  }
  on_caller();
  on_helper();
}

// ---- files of an event ---------------------------------------------------

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

/// Strips a `-<part>.csv[.gz]` suffix so that a file path works as a prefix.
fs::path normalize_prefix(const fs::path& input) {
  std::string s = input.string();
  for (const char* part : kParts) {
    for (const char* ext : {".csv", ".csv.gz"}) {
      const std::string suffix = std::string("-") + part + ext;
      if (ends_with(s, suffix)) return fs::path(s.substr(0, s.size() - suffix.size()));
    }
  }
  return input;
}

/// `PREFIX-part.csv` or `PREFIX-part.csv.gz`, whichever exists; nullopt if neither.
std::optional<fs::path> find_part(const fs::path& prefix, const char* part) {
  std::error_code ec;
  fs::path plain = prefix;
  plain += std::string("-") + part + ".csv";
  if (fs::is_regular_file(plain, ec)) return plain;
  fs::path gz = plain;
  gz += ".gz";
  if (fs::is_regular_file(gz, ec)) return gz;
  return std::nullopt;
}

[[noreturn]] void throw_missing_part(const fs::path& prefix, const char* part) {
  fs::path plain = prefix;
  plain += std::string("-") + part + ".csv";
  throw InputError(plain.string(), 0, "", "no such file (nor .csv.gz)");
}

std::string prefix_name(std::uint64_t event_id) { return event_prefix_name(event_id); }

template <class T>
bool same(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

}  // namespace

// ---- names and listing ----------------------------------------------------

std::optional<std::uint64_t> event_id_from_name(std::string_view name) {
  if (name.substr(0, 5) != "event") return std::nullopt;
  name.remove_prefix(5);
  std::size_t n = 0;
  while (n < name.size() && name[n] >= '0' && name[n] <= '9') ++n;
  if (n == 0 || n > 19) return std::nullopt;
  if (n < name.size() && name[n] != '-') return std::nullopt;
  std::uint64_t id = 0;
  const auto result = std::from_chars(name.data(), name.data() + n, id);
  if (result.ec != std::errc()) return std::nullopt;
  return id;
}

std::string event_prefix_name(std::uint64_t event_id) {
  std::string digits = std::to_string(event_id);
  if (digits.size() < 9) digits.insert(0, 9 - digits.size(), '0');
  return "event" + digits;
}

std::vector<EventFiles> list_events(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) throw InputError(dir.string(), 0, "", "no such directory");
  std::vector<EventFiles> events;
  fs::directory_iterator it(dir, ec);
  if (ec) throw InputError(dir.string(), 0, "", "cannot list directory: " + ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!ends_with(name, "-hits.csv") && !ends_with(name, "-hits.csv.gz")) continue;
    const auto id = event_id_from_name(name);
    if (!id) continue;
    const std::string stem = name.substr(0, name.find('-'));
    if (stem.size() + (ends_with(name, ".gz") ? 12 : 9) != name.size()) continue;
    events.push_back(EventFiles{dir / stem, *id});
  }
  std::sort(events.begin(), events.end(), [](const EventFiles& a, const EventFiles& b) {
    return a.event_id != b.event_id ? a.event_id < b.event_id : a.prefix < b.prefix;
  });
  events.erase(std::unique(events.begin(), events.end(),
                           [](const EventFiles& a, const EventFiles& b) { return a.prefix == b.prefix; }),
               events.end());
  return events;
}

std::vector<EventFiles> resolve_inputs(const std::vector<std::string>& inputs) {
  std::vector<EventFiles> events;
  for (const auto& input : inputs) {
    std::error_code ec;
    const fs::path path(input);
    if (fs::is_directory(path, ec)) {
      auto found = list_events(path);
      if (found.empty()) {
        throw InputError(input, 0, "",
                         "no events in directory (expected eventNNNNNNNNN-hits.csv[.gz] files)");
      }
      events.insert(events.end(), found.begin(), found.end());
      continue;
    }
    const fs::path prefix = normalize_prefix(path);
    if (!find_part(prefix, "hits")) {
      throw InputError(input, 0, "",
                       "no such event directory or event prefix (expected " + prefix.filename().string() +
                           "-hits.csv[.gz])");
    }
    events.push_back(EventFiles{prefix, event_id_from_name(prefix.filename().string()).value_or(0)});
  }
  std::sort(events.begin(), events.end(), [](const EventFiles& a, const EventFiles& b) {
    return a.event_id != b.event_id ? a.event_id < b.event_id
                                    : a.prefix.lexically_normal() < b.prefix.lexically_normal();
  });
  events.erase(std::unique(events.begin(), events.end(),
                           [](const EventFiles& a, const EventFiles& b) {
                             return a.prefix.lexically_normal() == b.prefix.lexically_normal();
                           }),
               events.end());
  return events;
}

// ---- events ---------------------------------------------------------------

Event parse_event(const EventText& text, const ReadOptions& options) {
  if (!text.hits) throw InputError("(event " + std::to_string(text.event_id) + ")", 0, "", "no hits file");
  Event event;
  event.event_id = text.event_id;
  // Phase 1: parse the files independently (on two threads for large events).
  std::optional<CsvReader> hits_csv, cells_csv, truth_csv, particles_csv;
  IdIndex hit_index;
  IdIndex particle_index;
  std::exception_ptr errors[4];  // in reporting order: hits, particles, cells, truth
  auto guarded = [&errors](int slot, auto&& work) {
    try {
      work();
    } catch (...) {
      errors[slot] = std::current_exception();
    }
  };
  std::atomic<bool> hits_parsed{false};  // set (release) once event.hits is final or failed
  auto parse_hits_part = [&] {
    guarded(0, [&] {
      hits_csv.emplace(text.hits->text, text.hits->name);
      event.hits = parse_hits_impl(*hits_csv, hit_index);
    });
    hits_parsed.store(true, std::memory_order_release);
    hits_parsed.notify_one();
  };
  auto parse_particles_part = [&] {
    if (!text.particles) return;
    guarded(1, [&] {
      particles_csv.emplace(text.particles->text, text.particles->name);
      event.particles = parse_particles_impl(*particles_csv, particle_index);
    });
  };
  auto parse_cells_part = [&] {
    if (!text.cells) return;
    guarded(2, [&] {
      cells_csv.emplace(text.cells->text, text.cells->name);
      event.cells = parse_cells_impl(*cells_csv);
    });
  };
  auto parse_truth_part = [&] {
    if (!text.truth) return;
    guarded(3, [&] {
      truth_csv.emplace(text.truth->text, text.truth->name);
      event.truth = parse_truth_impl(*truth_csv);
    });
  };
  std::size_t bytes = text.hits->text.size();
  for (const auto* part : {&text.cells, &text.truth, &text.particles})
    bytes += *part ? (*part)->text.size() : 0;
  const bool parallel = options.parallel && bytes >= kParallelBytes;
  run_pair(
      parallel,
      [&] {
        parse_truth_part();
        parse_particles_part();
        // Derived hit quantities (r, phi, eta) go to the thread with the
        // lighter files, once the hits are parsed (the other thread moves on
        // to the cells meanwhile).
        hits_parsed.wait(false, std::memory_order_acquire);
        if (!errors[0]) guarded(0, [&] { event.hits.compute_derived(); });
      },
      [&] {
        parse_hits_part();
        parse_cells_part();
      });
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  // Phase 2: link truth to hits and particles (helper thread), cells to hits
  // (this thread).
  run_pair(
      parallel,
      [&] {
        if (!text.truth) return;
        guarded(3, [&] {
          event.truth = link_truth(std::move(event.truth), *truth_csv, hit_index,
                                   text.particles ? &particle_index : nullptr);
        });
      },
      [&] {
        if (text.cells)
          guarded(2, [&] { event.cells = link_cells(std::move(event.cells), *cells_csv, hit_index); });
      });
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  return event;
}

Event read_event(const fs::path& prefix_in, const ReadOptions& options) {
  const fs::path prefix = normalize_prefix(prefix_in);
  EventText text;
  text.event_id = event_id_from_name(prefix.filename().string()).value_or(0);
  const bool wanted[] = {true, options.cells, options.truth, options.particles};
  std::optional<fs::path> files[4];
  std::uintmax_t bytes = 0;
  for (int i = 0; i < 4; ++i) {
    if (!wanted[i]) continue;
    files[i] = find_part(prefix, kParts[i]);
    if (!files[i]) {
      if (i == 0 || options.require_all) throw_missing_part(prefix, kParts[i]);
      continue;
    }
    std::error_code ec;
    const auto size = fs::file_size(*files[i], ec);
    bytes += ec ? 0 : size;
  }
  // Map (or inflate) the files on two threads for large events; the first
  // failure in the order hits, cells, truth, particles is reported.
  std::optional<FileBuffer> data[4];
  std::exception_ptr errors[4];
  auto load = [&](int i) {
    if (!files[i]) return;
    try {
      data[i].emplace(*files[i]);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  };
  run_pair(
      options.parallel && bytes >= kParallelBytes / 8,
      [&] {
        load(2);
        load(3);
      },
      [&] {
        load(0);
        load(1);
      });
  std::optional<TextFile>* slots[] = {&text.hits, &text.cells, &text.truth, &text.particles};
  for (int i = 0; i < 4; ++i) {
    if (errors[i]) std::rethrow_exception(errors[i]);
    if (data[i]) *slots[i] = TextFile{files[i]->string(), data[i]->text()};
  }
  return parse_event(text, options);
}

void write_event(const Event& event, const fs::path& dir, bool gzip, bool all_parts) {
  const std::string ext = gzip ? ".csv.gz" : ".csv";
  const fs::path prefix = dir / prefix_name(event.event_id);
  auto write_part = [&](const char* part, const std::string& csv) {
    fs::path file = prefix;
    file += std::string("-") + part + ext;
    write_file_atomic(file, csv, gzip);
  };
  write_part("hits", format_hits(event.hits));
  if (all_parts || event.cells.size() > 0) write_part("cells", format_cells(event.cells));
  if (all_parts || event.truth.size() > 0) write_part("truth", format_truth(event.truth));
  if (all_parts || event.particles.size() > 0) write_part("particles", format_particles(event.particles));
}

bool identical(const Event& a, const Event& b) {
  const auto& h = a.hits;
  const auto& g = b.hits;
  const auto& c = a.cells;
  const auto& d = b.cells;
  const auto& t = a.truth;
  const auto& u = b.truth;
  const auto& p = a.particles;
  const auto& q = b.particles;
  return a.event_id == b.event_id && same(h.hit_id, g.hit_id) && same(h.x, g.x) && same(h.y, g.y) &&
         same(h.z, g.z) && same(h.volume_id, g.volume_id) && same(h.layer_id, g.layer_id) &&
         same(h.module_id, g.module_id) && same(h.r, g.r) && same(h.phi, g.phi) && same(h.eta, g.eta) &&
         same(c.hit_id, d.hit_id) && same(c.ch0, d.ch0) && same(c.ch1, d.ch1) && same(c.value, d.value) &&
         same(t.hit_id, u.hit_id) && same(t.particle_id, u.particle_id) && same(t.tx, u.tx) &&
         same(t.ty, u.ty) && same(t.tz, u.tz) && same(t.tpx, u.tpx) && same(t.tpy, u.tpy) &&
         same(t.tpz, u.tpz) && same(t.weight, u.weight) && same(p.particle_id, q.particle_id) &&
         same(p.vx, q.vx) && same(p.vy, q.vy) && same(p.vz, q.vz) && same(p.px, q.px) && same(p.py, q.py) &&
         same(p.pz, q.pz) && same(p.q, q.q) && same(p.nhits, q.nhits);
}

// ---- single-file parsers ---------------------------------------------------

HitContainer parse_hits(std::string_view text, const std::string& source) {
  CsvReader csv(text, source);
  IdIndex index;
  return parse_hits_impl(csv, index);
}

CellContainer parse_cells(std::string_view text, const std::string& source) {
  CsvReader csv(text, source);
  return parse_cells_impl(csv);
}

TruthContainer parse_truth(std::string_view text, const std::string& source) {
  CsvReader csv(text, source);
  return parse_truth_impl(csv);
}

ParticleContainer parse_particles(std::string_view text, const std::string& source) {
  CsvReader csv(text, source);
  IdIndex index;
  return parse_particles_impl(csv, index);
}

DetectorGeometry parse_detectors(std::string_view text, const std::string& source) {
  CsvReader csv(text, source);
  const auto c_vol = csv.require_column<std::int32_t>("volume_id");
  const auto c_lay = csv.require_column<std::int32_t>("layer_id");
  const auto c_mod = csv.require_column<ModuleId>("module_id");
  static constexpr const char* kDoubles[] = {
      "cx",       "cy",           "cz",           "rot_xu",    "rot_xv",  "rot_xw",
      "rot_yu",   "rot_yv",       "rot_yw",       "rot_zu",    "rot_zv",  "rot_zw",
      "module_t", "module_minhu", "module_maxhu", "module_hv", "pitch_u", "pitch_v"};
  std::size_t col[18];
  for (std::size_t i = 0; i < 18; ++i) col[i] = csv.require_column<double>(kDoubles[i]);
  DetectorGeometry geometry;
  std::unordered_map<ModuleKey, std::size_t, ModuleKeyHash> seen;
  seen.reserve(csv.estimated_rows());
  while (csv.next()) {
    const ModuleKey key{csv.get<std::int32_t>(c_vol), csv.get<std::int32_t>(c_lay), csv.get<ModuleId>(c_mod)};
    double v[18];
    for (std::size_t i = 0; i < 18; ++i) v[i] = csv.get<double>(col[i]);
    const auto [it, inserted] = seen.emplace(key, csv.line());
    if (!inserted) {
      csv.fail(c_mod, "duplicate module (volume " + std::to_string(key.volume) + ", layer " +
                          std::to_string(key.layer) + ", module " + std::to_string(key.module) +
                          "), first on line " + std::to_string(it->second));
    }
    geometry.push_back(key, {v[0], v[1], v[2]}, {v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]},
                       v[12], v[13], v[14], v[15], v[16], v[17]);
  }
  geometry.build_index();
  return geometry;
}

std::vector<TrackAssignment> parse_submissions(std::string_view text, const std::string& source) {
  CsvReader csv(text, source);
  const auto c_ev = csv.require_column<std::uint64_t>("event_id");
  const auto c_hit = csv.require_column<HitId>("hit_id");
  const auto c_trk = csv.require_column<std::int64_t>("track_id");
  std::vector<TrackAssignment> events;
  std::vector<std::vector<std::uint32_t>> rows;
  std::unordered_map<std::uint64_t, std::size_t> slot_of_event;
  std::size_t last = 0;
  while (csv.next()) {
    const auto event_id = csv.get<std::uint64_t>(c_ev);
    const auto hit = csv.get<HitId>(c_hit);
    const auto track = csv.get<std::int64_t>(c_trk);
    if (events.empty() || events[last].event_id != event_id) {
      const auto [it, inserted] = slot_of_event.emplace(event_id, events.size());
      if (inserted) {
        events.emplace_back().event_id = event_id;
        rows.emplace_back();
      }
      last = it->second;
    }
    events[last].hit_id.push_back(hit);
    events[last].track_id.push_back(track);
    rows[last].push_back(static_cast<std::uint32_t>(csv.row()));
  }
  for (std::size_t e = 0; e < events.size(); ++e) {
    IdIndex index;
    const auto [first, second] = index.build(events[e].hit_id);
    if (second != kNone) {
      throw InputError(source, csv.line_of_row(rows[e][second]), "hit_id",
                       "duplicate hit id " + id_text(events[e].hit_id[second]) + " in event " +
                           id_text(events[e].event_id) + " (first on line " +
                           std::to_string(csv.line_of_row(rows[e][first])) + ")");
    }
  }
  return events;
}

// ---- formatting -----------------------------------------------------------

std::string format_hits(const HitContainer& hits) {
  std::string out;
  out.reserve(64 + hits.size() * 48);
  out += "hit_id,x,y,z,volume_id,layer_id,module_id\n";
  for (std::size_t i = 0; i < hits.size(); ++i) {
    append_row(out, hits.hit_id[i], hits.x[i], hits.y[i], hits.z[i], hits.volume_id[i], hits.layer_id[i],
               hits.module_id[i]);
  }
  return out;
}

std::string format_cells(const CellContainer& cells) {
  std::string out;
  out.reserve(32 + cells.size() * 28);
  out += "hit_id,ch0,ch1,value\n";
  for (std::size_t i = 0; i < cells.size(); ++i) {
    append_row(out, cells.hit_id[i], cells.ch0[i], cells.ch1[i], cells.value[i]);
  }
  return out;
}

std::string format_truth(const TruthContainer& truth) {
  std::string out;
  out.reserve(64 + truth.size() * 96);
  out += "hit_id,particle_id,tx,ty,tz,tpx,tpy,tpz,weight\n";
  for (std::size_t i = 0; i < truth.size(); ++i) {
    append_row(out, truth.hit_id[i], truth.particle_id[i], truth.tx[i], truth.ty[i], truth.tz[i],
               truth.tpx[i], truth.tpy[i], truth.tpz[i], truth.weight[i]);
  }
  return out;
}

std::string format_particles(const ParticleContainer& particles) {
  std::string out;
  out.reserve(64 + particles.size() * 96);
  out += "particle_id,vx,vy,vz,px,py,pz,q,nhits\n";
  for (std::size_t i = 0; i < particles.size(); ++i) {
    append_row(out, particles.particle_id[i], particles.vx[i], particles.vy[i], particles.vz[i],
               particles.px[i], particles.py[i], particles.pz[i], particles.q[i], particles.nhits[i]);
  }
  return out;
}

std::string format_detectors(const DetectorGeometry& geometry) {
  std::string out;
  out.reserve(256 + geometry.size() * 200);
  out +=
      "volume_id,layer_id,module_id,cx,cy,cz,rot_xu,rot_xv,rot_xw,rot_yu,rot_yv,rot_yw,rot_zu,rot_zv,rot_zw,"
      "module_t,module_minhu,module_maxhu,module_hv,pitch_u,pitch_v\n";
  for (std::size_t i = 0; i < geometry.size(); ++i) {
    append_number(out, geometry.volume_id[i]);
    out += ',';
    append_number(out, geometry.layer_id[i]);
    out += ',';
    append_number(out, geometry.module_id[i]);
    for (const double v : geometry.center[i]) {
      out += ',';
      append_number(out, v);
    }
    for (const double v : geometry.rot[i]) {
      out += ',';
      append_number(out, v);
    }
    for (const double v : {geometry.thickness[i], geometry.min_hu[i], geometry.max_hu[i], geometry.hv[i],
                           geometry.pitch_u[i], geometry.pitch_v[i]}) {
      out += ',';
      append_number(out, v);
    }
    out += '\n';
  }
  return out;
}

std::string format_submissions(std::span<const TrackAssignment> tracks) {
  std::size_t rows = 0;
  for (const auto& t : tracks) rows += t.size();
  std::string out;
  out.reserve(32 + rows * 24);
  out += "event_id,hit_id,track_id\n";
  for (const auto& t : tracks) {
    TRKX_CHECK(t.hit_id.size() == t.track_id.size(), "TrackAssignment: hit_id and track_id differ in size");
    for (std::size_t i = 0; i < t.size(); ++i) {
      append_row(out, t.event_id, t.hit_id[i], t.track_id[i]);
    }
  }
  return out;
}

// ---- file wrappers --------------------------------------------------------

DetectorGeometry read_detectors(const fs::path& file) {
  const std::string data = read_file(file);
  return parse_detectors(data, file.string());
}

void write_detectors(const DetectorGeometry& geometry, const fs::path& file) {
  write_file_atomic(file, format_detectors(geometry), ends_with(file.string(), ".gz"));
}

std::vector<TrackAssignment> read_submissions(const fs::path& file) {
  const std::string data = read_file(file);
  return parse_submissions(data, file.string());
}

TrackAssignment read_submission(const fs::path& file) {
  auto events = read_submissions(file);
  if (events.empty()) return TrackAssignment{};
  if (events.size() > 1) {
    throw InputError(file.string(), 0, "event_id",
                     "expected the rows of one event, found " + std::to_string(events.size()) +
                         " events (use read_submissions)");
  }
  return std::move(events.front());
}

void write_submission(const TrackAssignment& tracks, const fs::path& file) {
  write_submissions(std::span<const TrackAssignment>(&tracks, 1), file);
}

void write_submissions(std::span<const TrackAssignment> tracks, const fs::path& file) {
  write_file_atomic(file, format_submissions(tracks), ends_with(file.string(), ".gz"));
}

}  // namespace trkx::io
