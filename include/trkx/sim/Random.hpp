#pragma once
/// @file Random.hpp
/// Random-number streams of the simulation. Every event draws from its own
/// generator seeded from (run seed, event id) only, so the output of an event
/// never depends on the number of threads or on which other events are made.

#include <cstdint>
#include <random>

namespace trkx::sim {

/// The generator used everywhere in the simulation.
using Rng = std::mt19937_64;

/// SplitMix64 finaliser: a fast bijective 64-bit mixer.
[[nodiscard]] constexpr std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

/// Seed of the stream of event `event_id` in a run with seed `seed`.
[[nodiscard]] constexpr std::uint64_t event_seed(std::uint64_t seed, std::uint64_t event_id) {
  return splitmix64(splitmix64(seed) ^ splitmix64(event_id + 0x632BE59BD9B4E019ull));
}

}  // namespace trkx::sim
