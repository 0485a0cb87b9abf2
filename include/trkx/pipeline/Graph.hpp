#pragma once
/// @file Graph.hpp
/// Data passed between the pipeline stages: dense per-hit feature and
/// embedding matrices and structure-of-arrays edge lists. Hit indices are
/// positions in the event's HitContainer (0 .. n_hits-1), not hit ids.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace trkx {

/// A row-major float matrix [rows x cols] (node features, embeddings).
struct Matrix {
  std::vector<float> data;
  std::size_t rows = 0;
  std::size_t cols = 0;

  Matrix() = default;
  Matrix(std::size_t r, std::size_t c) : data(r * c), rows(r), cols(c) {}
  [[nodiscard]] float* row(std::size_t i) { return data.data() + i * cols; }
  [[nodiscard]] const float* row(std::size_t i) const { return data.data() + i * cols; }
  [[nodiscard]] float& operator()(std::size_t i, std::size_t j) { return data[i * cols + j]; }
  [[nodiscard]] float operator()(std::size_t i, std::size_t j) const { return data[i * cols + j]; }
};

/// Directed edges between hit indices, structure of arrays; `score` is empty
/// until a classifier has run, then one value in [0, 1] per edge.
/// Convention: src is the hit nearer the production vertex where known
/// (built graphs order each pair by increasing distance from the origin,
/// i.e. increasing r for barrel, |z| for endcap, see RadiusGraphBuilder).
struct EdgeList {
  std::vector<std::int64_t> src;
  std::vector<std::int64_t> dst;
  std::vector<float> score;

  [[nodiscard]] std::size_t size() const { return src.size(); }
  void reserve(std::size_t n) {
    src.reserve(n);
    dst.reserve(n);
  }
  void clear() {
    src.clear();
    dst.clear();
    score.clear();
  }
};

/// Track label per hit index: hits with the same label form one track
/// candidate; -1 means the hit is in no track.
using TrackLabels = std::vector<std::int64_t>;

}  // namespace trkx
