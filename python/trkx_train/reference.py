"""The GNN chain run from Python (PyTorch or ONNX Runtime, SciPy), as a research pipeline runs it.

This is the peer trkx is measured against (``scripts/bench_vs_python.py``) and
a cross-check of its C++ chain: the same networks, either rebuilt in PyTorch
from a model set's ONNX files (:func:`trkx_train.onnx_import.import_onnx`,
each checked against its file) or the ONNX files themselves in ONNX Runtime's
Python API (``backend="onnxruntime"``), run on an event's hit features as
``trkx prepare`` writes them:

1. embedding: the network on every hit at once;
2. radius graph: ``scipy.spatial.cKDTree`` on the embedded hits, each hit's
   ``max_neighbours`` nearest within the radius, the union of both directions
   as unordered pairs, each oriented from the hit nearer the origin to the
   farther one (what trkx does);
3. filter: the hit part once per event (ONNX Runtime: when the set has the
   filter in two files, as trkx runs it), then the edges in chunks of 32k
   (PyTorch: :func:`trkx_train.train.edge_scores`, as in training), edges
   >= cut kept;
4. GNN: the whole filtered graph at once;
5. track building: ``scipy.sparse.csgraph.connected_components`` over the
   edges with GNN score >= cut (Exa.TrkX's baseline), components of at least
   ``min_hits`` hits are tracks.

Each stage is timed (wall and process CPU). The hit features are trkx's own
(``trkx prepare``: ~3 ms per event in C++), so the features stage is not part
of the comparison.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np
import scipy.sparse
import scipy.sparse.csgraph
import scipy.spatial
import torch

from . import data as D
from .export import ort_session
from .onnx_import import import_onnx, max_abs_diff
from .train import edge_scores

# max |PyTorch - ONNX Runtime| on random inputs accepted when the networks are rebuilt
IMPORT_TOLERANCE = 1e-4


class ReferenceChainError(RuntimeError):
    """A model set or event the reference pipeline cannot run."""


BACKENDS = ("pytorch", "onnxruntime")
FILTER_CHUNK = 32768  # edges per call of the filter (of its edge part)


@dataclass
class ModelSet:
    """A model set's three networks as functions of numpy arrays (hit features [N, F] float32 and
    edges [2, E] int64) and the settings the chain needs from pipeline.json."""

    path: Path
    backend: str
    node_features: list[str]
    embed: Callable[[np.ndarray], np.ndarray]  # -> [N, dim]
    filter_scores: Callable[[np.ndarray, np.ndarray], np.ndarray]  # -> probabilities [E]
    gnn_scores: Callable[[np.ndarray, np.ndarray], np.ndarray]  # -> probabilities [E]
    radius: float
    max_neighbours: int
    filter_cut: float
    gnn_cut: float
    import_diff: dict[str, float] = field(default_factory=dict)  # PyTorch: per stage, max |PyTorch - ONNX|


def _torch_networks(models_dir: Path, pipeline: dict[str, Any], diffs: dict[str, float]) -> list[Callable]:
    """The networks rebuilt in PyTorch from their ONNX files (the stage's config is pipeline.json's
    ``training.<stage>.model``, written by ``trkx_train export``), each checked against its file."""
    nets = []
    for stage in ("embedding", "filter", "gnn"):
        model_config = pipeline.get("training", {}).get(stage, {}).get("model")
        if model_config is None:
            raise ReferenceChainError(f"{models_dir}/pipeline.json: needs 'training.{stage}.model' "
                                      "(the network's config)")
        onnx_file = models_dir / pipeline[stage]["file"]
        net, _ = import_onnx(onnx_file, stage, model_config)
        diffs[stage] = max_abs_diff(net, onnx_file)
        if not diffs[stage] <= IMPORT_TOLERANCE:
            raise ReferenceChainError(f"{onnx_file}: the rebuilt network differs by {diffs[stage]:g} "
                                 f"(> {IMPORT_TOLERANCE:g})")
        nets.append(net)
    embedding, filter_net, gnn = nets

    def embed(x: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            return embedding(torch.from_numpy(x)).numpy()

    def scores(net: torch.nn.Module) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        def run(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
            event = SimpleNamespace(x=torch.from_numpy(x), edges=torch.from_numpy(edges))
            return edge_scores(net, event, FILTER_CHUNK).numpy()  # the filter in chunks, the GNN whole
        return run

    return [embed, scores(filter_net), scores(gnn)]


def _onnxruntime_networks(models_dir: Path, pipeline: dict[str, Any], threads: int) -> list[Callable]:
    """The ONNX files in ONNX Runtime's Python API (trkx's custom operators put back as standard
    ONNX: :func:`trkx_train.export.ort_session`); the filter on chunks of edges, its hit part once
    per event when the set has the filter in two files (``hits_file``, ``edges_file``)."""
    entry = pipeline["filter"]
    embedding, gnn = (ort_session(models_dir / pipeline[stage]["file"], threads) for stage in ("embedding", "gnn"))
    split = "hits_file" in entry and "edges_file" in entry
    hit_part = ort_session(models_dir / entry["hits_file"], threads) if split else None
    edge_part = ort_session(models_dir / entry["edges_file" if split else "file"], threads)

    def embed(x: np.ndarray) -> np.ndarray:
        return embedding.run(None, {"node_features": x})[0]

    def filter_scores(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
        feeds = {"node_features": x}
        if hit_part is not None:
            feeds = dict(zip((o.name for o in hit_part.get_outputs()), hit_part.run(None, feeds)))
        parts = []
        for i in range(0, edges.shape[1], FILTER_CHUNK):
            feeds["edge_index"] = np.ascontiguousarray(edges[:, i:i + FILTER_CHUNK])
            parts.append(edge_part.run(None, feeds)[0].reshape(-1))
        return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)

    def gnn_scores(x: np.ndarray, edges: np.ndarray) -> np.ndarray:
        return gnn.run(None, {"node_features": x, "edge_index": edges})[0].reshape(-1)

    return [embed, filter_scores, gnn_scores]


def load_model_set(models_dir: Path, backend: str = "pytorch", threads: int = 2) -> ModelSet:
    """The networks of ``models_dir`` in PyTorch (rebuilt from the ONNX files) or in ONNX Runtime's
    Python API; ``threads`` intra-op threads (PyTorch: set per event by :func:`run_event`)."""
    models_dir = Path(models_dir)
    path = models_dir / "pipeline.json"
    if not path.exists():
        raise ReferenceChainError(f"{path}: missing (not a model set)")
    if backend not in BACKENDS:
        raise ReferenceChainError(f"backend {backend!r}: expected one of {BACKENDS}")
    pipeline = json.loads(path.read_text())
    for stage in ("embedding", "filter", "gnn"):
        if stage not in pipeline:
            raise ReferenceChainError(f"{path}: no '{stage}' (the reference chain needs all three networks)")
    diffs: dict[str, float] = {}
    nets = (_torch_networks(models_dir, pipeline, diffs) if backend == "pytorch"
            else _onnxruntime_networks(models_dir, pipeline, threads))
    return ModelSet(path=models_dir, backend=backend, node_features=list(pipeline["node_features"]), embed=nets[0],
                    filter_scores=nets[1], gnn_scores=nets[2], radius=float(pipeline["embedding"]["radius"]),
                    max_neighbours=int(pipeline["embedding"].get("max_neighbours", 0)),
                    filter_cut=float(pipeline["filter"]["cut"]), gnn_cut=float(pipeline["gnn"]["cut"]),
                    import_diff=diffs)


def pair_keys(edges: np.ndarray, n: int) -> np.ndarray:
    """Sorted distinct orientation-free keys (:func:`trkx_train.data.edge_keys`) of edges [2, E]
    between n hits: edge sets compared or deduplicated as key arrays."""
    return np.unique(D.edge_keys(torch.from_numpy(np.ascontiguousarray(edges, dtype=np.int64)), n).numpy())


def radius_pairs(points: np.ndarray, radius: float, max_neighbours: int, workers: int) -> np.ndarray:
    """Unordered pairs [2, E] (src < dst, sorted) of points where one is among the other's
    ``max_neighbours`` nearest within ``radius`` (0: every point within it)."""
    n = points.shape[0]
    tree = scipy.spatial.cKDTree(points)
    if max_neighbours > 0:
        dist, idx = tree.query(points, k=max_neighbours + 1, distance_upper_bound=radius, workers=workers)
        src = np.repeat(np.arange(n, dtype=np.int64), idx.shape[1])
        dst = idx.ravel().astype(np.int64)
        keep = (dst < n) & (dst != src) & (dist.ravel() < radius)
        src, dst = src[keep], dst[keep]
    else:
        pairs = tree.query_pairs(radius, output_type="ndarray")
        src, dst = pairs[:, 0].astype(np.int64), pairs[:, 1].astype(np.int64)
    keys = pair_keys(np.stack([src, dst]), n)
    return np.stack([keys // n, keys % n])


def orient_outward(edges: np.ndarray, xyz: np.ndarray) -> np.ndarray:
    """Each edge from the hit nearer the origin to the farther one (ties: smaller index first)."""
    d2 = (xyz.astype(np.float64) ** 2).sum(axis=1)
    a, b = edges
    swap = (d2[b] < d2[a]) | ((d2[b] == d2[a]) & (b < a))
    return np.where(swap, edges[::-1], edges)


def track_labels(n_hits: int, edges: np.ndarray, min_hits: int) -> np.ndarray:
    """Connected components of the edges; label -1 for components of fewer than min_hits hits,
    else 0.. in order of the components' smallest hit."""
    graph = scipy.sparse.coo_matrix((np.ones(edges.shape[1], dtype=np.int8), (edges[0], edges[1])),
                                    shape=(n_hits, n_hits)).tocsr()
    _, comp = scipy.sparse.csgraph.connected_components(graph, directed=False)
    sizes = np.bincount(comp)
    labels = np.where(sizes[comp] >= min_hits, comp, -1)
    kept = np.unique(labels[labels >= 0])  # components numbered by their smallest hit already
    remap = np.full(sizes.size, -1, dtype=np.int64)
    remap[kept] = np.arange(kept.size)
    return np.where(labels >= 0, remap[labels], -1)


