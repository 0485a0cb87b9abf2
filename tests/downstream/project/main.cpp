// A program that uses trkx as an installed library.
#include <trkx/core/EventData.hpp>

#include <cstdio>

int main() {
  trkx::HitContainer hits;
  hits.push_back(1, 30.0F, 40.0F, 5.0F, 8, 2, 1);
  hits.push_back(2, 60.0F, 80.0F, 10.0F, 8, 4, 1);
  hits.compute_derived();
  std::printf("hits=%zu r0=%.0f\n", hits.size(), static_cast<double>(hits.r[0]));
  return 0;
}
