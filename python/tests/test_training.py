"""Training loops on synthetic events: losses decrease, checkpoints resume, results are written."""

import json
import math

import numpy as np
import torch

from trkx_train.data import (DataError, PreparedEvent, edge_keys, edge_loss_weight, edge_signal, is_true_pair,
                             load_event, load_events, signal_edges)
from trkx_train.losses import contrastive_hinge_loss, weighted_bce
from trkx_train.models import default_config
from trkx_train.train import (TrainConfig, azimuth_wedge, choose_cut, choose_radius, cut_table, edge_scores,
                              induced_subgraph, load_stage_model, teacher_agreement, train_stage)

import pytest

SMALL = {"embedding": {"hidden": 32, "n_layers": 2, "dim": 4},
         "filter": {"hidden": 32, "n_layers": 2},
         "gnn": {"hidden": 16, "n_steps": 2}}


def tc(**kw):
    base = dict(epochs=3, steps_per_event=8, queries=256, positives=1024, max_edges=20000, lr=1e-2, threads=2,
                wedge_fraction=0.5)
    base.update(kw)
    return TrainConfig(**base)


def losses(stage_dir):
    return [json.loads(l)["train_loss"] for l in (stage_dir / "metrics.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("stage", ["embedding", "filter", "gnn"])
def test_loss_decreases_and_result_written(synthetic_data, tmp_path, stage):
    train, val = synthetic_data
    res = train_stage(stage, train, val, tmp_path / stage, tc(), SMALL[stage])
    ls = losses(tmp_path / stage)
    assert len(ls) == 3
    assert ls[-1] < 0.9 * ls[0], ls
    assert res["epochs_completed"] == 3
    if stage == "embedding":
        assert res["radius"] > 0 and 0.9 < res["sampled_efficiency"] <= 1.0
    else:
        assert 0 < res["cut"] < 1
        at_cut = [r for r in res["table"] if r["cut"] == res["cut"]][0]
        assert at_cut["efficiency"] >= 0.97


def test_same_seed_same_training(synthetic_data, tmp_path):
    # the initial weights, the sampling and the wedges all come from TrainConfig.seed
    train, val = synthetic_data
    runs = []
    for k, seed in enumerate([7, 7, 8]):
        train_stage("embedding", train, val, tmp_path / f"e{k}", tc(epochs=2, seed=seed), SMALL["embedding"])
        runs.append(losses(tmp_path / f"e{k}"))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


def test_resume_continues_from_checkpoint(synthetic_data, tmp_path):
    train, val = synthetic_data
    out = tmp_path / "filter"
    train_stage("filter", train, val, out, tc(epochs=2), SMALL["filter"])
    assert len(losses(out)) == 2
    (out / "result.json").unlink()  # pretend the run was interrupted after epoch 2 of 3
    train_stage("filter", train, val, out, tc(epochs=3), SMALL["filter"])
    assert len(losses(out)) == 3
    assert "resumed from" in (out / "train.log").read_text()
    # finished stages are not retrained
    before = (out / "metrics.jsonl").read_text()
    train_stage("filter", train, val, out, tc(epochs=3), SMALL["filter"])
    assert (out / "metrics.jsonl").read_text() == before


def test_time_budget_stops_cleanly(synthetic_data, tmp_path):
    train, val = synthetic_data
    res = train_stage("embedding", train, val, tmp_path / "e", tc(epochs=50, max_minutes=1e-4), SMALL["embedding"])
    assert res["stopped_by_time_budget"] and res["epochs_completed"] == 1


def test_contrastive_loss_values():
    a = torch.zeros(4, 2)
    b = torch.tensor([[0.5, 0.0], [0.0, 0.0], [0.3, 0.4], [2.0, 0.0]])
    y = torch.tensor([1.0, 1.0, 0.0, 0.0])
    # positives: mean(0.25, 0) ; negatives: mean((1 - 0.5)^2, 0)
    assert abs(float(contrastive_hinge_loss(a, b, y, margin=1.0)) - (0.125 + 0.125)) < 1e-5


def test_true_pair_lookup_is_orientation_free():
    te = torch.tensor([[0, 3, 5], [1, 4, 2]])
    keys = edge_keys(te, 10).sort().values
    got = is_true_pair(keys, torch.tensor([1, 4, 2, 0, 7]), torch.tensor([0, 3, 5, 2, 8]), 10)
    assert got.tolist() == [True, True, True, False, False]


def test_cut_choice_reaches_target():
    g = torch.Generator().manual_seed(0)
    y = (torch.rand(10000, generator=g) < 0.2).float()
    s = torch.clamp(0.6 * y + 0.5 * torch.rand(10000, generator=g), 0, 1)
    c = choose_cut(s, y, 0.95)
    row = cut_table(s, y, [c])[0]
    assert 0.95 <= row["efficiency"] <= 0.96


def test_induced_subgraph_respects_budget():
    g = torch.Generator().manual_seed(0)
    e = torch.randint(0, 5000, (2, 40000), generator=g)
    sel = induced_subgraph(e, 5000, 5000, g)
    assert 0 < sel.numel() <= 7500
    assert induced_subgraph(e, 5000, 50000, g).numel() == 40000


def test_loader_rejects_broken_events(synthetic_data, tmp_path):
    train, _ = synthetic_data
    ev = load_events(train, "candidate")
    assert ev[0].edges.shape[0] == 2 and ev[0].edges.shape[1] == ev[0].y.shape[0]
    with pytest.raises(DataError, match="meta.json"):
        load_events(tmp_path)
    import shutil
    bad = tmp_path / "event000000001"
    shutil.copytree(train / "event000001000", bad)
    np.save(bad / "candidate_y.npy", np.zeros(3, np.float32))
    with pytest.raises(DataError, match="does not match"):
        load_event(bad, "candidate")


def test_azimuth_wedge_keeps_hits_and_edges_inside(synthetic_data):
    train, _ = synthetic_data
    ev = load_events(train, limit=1)[0]
    turn = 2 * math.pi
    angles = ev.x[:, 1] + math.pi  # the synthetic phi column is the azimuth in rad
    sub = azimuth_wedge(ev, angles, 0.25, torch.Generator().manual_seed(5))
    assert 0.15 * ev.n_hits < sub.n_hits < 0.35 * ev.n_hits
    # the kept hits cover at most a quarter turn: the largest circular gap is >= 3/4 turn
    a = torch.sort(sub.x[:, 1] + math.pi).values
    gaps = torch.cat([a[1:] - a[:-1], (a[:1] + turn) - a[-1:]])
    assert float(gaps.max()) >= 0.75 * turn - 1e-4
    # every kept true edge joins two kept hits of the same particle
    assert sub.true_edges.numel() > 0
    assert bool((sub.true_edges >= 0).all()) and bool((sub.true_edges < sub.n_hits).all())
    assert bool((sub.particle_id[sub.true_edges[0]] == sub.particle_id[sub.true_edges[1]]).all())


def _signal_event():
    # hits 0-2: a 2 GeV particle, hits 3-4: a 0.5 GeV particle, hit 5: noise
    pt = torch.tensor([2.0, 2.0, 2.0, 0.5, 0.5, 0.0])
    te = torch.tensor([[0, 1, 3], [1, 2, 4]])
    edges = torch.tensor([[0, 1, 3, 0, 5], [1, 2, 4, 5, 2]])
    y = torch.tensor([1.0, 1.0, 1.0, 0.0, 0.0])
    return PreparedEvent(event_id=1, path=None, x=torch.zeros(6, 3), particle_id=torch.tensor([1, 1, 1, 2, 2, 0]),
                         pt=pt, true_edges=te, edges=edges, y=y)


def test_signal_pt_cut_selects_edges_and_weights():
    ev = _signal_event()
    assert signal_edges(ev, 0.0).shape[1] == 3
    assert signal_edges(ev, 1.0).tolist() == [[0, 1], [1, 2]]
    sig, w = edge_signal(ev, 1.0)
    assert sig.tolist() == [True, True, False, False, False]
    assert w.tolist() == [1.0, 1.0, 0.0, 1.0, 1.0]  # the low-pT true edge is neither signal nor fake
    sig0, w0 = edge_signal(ev, 0.0)
    assert sig0.tolist() == [True, True, True, False, False] and bool((w0 == 1).all())


def test_pt_weighting_boosts_fast_signal_edges_only():
    ev = _signal_event()
    ev.pt[:3] = 7.0
    # signal edges weigh min(max(pT, 1), cap); the slow true edge stays at 0, fakes at 1
    assert edge_loss_weight(ev, 1.0, 4.0).tolist() == [4.0, 4.0, 0.0, 1.0, 1.0]
    assert edge_loss_weight(ev, 1.0, 1.0).tolist() == edge_signal(ev, 1.0)[1].tolist()
    ev.pt[:3] = 2.5
    assert edge_loss_weight(ev, 0.0, 4.0).tolist() == [2.5, 2.5, 1.0, 1.0, 1.0]


def test_init_from_starts_with_the_given_weights(synthetic_data, tmp_path):
    train, val = synthetic_data
    first = tmp_path / "a"
    train_stage("gnn", train, val, first, tc(epochs=1), SMALL["gnn"])
    second = tmp_path / "b"
    train_stage("gnn", train, val, second, tc(epochs=1, init_from=str(first), lr=1e-9), SMALL["gnn"])
    a = torch.load(first / "checkpoint.pt")["model"]
    b = torch.load(second / "checkpoint.pt")["model"]
    assert "initialised the weights" in (second / "train.log").read_text()
    assert all(torch.allclose(a[k], b[k], atol=1e-5) for k in a)  # lr ~ 0: the weights stay where they started
    with pytest.raises(DataError, match="differs"):
        train_stage("gnn", train, val, tmp_path / "c", tc(epochs=1, init_from=str(first)), {"hidden": 8, "n_steps": 1})
    # A spec that names only some fields (onnx_import, narrow, or one written before a field existed)
    # names the network with the other fields at their defaults.
    spec = json.loads((first / "spec.json").read_text())
    spec["model"] = {k: v for k, v in spec["model"].items() if v != default_config("gnn")[k]}
    assert len(spec["model"]) < len(default_config("gnn"))
    (first / "spec.json").write_text(json.dumps(spec))
    train_stage("gnn", train, val, tmp_path / "d", tc(epochs=1, init_from=str(first), lr=1e-9), SMALL["gnn"])
    assert "initialised the weights" in (tmp_path / "d" / "train.log").read_text()


def test_weighted_bce_ignores_zero_weight_edges():
    logits = torch.tensor([2.0, -1.0, 5.0])
    y = torch.tensor([1.0, 0.0, 0.0])
    full = weighted_bce(logits[:2], y[:2], 1.0)
    masked = weighted_bce(logits, y, 1.0, torch.tensor([1.0, 1.0, 0.0]))
    assert torch.isclose(full, masked)


def test_cut_table_efficiency_counts_signal_purity_counts_all_true():
    s = torch.tensor([0.9, 0.8, 0.7, 0.1])
    y = torch.tensor([1.0, 1.0, 0.0, 1.0])
    sig = torch.tensor([True, False, False, True])
    row = cut_table(s, y, [0.5], sig)[0]
    assert row["efficiency"] == 0.5  # one of the two signal edges passes
    assert math.isclose(row["purity"], 2 / 3)  # two of the three kept edges are true


@pytest.mark.parametrize("stage", ["embedding", "filter"])
def test_signal_pt_cut_trains_and_chooses_operating_point_on_signal(synthetic_data, tmp_path, stage):
    # synthetic particles have pT uniform in [0.5, 5] GeV: a 2 GeV cut leaves ~2/3 of them as signal
    train, val = synthetic_data
    res = train_stage(stage, train, val, tmp_path / stage, tc(signal_pt_min=2.0), SMALL[stage])
    # the training loss is noisy here (hard negatives are mined anew as the model moves); the
    # validation loss on the same sampled pairs every epoch is not
    vl = [json.loads(l)["val_loss"] for l in (tmp_path / stage / "metrics.jsonl").read_text().splitlines()]
    assert vl[-1] < 0.9 * vl[0], vl
    if stage == "embedding":
        assert res["radius"] > 0 and 0.9 < res["sampled_efficiency"] <= 1.0
    else:
        assert res["signal_pt_min"] == 2.0
        at_cut = [r for r in res["table"] if r["cut"] == res["cut"]][0]
        assert at_cut["efficiency"] >= 0.97


def test_cut_pt_min_chooses_the_cut_on_fast_particles_while_training_on_all(synthetic_data, tmp_path):
    # every true edge is a positive in the loss; the cut keeps 97.5% of the edges of particles above 2 GeV
    train, val = synthetic_data
    res = train_stage("filter", train, val, tmp_path / "f", tc(signal_pt_min=0.0, cut_pt_min=2.0), SMALL["filter"])
    assert res["signal_pt_min"] == 0.0 and res["cut_pt_min"] == 2.0
    events = load_events(val, "candidate")
    model, _ = load_stage_model(tmp_path / "f")
    s = torch.cat([edge_scores(model, ev) for ev in events])
    fast = torch.cat([edge_signal(ev, 2.0)[0] for ev in events])
    assert math.isclose(res["cut"], choose_cut(s, fast, 0.975), rel_tol=1e-5)
    assert float((s[fast] >= res["cut"]).float().mean()) >= 0.975


def test_cut_pt_min_sizes_the_embedding_radius_on_fast_particles(synthetic_data, tmp_path):
    # trained on every true edge; the radius keeps 97.5% of the edges of particles above 2 GeV
    train, val = synthetic_data
    config = tc(signal_pt_min=0.0, cut_pt_min=2.0, epochs=1)
    res = train_stage("embedding", train, val, tmp_path / "e", config, SMALL["embedding"])
    assert res["signal_pt_min"] == 0.0 and res["cut_pt_min"] == 2.0
    model, _ = load_stage_model(tmp_path / "e")
    events = load_events(val, "true")
    fast = choose_radius(model, events, config.target_efficiency, config.max_neighbours, seed=config.seed,
                         signal_pt_min=2.0)
    assert math.isclose(res["radius"], fast["radius"], rel_tol=1e-6)
    every = choose_radius(model, events, config.target_efficiency, config.max_neighbours, seed=config.seed,
                          signal_pt_min=0.0, radius=res["radius"])
    assert math.isclose(res["sampled_efficiency_signal"], every["sampled_efficiency"], rel_tol=1e-6)
    assert every["radius"] == res["radius"]


def test_gnn_operating_points_pick_the_cut_for_each_efficiency():
    from trkx_train.evaluate import operating_points

    # 10 signal edges with scores 0.1..1.0, 2 slow true edges, 4 fakes
    scores = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 0.95, 0.05, 0.99, 0.85, 0.65, 0.01])
    true = np.array([True] * 12 + [False] * 4)
    hi = np.array([True] * 10 + [False] * 6)
    rows = {r["target"]: r for r in operating_points(scores, true, hi, (0.5, 0.9))}
    # 90%: the 9th best signal score is 0.2; kept: 9 signal + 0.95 slow + 3 fakes (0.99, 0.85, 0.65)
    assert rows[0.9]["cut"] == 0.2 and rows[0.9]["efficiency_pt_gt_min"] == 0.9
    assert math.isclose(rows[0.9]["purity"], 10 / 13)
    # 50%: cut 0.6; kept: 5 signal + the slow 0.95 + fakes 0.99, 0.85, 0.65
    assert rows[0.5]["cut"] == 0.6 and math.isclose(rows[0.5]["purity"], 6 / 9)


