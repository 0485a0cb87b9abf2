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


@pytest.mark.parametrize("radius", [0.8, math.inf])
def test_split_neighbour_lists_match_brute_force(radius):
    rng = np.random.default_rng(5)
    points = rng.normal(size=(150, 3))
    group = rng.integers(0, 3, size=150)
    group[:60] = 0  # a crowded group, so the first query's 2k + 1 nearest hold too few others
    cross, same = C.split_neighbour_lists(points, group, 10, 3, radius, workers=2)
    d = np.sqrt(((points[:, None] - points[None]) ** 2).sum(-1))
    for i in range(len(points)):
        near = [j for j in np.argsort(d[i], kind="stable") if j != i and d[i, j] < radius]
        want_cross = [j for j in near if group[j] != group[i]][:10]
        want_same = [j for j in near if group[j] == group[i]][:3]
        assert cross[i, : len(want_cross)].tolist() == want_cross
        assert np.all(cross[i, len(want_cross):] == -1)
        assert same[i, : len(want_same)].tolist() == want_same
        assert np.all(same[i, len(want_same):] == -1)


def test_split_rows_count_pairs_and_kept_edges():
    # four hits on a line at 0, 1, 2, 3 on layers a, a, b, b. True edges (0, 1) within layer a and
    # (1, 2) across. The plain k = 1 graph: pairs (0,1), (1,0|2), (2,3) -> {01, 12 or 01, 23}.
    points = np.array([[0.0], [1.0], [2.1], [3.0]])
    group = np.array([0, 0, 1, 1])
    edges = np.array([[0, 1], [1, 2]])
    plain = C.neighbour_lists(points, 1, math.inf)
    rows = {r["graph"]: r for r in C.split_rows(points, group, edges, plain, [1], [(1, 0), (1, 1)], math.inf)}
    # k = 1: 0 -> 1, 1 -> 0, 2 -> 3, 3 -> 2: pairs {01, 23}, the across edge (1, 2) lost
    assert rows["k=1"]["pairs"] == 2 and rows["k=1"]["kept"] == 0.5
    assert rows["k=1"]["kept_within_layer"] == 1.0 and rows["k=1"]["kept_across_layers"] == 0.0
    # 1 across: 0 -> 2, 1 -> 2, 2 -> 1, 3 -> 1: pairs {02, 12, 13}; the within edge lost
    assert rows["1 across + 0 within"]["pairs"] == 3
    assert rows["1 across + 0 within"]["kept_across_layers"] == 1.0
    assert rows["1 across + 0 within"]["kept_within_layer"] == 0.0
    # + 1 within: adds {01, 23}: both edges kept
    assert rows["1 across + 1 within"]["pairs"] == 5 and rows["1 across + 1 within"]["kept"] == 1.0


def test_command_split_needs_hits_and_two_caps(capsys):
    with pytest.raises(SystemExit):
        C.main(["--models", "m", "--events", "e", "--split", "64:8"])
    assert "--split needs --hits" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        C.main(["--models", "m", "--events", "e", "--hits", "h", "--split", "64"])
    assert "expected K_CROSS:K_SAME" in capsys.readouterr().err


def test_hit_layers_read_volume_and_layer_and_name_a_missing_hit(tmp_path):
    (tmp_path / "event000000007-hits.csv").write_text(
        "hit_id,x,y,z,volume_id,layer_id,module_id\n1,0,0,0,8,2,1\n2,0,0,0,8,4,1\n3,0,0,0,13,2,5\n")
    assert C.hit_layers(tmp_path, 7, np.array([3, 1, 2])).tolist() == [13002, 8002, 8004]
    with pytest.raises(C.D.DataError, match="hit_id 9 of the prepared event is not in the file"):
        C.hit_layers(tmp_path, 7, np.array([1, 9]))
    with pytest.raises(C.D.DataError, match="event000000008-hits.csv: missing"):
        C.hit_layers(tmp_path, 8, np.array([1]))
