"""Training loops of the three stages, with checkpoints, resume, logs and progress.

A stage trains into its own directory (e.g. ``runs/<name>/embedding``):

    spec.json        stage, feature names, network config, training config
    checkpoint.pt    model + optimiser + scheduler + epoch + history (written every epoch, atomically)
    metrics.jsonl    one JSON line per epoch (train loss, validation metrics, wall time)
    train.log        human-readable progress
    result.json      written when training finished: chosen radius / cut, validation numbers

Running the same command again resumes from checkpoint.pt; if result.json
exists the stage is complete and nothing is done.
"""

from __future__ import annotations

import json
import math
import os
import random
import sys
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

from . import data as D
from .losses import contrastive_hinge_loss, weighted_bce
from .models import ModelSpec, build_model, default_config


@dataclass
class TrainConfig:
    """Training hyper-parameters (stage-specific ones are ignored by the other stages)."""

    epochs: int = 10
    lr: float = 2e-3
    lr_final_fraction: float = 0.05  # cosine decay of the learning rate down to lr * this
    weight_decay: float = 1e-5
    seed: int = 0
    threads: int = 2
    max_minutes: float = 0.0  # stop (and finish cleanly) after this much training time; 0 = no limit
    steps_per_event: int = 1  # optimiser steps per training event and epoch
    max_val_events: int = 5
    signal_pt_min: float = 0.0  # GeV. True edges of particles below this pT are "non-signal": neither
    #                             positives nor negatives in any loss, and not counted in efficiencies
    #                             (purity still counts them as true). 0 = every true edge is signal.
    # embedding
    queries: int = 2048  # query hits per step for hard-negative mining
    hard_negatives: int = 16  # nearest neighbours of each query (in embedding space) used as negatives
    random_negatives: int = 4  # random partners per query
    positives: int = 16384  # true edges per step
    margin: float = 1.0  # hinge margin = training radius in embedding units
    neg_weight: float = 1.0
    target_efficiency: float = 0.975  # embedding: radius chosen so that this fraction of true edges is kept;
    #                                   filter/gnn: cut chosen so that this fraction of input true edges passes
    max_neighbours: int = 64  # k cap of the radius graph
    cap_weight: float = 0.0  # embedding: weight of the cap-aware term (cap_loss), 0 = off
    cap_target: int = 0  # embedding: that term pulls each query's true partners inside the distance of its
    #                      cap_target-th nearest hit (0: max_neighbours), so that a k-capped graph keeps them
    cap_slack: float = 0.9  # ... times this
    cap_queries: int = 512  # (query, true partner) pairs of that term per step (each query's nearest
    #                         hits are searched in the whole event)
    wedge_fraction: float = 0.125  # embedding steps use the hits of a random azimuthal wedge of this
    #                                 fraction of the detector (1 = whole event; needs a "phi" feature)
    # edge classifiers
    max_edges: int = 200000  # edges per optimiser step (filter: random subset; gnn: induced subgraph)
    pos_weight: float = 0.0  # weight of true edges in the BCE; 0 = automatic (#false / #true, at most 10)
    pt_weight_max: float = 1.0  # signal edges weigh min(max(pT / 1 GeV, 1), this) in the edge losses, so that
    #                             the rare fast particles count more (1 = every signal edge weighs 1)
    cut_pt_min: float = -1.0  # filter/gnn: the cut (embedding: the radius) keeps target_efficiency of the true
    #                             edges of particles above this pT (GeV), so that a network trained on all
    #                             particles can keep the edge count of one trained on fast ones; < 0 = signal_pt_min
    init_from: str = ""  # stage directory (or checkpoint.pt) whose weights start a new training (same network)
    distill_from: str = ""  # filter: stage directory of a trained filter (the teacher); its probabilities
    #                         replace the 0/1 labels as the loss's targets (knowledge distillation), so
    #                         that a smaller filter learns to pass the edges the teacher passes
    distill_cut: float = 0.06  # filter with a teacher: the teacher's cut; validation reports how many edges
    #                            the student passes at the cut keeping as many true edges as the teacher's


def _now() -> float:
    return time.perf_counter()


class StageLog:
    """Writes progress lines to stdout and train.log, and epoch records to metrics.jsonl."""

    def __init__(self, out_dir: Path, stage: str) -> None:
        self.stage = stage
        self.log = open(out_dir / "train.log", "a", buffering=1)
        self.metrics = open(out_dir / "metrics.jsonl", "a", buffering=1)

    def info(self, msg: str) -> None:
        line = f"{time.strftime('%H:%M:%S')} [{self.stage}] {msg}"
        print(line, flush=True)
        self.log.write(line + "\n")

    def record(self, rec: dict[str, Any]) -> None:
        self.metrics.write(json.dumps(rec) + "\n")

    def close(self) -> None:
        self.log.close()
        self.metrics.close()