def test_teacher_agreement_matches_true_edges_then_counts_edges():
    # teacher passes edges 0, 1, 2 at 0.5 (true: 0 and 2); the student passes the same two true
    # edges from its cut 0.6 (the lower of its scores on those two) and then 3 edges: 0, 2 and 4
    t = torch.tensor([0.9, 0.8, 0.7, 0.1, 0.2, 0.3])
    s = torch.tensor([0.95, 0.1, 0.6, 0.2, 0.7, 0.3])
    y = torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0])
    a = teacher_agreement(s, t, y, 0.5)
    assert a["match_cut"] == pytest.approx(0.6)
    assert a["edges_vs_teacher"] == pytest.approx(3 / 3)
    assert a["teacher_kept"] == pytest.approx(2 / 3)
    # a student equal to the teacher passes exactly the teacher's edges
    same = teacher_agreement(t, t, y, 0.5)
    assert same["edges_vs_teacher"] == 1.0 and same["teacher_kept"] == 1.0


def test_distillation_learns_the_teachers_scores(synthetic_data, tmp_path):
    train, val = synthetic_data
    teacher = tmp_path / "teacher"
    train_stage("filter", train, val, teacher, tc(epochs=3), SMALL["filter"])
    student = tmp_path / "student"
    res = train_stage("filter", train, val, student, tc(epochs=3, distill_from=str(teacher), distill_cut=0.5),
                      {"hidden": 8, "n_layers": 2})
    # the teacher's scores are cached per event and are its scores
    model, _ = load_stage_model(teacher)
    ev = load_events(train, "candidate")[0]
    cached = torch.from_numpy(np.load(student / "teacher" / "train" / f"event{ev.event_id:09d}.npy"))
    assert torch.allclose(cached, edge_scores(model, ev), atol=1e-6)
    ls = losses(student)
    assert ls[-1] < ls[0], ls
    # the saved student is shifted onto the teacher's probability scale (-log pos_weight)
    assert torch.load(student / "checkpoint.pt")["teacher_bias_shift"] == pytest.approx(-math.log(res["pos_weight"]))
    agree = res["teacher"]
    assert agree["from"] == str(teacher) and agree["cut"] == 0.5
    assert 0.5 < agree["teacher_kept"] <= 1.0 and agree["edges_vs_teacher"] > 0
    assert "teacher_kept" in json.loads((student / "metrics.jsonl").read_text().splitlines()[-1])
    with pytest.raises(ValueError, match="only the filter"):
        train_stage("gnn", train, val, tmp_path / "g", tc(epochs=1, distill_from=str(teacher)), SMALL["gnn"])


