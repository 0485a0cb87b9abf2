"""Small synthetic events in the prepare layout, for tests and development only.

Fake helical tracks in a solenoid crossing cylindrical layers, plus noise.
The features written here are *not* the C++ HitFeatures (they only have the
same shape of problem); real training always reads ``trkx prepare`` output.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

LAYERS_MM = np.array([32.0, 72.0, 116.0, 172.0, 260.0, 360.0, 500.0, 660.0, 820.0, 1020.0])
FEATURES = ["r", "phi", "z", "cell_count", "cell_value"]


def make_event(rng: np.random.Generator, n_particles: int = 200, noise_fraction: float = 0.1):
    """Returns (features [N,5] float32, particle_id [N] uint64, pt [N] float32, true_edges [2,T] int64)."""
    feats, pids, pts, order = [], [], [], []
    for p in range(1, n_particles + 1):
        pt = rng.uniform(0.5, 5.0)
        q = rng.choice([-1.0, 1.0])
        phi0 = rng.uniform(-np.pi, np.pi)
        eta = rng.uniform(-2.0, 2.0)
        z0 = rng.normal(0.0, 30.0)
        radius = pt / (0.3 * 2.0) * 1000.0  # mm in a 2 T field
        r = LAYERS_MM[LAYERS_MM < 2 * radius]
        s = 2 * radius * np.arcsin(r / (2 * radius))
        phi = phi0 - q * np.arcsin(r / (2 * radius))
        z = z0 + s * np.sinh(eta)
        keep = np.abs(z) < 1100.0
        r, phi, z = r[keep], phi[keep], z[keep]
        phi = (phi + np.pi) % (2 * np.pi) - np.pi
        n = r.size
        if n < 2:
            continue
        cells = rng.integers(1, 6, n).astype(np.float64)
        feats.append(np.stack([r, phi, z, cells, cells * rng.uniform(0.5, 1.5, n)], 1))
        pids.append(np.full(n, p, np.uint64))
        pts.append(np.full(n, pt, np.float32))
        order.append(np.arange(n))
    n_noise = int(noise_fraction * sum(f.shape[0] for f in feats))
    rn = rng.choice(LAYERS_MM, n_noise)
    feats.append(np.stack([rn, rng.uniform(-np.pi, np.pi, n_noise), rng.uniform(-1100, 1100, n_noise),
                           rng.integers(1, 6, n_noise), rng.uniform(0.5, 5, n_noise)], 1))
    pids.append(np.zeros(n_noise, np.uint64))
    pts.append(np.zeros(n_noise, np.float32))
    order.append(np.zeros(n_noise, np.int64))
    x = np.concatenate(feats).astype(np.float32)
    pid = np.concatenate(pids)
    pt = np.concatenate(pts)
    ordr = np.concatenate(order)
    perm = rng.permutation(x.shape[0])
    x, pid, pt, ordr = x[perm], pid[perm], pt[perm], ordr[perm]
    # true edges: consecutive hits of one particle (order along the track)
    idx = np.lexsort((ordr, pid))
    same = (pid[idx][1:] == pid[idx][:-1]) & (pid[idx][1:] != 0)
    true_edges = np.stack([idx[:-1][same], idx[1:][same]]).astype(np.int64)
    return x, pid, pt, true_edges


def candidate_pairs(x: np.ndarray, max_dphi: float = 0.15, max_dz: float = 400.0) -> np.ndarray:
    """All pairs on neighbouring or next-to-neighbouring layers within a (phi, z) window,
    src = the hit at smaller radius.  Stand-in for the C++ radius graph in tests."""
    layer = np.searchsorted(LAYERS_MM, x[:, 0] - 1.0)
    src, dst = [], []
    for gap in (1, 2):
        for layer_a in range(len(LAYERS_MM) - gap):
            a = np.nonzero(layer == layer_a)[0]
            b = np.nonzero(layer == layer_a + gap)[0]
            if a.size == 0 or b.size == 0:
                continue
            dphi = np.abs((x[a, 1][:, None] - x[b, 1][None, :] + np.pi) % (2 * np.pi) - np.pi)
            dz = np.abs(x[a, 2][:, None] - x[b, 2][None, :])
            i, j = np.nonzero((dphi < max_dphi) & (dz < max_dz))
            src.append(a[i])
            dst.append(b[j])
    return np.stack([np.concatenate(src), np.concatenate(dst)]).astype(np.int64)


def write_dataset(root: Path, n_events: int, seed: int, n_particles: int = 200,
                  with_candidates: bool = True) -> Path:
    """Writes ``n_events`` synthetic events in the prepare layout into ``root``.
    With ``with_candidates`` it also writes candidate_* and filtered_* (= candidates)."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    ids = []
    for k in range(n_events):
        event_id = 1000 + k
        d = root / f"event{event_id:09d}"
        d.mkdir(exist_ok=True)
        x, pid, pt, te = make_event(rng, n_particles)
        np.save(d / "node_features.npy", x)
        np.save(d / "hit_id.npy", np.arange(1, x.shape[0] + 1, dtype=np.uint64))
        np.save(d / "particle_id.npy", pid)
        np.save(d / "pt.npy", pt)
        np.save(d / "true_edges.npy", te)
        if with_candidates:
            cand = candidate_pairs(x)
            keys_true = set(zip(np.minimum(*te).tolist(), np.maximum(*te).tolist()))
            y = np.array([(min(a, b), max(a, b)) in keys_true for a, b in cand.T], np.float32)
            np.save(d / "candidate_edges.npy", cand)
            np.save(d / "candidate_y.npy", y)
            np.save(d / "filtered_edges.npy", cand)
            np.save(d / "filtered_y.npy", y)
        ids.append(event_id)
    (root / "meta.json").write_text(json.dumps({"node_features": FEATURES, "events": ids}))
    return root
