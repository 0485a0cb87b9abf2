#!/usr/bin/env python3
"""Plots the JSON written by `trkx evaluate --output FILE.json`.

Usage:
    .deps/venv/bin/python scripts/plot_evaluation.py evaluation.json --output plots/

Writes PNG files into the output directory:
    efficiency_vs_pt.png    tracking efficiency per pT bin (log x), binomial error bars; every track
                            and the selected tracks (evaluate's track selection)
    efficiency_vs_eta.png   tracking efficiency per eta bin (particles above the headline pT threshold)
    edge_metrics.png        per-stage edge efficiency and purity (only if the JSON has graph stages)
    score_per_event.png     TrackML score of every event
    score_breakdown.png     the score's weight and the part found, per bin of particle pT, |eta|, hits and
                            production-vertex radius (only if the JSON has trackml_score.breakdown)
    resolution.png          track parameter resolution (sigma68) and charge mis-identification per pT bin
                            (only if the JSON has matched prompt tracks)
Empty bins (denominator 0, efficiency null) are left out. Only matplotlib is needed.
"""
import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def _points(hist):
    """Bin centres, half widths, efficiencies and errors of the filled bins."""
    edges = hist["edges"]
    xs, xerr, ys, yerr = [], [], [], []
    for i, eff in enumerate(hist["efficiency"]):
        if eff is None:
            continue
        lo, hi = edges[i], edges[i + 1]
        xs.append(0.5 * (lo + hi))
        xerr.append(0.5 * (hi - lo))
        ys.append(eff)
        yerr.append(hist["uncertainty"][i] or 0.0)
    return xs, xerr, ys, yerr