def test_cap_loss_is_zero_inside_the_cap_and_pulls_partners_outside_it():
    # 4 hits on a line; true edges (0,1) and (2,3). With the 1st nearest hit as the cap, hit 0's
    # partner 1 is its nearest (no loss); hit 2's partner 3 is farther than hit 1, its nearest.
    x = torch.tensor([[0.0], [1.0], [1.6], [3.0]])
    ev = PreparedEvent(event_id=0, path=None, x=x, particle_id=torch.tensor([1, 1, 2, 2]), pt=torch.ones(4),
                       true_edges=torch.tensor([[0, 2], [1, 3]]))
    from trkx_train.train import cap_loss
    model = torch.nn.Identity()
    gen = torch.Generator().manual_seed(0)
    both = cap_loss(model, ev, TrainConfig(cap_target=1, cap_slack=1.0, cap_queries=100), gen, x)
    # queries 0->1 (d^2 1, limit 1), 1->0 (d^2 1, nearest hit 2 at 0.6: limit 0.36), 2->3 (d^2 1.96,
    # limit 0.36), 3->2 (d^2 1.96, limit 1.96): mean of 0, 0.64, 1.6, 0
    assert float(both) == pytest.approx((0.64 + 1.6) / 4)
    pulled = x.clone().requires_grad_(True)
    cap_loss(model, PreparedEvent(**{**ev.__dict__, "x": pulled}), TrainConfig(cap_target=1, cap_queries=100), gen,
             x).backward()
    assert pulled.grad[2, 0] < 0 < pulled.grad[3, 0]  # a descent step moves 2 and 3 towards each other


