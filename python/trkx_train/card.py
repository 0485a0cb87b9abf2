"""MODEL_CARD.md: how a model set was trained and what it achieves.

Everything in the card is read from the run directory (provenance.json written
by scripts/train.sh, each stage's spec.json / result.json / metrics.jsonl),
the evaluation JSON files and pipeline.json, so the card cannot drift from
what was actually run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .evaluate import format_table
from .flops import count_flops, event_flops
from .models import STAGES
from .train import load_stage_model


def _read(path: Path, default: Any = None) -> Any:
    return json.loads(path.read_text()) if path.exists() else default


def write_model_card(run: Path, models: Path, test_eval: Path, val_eval: Path | None = None) -> Path:
    """Writes ``models``/MODEL_CARD.md; returns its path."""
    prov = _read(run / "provenance.json", {})
    pipeline = _read(models / "pipeline.json", {})
    test = _read(test_eval)
    val = _read(val_eval) if val_eval else None
    L: list[str] = ["# trkx model card", ""]
    L += ["Models: `embedding.onnx`, `filter.onnx`, `gnn.onnx` (ONNX opset 17, dynamic node and edge counts), "
          f"metadata in `pipeline.json`. Produced by {prov.get('produced_by', '`scripts/train.sh`')} "
          f"(run `{prov.get('run_name', run.name)}`, {prov.get('finished_utc', 'unknown time')}, "
          f"git {prov.get('git_commit', 'unknown')}).", ""]
    if prov.get("smoke"):
        L += ["**Smoke run**: tiny events and one short epoch per stage. These models test the code path only; "
              "they are not physics-quality.", ""]

    L += ["## Data", ""]
    L += [f"- Simulator: `trkx simulate` (TrackML CSV), pile-up {prov.get('pileup', '?')}.",
          f"- Training events: {prov.get('n_train', '?')} (seeds {prov.get('train_seeds', '?')}).",
          f"- Validation events (radius and cut choice, per-epoch monitoring): {prov.get('n_val', '?')} "
          f"(seeds {prov.get('val_seeds', '?')}).",
          f"- Held-out test events (numbers below): {prov.get('n_test', '?')} (seeds {prov.get('test_seeds', '?')}).",
          f"- Features (`trkx prepare`, C++ HitFeatures): {', '.join(pipeline.get('node_features', []))}.",
          "- True edge: consecutive hits of one particle ordered by distance from its production vertex; "
          "noise hits have none.", ""]

    signal_pt = max((float(_read(run / st / "spec.json", {}).get("train", {}).get("signal_pt_min", 0.0))
                     for st in STAGES), default=0.0)
    if signal_pt > 0:
        L += [f"- Signal: the networks were trained on true edges of particles with pT >= {signal_pt:g} GeV "
              "(positives); true edges of slower particles were neither positives nor negatives (loss weight 0) "
              "and the radius and cuts were chosen for signal efficiency. Purity below counts every true edge.", ""]
    L += ["## Per-stage edge efficiency and purity (held-out test events)", ""]
    if test:
        L += [format_table(test), ""]
        if "gnn_onnx_seconds_per_event" in test:
            L += [f"GNN in ONNX Runtime (Python, up to 2 threads; a model marked trkx_max_intra_op_threads=1 runs on 1): {test['gnn_onnx_seconds_per_event']:.2f} s per event.", ""]
    if val:
        L += ["Validation events (used to choose the radius and the cuts):", "", format_table(val), ""]
    L += ["Efficiency (stage) = true edges kept / true edges entering the stage; cumulative = / all true edges; "
          "purity = true edges kept / edges kept.", ""]
    targets = prov.get("targets")
    if test and targets is None:
        s = test["stages"]
        # with a signal pT cut the networks are trained for (and judged on) edges of particles above it
        key, what = (("efficiency_pt_gt_min", f"true edges of particles with pT > {test['pt_min']:g} GeV")
                     if signal_pt > 0 else ("efficiency", "true edges"))
        rows = []
        if "embedding" in s:
            rows.append(f"- embedding graph keeps >= 96% of {what}: {s['embedding'][key]:.4f} "
                        f"({'met' if s['embedding'][key] >= 0.96 else 'NOT met'})")
        if "filter" in s:
            rows.append(f"- filter keeps >= 95% of {what} (of its input): {s['filter'][key]:.4f} "
                        f"({'met' if s['filter'][key] >= 0.95 else 'NOT met'})")
        if "gnn" in s and key in s["gnn"]:
            ok = s["gnn"][key] >= 0.95 and s["gnn"]["purity"] >= 0.90
            rows.append(f"- GNN efficiency >= 95% at purity >= 90% (shipped cut {s['gnn'].get('cut')}), {what}: "
                        f"efficiency {s['gnn'][key]:.4f}, purity (all true edges) {s['gnn']['purity']:.4f} "
                        f"({'met' if ok else 'NOT met'} at this cut)")
            for op in s["gnn"].get("operating_points", []):
                if signal_pt > 0 and op["target"] == 0.95:
                    met = op["efficiency_pt_gt_min"] >= 0.95 and op["purity"] >= 0.90
                    rows.append(f"- GNN at the cut giving 95% of {what} ({op['cut']:.4f}): efficiency "
                                f"{op['efficiency_pt_gt_min']:.4f}, purity {op['purity']:.4f} "
                                f"({'met' if met else 'NOT met'})")
            ops = s["gnn"].get("operating_points", [])
            if ops:
                rows.append("- GNN operating points (cut: efficiency / purity): " + "; ".join(
                    f"{op['cut']:.3f}: {op['efficiency_pt_gt_min']:.4f} / {op['purity']:.4f}" for op in ops))
        L += ["Targets of issue #4:", ""] + rows + [""]

    L += ["## Networks, FLOPs and training", ""]
    L += ["| stage | network | parameters | FLOP/hit | FLOP/edge | GFLOP/event (test) | epochs | train time | "
          "train events |", "|---|---|---|---|---|---|---|---|---|"]
    details = []
    for stage in STAGES:
        sd = run / stage
        if not (sd / "result.json").exists():
            continue
        model, spec = load_stage_model(sd)
        res = _read(sd / "result.json")
        fl = count_flops(stage, model, len(spec["node_features"]))
        n_edges = 0.0
        if test:
            key = {"embedding": None, "filter": "embedding", "gnn": "filter"}[stage]
            n_edges = test["stages"].get(key, {}).get("edges_per_event", 0.0) if key else 0.0
            gflop = event_flops(fl, test["hits_per_event"], n_edges) / 1e9
        else:
            gflop = float("nan")
        net = ", ".join(f"{k}={v}" for k, v in spec["model"].items())
        epochs = f"{res['epochs_completed']}/{res['epochs_planned']}" + (" (time budget)" if res["stopped_by_time_budget"] else "")
        L.append(f"| {stage} | {net} | {fl['parameters']} | {fl['per_hit']:.0f} | {fl['per_edge']:.0f} | {gflop:.2f} | "
                 f"{epochs} | {res['train_minutes']:.1f} min | {res['train_events']} |")
        tr = {k: v for k, v in spec["train"].items()}
        keys = (["lr", "lr_final_fraction", "weight_decay", "steps_per_event", "queries", "hard_negatives",
                 "random_negatives", "positives", "margin", "neg_weight", "target_efficiency", "max_neighbours",
                 "signal_pt_min"]
                if stage == "embedding" else
                ["lr", "lr_final_fraction", "weight_decay", "steps_per_event", "max_edges", "target_efficiency",
                 "signal_pt_min", "pt_weight_max", "init_from"])
        hp = ", ".join(f"{k}={tr[k]}" for k in keys if k in tr and tr[k] != "")
        shipped = pipeline.get(stage, {})
        if stage == "embedding":
            extra = (f"shipped radius {shipped.get('radius')} with k cap {shipped.get('max_neighbours')}; the automatic "
                     f"choice on validation for {tr.get('target_efficiency')} of true edges was radius "
                     f"{res['radius']:.4f} with k cap {res['max_neighbours']} (sampled efficiency "
                     f"{res.get('sampled_efficiency', float('nan')):.3f})")
            if abs(float(shipped.get("radius", res["radius"])) - res["radius"]) > 1e-4 \
                    or int(shipped.get("max_neighbours", res["max_neighbours"])) != res["max_neighbours"]:
                extra += "; overridden at export (see Notes)"
        else:
            extra = (f"shipped cut {shipped.get('cut')}; automatic choice on validation for "
                     f"{tr.get('target_efficiency')} of input true edges: {res['cut']:.4f}; pos_weight "
                     f"{res.get('pos_weight')}")
        details.append(f"- **{stage}**: {hp}; {extra}. Last validation: "
                       + ", ".join(f"{k}={v:.4g}" for k, v in res.get("last_validation", {}).items()
                                   if isinstance(v, float) and not k.startswith(("nbrs", "lr", "val_sec"))) + ".")
    L += [""] + details + [""]
    L += ["FLOPs count multiply-adds of Linear layers (2 per MAC) and LayerNorm (~8 per element); the first layer "
          "on an edge's two hits is computed per hit and gathered (one add per edge). GFLOP/event uses the test "
          "events' mean hits and the mean number of edges entering the stage.", ""]
    L += ["Training: AdamW, cosine learning-rate decay, PyTorch "
          f"{prov.get('torch_version', '?')} on {prov.get('threads', 2)} CPU threads. Embedding: contrastive "
          "squared-hinge loss on true edges (positives), each query hit's nearest neighbours in the current "
          "embedding (hard negatives) and random pairs. Filter and GNN: binary cross-entropy with true edges "
          "weighted by pos_weight (and, with pt_weight_max > 1, signal edges by min(max(pT / GeV, 1), pt_weight_max)); "
          "the filter on random subsets of candidate edges, the GNN on connected "
          "subgraphs of the filtered graph (grown breadth-first) of at most max_edges edges.", ""]
    if prov.get("notes"):
        L += ["## Notes", ""] + [f"- {n}" for n in prov["notes"]] + [""]
    L += ["## Reproduce", "", "```sh", prov.get("command", "scripts/train.sh"), "```", ""]
    out = models / "MODEL_CARD.md"
    out.write_text("\n".join(L))
    return out