def plot_efficiency(hist, title, xlabel, path, logx=False, selected=None, selection=""):
    """Efficiency per bin; with ``selected`` (the same bins, found by the selected tracks only)
    a second series labelled ``selection``."""
    xs, xerr, ys, yerr = _points(hist)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.errorbar(xs, ys, xerr=xerr, yerr=yerr, fmt="o", ms=4, capsize=2, color="tab:blue", label="every track")
    if selected is not None:
        sx, sxerr, sy, syerr = _points(selected)
        ax.errorbar(sx, sy, xerr=sxerr, yerr=syerr, fmt="s", ms=3, capsize=2, color="tab:orange",
                    label=f"selected tracks ({selection})")
        ax.legend(loc="lower right", fontsize=8)
    ax.set_xlim(hist["edges"][0], hist["edges"][-1])
    ax.set_ylim(0.0, 1.05)
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("tracking efficiency")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    total_num = sum(hist["numerator"])
    total_den = sum(hist["denominator"])
    ax.text(0.02, 0.04, f"{total_num} / {total_den} particles", transform=ax.transAxes, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_edges(stages, path):
    names = [s["stage"] for s in stages]
    series = [("efficiency", "efficiency"), ("efficiency_pt", "efficiency (pT cut)"), ("purity", "purity"),
              ("same_particle_purity", "same-particle purity")]
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    for k, (key, label) in enumerate(series):
        xs = [i + (k - (len(series) - 1) / 2) * width for i in range(len(names))]
        ys = [s[key]["value"] if s[key]["value"] is not None else 0.0 for s in stages]
        es = [s[key]["uncertainty"] or 0.0 for s in stages]
        ax.bar(xs, ys, width, yerr=es, label=label, capsize=2)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names)
    ax.set_ylim(0.0, 1.35)
    ax.set_ylabel("fraction")
    ax.set_title("edge efficiency and purity per stage")
    ax.legend(fontsize=8, loc="upper center", ncol=2)
    ax.grid(alpha=0.3, axis="y")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_scores(per_event, mean, path):
    ids = [e["event_id"] for e in per_event]
    scores = [e["score"] if e["score"] is not None else float("nan") for e in per_event]
    fig, ax = plt.subplots(figsize=(6.4, 4.4))
    ax.plot(range(len(ids)), scores, "o", ms=4)
    if mean is not None:
        ax.axhline(mean, color="tab:red", lw=1, label=f"mean {mean:.4f}")
        ax.legend(fontsize=8)
    ax.set_xticks(range(len(ids)))
    ax.set_xticklabels([str(i) for i in ids], rotation=90 if len(ids) > 8 else 0, fontsize=7)
    ax.set_ylim(0.0, 1.05)
    ax.set_xlabel("event")
    ax.set_ylabel("TrackML score")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def plot_resolution(bins, path):
    """sigma68 of pT/pT_true - 1, phi, eta and z0 and the charge mis-identification rate per true-pT bin."""
    filled = [b for b in bins if b["eta"]["n"] > 0]
    xs = [0.5 * (b["pt_low"] + b["pt_high"]) for b in filled]
    xerr = [0.5 * (b["pt_high"] - b["pt_low"]) for b in filled]
    panels = [("pt_relative", "sigma68 of pT / pT_true - 1"), ("phi_rad", "sigma68 of phi [rad]"),
              ("eta", "sigma68 of eta"), ("z0_mm", "sigma68 of z0 [mm]")]
    fig, axes = plt.subplots(2, 3, figsize=(11.0, 6.4))
    for ax, (key, label) in zip(axes.flat, panels):
        ys = [b[key]["sigma68"] if b[key]["sigma68"] is not None else float("nan") for b in filled]
        ax.errorbar(xs, ys, xerr=xerr, fmt="o", ms=4, capsize=2, color="tab:blue")
        ax.set_xscale("log")
        ax.set_ylim(bottom=0.0)
        ax.set_xlabel("true pT [GeV]")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    ax = axes.flat[4]
    ys = [b["charge_misid"]["value"] if b["charge_misid"]["value"] is not None else float("nan") for b in filled]
    es = [b["charge_misid"]["uncertainty"] or 0.0 for b in filled]
    ax.errorbar(xs, ys, xerr=xerr, yerr=es, fmt="o", ms=4, capsize=2, color="tab:red")
    ax.set_xscale("log")
    ax.set_ylim(bottom=0.0)
    ax.set_xlabel("true pT [GeV]")
    ax.set_ylabel("charge mis-identification")
    ax.grid(alpha=0.3)
    ax = axes.flat[5]
    ax.axis("off")
    ax.text(0.0, 0.9, "matched tracks of prompt particles\n(sigma68: half the central 68% interval)",
            fontsize=8, va="top")
    for i, b in enumerate(filled):
        ax.text(0.0, 0.7 - 0.1 * i, f"{b['pt_low']:g}-{b['pt_high']:g} GeV: {b['eta']['n']} tracks", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def _bin_labels(hist):
    low, unit = hist["low"], hist["unit"]
    labels = [f"{a:g}-{b:g}" for a, b in zip(low, low[1:])] + [f">={low[-1]:g}"]
    return labels, (f" [{unit}]" if unit else "")


def plot_breakdown(breakdown, path):
    """Per variable: weight share per bin (grey) and the found share (blue) on top of it."""
    hists = breakdown["histograms"]
    fig, axes = plt.subplots(2, 2, figsize=(11.0, 7.0))
    for ax, hist in zip(axes.flat, hists):
        labels, unit = _bin_labels(hist)
        weight = [w or 0.0 for w in hist["weight"]]
        found = [f or 0.0 for f in hist["found"]]
        xs = range(len(labels))
        ax.bar(xs, weight, 0.8, color="0.8", label="weight")
        ax.bar(xs, found, 0.8, color="tab:blue", label="found (in good tracks)")
        ax.set_xticks(list(xs))
        ax.set_xticklabels(labels, rotation=30, fontsize=7)
        ax.set_xlabel(hist["variable"] + unit)
        ax.set_ylabel("share of the score's weight")
        ax.grid(alpha=0.3, axis="y")
        ax.text(0.98, 0.95, f"lost {sum(weight) - sum(found):.3f}", transform=ax.transAxes, ha="right",
                va="top", fontsize=8)
    axes.flat[0].legend(fontsize=8, loc="upper left")
    fig.suptitle(f"where the TrackML score's weight sits ({breakdown['n_events']} events)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("json", help="evaluation JSON written by trkx evaluate --output")
    parser.add_argument("--output", "-o", default=".", help="directory for the PNG files")
    args = parser.parse_args(argv)

    with open(args.json) as f:
        doc = json.load(f)
    if doc.get("format_version") != 1:
        sys.exit(f"{args.json}: expected format_version 1, found {doc.get('format_version')!r}")
    os.makedirs(args.output, exist_ok=True)
    tracking = doc["tracking"]
    cfg = doc["config"]
    head = cfg["pt_thresholds"][0]
    written = []

    selection = (f">= {cfg.get('track_min_hits', 0)} hits, " if cfg.get("track_min_hits") else "") + \
        f"reco pT > {cfg.get('track_pt_min', 0):g} GeV"
    path = os.path.join(args.output, "efficiency_vs_pt.png")
    plot_efficiency(tracking["efficiency_vs_pt"], "efficiency vs pT", "pT [GeV]", path, logx=True,
                    selected=tracking.get("selected_efficiency_vs_pt"), selection=selection)
    written.append(path)
    path = os.path.join(args.output, "efficiency_vs_eta.png")
    plot_efficiency(tracking["efficiency_vs_eta"], f"efficiency vs eta (pT > {head:g} GeV)", "eta", path,
                    selected=tracking.get("selected_efficiency_vs_eta"), selection=selection)
    written.append(path)
    if doc.get("edges"):
        path = os.path.join(args.output, "edge_metrics.png")
        plot_edges(doc["edges"], path)
        written.append(path)
    resolution = tracking.get("resolution") or []
    if any(b["eta"]["n"] > 0 for b in resolution):
        path = os.path.join(args.output, "resolution.png")
        plot_resolution(resolution, path)
        written.append(path)
    per_event = doc["trackml_score"]["per_event"]
    if per_event:
        path = os.path.join(args.output, "score_per_event.png")
        plot_scores(per_event, doc["trackml_score"]["mean"], path)
        written.append(path)
    breakdown = doc["trackml_score"].get("breakdown")
    if breakdown and breakdown["total_weight"] > 0:
        path = os.path.join(args.output, "score_breakdown.png")
        plot_breakdown(breakdown, path)
        written.append(path)
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main())
