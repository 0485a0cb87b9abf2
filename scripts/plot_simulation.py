#!/usr/bin/env python3
"""Validation plots and summary of a `trkx simulate` output directory.

Usage: plot_simulation.py DIR [--plots PLOTDIR] [--max-events N]

Reads DIR/event*-{hits,truth,particles,cells}.csv[.gz] with pandas, prints a
numeric summary (hits per event, noise fraction, hits per particle, pT, eta,
secondary fraction, primary dN/deta; particle figures both over every listed
particle, nhits 0 included as in TrackML, and over those with hits) and writes PNG plots to PLOTDIR (default
DIR/plots): hits per event, hits per particle, pT and eta spectra, primary
dN/deta per interaction, x-y and r-z hit maps.

Particle ids of simulated events encode (interaction + 1) << 40 |
generation << 32 | index; primaries are generation 0 with vertex r <= 1 mm.
"""
import argparse
import glob
import os
import re
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def find_events(directory):
    prefixes = {}
    for path in glob.glob(os.path.join(directory, "event*-hits.csv*")):
        m = re.match(r"(event\d+)-hits\.csv(\.gz)?$", os.path.basename(path))
        if m:
            prefixes[m.group(1)] = path[: -len(os.path.basename(path))] + m.group(1)
    return [prefixes[k] for k in sorted(prefixes)]