def test_capped_efficiency_is_measured_on_whole_events(synthetic_data):
    # In an azimuthal wedge the hits near its edges lose the neighbours across them, so a k-capped
    # graph of the wedge keeps more true edges than the event's graph: the validation reports the
    # whole events' figure.
    from trkx_train.train import _embedding_validation
    train, _ = synthetic_data
    ev = load_events(train, limit=1)[0]
    wedge = azimuth_wedge(ev, ev.x[:, 1] + math.pi, 0.25, torch.Generator().manual_seed(5))
    model = torch.nn.Identity()
    cfg = tc(cap_weight=1.0, cap_target=4, max_neighbours=4)
    got = _embedding_validation(model, [wedge], cfg, torch.Generator().manual_seed(0), whole=[ev])
    whole = choose_radius(model, [ev], 0.5, 4, n_sample=2000, radius=math.inf)["sampled_efficiency"]
    in_wedge = choose_radius(model, [wedge], 0.5, 4, n_sample=2000, radius=math.inf)["sampled_efficiency"]
    assert got["cap_eff@4"] == whole
    assert in_wedge > whole


def test_cap_term_trains_and_reports_capped_efficiency(synthetic_data, tmp_path):
    train, val = synthetic_data
    train_stage("embedding", train, val, tmp_path / "e", tc(epochs=2, cap_weight=1.0, cap_target=4, max_neighbours=8),
                SMALL["embedding"])
    rows = [json.loads(l) for l in (tmp_path / "e" / "metrics.jsonl").read_text().splitlines()]
    assert all(0.0 < r["cap_eff@4"] <= r["cap_eff@8"] <= 1.0 for r in rows)
    assert all(math.isfinite(r["train_loss"]) for r in rows)
