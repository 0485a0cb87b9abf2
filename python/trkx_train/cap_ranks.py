"""Which true edges an embedding's k-capped radius graph keeps, by particle pT and by hit radius.

trkx's radius graph (``RadiusGraphBuilder``; :func:`trkx_train.reference.radius_pairs`)
keeps a pair of hits when one is among the other's ``k`` nearest within the radius. A
true edge's *rank* is the lower of its two ends' ranks of each other (1: the nearest
hit), and the graph with cap ``k`` keeps the edge exactly when its rank is at most
``k`` (and the two hits are within the radius). This tool embeds prepared events with a
model set's embedding (ONNX Runtime), finds each hit's nearest hits with SciPy's
``cKDTree`` and reports, for several caps, the fraction of true edges kept: over all
edges, in bins of the particle's pT and in bins (deciles) of the lower end's radius
feature, with the rank percentiles of the kept ones. Session 25 used it to see where
all-pt's cap of 96 loses edges (``docs/measurements.md``)::

    python -m trkx_train.cap_ranks --models models/all-pt --events PREPARED --limit 2 --k 32 64 96
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
import scipy.spatial

from . import data as D
from .export import ort_session

PT_EDGES = (0.0, 0.3, 0.5, 1.0, math.inf)  # GeV


def neighbour_lists(points: np.ndarray, k: int, radius: float, workers: int = 2) -> np.ndarray:
    """[N, k] indices of each point's k nearest other points within ``radius`` (nearest first),
    -1 where there are fewer."""
    n = points.shape[0]
    k_query = min(k + 1, n)
    dist, idx = scipy.spatial.cKDTree(points).query(points, k=k_query, distance_upper_bound=radius,
                                                    workers=workers)
    idx = idx.reshape(n, k_query).astype(np.int64)
    dist = dist.reshape(n, k_query)
    idx[(idx >= n) | ~(dist < radius)] = -1
    # drop the point itself (not necessarily first when points coincide), keep the order
    keep = (idx != np.arange(n)[:, None]) & (idx >= 0)
    order = np.argsort(~keep, axis=1, kind="stable")[:, :k]
    out = np.take_along_axis(np.where(keep, idx, -1), order, axis=1)
    if out.shape[1] < k:
        out = np.hstack([out, np.full((n, k - out.shape[1]), -1, dtype=np.int64)])
    return out


def true_edge_ranks(neighbours: np.ndarray, true_edges: np.ndarray) -> np.ndarray:
    """[T] rank of each true edge (i, j): the lower of j's place in i's list and i's in j's
    (1-based); neighbours.shape[1] + 1 where neither holds the other."""
    k = neighbours.shape[1]

    def place(q: np.ndarray, t: np.ndarray) -> np.ndarray:
        hit = neighbours[q] == t[:, None]
        return np.where(hit.any(axis=1), hit.argmax(axis=1) + 1, k + 1)

    a, b = true_edges
    return np.minimum(place(a, b), place(b, a))


def kept_table(ranks: np.ndarray, pt: np.ndarray, radius_feature: np.ndarray, ks: list[int]) -> dict[str, Any]:
    """Fractions of true edges with rank <= k for each k: over all edges, per pT bin
    (:data:`PT_EDGES`) and per decile of ``radius_feature`` (the lower end's r), with the
    50/90/99/99.9% points of the kept edges' ranks at the largest k."""
    def row(mask: np.ndarray) -> dict[str, Any]:
        r = ranks[mask]
        out: dict[str, Any] = {"true_edges": int(r.size)}
        for k in ks:
            out[f"kept@{k}"] = float((r <= k).mean()) if r.size else float("nan")
        kept = r[r <= max(ks)]
        if kept.size:
            out["rank_q50_90_99_999"] = [float(v) for v in np.percentile(kept, [50, 90, 99, 99.9])]
        return out

    table: dict[str, Any] = {"all": row(np.ones_like(ranks, dtype=bool)), "pt": {}, "r": {}}
    for lo, hi in zip(PT_EDGES[:-1], PT_EDGES[1:]):
        table["pt"][f"{lo:g}-{hi:g} GeV"] = row((pt >= lo) & (pt < hi))
    bins = np.quantile(radius_feature, np.linspace(0, 1, 11))
    which = np.clip(np.searchsorted(bins, radius_feature, side="right") - 1, 0, 9)
    for d in range(10):
        table["r"][f"{bins[d]:.3g}-{bins[d + 1]:.3g}"] = row(which == d)
    return table


def analyse(models_dir: Path, events_dir: Path, ks: list[int], limit: int | None = None,
            any_radius: bool = False, threads: int = 2) -> dict[str, Any]:
    """:func:`kept_table` over the true edges of the prepared events in ``events_dir`` (at most
    ``limit``), embedded with the model set in ``models_dir`` (its radius, or any with
    ``any_radius``). The pT of an edge is its particle's; the radius feature is the first
    node feature (``r``) of the edge's lower end."""
    pipeline_file = Path(models_dir) / "pipeline.json"
    if not pipeline_file.exists():
        raise D.DataError(f"{pipeline_file}: missing (not a model set)")
    pipeline = json.loads(pipeline_file.read_text())
    if "embedding" not in pipeline:
        raise D.DataError(f"{pipeline_file}: no 'embedding'")
    embedding_file = Path(models_dir) / pipeline["embedding"]["file"]
    if not embedding_file.exists():
        raise D.DataError(f"{embedding_file}: missing (named by {pipeline_file})")
    features = D.read_meta(Path(events_dir))["node_features"]
    if features != pipeline["node_features"]:
        raise D.DataError(f"{events_dir}: node features {features}, but {models_dir} expects "
                          f"{pipeline['node_features']}")
    embedding = ort_session(embedding_file, threads)
    radius = math.inf if any_radius else float(pipeline["embedding"]["radius"])
    ranks, pts, rs = [], [], []
    per_event = []
    for ev in D.load_events(Path(events_dir), "true", limit):
        x = ev.x.numpy()
        nb = neighbour_lists(embedding.run(None, {"node_features": x})[0], max(ks), radius, threads)
        te = ev.true_edges.numpy()
        r = true_edge_ranks(nb, te)
        lower = np.where(x[te[0], 0] <= x[te[1], 0], te[0], te[1])
        ranks.append(r)
        pts.append(ev.pt.numpy()[te[0]])
        rs.append(x[lower, 0])
        per_event.append({"event_id": ev.event_id, "n_hits": ev.n_hits,
                          "neighbours_within_radius": float((nb >= 0).sum(axis=1).mean()),
                          **{f"kept@{k}": float((r <= k).mean()) for k in ks}})
    if not ranks:
        raise D.DataError(f"{events_dir}: no prepared events")
    out = kept_table(np.concatenate(ranks), np.concatenate(pts), np.concatenate(rs), ks)
    return {"models": str(models_dir), "radius": radius, "events": per_event, **out}


def format_table(res: dict[str, Any], ks: list[int]) -> str:
    head = f"{'':24s} {'true edges':>10s} " + " ".join(f"{'k=' + str(k):>7s}" for k in ks) + "   rank 50/90/99/99.9%"
    lines = [f"{res['models']} (radius {res['radius']:g})", head]

    def line(name: str, row: dict[str, Any]) -> str:
        q = " ".join(f"{v:.0f}" for v in row.get("rank_q50_90_99_999", []))
        return f"{name:24s} {row['true_edges']:10d} " + " ".join(f"{row[f'kept@{k}']:7.4f}" for k in ks) + f"   {q}"

    lines.append(line("all", res["all"]))
    lines += [line("pT " + name, row) for name, row in res["pt"].items()]
    lines += [line("r " + name, row) for name, row in res["r"].items()]
    for ev in res["events"]:
        lines.append(f"event {ev['event_id']}: {ev['n_hits']} hits, {ev['neighbours_within_radius']:.1f} "
                     f"neighbours within the radius (of {max(ks)}), " +
                     ", ".join(f"kept@{k} {ev[f'kept@{k}']:.4f}" for k in ks))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m trkx_train.cap_ranks", description=__doc__.split("\n")[0])
    p.add_argument("--models", required=True, help="model set (embedding.onnx, pipeline.json)")
    p.add_argument("--events", required=True, help="prepared events (trkx prepare output)")
    p.add_argument("--k", type=int, nargs="+", default=[32, 64, 96], help="caps to report (default 32 64 96)")
    p.add_argument("--limit", type=int, default=None, help="at most this many events")
    p.add_argument("--any-radius", action="store_true", help="no radius limit (the cap alone)")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--json", default="", help="also write the results to this file")
    a = p.parse_args(argv)
    ks = sorted(set(a.k))
    if ks[0] < 1:
        p.error("--k: caps must be >= 1")
    try:
        res = analyse(Path(a.models), Path(a.events), ks, a.limit, a.any_radius, a.threads)
    except (D.DataError, OSError, ValueError) as e:
        print(f"cap_ranks: {e}", file=sys.stderr)
        return 1
    print(format_table(res, ks))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
