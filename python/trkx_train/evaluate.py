"""Per-stage edge efficiency and purity on prepared (held-out) events.

Reads what ``trkx prepare --models DIR`` wrote (candidate and filtered edges
with their truth, both produced by the C++ stages with the exported models)
and scores the filtered edges with the exported ``gnn.onnx`` in ONNX Runtime.

Definitions, summed over events:
  true edges T       consecutive hits of one particle (true_edges.npy)
  stage input        the edges the stage receives (candidates for the filter,
                     filtered edges for the GNN)
  efficiency         true edges kept / true edges in the stage input   ("relative")
  cumulative eff.    true edges kept / T
  purity             true edges kept / edges kept
The same numbers are also given for true edges whose particle has pT > 1 GeV.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from . import data as D
from .export import run_onnx


def _frac(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


def evaluate(prepared: Path, models_dir: Path, limit: int | None = None, threads: int = 2,
             pt_min: float = 1.0) -> dict[str, Any]:
    """Returns per-stage numbers (see module doc) for the events of ``prepared``."""
    pipeline = json.loads((Path(models_dir) / "pipeline.json").read_text())
    meta = D.read_meta(prepared)
    if meta["node_features"] != pipeline["node_features"]:
        raise D.DataError(f"{prepared}: features {meta['node_features']} != pipeline.json {pipeline['node_features']}")
    gnn_file = Path(models_dir) / pipeline["gnn"]["file"] if "gnn" in pipeline else None
    gnn_cut = float(pipeline["gnn"]["cut"]) if "gnn" in pipeline else None
    tot: dict[str, float] = {}
    gnn_seconds = 0.0
    gnn_scores: list[np.ndarray] = []  # per event: scores, true, true of a particle above pt_min
    gnn_true: list[np.ndarray] = []
    gnn_hi: list[np.ndarray] = []
    n_events = 0
    per_event = []

    def add(key: str, v: float) -> None:
        tot[key] = tot.get(key, 0.0) + float(v)

    for d in D.event_dirs(prepared)[:limit]:
        n_events += 1
        pt = np.load(d / "pt.npy")
        te = np.load(d / "true_edges.npy")
        n = pt.shape[0]
        add("hits", n)
        add("true", te.shape[1])
        add("true_hi", (pt[te[0]] > pt_min).sum())
        row = {"event": d.name, "hits": n, "true": int(te.shape[1])}
        for name, files in (("candidate", ("candidate_edges.npy", "candidate_y.npy")),
                            ("filtered", ("filtered_edges.npy", "filtered_y.npy"))):
            if not (d / files[0]).exists():
                continue
            e = np.load(d / files[0])
            y = np.load(d / files[1]) > 0.5
            add(f"{name}_edges", e.shape[1])
            add(f"{name}_true", y.sum())
            add(f"{name}_true_hi", (y & (pt[e[0]] > pt_min)).sum())
            row[f"{name}_edges"] = int(e.shape[1])
            row[f"{name}_true"] = int(y.sum())
        if gnn_file is not None and (d / "filtered_edges.npy").exists():
            e = np.load(d / "filtered_edges.npy")
            y = np.load(d / "filtered_y.npy") > 0.5
            x = np.load(d / "node_features.npy")
            t0 = time.perf_counter()
            s = run_onnx(gnn_file, {"node_features": x, "edge_index": e}, threads) if e.shape[1] else np.zeros(0)
            gnn_seconds += time.perf_counter() - t0
            kept = s >= gnn_cut
            gnn_scores.append(s)
            gnn_true.append(y)
            gnn_hi.append(y & (pt[e[0]] > pt_min))
            add("gnn_edges", kept.sum())
            add("gnn_true", (kept & y).sum())
            add("gnn_true_hi", (kept & y & (pt[e[0]] > pt_min)).sum())
            row["gnn_edges"] = int(kept.sum())
            row["gnn_true"] = int((kept & y).sum())
        per_event.append(row)

    out: dict[str, Any] = {"events": n_events, "hits_per_event": _frac(tot.get("hits", 0), n_events),
                           "true_edges_per_event": _frac(tot.get("true", 0), n_events), "pt_min": pt_min,
                           "stages": {}, "per_event": per_event}
    prev = ("true", "true_hi")
    for stage, key in (("embedding", "candidate"), ("filter", "filtered"), ("gnn", "gnn")):
        if f"{key}_edges" not in tot:
            continue
        kept, true, true_hi = tot[f"{key}_edges"], tot[f"{key}_true"], tot[f"{key}_true_hi"]
        out["stages"][stage] = {
            "edges_per_event": _frac(kept, n_events),
            "edges_per_hit": _frac(kept, tot["hits"]),
            "efficiency": _frac(true, tot[prev[0]]),
            "cumulative_efficiency": _frac(true, tot["true"]),
            "purity": _frac(true, kept),
            "efficiency_pt_gt_min": _frac(true_hi, tot[prev[1]]),
            "cumulative_efficiency_pt_gt_min": _frac(true_hi, tot["true_hi"]),
        }
        prev = (f"{key}_true", f"{key}_true_hi")
    if gnn_file is not None:
        out["stages"].setdefault("gnn", {})["cut"] = gnn_cut
        out["gnn_onnx_seconds_per_event"] = _frac(gnn_seconds, n_events)
        if gnn_scores:
            out["stages"]["gnn"]["operating_points"] = operating_points(
                np.concatenate(gnn_scores), np.concatenate(gnn_true), np.concatenate(gnn_hi))
    return out


def operating_points(scores: np.ndarray, true: np.ndarray, hi: np.ndarray,
                     targets: tuple[float, ...] = (0.9, 0.95, 0.975, 0.99)) -> list[dict[str, float]]:
    """For each target efficiency of the ``hi`` edges (true edges of particles above the pT
    threshold) entering the stage: the largest cut reaching it and the purity there (true edges
    kept / edges kept, all true edges counted as true)."""
    hi_scores = np.sort(scores[hi])[::-1]
    rows = []
    for t in targets:
        if hi_scores.size == 0:
            break
        k = min(hi_scores.size - 1, max(0, int(np.ceil(t * hi_scores.size)) - 1))
        cut = float(hi_scores[k])
        kept = scores >= cut
        rows.append({"target": t, "cut": cut, "efficiency_pt_gt_min": _frac((kept & hi).sum(), hi.sum()),
                     "purity": _frac((kept & true).sum(), kept.sum())})
    return rows


def format_table(res: dict[str, Any]) -> str:
    """Markdown table of the per-stage numbers."""
    lines = [f"{res['events']} events, {res['hits_per_event']:.0f} hits and {res['true_edges_per_event']:.0f} "
             f"true edges per event",
             "",
             "| stage | edges/event | edges/hit | efficiency (stage) | efficiency (cumulative) | purity | "
             f"eff. pT>{res['pt_min']:g} GeV (stage) | eff. pT>{res['pt_min']:g} GeV (cumul.) |",
             "|---|---|---|---|---|---|---|---|"]
    for stage, s in res["stages"].items():
        if "efficiency" not in s:
            continue
        lines.append(f"| {stage} | {s['edges_per_event']:.0f} | {s['edges_per_hit']:.2f} | {s['efficiency']:.4f} | "
                     f"{s['cumulative_efficiency']:.4f} | {s['purity']:.4f} | {s['efficiency_pt_gt_min']:.4f} | "
                     f"{s['cumulative_efficiency_pt_gt_min']:.4f} |")
    return "\n".join(lines)
