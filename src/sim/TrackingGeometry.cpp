#include "trkx/sim/TrackingGeometry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numbers>
#include <string>
#include <utility>

#include "trkx/core/Error.hpp"

namespace trkx::sim {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kTwoPi = 2.0 * std::numbers::pi;

double wrap_angle(double a) {
  while (a > kPi) a -= kTwoPi;
  while (a < -kPi) a += kTwoPi;
  return a;
}

ModulePlane make_plane(const DetectorGeometry& d, std::size_t i, double x_over_x0) {
  const auto& m = d.rot[i];
  ModulePlane p;
  p.center = d.center[i];
  p.u = {m[0], m[3], m[6]};
  p.v = {m[1], m[4], m[7]};
  p.w = {m[2], m[5], m[8]};
  p.half_t = 0.5 * d.thickness[i];
  p.min_hu = d.min_hu[i];
  p.max_hu = d.max_hu[i];
  p.hv = d.hv[i];
  p.x_over_x0 = x_over_x0;
  return p;
}

/// Points on the outline of a module (corners, edge midpoints, both faces) and its centre.
std::vector<std::array<double, 3>> outline(const ModulePlane& p) {
  std::vector<std::array<double, 3>> pts;
  const double vs[3] = {-p.hv, 0.0, p.hv};
  for (double sw : {-p.half_t, p.half_t}) {
    for (double v : vs) {
      const double hu = p.min_hu + (p.max_hu - p.min_hu) * (v + p.hv) / (2.0 * p.hv);
      for (double u : {-hu, 0.0, hu}) {
        pts.push_back({p.center[0] + u * p.u[0] + v * p.v[0] + sw * p.w[0],
                       p.center[1] + u * p.u[1] + v * p.v[1] + sw * p.w[1],
                       p.center[2] + u * p.u[2] + v * p.v[2] + sw * p.w[2]});
      }
    }
  }
  return pts;
}

}  // namespace