def read_part(prefix, part):
    for ext in (".csv", ".csv.gz"):
        path = f"{prefix}-{part}{ext}"
        if os.path.exists(path):
            return pd.read_csv(path)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("directory")
    ap.add_argument("--plots", help="directory for the PNG files (default DIR/plots)")
    ap.add_argument("--max-events", type=int, default=20)
    args = ap.parse_args(argv)

    prefixes = find_events(args.directory)[: args.max_events]
    if not prefixes:
        print(f"no events in {args.directory}", file=sys.stderr)
        return 1
    plots = args.plots or os.path.join(args.directory, "plots")
    os.makedirs(plots, exist_ok=True)

    rows, all_particles, all_hits = [], [], []
    for prefix in prefixes:
        hits = read_part(prefix, "hits")
        truth = read_part(prefix, "truth")
        particles = read_part(prefix, "particles")
        cells = read_part(prefix, "cells")
        n = len(hits)
        noise = int((truth.particle_id == 0).sum()) if truth is not None else 0
        row = dict(event=os.path.basename(prefix), hits=n, noise=noise, cells=0 if cells is None else len(cells))
        if particles is not None and len(particles):
            # particles.csv lists every generated charged particle, those without hits (nhits 0) too
            pt = np.hypot(particles.px, particles.py)
            row.update(particles=len(particles), with_hits=int((particles.nhits > 0).sum()),
                       weight_sum=truth.weight.sum())
            pid = particles.particle_id.to_numpy(dtype=np.uint64)
            p = particles.assign(pt=pt, eta=np.arcsinh(particles.pz / pt),
                                 interaction=(pid >> np.uint64(40)).astype(np.int64),
                                 generation=((pid >> np.uint64(32)) & np.uint64(0xFF)).astype(np.int64))
            p = p.assign(primary=(p.generation == 0) & (np.hypot(p.vx, p.vy) <= 1.0))
            row.update(interactions=p.interaction.nunique())
            all_particles.append(p)
        all_hits.append(hits.sample(min(n, 20000), random_state=0) if n else hits)
        rows.append(row)
    table = pd.DataFrame(rows)
    particles = (pd.concat(all_particles) if all_particles
                 else pd.DataFrame(columns=["pt", "eta", "nhits", "primary", "vx", "vy"]))
    hits = pd.concat(all_hits)

    print(f"events                   {len(table)}")
    print(f"hits per event           {table.hits.mean():.0f} (min {table.hits.min()}, max {table.hits.max()})")
    print(f"noise fraction           {table.noise.sum() / max(table.hits.sum(), 1):.3f}")
    if "particles" in table:
        has_hits = (particles.nhits > 0).to_numpy()
        hit = particles[has_hits]
        secondary = (np.hypot(particles.vx, particles.vy) > 1.0).to_numpy()
        print("                         listed (particles.csv)   with hits")
        print(f"particles per event      {table.particles.mean():<24.0f} {table.with_hits.mean():.0f}")
        print(f"hits per particle        {particles.nhits.mean():<24.2f} {hit.nhits.mean():.2f}"
              "  (mean nhits)")
        print(f"mean pT [GeV]            {particles.pt.mean():<24.3f} {hit.pt.mean():.3f}")
        print(f"fraction pT > 1 GeV      {(particles.pt > 1).mean():<24.3f} {(hit.pt > 1).mean():.3f}")
        print(f"fraction vertex r > 1 mm {secondary.mean():<24.3f} {secondary[has_hits].mean():.3f}")
        print(f"truth weight sum         {table.weight_sum.mean():.4f}")
        n_int = table.interactions.sum()
        prim = particles[particles.primary.astype(bool)]
        print(f"interactions per event   {table.interactions.mean():.1f}")
        print(f"primary dN/deta |eta|<4  {(prim.eta.abs() < 4).sum() / max(n_int * 8.0, 1):.2f}"
              "  (listed charged primaries per interaction and unit eta)")
        print(f"primary dN/deta |eta|<1  {(prim.eta.abs() < 1).sum() / max(n_int * 2.0, 1):.2f}")
    print(f"cells per hit            {table.cells.sum() / max(table.hits.sum(), 1):.2f}")

    def save(fig, name):
        fig.tight_layout()
        fig.savefig(os.path.join(plots, name), dpi=110)
        plt.close(fig)

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].hist(table.hits, bins=20)
    ax[0].set_xlabel("hits per event")
    ax[1].hist(particles.nhits, bins=np.arange(-0.5, 30.5, 1))
    ax[1].set_xlabel("hits per particle (nhits, listed particles)")
    save(fig, "hits.png")

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].hist(particles.pt, bins=np.logspace(-2, 2, 60))
    ax[0].set_xscale("log")
    ax[0].set_yscale("log")
    ax[0].set_xlabel("particle pT [GeV]")
    ax[1].hist(particles.eta, bins=np.linspace(-5.5, 5.5, 67))
    ax[1].set_xlabel("particle eta")
    save(fig, "spectra.png")

    if "interactions" in table and len(particles):
        edges = np.linspace(-5.5, 5.5, 45)
        width = edges[1] - edges[0]
        norm = max(table.interactions.sum(), 1) * width
        prim_mask = particles.primary.astype(bool)
        fig, ax = plt.subplots(figsize=(6, 4))
        ax.hist(particles.eta[prim_mask], bins=edges, weights=np.full(int(prim_mask.sum()), 1.0 / norm),
                histtype="step", label="primaries")
        ax.hist(particles.eta[~prim_mask], bins=edges, weights=np.full(int((~prim_mask).sum()), 1.0 / norm),
                histtype="step", label="secondaries")
        ax.set_xlabel("eta")
        ax.set_ylabel("dN/deta per interaction (charged, listed)")
        ax.legend()
        save(fig, "dndeta.png")

    fig, ax = plt.subplots(1, 2, figsize=(12, 5.5))
    ax[0].scatter(hits.x, hits.y, s=0.2, alpha=0.3)
    ax[0].set_xlabel("x [mm]")
    ax[0].set_ylabel("y [mm]")
    ax[0].set_aspect("equal")
    ax[1].scatter(hits.z, np.hypot(hits.x, hits.y), s=0.2, alpha=0.3)
    ax[1].set_xlabel("z [mm]")
    ax[1].set_ylabel("r [mm]")
    save(fig, "hitmaps.png")
    print(f"plots written to {plots}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