def _atomic_save(obj: Any, path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    torch.save(obj, tmp)
    os.replace(tmp, path)


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2) + "\n")
    os.replace(tmp, path)


def _lr_factor(progress: float, final: float) -> float:
    """Cosine decay from 1 to ``final`` as training progress goes from 0 to 1."""
    t = min(1.0, max(0.0, progress))
    return final + (1 - final) * 0.5 * (1 + math.cos(math.pi * t))


def load_stage_model(stage_dir: Path) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Rebuilds the trained network of a stage directory; returns (model in eval mode, spec dict)."""
    stage_dir = Path(stage_dir)
    spec = json.loads((stage_dir / "spec.json").read_text())
    model = build_model(ModelSpec(spec["stage"], spec["node_features"], spec["model"]))
    state = torch.load(stage_dir / "checkpoint.pt", map_location="cpu")
    model.load_state_dict(state["model"])
    model.eval()
    return model, spec


# ------------------------------------------------------------------ embedding
def _embed_all(model: torch.nn.Module, x: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model(x[i:i + chunk]) for i in range(0, x.shape[0], chunk)])


def _nearest(emb: torch.Tensor, queries: torch.Tensor, k: int, chunk: int = 256) -> tuple[torch.Tensor, torch.Tensor]:
    """k nearest hits (excluding itself) of each query: (distances [Q,k], indices [Q,k])."""
    ds, js = [], []
    k = min(k, emb.shape[0] - 1)
    for i in range(0, queries.numel(), chunk):
        q = queries[i:i + chunk]
        d = torch.cdist(emb[q], emb)
        d[torch.arange(q.numel()), q] = float("inf")
        dv, jv = torch.topk(d, k, dim=1, largest=False)
        ds.append(dv)
        js.append(jv)
    return torch.cat(ds), torch.cat(js)


def _embedding_pairs(model, ev: D.PreparedEvent, tc: TrainConfig, true_keys: torch.Tensor, gen: torch.Generator,
                     emb: torch.Tensor | None = None):
    """Training pairs of one step: random signal true edges (positives), each random query
    hit's nearest neighbours in the embedding ``emb`` of all hits (hard negatives; computed
    with the current model when None) and random pairs. With a signal pT cut, half of the
    queries are signal hits and pairs that are true but not signal are dropped.
    Returns (i, j, y)."""
    n = ev.n_hits
    te = D.signal_edges(ev, tc.signal_pt_min)
    t = te.shape[1]
    pos = te[:, torch.randperm(t, generator=gen)[: min(tc.positives, t)]]
    q = torch.randperm(n, generator=gen)[: min(tc.queries, n)]
    if tc.signal_pt_min > 0:
        sig_hits = ((ev.pt >= tc.signal_pt_min) & (ev.particle_id != 0)).nonzero().squeeze(1)
        if sig_hits.numel():
            half = q.numel() // 2
            q = torch.cat([q[:half], sig_hits[torch.randint(0, sig_hits.numel(), (q.numel() - half,), generator=gen)]])
    if emb is None:
        emb = _embed_all(model, ev.x)
    _, nn_idx = _nearest(emb, q, tc.hard_negatives)
    hard_i = q.repeat_interleave(nn_idx.shape[1])
    hard_j = nn_idx.reshape(-1)
    rnd_i = q.repeat_interleave(tc.random_negatives)
    rnd_j = torch.randint(0, n, (rnd_i.numel(),), generator=gen)
    i = torch.cat([pos[0], hard_i, rnd_i])
    j = torch.cat([pos[1], hard_j, rnd_j])
    keep = i != j
    i, j = i[keep], j[keep]
    y = D.is_true_pair(true_keys, i, j, n)
    if tc.signal_pt_min > 0:
        sig = D.is_true_pair(D.edge_keys(te, n).sort().values, i, j, n)
        keep = sig | ~y
        i, j, y = i[keep], j[keep], sig[keep]
    return i, j, y.float()


def cap_loss(model, ev: D.PreparedEvent, tc: TrainConfig, gen: torch.Generator, emb: torch.Tensor) -> torch.Tensor:
    """Cap-aware term of the embedding loss: the radius graph keeps each hit's k nearest within the
    radius, and around dense hits the k-th nearest is far nearer than the radius, so the hinge on
    the radius alone does not keep true partners in the graph. For random (query, true partner)
    pairs, with n the query's cap_target-th nearest hit (found in ``emb``, the event embedded by the
    current model, without gradient), relu(d(q, p)^2 - cap_slack^2 d(q, n)^2) averaged over the
    pairs: the partner pulled inside and the k-th nearest pushed out, a ratio that does not ask the
    embedding to shrink or grow."""
    k = tc.cap_target or tc.max_neighbours
    te = D.signal_edges(ev, tc.signal_pt_min)
    if te.shape[1] == 0 or ev.n_hits <= k:
        return emb.new_zeros(())
    ends = torch.cat([te, te.flip(0)], dim=1)  # both directions: (query, partner)
    pick = torch.randperm(ends.shape[1], generator=gen)[: tc.cap_queries]
    q, p = ends[0, pick], ends[1, pick]
    _, near = _nearest(emb, q, k)
    kth = near[:, -1]
    nodes, inv = torch.unique(torch.cat([q, p, kth]), return_inverse=True)
    out = model(ev.x[nodes])
    oq, op, ok = out[inv[: q.numel()]], out[inv[q.numel(): 2 * q.numel()]], out[inv[2 * q.numel():]]
    d2_partner = (oq - op).pow(2).sum(-1)
    d2_kth = (oq - ok).pow(2).sum(-1)
    return torch.relu(d2_partner - tc.cap_slack ** 2 * d2_kth).mean()


def _embedding_validation(model, events: list[D.PreparedEvent], tc: TrainConfig, gen: torch.Generator,
                          whole: list[D.PreparedEvent] | None = None) -> dict:
    """Loss on sampled pairs, plus efficiency (fraction of true edges with d < r) and
    mean neighbours within r per hit, for radii r = margin * f. With the cap term, also the
    fraction of true edges a k-capped graph keeps, on the ``whole`` events (default ``events``):
    a k-th nearest hit found within a wedge is farther than in the event."""
    model.eval()
    fracs = [0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0]
    losses, dist_true, counts = [], [], {f: [] for f in fracs}
    for ev in events:
        keys = D.edge_keys(ev.true_edges, ev.n_hits).sort().values
        i, j, y = _embedding_pairs(model, ev, tc, keys, gen)
        emb = _embed_all(model, ev.x)
        losses.append(float(contrastive_hinge_loss(emb[i], emb[j], y, tc.margin, tc.neg_weight)))
        te = D.signal_edges(ev, tc.signal_pt_min)
        dist_true.append((emb[te[0]] - emb[te[1]]).norm(dim=1))
        q = torch.randperm(ev.n_hits, generator=gen)[:500]
        d = torch.cdist(emb[q], emb)
        for f in fracs:
            counts[f].append(((d < f * tc.margin).sum(1) - 1).float())
    dt = torch.cat(dist_true)
    out = {"val_loss": float(np.mean(losses))}
    if tc.cap_weight > 0:  # fraction of true edges a k-capped graph keeps (any radius)
        for k in sorted({tc.max_neighbours, tc.cap_target or tc.max_neighbours}):
            out[f"cap_eff@{k}"] = choose_radius(model, whole or events, 0.5, k, n_sample=2000,
                                                signal_pt_min=tc.signal_pt_min, radius=math.inf)["sampled_efficiency"]
    for f in fracs:
        r = f * tc.margin
        out[f"eff@{r:.3g}"] = float((dt < r).float().mean())
        out[f"nbrs@{r:.3g}"] = float(torch.cat(counts[f]).mean())
    model.train()
    return out


def choose_radius(model, events: list[D.PreparedEvent], target: float, max_neighbours: int,
                  n_sample: int = 4000, seed: int = 0, signal_pt_min: float = 0.0,
                  radius: float | None = None) -> dict:
    """Smallest radius at which the radius graph with the k cap keeps ``target`` of the
    (signal) true edges of ``events``; also estimates the candidate edges per hit at that radius.
    With ``radius`` given, only measures the efficiency and edges per hit at that radius.

    A true edge (i, j) survives when d(i, j) < r and j is among the k nearest of i
    or i among the k nearest of j (the C++ RadiusGraphBuilder's rule), estimated on
    a random sample of true edges."""
    gen = torch.Generator().manual_seed(seed)
    model.eval()
    need_d, per_hit = [], []
    for ev in events:
        emb = _embed_all(model, ev.x)
        te = D.signal_edges(ev, signal_pt_min)
        pick = torch.randperm(te.shape[1], generator=gen)[: n_sample // max(1, len(events))]
        a, b = te[0, pick], te[1, pick]
        dab = (emb[a] - emb[b]).norm(dim=1)
        # distance of the k-th nearest neighbour of a and of b: j within i's k nearest iff d <= kth(i)
        _, _ = None, None
        kth = []
        for nodes in (a, b):
            dk, _ = _nearest(emb, nodes, max_neighbours)
            kth.append(dk[:, -1])
        ok_cap = (dab <= kth[0]) | (dab <= kth[1])
        # an edge blocked by the cap can never be recovered: give it infinite distance
        need_d.append(torch.where(ok_cap, dab, torch.full_like(dab, float("inf"))))
        q = torch.randperm(ev.n_hits, generator=gen)[:500]
        dq, _ = _nearest(emb, q, max_neighbours)
        per_hit.append(dq)
    need = torch.cat(need_d).sort().values
    idx = min(need.numel() - 1, int(math.ceil(target * need.numel())) - 1)
    if radius is None:
        radius = float(need[idx]) * 1.0001
        if not math.isfinite(radius):
            radius = float(need[torch.isfinite(need)].max()) * 1.0001
    dq = torch.cat(per_hit)
    directed = float((dq < radius).sum(1).float().mean())
    eff = float((need < radius).float().mean())
    model.train()
    return {"radius": radius, "max_neighbours": max_neighbours, "sampled_efficiency": eff,
            "neighbours_per_hit": directed}


def azimuth_wedge(ev: D.PreparedEvent, angles: torch.Tensor, fraction: float, gen: torch.Generator) -> D.PreparedEvent:
    """The hits of ``ev`` whose azimuth (``angles`` [N], rad) lies in a random wedge covering
    ``fraction`` of the full turn, with the true edges between them (indices renumbered)."""
    start = float(torch.rand((), generator=gen)) * 2 * math.pi
    rel = torch.remainder(angles - start, 2 * math.pi)
    inside = rel < fraction * 2 * math.pi
    new_index = torch.full((ev.n_hits,), -1, dtype=torch.int64)
    idx = inside.nonzero().squeeze(1)
    new_index[idx] = torch.arange(idx.numel())
    te = ev.true_edges
    keep = inside[te[0]] & inside[te[1]]
    return D.PreparedEvent(event_id=ev.event_id, path=ev.path, x=ev.x[idx], particle_id=ev.particle_id[idx],
                           pt=ev.pt[idx], true_edges=new_index[te[:, keep]])


# ------------------------------------------------------------------ edge classifiers
def _auto_pos_weight(events: list[D.PreparedEvent], signal_pt_min: float = 0.0) -> float:
    n_true = sum(float(D.edge_signal(e, signal_pt_min)[0].sum()) for e in events)
    n_all = sum(float(D.edge_signal(e, signal_pt_min)[1].sum()) for e in events)
    return float(min(10.0, max(1.0, (n_all - n_true) / max(1.0, n_true))))


def induced_subgraph(edges: torch.Tensor, n: int, max_edges: int, gen: torch.Generator) -> torch.Tensor:
    """Indices of edges of a connected region grown breadth-first from random seed
    nodes until it holds about ``max_edges`` edges (all edges when E <= max_edges)."""
    e = edges.shape[1]
    if e <= max_edges:
        return torch.arange(e)
    inside = torch.zeros(n, dtype=torch.bool)
    n_seeds = max(1, int(n * max_edges / e / 20))
    inside[torch.randint(0, n, (n_seeds,), generator=gen)] = True
    chosen = torch.arange(0)
    for _ in range(32):
        both = inside[edges[0]] & inside[edges[1]]
        if int(both.sum()) >= max_edges:
            break
        chosen = both.nonzero().squeeze(1)
        touch = inside[edges[0]] | inside[edges[1]]
        inside[edges[0, touch]] = True
        inside[edges[1, touch]] = True
        if int((inside[edges[0]] & inside[edges[1]]).sum()) > 1.5 * max_edges:
            break
    both = (inside[edges[0]] & inside[edges[1]]).nonzero().squeeze(1)
    if both.numel() > 1.5 * max_edges:
        # overshoot: keep the previous (smaller) ring or trim randomly
        both = chosen if chosen.numel() > max_edges // 4 else both[torch.randperm(both.numel(), generator=gen)[:max_edges]]
    return both


def edge_scores(model, ev: D.PreparedEvent, chunk: int = 32768) -> torch.Tensor:
    """Probabilities of all edges of an event (the filter in chunks; the GNN needs the whole graph).
    Chunks of 32k edges keep the filter's intermediates in cache: 1M edges of all-pt's filter take
    1.4 s on one thread this way, 3.4 s in chunks of 1M (session 20)."""
    model.eval()
    with torch.no_grad():
        if model.__class__.__name__ == "EdgeFilterNet":
            hits = model.encode_hits(ev.x)  # once per event, not per chunk
            out = [torch.sigmoid(model.score_edges(ev.x, hits, ev.edges[:, i:i + chunk]))
                   for i in range(0, ev.edges.shape[1], chunk)]
            return torch.cat(out) if out else torch.zeros(0)
        return torch.sigmoid(model(ev.x, ev.edges))


def cut_table(scores: torch.Tensor, y: torch.Tensor, cuts: list[float] | None = None,
              signal: torch.Tensor | None = None) -> list[dict]:
    """Efficiency (fraction of input signal true edges kept; ``signal`` defaults to ``y``) and
    purity (true fraction of kept edges, any pT) per cut."""
    cuts = cuts or [0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    sig = (y > 0.5) if signal is None else signal
    n_sig = max(1.0, float(sig.sum()))
    rows = []
    for c in cuts:
        kept = scores >= c
        tp = float((kept & (y > 0.5)).sum())
        rows.append({"cut": c, "efficiency": float((kept & sig).sum()) / n_sig,
                     "purity": tp / max(1.0, float(kept.sum())),
                     "kept_fraction": float(kept.float().mean()) if kept.numel() else 0.0})
    return rows


def choose_cut(scores: torch.Tensor, y: torch.Tensor, target: float) -> float:
    """Largest cut keeping at least ``target`` of the edges marked by ``y`` (quantile of their scores)."""
    s = scores[y > 0.5].sort().values
    if s.numel() == 0:
        return 0.5
    k = int(math.floor((1 - target) * s.numel()))
    return float(max(1e-4, min(0.99, float(s[k]) * 0.9999)))


def teacher_probabilities(teacher, events: list[D.PreparedEvent], cache: Path) -> dict[int, torch.Tensor]:
    """The teacher filter's probabilities [E] of each event's edges, by id(event); cached as
    ``cache``/event<id>.npy (float32) so that a resumed training does not score them again."""
    cache.mkdir(parents=True, exist_ok=True)
    out = {}
    for ev in events:
        f = cache / f"event{ev.event_id:09d}.npy"
        if f.exists():
            p = torch.from_numpy(np.load(f))
        else:
            p = edge_scores(teacher, ev)
            tmp = cache / f".{f.name}.tmp"
            with open(tmp, "wb") as fh:
                np.save(fh, p.numpy())
            os.replace(tmp, f)
        if p.shape[0] != ev.edges.shape[1]:
            raise D.DataError(f"{f}: {p.shape[0]} teacher scores for {ev.edges.shape[1]} edges of {ev.path}")
        out[id(ev)] = p
    return out


def teacher_agreement(s: torch.Tensor, t: torch.Tensor, y: torch.Tensor, teacher_cut: float) -> dict:
    """Student scores ``s`` against teacher scores ``t`` on the same edges (truth ``y``): the student's
    cut passing as many true edges as the teacher at ``teacher_cut`` ("match_cut"), how many edges
    it then passes relative to the teacher ("edges_vs_teacher": the GNN's input size ratio), and
    the fraction of the teacher's passed edges among them ("teacher_kept")."""
    true = y > 0.5
    t_pass = t >= teacher_cut
    n_true = int((t_pass & true).sum())
    st = s[true].sort(descending=True).values
    cut = float(st[n_true - 1]) if 0 < n_true <= st.numel() else teacher_cut
    s_pass = s >= cut
    return {"match_cut": cut, "edges_vs_teacher": float(s_pass.sum()) / max(1, int(t_pass.sum())),
            "teacher_kept": float((s_pass & t_pass).sum()) / max(1, int(t_pass.sum()))}


def _edge_validation(model, events, tc: TrainConfig, pos_weight: float,
                     teacher: dict[int, torch.Tensor] | None = None) -> dict:
    scores, ys, sigs, losses = [], [], [], []
    for ev in events:
        s = edge_scores(model, ev)
        sig, w = D.edge_signal(ev, tc.signal_pt_min)
        if tc.cut_pt_min >= 0:
            sig = D.edge_signal(ev, tc.cut_pt_min)[0]
        logit = torch.logit(s.clamp(1e-7, 1 - 1e-7))
        losses.append(float(weighted_bce(logit, ev.y, pos_weight, w)))
        scores.append(s)
        ys.append(ev.y)
        sigs.append(sig)
    s, y, sig = torch.cat(scores), torch.cat(ys), torch.cat(sigs)
    cut = choose_cut(s, sig, tc.target_efficiency)
    at = cut_table(s, y, [cut], sig)[0]
    at05 = cut_table(s, y, [0.5], sig)[0]
    model.train()
    out = {"val_loss": float(np.mean(losses)), "cut": cut, "eff@cut": at["efficiency"],
           "pur@cut": at["purity"], "eff@0.5": at05["efficiency"], "pur@0.5": at05["purity"]}
    if teacher:
        out.update(teacher_agreement(s, torch.cat([teacher[id(ev)] for ev in events]), y, tc.distill_cut))
    return out


# ------------------------------------------------------------------ driver
def _set_seeds(seed: int) -> torch.Generator:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


def train_stage(stage: str, train_dir: Path, val_dir: Path, out_dir: Path, tc: TrainConfig,
                model_cfg: dict[str, Any] | None = None, train_limit: int | None = None) -> dict:
    """Trains one stage (embedding, filter or gnn) into ``out_dir``; resumes from its
    checkpoint; returns result.json's content.  The filter reads candidate edges,
    the GNN filtered edges."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    result_path = out_dir / "result.json"
    if result_path.exists():
        return json.loads(result_path.read_text())
    torch.set_num_threads(max(1, tc.threads))
    log = StageLog(out_dir, stage)
    edge_set = {"embedding": "true", "filter": "candidate", "gnn": "filtered"}[stage]
    t_load = _now()
    meta = D.read_meta(train_dir)
    train_events = D.load_events(train_dir, edge_set, train_limit)
    val_events = D.load_events(val_dir, edge_set, tc.max_val_events)
    n_features = train_events[0].x.shape[1]
    if n_features != len(meta["node_features"]):
        raise D.DataError(f"{train_dir}: node_features.npy has {n_features} columns, meta.json names "
                          f"{len(meta['node_features'])}")
    log.info(f"loaded {len(train_events)} training events (mean {np.mean([e.n_hits for e in train_events]):.0f} hits"
             + (f", {np.mean([e.edges.shape[1] for e in train_events]):.0f} edges" if edge_set != "true" else "")
             + f") and {len(val_events)} validation events in {_now() - t_load:.1f} s")

    spec_path = out_dir / "spec.json"
    if spec_path.exists():
        spec = json.loads(spec_path.read_text())
        if spec["node_features"] != meta["node_features"]:
            raise D.DataError(f"{spec_path}: features {spec['node_features']} != data {meta['node_features']}")
    else:
        mc = default_config(stage)
        mc.update(model_cfg or {})
        spec = {"stage": stage, "n_features": n_features, "node_features": meta["node_features"], "model": mc,
                "train": asdict(tc), "train_data": str(train_dir), "val_data": str(val_dir),
                "train_events": [e.event_id for e in train_events], "val_events": [e.event_id for e in val_events]}
        _write_json(spec_path, spec)
    gen = _set_seeds(tc.seed)  # before the model is built: its initial weights come from the seed too
    model = build_model(ModelSpec(stage, spec["node_features"], spec["model"]))
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    start_epoch, history, elapsed = 0, [], 0.0
    ckpt_path = out_dir / "checkpoint.pt"
    if ckpt_path.exists():
        st = torch.load(ckpt_path, map_location="cpu")
        model.load_state_dict(st["model"])
        if st.get("teacher_bias_shift"):  # saved calibrated (see below): continue from the trained weights
            with torch.no_grad():
                model.rest[-1].bias -= st["teacher_bias_shift"]
        opt.load_state_dict(st["optimizer"])
        start_epoch, history, elapsed = st["epoch"], st["history"], st["elapsed"]
        gen.set_state(st["generator"])
        torch.set_rng_state(st["torch_rng"])
        log.info(f"resumed from {ckpt_path} after epoch {start_epoch} ({elapsed / 60:.1f} min trained)")
    elif tc.init_from:
        src = Path(tc.init_from)
        src_ckpt = src / "checkpoint.pt" if src.is_dir() else src
        src_spec = json.loads((src_ckpt.parent / "spec.json").read_text())
        # Both with the stage's defaults filled in: a spec written before a config field existed
        # (or by onnx_import / narrow, which keep the fields they were given) names the same network.
        src_model = {**default_config(stage), **src_spec["model"]}
        same_model = src_model == {**default_config(stage), **spec["model"]}
        if not same_model or src_spec["node_features"] != spec["node_features"]:
            raise D.DataError(f"--init-from {src}: network {src_spec['model']} on {src_spec['node_features']} "
                              f"differs from {spec['model']} on {spec['node_features']}")
        model.load_state_dict(torch.load(src_ckpt, map_location="cpu")["model"])
        log.info(f"initialised the weights (and input standardisation) from {src_ckpt}")
    else:
        model.norm.set_stats(torch.cat([e.x for e in train_events]))
        if stage != "embedding":  # standardisation of the geometric edge features, on training edges
            sample = train_events[: min(4, len(train_events))]
            offsets = torch.cumsum(torch.tensor([0] + [e.n_hits for e in sample[:-1]]), 0)
            model.norm.set_edge_stats(torch.cat([e.x for e in sample]),
                                      torch.cat([e.edges + int(o) for e, o in zip(sample, offsets)], dim=1))
    n_params = sum(p.numel() for p in model.parameters())
    log.info(f"model {spec['model']} ({n_params} parameters); training {asdict(tc)}")

    edge_weight = ({id(e): D.edge_loss_weight(e, tc.signal_pt_min, tc.pt_weight_max) for e in train_events}
                   if stage != "embedding" else {})
    pos_weight = tc.pos_weight
    if stage != "embedding" and pos_weight <= 0:
        pos_weight = _auto_pos_weight(train_events, tc.signal_pt_min)
    true_keys: dict[int, torch.Tensor] = {}
    soft_targets: dict[int, torch.Tensor] = {}  # with a teacher: its scores, the loss's targets
    val_teacher: dict[int, torch.Tensor] | None = None
    if tc.distill_from:
        if stage != "filter":
            raise ValueError("--distill-from: only the filter is trained from a teacher")
        teacher, _ = load_stage_model(Path(tc.distill_from))
        t_teacher = _now()
        soft_targets = teacher_probabilities(teacher, train_events, out_dir / "teacher" / "train")
        val_teacher = teacher_probabilities(teacher, val_events, out_dir / "teacher" / "val")
        log.info(f"teacher {tc.distill_from}: scores of {len(train_events) + len(val_events)} events in "
                 f"{_now() - t_teacher:.1f} s (cached in {out_dir / 'teacher'})")

    mined: dict[str, Any] = {"event": None, "emb": None, "sub": None, "keys": None}
    use_wedges = stage == "embedding" and 0 < tc.wedge_fraction < 1 and model.norm.n_periodic > 0

    def step_loss(ev: D.PreparedEvent, first_of_event: bool) -> torch.Tensor:
        if stage == "embedding":
            # once per visit of an event: choose the hits (an azimuthal wedge or all) and embed
            # them for hard-negative mining; reused for the event's steps_per_event steps
            if first_of_event or mined["event"] is not ev:
                if use_wedges:
                    with torch.no_grad():
                        angles = model.norm.angles(ev.x)[:, 0]
                    sub = azimuth_wedge(ev, angles, tc.wedge_fraction, gen)
                    keys = D.edge_keys(sub.true_edges, sub.n_hits).sort().values
                else:
                    if id(ev) not in true_keys:
                        true_keys[id(ev)] = D.edge_keys(ev.true_edges, ev.n_hits).sort().values
                    sub, keys = ev, true_keys[id(ev)]
                mined.update(event=ev, sub=sub, keys=keys, emb=_embed_all(model, sub.x))
                # the cap term's k-th nearest hits come from the whole event: in a wedge, hits near
                # its edges lose the neighbours across them and their k-th nearest moves out
                if tc.cap_weight > 0:
                    mined["emb_event"] = mined["emb"] if sub is ev else _embed_all(model, ev.x)
            sub = mined["sub"]
            i, j, y = _embedding_pairs(model, sub, tc, mined["keys"], gen, mined["emb"])
            ev = sub
            nodes, inv = torch.unique(torch.cat([i, j]), return_inverse=True)
            emb = model(ev.x[nodes])
            loss = contrastive_hinge_loss(emb[inv[: i.numel()]], emb[inv[i.numel():]], y, tc.margin, tc.neg_weight)
            if tc.cap_weight > 0:
                loss = loss + tc.cap_weight * cap_loss(model, mined["event"], tc, gen, mined["emb_event"])
            return loss
        if stage == "filter":
            pick = torch.randperm(ev.edges.shape[1], generator=gen)[: tc.max_edges]
        else:
            pick = induced_subgraph(ev.edges, ev.n_hits, tc.max_edges, gen)
        # only the hits touched by the chosen edges (node networks then run on far fewer rows)
        nodes, inv = torch.unique(ev.edges[:, pick], return_inverse=True)
        w = edge_weight[id(ev)][pick] if tc.signal_pt_min > 0 or tc.pt_weight_max > 1 else None
        target = soft_targets[id(ev)][pick] if soft_targets else ev.y[pick]
        return weighted_bce(model(ev.x[nodes], inv), target, pos_weight, w)

    stopped_early = False
    epoch = start_epoch
    for epoch in range(start_epoch, tc.epochs):
        order = torch.randperm(len(train_events), generator=gen).tolist()
        n_steps = len(order) * tc.steps_per_event
        t0 = _now()
        losses = []
        model.train()
        last_print = t0
        for k in range(n_steps):
            # progress = fraction of the planned epochs or of the time budget, whichever is further
            progress = (epoch + k / n_steps) / tc.epochs
            if tc.max_minutes > 0:
                progress = max(progress, (elapsed + _now() - t0) / (tc.max_minutes * 60))
            for g in opt.param_groups:
                g["lr"] = tc.lr * _lr_factor(progress, tc.lr_final_fraction)
            ev = train_events[order[k // tc.steps_per_event]]
            loss = step_loss(ev, k % tc.steps_per_event == 0)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
            opt.step()
            losses.append(float(loss))
            now = _now()
            if now - last_print > 30 or k == n_steps - 1:
                rate = (k + 1) / (now - t0)
                log.info(f"epoch {epoch + 1}/{tc.epochs} step {k + 1}/{n_steps} loss {np.mean(losses[-50:]):.4f} "
                         f"{rate:.2f} steps/s, epoch eta {(n_steps - k - 1) / rate:.0f} s")
                last_print = now
            if tc.max_minutes > 0 and elapsed + (now - t0) > tc.max_minutes * 60:
                stopped_early = True
                log.info(f"time budget of {tc.max_minutes} min reached after step {k + 1} of epoch {epoch + 1}")
                break
        elapsed += _now() - t0
        tv = _now()
        if stage == "embedding":
            vg = torch.Generator().manual_seed(1234)
            monitor = val_events[:2]
            if use_wedges:  # the same wedge of each validation event every epoch
                with torch.no_grad():
                    monitor = [azimuth_wedge(v, model.norm.angles(v.x)[:, 0], min(1.0, 2 * tc.wedge_fraction), vg)
                               for v in monitor]
            val = _embedding_validation(model, monitor, tc, vg, whole=val_events[:2])
        else:
            # per-epoch monitoring on few events (the GNN runs on whole graphs: one event)
            val = _edge_validation(model, val_events[: 2 if stage == "filter" else 1], tc, pos_weight, val_teacher)
        rec = {"epoch": epoch + 1, "train_loss": float(np.mean(losses)), "steps": len(losses),
               "lr": opt.param_groups[0]["lr"], "train_minutes": elapsed / 60, "val_seconds": _now() - tv, **val}
        history.append(rec)
        log.record(rec)
        log.info("validation " + ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                           for k, v in rec.items()))
        _atomic_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch + 1,
                      "history": history, "elapsed": elapsed, "generator": gen.get_state(),
                      "torch_rng": torch.get_rng_state()}, ckpt_path)
        if stopped_early:
            break

    if val_teacher:
        # The loss weighs the positive part of each target by pos_weight w, so the student's optimum
        # is sigmoid(s) = w p / (w p + 1 - p) for a teacher probability p: logit(p) + log w. The
        # output bias moves by -log w so that the student's probabilities are on the teacher's scale,
        # on which the set's other cuts were tuned (the track builder reads filter scores down to
        # 0.001). The checkpoint keeps the shift, which a resumed training takes back first.
        shift = -math.log(pos_weight)
        with torch.no_grad():
            model.rest[-1].bias += shift
        st = torch.load(ckpt_path, map_location="cpu")
        st.update(model=model.state_dict(), teacher_bias_shift=shift)
        _atomic_save(st, ckpt_path)
        log.info(f"output bias shifted by {shift:.4f} (-log pos_weight): probabilities on the teacher's scale")

    # final choice of the operating point on the validation events
    cut_pt = tc.cut_pt_min if tc.cut_pt_min >= 0 else tc.signal_pt_min
    if stage == "embedding":
        choice = choose_radius(model, val_events, tc.target_efficiency, tc.max_neighbours, seed=tc.seed,
                               signal_pt_min=cut_pt)
        choice.update({"signal_pt_min": tc.signal_pt_min, "cut_pt_min": cut_pt})
        if cut_pt != tc.signal_pt_min:  # what the radius keeps of the edges the network was trained on
            choice["sampled_efficiency_signal"] = choose_radius(
                model, val_events, tc.target_efficiency, tc.max_neighbours, seed=tc.seed,
                signal_pt_min=tc.signal_pt_min, radius=choice["radius"])["sampled_efficiency"]
    else:
        s = torch.cat([edge_scores(model, ev) for ev in val_events])
        y = torch.cat([ev.y for ev in val_events])
        sig = torch.cat([D.edge_signal(ev, cut_pt)[0] for ev in val_events])
        cut = choose_cut(s, sig, tc.target_efficiency)
        targets = (0.9, 0.95, 0.975, 0.99)
        choice = {"cut": cut, "cut_for_efficiency": {str(t): choose_cut(s, sig, t) for t in targets},
                  "signal_pt_min": tc.signal_pt_min, "cut_pt_min": cut_pt,
                  "table": cut_table(s, y, sorted({cut, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9}
                                                  | {choose_cut(s, sig, t) for t in targets}), sig)}
        if val_teacher:
            choice["teacher"] = {"from": tc.distill_from, "cut": tc.distill_cut, **teacher_agreement(
                s, torch.cat([val_teacher[id(ev)] for ev in val_events]), y, tc.distill_cut)}
    result = {"stage": stage, "epochs_completed": len(history), "epochs_planned": tc.epochs,
              "stopped_by_time_budget": stopped_early, "train_minutes": elapsed / 60,
              "train_events": len(train_events), "val_events": len(val_events),
              "pos_weight": pos_weight if stage != "embedding" else None,
              "n_parameters": n_params, **choice, "last_validation": history[-1] if history else {}}
    _write_json(result_path, result)
    log.info(f"done: {json.dumps({k: v for k, v in result.items() if k not in ('table', 'last_validation')})}")
    log.close()
    return result


def config_from_args(values: dict[str, Any]) -> TrainConfig:
    """TrainConfig from a dict holding (a subset of) its field names; other keys are ignored."""
    names = {f.name for f in fields(TrainConfig)}
    return TrainConfig(**{k: v for k, v in values.items() if k in names and v is not None})
