#include "trkx/eval/GraphDump.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <fstream>
#include <optional>
#include <sstream>
#include <system_error>
#include <unordered_map>

#include "trkx/core/Error.hpp"

namespace trkx::eval {
namespace {

std::string event_name(std::uint64_t event_id) {
  std::string digits = std::to_string(event_id);
  if (digits.size() < 9) digits.insert(0, 9 - digits.size(), '0');
  return "event" + digits;
}

std::vector<std::string_view> split_fields(std::string_view line) {
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = line.find(',', start);
    if (comma == std::string_view::npos) {
      fields.push_back(line.substr(start));
      return fields;
    }
    fields.push_back(line.substr(start, comma - start));
    start = comma + 1;
  }
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return s;
}

template <typename T>
T parse_number(std::string_view field, const std::string& source, std::size_t line, const std::string& column,
               const char* expected) {
  T value{};
  const auto* begin = field.data();
  const auto* end = field.data() + field.size();
  const auto [ptr, ec] = std::from_chars(begin, end, value);
  if (ec != std::errc() || ptr != end || field.empty()) {
    throw InputError(
        source, line, column,
        std::string("expected ") + expected + ", found '" + std::string(field.substr(0, 40)) + "'");
  }
  return value;
}

}  // namespace

std::vector<GraphDumpFile> find_graph_dumps(const std::filesystem::path& dir, std::uint64_t event_id) {
  std::vector<GraphDumpFile> dumps;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return dumps;
  const std::string prefix = event_name(event_id) + "-graph-";
  const std::string suffix = ".csv";
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() + suffix.size() || !name.starts_with(prefix) ||
        !name.ends_with(suffix)) {
      continue;
    }
    const std::string stage = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
    const bool valid = std::all_of(stage.begin(), stage.end(), [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
             c == '-';
    });
    if (valid) dumps.push_back({stage, entry.path()});
  }
  // Pipeline order first, then any other stage by name.
  const auto rank = [](const std::string& stage) {
    static const std::array<std::string_view, 3> kOrder = {"radius_graph", "filter", "gnn"};
    const auto it = std::find(kOrder.begin(), kOrder.end(), stage);
    return static_cast<std::size_t>(it - kOrder.begin());
  };
  std::sort(dumps.begin(), dumps.end(), [&](const GraphDumpFile& a, const GraphDumpFile& b) {
    const auto ra = rank(a.stage);
    const auto rb = rank(b.stage);
    return ra != rb ? ra < rb : a.stage < b.stage;
  });
  return dumps;
}

EdgeList parse_graph_dump(std::string_view text, const std::string& source, const Event& event) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  std::size_t pos = 0;
  std::size_t line_number = 0;
  const auto next_line = [&]() -> std::optional<std::string_view> {
    while (pos < text.size()) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      const std::string_view line = trim(text.substr(pos, end - pos));
      pos = end + 1;
      ++line_number;
      if (!line.empty()) return line;
    }
    return std::nullopt;
  };

  const auto header_line = next_line();
  if (!header_line) throw InputError(source, 0, "", "expected a header line, found an empty file");
  std::vector<std::string> header;
  for (const auto field : split_fields(*header_line)) header.emplace_back(trim(field));
  const auto column = [&](std::string_view name) -> std::optional<std::size_t> {
    const auto it = std::find(header.begin(), header.end(), name);
    if (it == header.end()) return std::nullopt;
    return static_cast<std::size_t>(it - header.begin());
  };
  bool by_hit_id = false;
  auto src = column("src");
  auto dst = column("dst");
  if (!src || !dst) {
    src = column("hit_id_src");
    dst = column("hit_id_dst");
    by_hit_id = true;
  }
  if (!src || !dst) {
    throw InputError(
        source, 1, "src",
        "expected columns 'src,dst' (hit indices) or 'hit_id_src,hit_id_dst' (hit ids), found '" +
            std::string(header_line->substr(0, 60)) + "'");
  }
  const auto score = column("score");
  const std::string src_name = by_hit_id ? "hit_id_src" : "src";
  const std::string dst_name = by_hit_id ? "hit_id_dst" : "dst";

  std::unordered_map<HitId, std::int64_t> row_of_hit;
  if (by_hit_id) {
    row_of_hit.reserve(event.hits.size());
    for (std::size_t i = 0; i < event.hits.size(); ++i) {
      row_of_hit.emplace(event.hits.hit_id[i], static_cast<std::int64_t>(i));
    }
  }
  const auto n_hits = static_cast<std::int64_t>(event.hits.size());
  const auto to_index = [&](std::string_view field, const std::string& name) -> std::int64_t {
    if (by_hit_id) {
      const auto id = parse_number<HitId>(field, source, line_number, name, "a hit id (unsigned integer)");
      const auto it = row_of_hit.find(id);
      if (it == row_of_hit.end()) {
        throw InputError(
            source, line_number, name,
            "expected a hit id of event " + std::to_string(event.event_id) + ", found " + std::to_string(id));
      }
      return it->second;
    }
    const auto index = parse_number<std::int64_t>(field, source, line_number, name, "a hit index (integer)");
    if (index < 0 || index >= n_hits) {
      throw InputError(
          source, line_number, name,
          "expected a hit index in [0, " + std::to_string(n_hits) + "), found " + std::to_string(index));
    }
    return index;
  };

  EdgeList edges;
  while (const auto line = next_line()) {
    const auto fields = split_fields(*line);
    if (fields.size() != header.size()) {
      throw InputError(
          source, line_number, "",
          "expected " + std::to_string(header.size()) + " fields, found " + std::to_string(fields.size()));
    }
    edges.src.push_back(to_index(trim(fields[*src]), src_name));
    edges.dst.push_back(to_index(trim(fields[*dst]), dst_name));
    if (score) {
      edges.score.push_back(
          parse_number<float>(trim(fields[*score]), source, line_number, "score", "a number"));
    }
  }
  return edges;
}

EdgeList read_graph_dump(const std::filesystem::path& file, const Event& event) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw InputError(file.string(), 0, "", "cannot open the graph dump");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return parse_graph_dump(buffer.str(), file.string(), event);
}

}  // namespace trkx::eval