TrackingGeometry::TrackingGeometry(DetectorGeometry detector, Config config)
    : detector_(std::move(detector)), config_(config) {
  TRKX_CHECK(detector_.size() > 0, "the detector has no modules");
  detector_.build_index();
  std::map<std::pair<std::int32_t, std::int32_t>, std::vector<std::uint32_t>> groups;
  for (std::size_t i = 0; i < detector_.size(); ++i) {
    groups[{detector_.volume_id[i], detector_.layer_id[i]}].push_back(static_cast<std::uint32_t>(i));
  }
  planes_.resize(detector_.size());
  for (std::size_t i = 0; i < detector_.size(); ++i) {
    planes_[i] =
        make_plane(detector_, i, config_.material_scale * detector_.thickness[i] / config_.silicon_x0);
  }

  for (const auto& [key, modules] : groups) {
    SurfaceLayer layer;
    layer.volume_id = key.first;
    layer.layer_id = key.second;
    double mean_wz = 0;
    for (auto i : modules) mean_wz += std::abs(planes_[i].w[2]);
    mean_wz /= static_cast<double>(modules.size());
    if (mean_wz < 0.3) {
      layer.barrel = true;
    } else if (mean_wz > 0.9) {
      layer.barrel = false;
    } else {
      throw Error("layer (volume " + std::to_string(key.first) + ", layer " + std::to_string(key.second) +
                  ") is neither a barrel nor a disk: mean |normal_z| = " + std::to_string(mean_wz));
    }
    const auto layer_index = static_cast<std::uint32_t>(layers_.size());

    // Extents and reference surface.
    double ref = 0, env_lo = std::numeric_limits<double>::max(), env_hi = -env_lo;
    double lo = env_lo, hi = env_hi, min_width = env_lo, min_length = env_lo;
    std::vector<std::array<double, 4>> ranges;  // per module: phi_lo, phi_hi, w_lo, w_hi
    for (auto i : modules) {
      auto& p = planes_[i];
      p.layer = layer_index;
      const auto& c = p.center;
      const double rc = std::hypot(c[0], c[1]);
      ref += layer.barrel ? rc : c[2];
      const double phic = std::atan2(c[1], c[0]);
      double dphi_lo = 0, dphi_hi = 0, w_lo = std::numeric_limits<double>::max(), w_hi = -w_lo;
      double r_min_module = rc;
      for (const auto& q : outline(p)) {
        const double r = std::hypot(q[0], q[1]);
        const double dphi = wrap_angle(std::atan2(q[1], q[0]) - phic);
        dphi_lo = std::min(dphi_lo, dphi);
        dphi_hi = std::max(dphi_hi, dphi);
        r_min_module = std::min(r_min_module, r);
        const double radial = layer.barrel ? r : q[2];
        const double along = layer.barrel ? q[2] : r;
        env_lo = std::min(env_lo, radial);
        env_hi = std::max(env_hi, radial);
        w_lo = std::min(w_lo, along);
        w_hi = std::max(w_hi, along);
        max_r_ = std::max(max_r_, r);
        max_abs_z_ = std::max(max_abs_z_, std::abs(q[2]));
      }
      if (layer.barrel) {
        // The plane comes closest to the axis at its transverse distance |c.w|.
        env_lo = std::min(env_lo, std::abs(c[0] * p.w[0] + c[1] * p.w[1]));
      }
      lo = std::min(lo, w_lo);
      hi = std::max(hi, w_hi);
      min_width = std::min(min_width, 2.0 * std::min(p.min_hu, p.max_hu));
      min_length = std::min(min_length, 2.0 * p.hv);
      const double margin_phi = config_.bin_margin / std::max(r_min_module, 1.0);
      ranges.push_back({phic + dphi_lo - margin_phi, phic + dphi_hi + margin_phi, w_lo - config_.bin_margin,
                        w_hi + config_.bin_margin});
    }
    layer.ref = ref / static_cast<double>(modules.size());
    layer.env_lo = env_lo;
    layer.env_hi = env_hi;
    layer.lo = lo;
    layer.hi = hi;

    // Bins about one module wide in phi and one module long in w.
    const double r_bin = layer.barrel ? layer.ref : std::max(lo, 10.0);
    layer.n_phi = std::clamp(static_cast<int>(std::ceil(kTwoPi * r_bin / std::max(min_width, 1.0))), 1, 1024);
    layer.n_w = std::clamp(static_cast<int>(std::ceil((hi - lo) / std::max(min_length, 1.0))), 1, 1024);
    layer.w_min = lo - config_.bin_margin;
    layer.w_max = hi + config_.bin_margin;
    const double dphi = kTwoPi / layer.n_phi;
    const double dw = (layer.w_max - layer.w_min) / layer.n_w;
    const auto nbins = static_cast<std::size_t>(layer.n_phi) * static_cast<std::size_t>(layer.n_w);
    std::vector<std::vector<std::uint32_t>> bins(nbins);
    for (std::size_t k = 0; k < modules.size(); ++k) {
      const auto& rg = ranges[k];
      const int ip_lo = static_cast<int>(std::floor((rg[0] + kPi) / dphi));
      int ip_hi = static_cast<int>(std::floor((rg[1] + kPi) / dphi));
      if (ip_hi - ip_lo >= layer.n_phi) ip_hi = ip_lo + layer.n_phi - 1;
      const int iw_lo =
          std::clamp(static_cast<int>(std::floor((rg[2] - layer.w_min) / dw)), 0, layer.n_w - 1);
      const int iw_hi =
          std::clamp(static_cast<int>(std::floor((rg[3] - layer.w_min) / dw)), 0, layer.n_w - 1);
      for (int ip = ip_lo; ip <= ip_hi; ++ip) {
        const int ipw = ((ip % layer.n_phi) + layer.n_phi) % layer.n_phi;
        for (int iw = iw_lo; iw <= iw_hi; ++iw) {
          bins[static_cast<std::size_t>(ipw) * static_cast<std::size_t>(layer.n_w) +
               static_cast<std::size_t>(iw)]
              .push_back(modules[k]);
        }
      }
    }
    layer.bin_offset.assign(nbins + 1, 0);
    for (std::size_t b = 0; b < nbins; ++b) {
      layer.bin_offset[b + 1] = layer.bin_offset[b] + static_cast<std::uint32_t>(bins[b].size());
      layer.bin_module.insert(layer.bin_module.end(), bins[b].begin(), bins[b].end());
    }
    layers_.push_back(std::move(layer));
  }

  // Reference surfaces shared by layers within 1 mm of each other.
  std::vector<std::pair<double, std::uint32_t>> cyl, disk;
  for (std::uint32_t l = 0; l < layers_.size(); ++l) {
    (layers_[l].barrel ? cyl : disk).emplace_back(layers_[l].ref, l);
  }
  auto group = [](std::vector<std::pair<double, std::uint32_t>>& in, std::vector<double>& pos,
                  std::vector<std::vector<std::uint32_t>>& members) {
    std::sort(in.begin(), in.end());
    for (const auto& [value, l] : in) {
      if (pos.empty() || value - pos.back() > 1.0) {
        pos.push_back(value);
        members.emplace_back();
      }
      members.back().push_back(l);
    }
  };
  group(cyl, cyl_r_, cyl_layers_);
  group(disk, disk_z_, disk_layers_);
}

void TrackingGeometry::candidates(std::uint32_t layer_index, double phi_lo, double phi_hi, double w_lo,
                                  double w_hi, std::vector<std::uint32_t>& out) const {
  const auto& layer = layers_[layer_index];
  if (w_hi < layer.w_min || w_lo > layer.w_max) return;
  const double dphi = kTwoPi / layer.n_phi;
  const double dw = (layer.w_max - layer.w_min) / layer.n_w;
  const int ip_lo = static_cast<int>(std::floor((phi_lo + kPi) / dphi));
  int ip_hi = static_cast<int>(std::floor((phi_hi + kPi) / dphi));
  if (ip_hi < ip_lo) ip_hi += layer.n_phi;
  if (ip_hi - ip_lo >= layer.n_phi) ip_hi = ip_lo + layer.n_phi - 1;
  const int iw_lo = std::clamp(static_cast<int>(std::floor((w_lo - layer.w_min) / dw)), 0, layer.n_w - 1);
  const int iw_hi = std::clamp(static_cast<int>(std::floor((w_hi - layer.w_min) / dw)), 0, layer.n_w - 1);
  for (int ip = ip_lo; ip <= ip_hi; ++ip) {
    const int ipw = ((ip % layer.n_phi) + layer.n_phi) % layer.n_phi;
    for (int iw = iw_lo; iw <= iw_hi; ++iw) {
      const auto b =
          static_cast<std::size_t>(ipw) * static_cast<std::size_t>(layer.n_w) + static_cast<std::size_t>(iw);
      out.insert(out.end(), layer.bin_module.begin() + layer.bin_offset[b],
                 layer.bin_module.begin() + layer.bin_offset[b + 1]);
    }
  }
}

}  // namespace trkx::sim
