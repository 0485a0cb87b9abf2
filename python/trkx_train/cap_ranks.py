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

With ``--hits DIR`` (the events' TrackML hit files, for each hit's volume and layer) it also
measures a *split* graph (session 26): each hit's ``K_CROSS`` nearest hits on other layers
plus its ``K_SAME`` nearest on its own layer, the union of the pairs, against the plain
``k``-capped graph (``--split 64:8 80:8``): candidate pairs and kept true edges, over all
true edges and over those within one layer and across layers.
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
import torch

from . import data as D
from .export import ort_session
from .reference import pair_keys

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


def split_neighbour_lists(points: np.ndarray, group: np.ndarray, k_cross: int, k_same: int, radius: float,
                          workers: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Each point's ``k_cross`` nearest points of another group and ``k_same`` nearest of its own
    group, within ``radius`` (nearest first, -1 where there are fewer): [N, k_cross], [N, k_same].
    Exact: a point whose nearest hits hold too few of other groups is asked again for twice as
    many, until it has ``k_cross`` of them or every point within the radius has been seen."""
    n = points.shape[0]
    tree = scipy.spatial.cKDTree(points)
    cross = np.full((n, k_cross), -1, dtype=np.int64)
    todo, k = np.arange(n), 2 * k_cross + 1
    while todo.size:
        kq = min(k, n)
        dist, idx = tree.query(points[todo], k=kq, distance_upper_bound=radius, workers=workers)
        idx, dist = idx.reshape(todo.size, kq), dist.reshape(todo.size, kq)
        found = (idx < n) & (dist < radius)
        safe = np.where(found, idx, 0)
        other = found & (group[safe] != group[todo][:, None])
        order = np.argsort(~other, axis=1, kind="stable")[:, :k_cross]
        got = np.take_along_axis(np.where(other, safe, -1), order, axis=1)
        cross[todo, : got.shape[1]] = got
        final = (other.sum(axis=1) >= k_cross) | ~found[:, -1] | (kq >= n)
        todo, k = todo[~final], 2 * k
    same = np.full((n, k_same), -1, dtype=np.int64)
    for g in np.unique(group) if k_same else []:
        idx = np.nonzero(group == g)[0]
        if idx.size < 2:
            continue
        sub = neighbour_lists(points[idx], k_same, radius, workers)
        same[idx] = np.where(sub >= 0, idx[np.where(sub >= 0, sub, 0)], -1)
    return cross, same


def list_pairs(*lists: np.ndarray) -> np.ndarray:
    """Distinct unordered pairs of the neighbour lists (row i's entries j >= 0), as sorted keys
    (:func:`trkx_train.reference.pair_keys`)."""
    n = lists[0].shape[0]
    src = np.concatenate([np.repeat(np.arange(n, dtype=np.int64), nb.shape[1]) for nb in lists])
    dst = np.concatenate([nb.ravel() for nb in lists])
    ok = dst >= 0
    return pair_keys(np.stack([src[ok], dst[ok]]), n)


def split_rows(points: np.ndarray, group: np.ndarray, true_edges: np.ndarray, plain: np.ndarray,
               plain_ks: list[int], splits: list[tuple[int, int]], radius: float,
               workers: int = 2) -> list[dict[str, Any]]:
    """Candidate pairs and kept true edges (all, within a group, across groups) of the plain
    k-capped graphs (the first k of each row of ``plain``, from :func:`neighbour_lists`) and of
    the split graphs (k_cross, k_same) of one event."""
    keys = D.edge_keys(torch.from_numpy(np.ascontiguousarray(true_edges, dtype=np.int64)), points.shape[0]).numpy()
    within = group[true_edges[0]] == group[true_edges[1]]

    def row(name: str, pairs: np.ndarray) -> dict[str, Any]:
        kept = np.isin(keys, pairs)
        return {"graph": name, "pairs": int(pairs.size), "kept": float(kept.mean()),
                "kept_across_layers": float(kept[~within].mean()) if (~within).any() else float("nan"),
                "kept_within_layer": float(kept[within].mean()) if within.any() else float("nan")}

    rows = [row(f"k={k}", list_pairs(plain[:, :k])) for k in plain_ks]
    for kc, ks in splits:
        cross, same = split_neighbour_lists(points, group, kc, ks, radius, workers)
        rows.append(row(f"{kc} across + {ks} within", list_pairs(cross, same)))
    return rows


def hit_layers(hits_dir: Path, event_id: int, hit_ids: np.ndarray) -> np.ndarray:
    """volume_id * 1000 + layer_id of each hit id, from the event's TrackML hits file."""
    import pandas as pd

    path = Path(hits_dir) / f"event{event_id:09d}-hits.csv"
    if not path.exists():
        raise D.DataError(f"{path}: missing (--hits names the events' TrackML files)")
    hits = pd.read_csv(path, usecols=["hit_id", "volume_id", "layer_id"]).set_index("hit_id")
    missing = np.setdiff1d(hit_ids, hits.index.to_numpy())
    if missing.size:
        raise D.DataError(f"{path}: hit_id {int(missing[0])} of the prepared event is not in the file "
                          f"({missing.size} missing)")
    rows = hits.loc[hit_ids]
    return rows["volume_id"].to_numpy(np.int64) * 1000 + rows["layer_id"].to_numpy(np.int64)


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
            any_radius: bool = False, threads: int = 2, hits_dir: Path | None = None,
            splits: list[tuple[int, int]] | None = None) -> dict[str, Any]:
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
        points = embedding.run(None, {"node_features": x})[0]
        nb = neighbour_lists(points, max(ks), radius, threads)
        te = ev.true_edges.numpy()
        split = []
        if hits_dir is not None:
            hit_ids = np.load(Path(events_dir) / f"event{ev.event_id:09d}" / "hit_id.npy")
            group = hit_layers(hits_dir, ev.event_id, hit_ids)
            split = split_rows(points, group, te, nb, ks, splits or [], radius, threads)
        r = true_edge_ranks(nb, te)
        lower = np.where(x[te[0], 0] <= x[te[1], 0], te[0], te[1])
        ranks.append(r)
        pts.append(ev.pt.numpy()[te[0]])
        rs.append(x[lower, 0])
        per_event.append({"event_id": ev.event_id, "n_hits": ev.n_hits,
                          "neighbours_within_radius": float((nb >= 0).sum(axis=1).mean()),
                          **{f"kept@{k}": float((r <= k).mean()) for k in ks},
                          **({"split": split} if split else {})})
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
        for row in ev.get("split", []):
            lines.append(f"  {row['graph']:24s} pairs {row['pairs'] / 1e6:6.3f}M  kept {row['kept']:.4f}  "
                         f"across layers {row['kept_across_layers']:.4f}  within a layer {row['kept_within_layer']:.4f}")
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
    p.add_argument("--hits", default="", help="the events' TrackML files (volume and layer of each hit): "
                   "also count pairs and kept edges of the plain and --split graphs")
    p.add_argument("--split", nargs="*", default=[], metavar="K_CROSS:K_SAME",
                   help="split graphs to measure with --hits: K_CROSS nearest on other layers + K_SAME on the same")
    a = p.parse_args(argv)
    ks = sorted(set(a.k))
    if ks[0] < 1:
        p.error("--k: caps must be >= 1")
    splits = []
    for text in a.split:
        try:
            kc, ksame = (int(v) for v in text.split(":"))
        except ValueError:
            p.error(f"--split: expected K_CROSS:K_SAME (two integers), found '{text}'")
        if kc < 1 or ksame < 0:
            p.error(f"--split: expected K_CROSS >= 1 and K_SAME >= 0, found '{text}'")
        splits.append((kc, ksame))
    if splits and not a.hits:
        p.error("--split needs --hits (each hit's layer)")
    try:
        res = analyse(Path(a.models), Path(a.events), ks, a.limit, a.any_radius, a.threads,
                      Path(a.hits) if a.hits else None, splits)
    except (D.DataError, OSError, ValueError) as e:
        print(f"cap_ranks: {e}", file=sys.stderr)
        return 1
    print(format_table(res, ks))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