def same_partition(a: np.ndarray, b: np.ndarray) -> float:
    """Fraction of hits whose track holds exactly the same hits in both labellings (0: no track,
    the same when in neither): the hit's pair of labels is as common as each label alone."""
    _, ia, ca = np.unique(a, return_inverse=True, return_counts=True)
    _, ib, cb = np.unique(b, return_inverse=True, return_counts=True)
    _, iab, cab = np.unique(ia.astype(np.int64) * (ib.max() + 1) + ib, return_inverse=True, return_counts=True)
    same = (cab[iab] == ca[ia]) & (cab[iab] == cb[ib])
    same = np.where((a == 0) | (b == 0), (a == 0) & (b == 0), same)
    return float(same.mean())


class _Stages:
    """Per-stage wall and CPU time and output size, in the order run."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def record(self, name: str, out: int) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.rows.append({"name": name, "wall_seconds": wall - self._wall, "cpu_seconds": cpu - self._cpu,
                          "items_out": int(out)})
        self._wall, self._cpu = time.perf_counter(), time.process_time()


def run_event(models: ModelSet, x: np.ndarray, xyz: np.ndarray, min_hits: int = 3,
              threads: int = 2) -> dict[str, Any]:
    """Runs the chain on one event: ``x`` its hit features [N, F] (float32, models.node_features),
    ``xyz`` its hit positions [N, 3] in the same order. Returns the per-stage times (``stages``),
    the candidate pairs, the filter's scores, the filtered edges, the GNN's scores and the track
    labels."""
    if x.ndim != 2 or x.shape[1] != len(models.node_features):
        raise ReferenceChainError(f"hit features of shape {x.shape}, expected [N, {len(models.node_features)}]")
    if xyz.shape != (x.shape[0], 3):
        raise ReferenceChainError(f"hit positions of shape {xyz.shape}, expected [{x.shape[0]}, 3]")
    torch.set_num_threads(threads)
    n = x.shape[0]
    x = np.ascontiguousarray(x, dtype=np.float32)
    stages = _Stages()
    embedded = models.embed(x)
    stages.record("embedding", n)
    candidates = orient_outward(radius_pairs(embedded, models.radius, models.max_neighbours, threads), xyz)
    stages.record("radius_graph", candidates.shape[1])
    filter_scores = models.filter_scores(x, candidates)
    filtered = np.ascontiguousarray(candidates[:, filter_scores >= models.filter_cut])
    stages.record("filter", filtered.shape[1])
    gnn_scores = models.gnn_scores(x, filtered)
    passing = filtered[:, gnn_scores >= models.gnn_cut]
    stages.record("gnn", passing.shape[1])
    labels = track_labels(n, passing, min_hits)
    stages.record("track_building", int(labels.max()) + 1 if labels.size else 0)
    event = sum(r["wall_seconds"] for r in stages.rows), sum(r["cpu_seconds"] for r in stages.rows)
    return {"stages": stages.rows, "event_wall_seconds": event[0], "event_cpu_seconds": event[1],
            "candidates": candidates, "filter_scores": filter_scores, "filtered": filtered,
            "gnn_scores": gnn_scores, "labels": labels}
