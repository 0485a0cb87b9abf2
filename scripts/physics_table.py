#!/usr/bin/env python3
"""Markdown tables of `trkx evaluate` results, side by side (for the README).

    scripts/physics_table.py LABEL=evaluation.json[#selected] [LABEL=evaluation.json[#selected] ...]

Prints: the headline numbers (TrackML score, efficiency for pT > 1 and
> 0.5 GeV, fake and duplicate rates, also for tracks with reconstructed pT above the
evaluation's track selection (1 GeV by default), tracks per event), efficiency in coarse
pT bins and in |eta| bins (fine bins of the JSON summed; numerator /
denominator shown; with ``#selected`` after a file, that column's bins count the particles
found by the selected tracks), and the per-stage edge efficiency and purity.
Standard library only.
"""

from __future__ import annotations

import json
import sys

PT_BINS = [(0.5, 0.7), (0.7, 0.9), (0.9, 1.0), (1.0, 1.5), (1.5, 2.5), (2.5, 5.0), (5.0, 100.0)]
ETA_BINS = [(0.0, 1.0), (1.0, 2.0), (2.0, 3.0), (3.0, 4.0)]


def rate(r: dict) -> str:
    return f"{r['value']:.3f} ({r['numerator']}/{r['denominator']})" if r["denominator"] else "–"


def summed(hist: dict, lo: float, hi: float, absolute: bool = False) -> tuple[int, int]:
    """Sums the fine bins whose centre (its absolute value with ``absolute``) lies in [lo, hi)."""
    num = den = 0
    edges = hist["edges"]
    for i in range(len(edges) - 1):
        c = 0.5 * (edges[i] + edges[i + 1])
        if lo <= (abs(c) if absolute else c) < hi:
            num += hist["numerator"][i]
            den += hist["denominator"][i]
    return num, den


def cell(num: int, den: int) -> str:
    return f"{num / den:.3f} ({num}/{den})" if den else "–"


def main(argv: list[str]) -> int:
    if not argv or any("=" not in a for a in argv):
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    runs = []
    binned = {}  # label -> prefix of its binned efficiencies ("" or "selected_")
    for a in argv:
        label, path = a.split("=", 1)
        selected = path.endswith("#selected")
        runs.append((label, json.load(open(path.removesuffix("#selected")))))
        binned[label] = "selected_" if selected else ""
    head = "| | " + " | ".join(label for label, _ in runs) + " |"
    sep = "|---" * (len(runs) + 1) + "|"

    print(head)
    print(sep)
    rows = {
        "events": lambda d: str(d["n_events"]),
        "TrackML score": lambda d: f"{d['trackml_score']['mean']:.3f}",
        "efficiency pT > 1 GeV": lambda d: rate(next(e for e in d["tracking"]["efficiency"] if e["pt_min"] == 1.0)),
        "efficiency pT > 0.5 GeV": lambda d: rate(next(e for e in d["tracking"]["efficiency"] if e["pt_min"] == 0.5)),
        "fake rate": lambda d: rate(d["tracking"]["fake_rate"]),
        "duplicate rate": lambda d: rate(d["tracking"]["duplicate_rate"]),
        "fake rate, selected tracks": lambda d: rate(d["tracking"]["selected_fake_rate"])
        if "selected_fake_rate" in d["tracking"] else "–",
        "duplicate rate, selected tracks": lambda d: rate(d["tracking"]["selected_duplicate_rate"])
        if "selected_duplicate_rate" in d["tracking"] else "–",
        "impure rate (ATLAS-style fakes)": lambda d: rate(d["tracking"]["impure_rate"])
        if "impure_rate" in d["tracking"] else "–",
        "impure rate, selected tracks": lambda d: rate(d["tracking"]["selected_impure_rate"])
        if "selected_impure_rate" in d["tracking"] else "–",
        "tracks per event (>= min hits)": lambda d: f"{d['tracking']['counts']['n_tracks'] / max(1, d['n_events']):.0f}",
    }
    for name, f in rows.items():
        print(f"| {name} | " + " | ".join(f(d) for _, d in runs) + " |")

    print("\nEfficiency vs pT (particles with >= min hits, |eta| <= eta max):\n")
    print("| pT [GeV] | " + " | ".join(label for label, _ in runs) + " |")
    print(sep)
    for lo, hi in PT_BINS:
        print(f"| {lo:g}–{hi:g} | " + " | ".join(
            cell(*summed(d["tracking"][binned[label] + "efficiency_vs_pt"], lo, hi)) for label, d in runs) + " |")

    print("\nEfficiency vs |eta| (pT > 1 GeV):\n")
    print("| abs(eta) | " + " | ".join(label for label, _ in runs) + " |")
    print(sep)
    for lo, hi in ETA_BINS:
        print(f"| {lo:g}–{hi:g} | " + " | ".join(
            cell(*summed(d["tracking"][binned[label] + "efficiency_vs_eta"], lo, hi, True)) for label, d in runs)
            + " |")

    label, d = runs[0]
    if d.get("edges"):
        print(f"\nEdges per stage ({label}):\n")
        print("| stage | edges/event | efficiency | efficiency pT > 1 GeV | purity |")
        print("|---|---|---|---|---|")
        for s in d["edges"]:
            print(f"| {s['stage']} | {s['n_edges'] / max(1, s['n_events']):,.0f} | {s['efficiency']['value']:.3f} | "
                  f"{s['efficiency_pt']['value']:.3f} | {s['purity']['value']:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
