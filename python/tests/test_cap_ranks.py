"""trkx_train.cap_ranks: neighbour lists against brute force, true-edge ranks on a hand-made
line of hits, the kept-fraction table, and the command's error on events the models do not fit."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from trkx_train import cap_ranks as C

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("radius", [1.0, math.inf])
def test_neighbour_lists_match_brute_force(radius):
    rng = np.random.default_rng(3)
    points = rng.normal(size=(200, 3))
    got = C.neighbour_lists(points, 6, radius, workers=2)
    d = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
    for i in range(len(points)):
        want = [j for j in np.argsort(d[i]) if j != i and d[i, j] < radius][:6]
        assert got[i, : len(want)].tolist() == want
        assert np.all(got[i, len(want):] == -1)


def test_true_edge_ranks_take_the_nearer_end():
    # hits on a line at 0, 1, 1.6, 3. Edge (0, 1): 1 is 0's nearest -> rank 1. Edge (2, 3): 3 is
    # 2's second nearest, but 2 is 3's nearest -> 1. Edge (0, 3): third for both -> 3, beyond k = 2.
    points = np.array([[0.0], [1.0], [1.6], [3.0]])
    edges = np.array([[0, 2, 0], [1, 3, 3]])
    assert C.true_edge_ranks(C.neighbour_lists(points, 3, math.inf), edges).tolist() == [1, 1, 3]
    assert C.true_edge_ranks(C.neighbour_lists(points, 2, math.inf), edges).tolist() == [1, 1, 3]
    # within a radius of 1.5 hit 3's only neighbour is 2 (1.4 away): the (0, 3) edge is lost
    assert C.true_edge_ranks(C.neighbour_lists(points, 3, 1.5), edges).tolist() == [1, 1, 4]


def test_kept_table_counts_ranks_per_bin():
    ranks = np.array([1, 2, 5, 9, 1, 3])
    pt = np.array([0.1, 0.2, 0.4, 0.4, 2.0, 2.0])
    r = np.linspace(0.0, 1.0, 6)
    t = C.kept_table(ranks, pt, r, [2, 8])
    assert t["all"]["true_edges"] == 6
    assert t["all"]["kept@2"] == pytest.approx(3 / 6) and t["all"]["kept@8"] == pytest.approx(5 / 6)
    assert t["pt"]["0-0.3 GeV"]["kept@2"] == 1.0
    assert t["pt"]["0.3-0.5 GeV"]["kept@8"] == 0.5
    assert t["pt"]["1-inf GeV"]["kept@2"] == 0.5
    assert sum(row["true_edges"] for row in t["r"].values()) == 6


def test_command_rejects_events_with_other_features(synthetic_data, capsys):
    _, val = synthetic_data
    assert C.main(["--models", str(REPO / "models"), "--events", str(val), "--k", "4"]) == 1
    assert "node features" in capsys.readouterr().err


def test_command_names_a_missing_embedding_file(synthetic_data, tmp_path, capsys):
    _, val = synthetic_data
    (tmp_path / "pipeline.json").write_text(
        '{"node_features": ["r"], "embedding": {"file": "embedding.onnx", "radius": 1}}')
    assert C.main(["--models", str(tmp_path), "--events", str(val)]) == 1
    assert "embedding.onnx: missing" in capsys.readouterr().err
