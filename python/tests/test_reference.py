"""The PyTorch + SciPy reference chain (trkx_train.reference): its graph steps against brute
force and hand-made graphs, and (slow, with the trkx binary) the whole chain against trkx
reconstruct on a simulated event with the shipped models."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trkx_train import reference as R

REPO = Path(__file__).resolve().parents[2]


def _brute_force_pairs(points: np.ndarray, radius: float, k: int) -> set[tuple[int, int]]:
    d = np.sqrt(((points[:, None, :] - points[None, :, :]) ** 2).sum(-1))
    pairs = set()
    for i in range(len(points)):
        order = [j for j in np.argsort(d[i]) if j != i and d[i, j] < radius]
        for j in order[:k] if k > 0 else order:
            pairs.add((min(i, j), max(i, j)))
    return pairs


@pytest.mark.parametrize("k", [0, 3, 10])
def test_radius_pairs_match_brute_force(k):
    rng = np.random.default_rng(5)
    points = rng.normal(size=(300, 4)).astype(np.float32)
    got = R.radius_pairs(points, 1.2, k, workers=2)
    assert got.shape[0] == 2 and np.all(got[0] < got[1])
    keys = got[0] * 300 + got[1]
    assert np.all(np.diff(keys) > 0)  # sorted, no duplicates
    expected = _brute_force_pairs(points, 1.2, k)
    assert len(expected) > 300
    assert set(zip(got[0].tolist(), got[1].tolist())) == expected


def test_orient_outward_points_from_inner_to_outer_hit():
    xyz = np.array([[0, 0, 3], [1, 0, 0], [0, 2, 0], [0, -1, 0]], dtype=np.float32)
    edges = np.array([[0, 1, 2, 1], [1, 2, 3, 3]])
    out = R.orient_outward(edges, xyz)
    # |hit|: 3, 1, 2, 1 -> outward; hits 1 and 3 equally far: smaller index first
    assert out.tolist() == [[1, 1, 3, 1], [0, 2, 2, 3]]


def test_same_partition_compares_track_memberships_not_numbers():
    a = np.array([1, 1, 2, 2, 0, 3])
    assert R.same_partition(a, np.array([7, 7, 5, 5, 0, 9])) == 1.0
    # hits 2 and 3 split, hit 4 (no track in a) given one, hit 5 the same alone
    assert R.same_partition(a, np.array([7, 7, 5, 6, 8, 9])) == pytest.approx(3 / 6)


def test_track_labels_are_components_of_at_least_min_hits():
    edges = np.array([[0, 1, 5, 6, 7, 3], [1, 2, 6, 7, 8, 4]])
    labels = R.track_labels(10, edges, min_hits=3)
    # components {0,1,2}, {3,4} (too small), {5,6,7,8}, {9} (alone)
    assert labels.tolist() == [0, 0, 0, -1, -1, 1, 1, 1, 1, -1]
    assert R.track_labels(4, np.zeros((2, 0), dtype=np.int64), 1).tolist() == [0, 1, 2, 3]


@pytest.mark.slow
@pytest.mark.parametrize("backend", R.BACKENDS)
def test_reference_chain_matches_trkx_reconstruct(tmp_path, backend):
    """The shipped default networks in PyTorch (or ONNX Runtime's Python API), cKDTree and SciPy's
    components against trkx's C++ chain with the same track building: the same candidate pairs
    but for float near-ties, the same edges through each network, the same tracks."""
    trkx = os.environ.get("TRKX_BIN")
    if not trkx or not Path(trkx).exists():
        pytest.skip("set TRKX_BIN to the trkx binary")

    def run(*args: str) -> None:
        subprocess.run([trkx, *args], check=True, capture_output=True)

    run("simulate", "--events", "1", "--pileup", "20", "--seed", "4242", "--first-event", "7", "--out",
        str(tmp_path / "sim"))
    prefix = str(tmp_path / "sim" / "event000000007")
    run("prepare", "--input", prefix, "--output", str(tmp_path / "prep"))
    run("reconstruct", "--input", prefix, "--models", str(REPO / "models"), "--output", str(tmp_path / "out"),
        "--track-builder", "cc", "--no-stitch", "--no-extend", "--min-hits", "3", "--min-track-hits", "0",
        "--dump-graphs")
    d = tmp_path / "prep" / "event000000007"
    x = np.load(d / "node_features.npy")
    hit_id = np.load(d / "hit_id.npy")
    hits = pd.read_csv(prefix + "-hits.csv").set_index("hit_id").loc[hit_id]
    models = R.load_model_set(REPO / "models", backend)
    res = R.run_event(models, x, hits[["x", "y", "z"]].to_numpy(), min_hits=3)
    n = x.shape[0]

    def keys(edges: np.ndarray) -> np.ndarray:
        return R.pair_keys(edges, n)

    graphs = tmp_path / "out" / "graphs"
    cand = pd.read_csv(graphs / "event000000007-graph-radius_graph.csv")
    ours, theirs = keys(cand[["src", "dst"]].to_numpy().T), keys(res["candidates"])
    assert len(ours) > 3 * n
    assert len(np.setxor1d(ours, theirs)) <= 1e-4 * len(ours)
    filt = pd.read_csv(graphs / "event000000007-graph-filter.csv")
    passed = keys(filt[filt.score >= models.filter_cut][["src", "dst"]].to_numpy().T)
    assert len(np.setxor1d(passed, keys(res["filtered"]))) <= 1e-4 * len(passed)
    gnn = pd.read_csv(graphs / "event000000007-graph-gnn.csv")
    trkx_gnn = keys(gnn[gnn.score >= models.gnn_cut][["src", "dst"]].to_numpy().T)
    ref_gnn = keys(res["filtered"][:, res["gnn_scores"] >= models.gnn_cut])
    assert len(np.setxor1d(trkx_gnn, ref_gnn)) <= 1e-3 * len(trkx_gnn)
    sub = pd.read_csv(tmp_path / "out" / "event000000007-submission.csv").set_index("hit_id").loc[hit_id]
    trkx_tracks = sub["track_id"].to_numpy()
    assert trkx_tracks.max() > 100
    assert abs(int(trkx_tracks.max()) - (int(res["labels"].max()) + 1)) <= 2
    assert R.same_partition(trkx_tracks, np.where(res["labels"] < 0, 0, res["labels"] + 1)) >= 0.999
    assert [s["name"] for s in res["stages"]] == ["embedding", "radius_graph", "filter", "gnn", "track_building"]
