"""Reading the per-event NumPy files written by ``trkx prepare``.

Layout (docs/model-contract.md): ``DIR/meta.json`` with ``node_features``
and ``events``, and one directory ``DIR/event<9-digit id>/`` per event with
``node_features.npy`` [N,F] float32, ``hit_id.npy``, ``particle_id.npy``,
``pt.npy``, ``true_edges.npy`` [2,T] int64 and, depending on the models
given to prepare, ``candidate_edges.npy``/``candidate_y.npy`` and
``filtered_edges.npy``/``filtered_y.npy``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch


class DataError(RuntimeError):
    """A prepared data set is missing or does not follow the contract."""


@dataclass
class PreparedEvent:
    """One prepared event as torch tensors (edges int64 [2, E], labels float32 [E])."""

    event_id: int
    path: Path
    x: torch.Tensor  # node_features [N, F]
    particle_id: torch.Tensor  # int64 [N] (0 = noise)
    pt: torch.Tensor  # [N] GeV
    true_edges: torch.Tensor  # [2, T]
    edges: torch.Tensor | None = None  # candidate or filtered edges [2, E]
    y: torch.Tensor | None = None  # their truth [E]

    @property
    def n_hits(self) -> int:
        return int(self.x.shape[0])


def _load(path: Path, dtype: np.dtype | None = None, ndim: int | None = None) -> np.ndarray:
    if not path.exists():
        raise DataError(f"{path}: missing (was trkx prepare run with the right --models?)")
    a = np.load(path, allow_pickle=False)
    if dtype is not None and a.dtype != dtype:
        raise DataError(f"{path}: dtype {a.dtype}, expected {np.dtype(dtype)}")
    if ndim is not None and a.ndim != ndim:
        raise DataError(f"{path}: {a.ndim} dimensions, expected {ndim}")
    return a


def read_meta(root: Path) -> dict:
    """Returns DIR/meta.json (``node_features`` names and ``events`` ids)."""
    p = Path(root) / "meta.json"
    if not p.exists():
        raise DataError(f"{p}: missing; run `trkx prepare --input ... --output {root}` first")
    meta = json.loads(p.read_text())
    for key in ("node_features", "events"):
        if key not in meta:
            raise DataError(f"{p}: key {key!r} missing")
    return meta


def event_dirs(root: Path) -> list[Path]:
    """Event directories of a prepared data set, sorted by event id (meta.json lists
    directory names "event<9-digit id>" or integer ids)."""
    meta = read_meta(root)
    names = [e if isinstance(e, str) else f"event{int(e):09d}" for e in meta["events"]]
    return [Path(root) / n for n in sorted(names)]


EDGE_SETS = {"true": None, "candidate": ("candidate_edges.npy", "candidate_y.npy"),
             "filtered": ("filtered_edges.npy", "filtered_y.npy")}


def load_event(path: Path, edge_set: str = "true") -> PreparedEvent:
    """Loads one event directory; ``edge_set`` selects which edges and labels to load
    ("true" loads none besides true_edges, "candidate" or "filtered")."""
    path = Path(path)
    x = _load(path / "node_features.npy", np.dtype(np.float32), 2)
    n = x.shape[0]
    pid = _load(path / "particle_id.npy", np.dtype(np.uint64), 1)
    pt = _load(path / "pt.npy", np.dtype(np.float32), 1)
    te = _load(path / "true_edges.npy", np.dtype(np.int64), 2)
    if pid.shape[0] != n or pt.shape[0] != n:
        raise DataError(f"{path}: particle_id/pt have {pid.shape[0]}/{pt.shape[0]} rows, node_features {n}")
    if te.shape[0] != 2:
        raise DataError(f"{path}/true_edges.npy: shape {te.shape}, expected [2, T]")
    ev = PreparedEvent(
        event_id=int(path.name.removeprefix("event")) if path.name.startswith("event") else 0,
        path=path,
        x=torch.from_numpy(x),
        particle_id=torch.from_numpy(pid.astype(np.int64)),
        pt=torch.from_numpy(pt),
        true_edges=torch.from_numpy(te),
    )
    files = EDGE_SETS[edge_set]
    if files is not None:
        e = _load(path / files[0], np.dtype(np.int64), 2)
        y = _load(path / files[1], np.dtype(np.float32), 1)
        if e.shape[0] != 2 or e.shape[1] != y.shape[0]:
            raise DataError(f"{path}: {files[0]} shape {e.shape} does not match {files[1]} {y.shape}")
        if e.size and (e.min() < 0 or e.max() >= n):
            raise DataError(f"{path}/{files[0]}: node index out of range [0, {n})")
        ev.edges = torch.from_numpy(e)
        ev.y = torch.from_numpy(y)
    return ev


def load_events(root: Path, edge_set: str = "true", limit: int | None = None) -> list[PreparedEvent]:
    """Loads all (or the first ``limit``) events of a prepared data set."""
    dirs = event_dirs(root)
    if limit is not None:
        dirs = dirs[:limit]
    if not dirs:
        raise DataError(f"{root}: no events listed in meta.json")
    return [load_event(d, edge_set) for d in dirs]


def signal_edges(ev: PreparedEvent, pt_min: float) -> torch.Tensor:
    """The true edges [2, T'] whose particle has pT >= ``pt_min`` GeV (all of them for pt_min <= 0)."""
    if pt_min <= 0:
        return ev.true_edges
    return ev.true_edges[:, ev.pt[ev.true_edges[0]] >= pt_min]


def edge_signal(ev: PreparedEvent, pt_min: float) -> tuple[torch.Tensor, torch.Tensor]:
    """For the candidate/filtered edges of ``ev``: (signal [E] bool: true edge with pT >= pt_min,
    loss weight [E] float: 0 for true edges below the cut, which are neither signal nor fake)."""
    y = ev.y > 0.5
    if pt_min <= 0:
        return y, torch.ones_like(ev.y)
    sig = y & (ev.pt[ev.edges[0]] >= pt_min)
    return sig, (sig | ~y).float()


def edge_loss_weight(ev: PreparedEvent, pt_min: float, pt_weight_max: float = 1.0) -> torch.Tensor:
    """Loss weight [E] of the candidate/filtered edges of ``ev``: edge_signal's weight, with each
    signal edge weighted min(max(pT / 1 GeV, 1), ``pt_weight_max``) (pT of its particle)."""
    sig, w = edge_signal(ev, pt_min)
    if pt_weight_max > 1:
        boost = ev.pt[ev.edges[0]].clamp(min=1.0, max=pt_weight_max)
        w = torch.where(sig, boost, w)
    return w


def edge_keys(edges: torch.Tensor, n: int) -> torch.Tensor:
    """Orientation-free int64 key min(i,j) * n + max(i,j) of each edge [2, E]."""
    a = torch.minimum(edges[0], edges[1])
    b = torch.maximum(edges[0], edges[1])
    return a * n + b


def is_true_pair(true_keys_sorted: torch.Tensor, i: torch.Tensor, j: torch.Tensor, n: int) -> torch.Tensor:
    """Boolean per pair (i, j): is it a true edge (either orientation)? ``true_keys_sorted``
    is ``edge_keys(true_edges).sort().values``."""
    if true_keys_sorted.numel() == 0:
        return torch.zeros_like(i, dtype=torch.bool)
    k = torch.minimum(i, j) * n + torch.maximum(i, j)
    pos = torch.searchsorted(true_keys_sorted, k).clamp(max=true_keys_sorted.numel() - 1)
    return true_keys_sorted[pos] == k
