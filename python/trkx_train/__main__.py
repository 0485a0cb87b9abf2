"""Command line of trkx_train.

    python -m trkx_train train STAGE --train DIR --val DIR --out RUN/STAGE [--epochs N ...]
    python -m trkx_train export RUN/STAGE --models MODELS [--check-data PREPARED]
    python -m trkx_train evaluate --data PREPARED --models MODELS [--json OUT]
    python -m trkx_train flops --run RUN [--json OUT]
    python -m trkx_train card --run RUN --models MODELS --eval EVAL.json [--val-eval VAL.json]

scripts/train.sh chains these with ``trkx simulate`` and ``trkx prepare``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import numpy as np
import torch

from . import data as D
from .export import (ExportError, compare_torch_onnx, export_stage, pipeline_entry, run_onnx, run_split_onnx,
                     update_pipeline_json)
from .models import STAGES
from .train import TrainConfig, config_from_args, load_stage_model, train_stage

# max |ONNX Runtime - PyTorch| accepted at export, on scores in [0, 1]. The GNN sums up to ~100
# messages per hit in float32 in another order than PyTorch: on a pile-up-200 event (377k edges)
# all-pt's GNNs differ by 1.0e-4 to 1.4e-4, far below any cut's resolution.
TOLERANCE = 5e-4


def _add_train_options(p: argparse.ArgumentParser) -> None:
    for f in dataclasses.fields(TrainConfig):
        p.add_argument("--" + f.name.replace("_", "-"), type=type(f.default), default=None,
                       help=f"(default {f.default})")


def cmd_train(a: argparse.Namespace) -> int:
    tc = config_from_args(vars(a))
    model_cfg = json.loads(a.model) if a.model else None
    res = train_stage(a.stage, Path(a.train), Path(a.val), Path(a.out), tc, model_cfg, a.limit)
    print(json.dumps({k: v for k, v in res.items() if k not in ("table", "last_validation")}))
    return 0


def _check_event(stage: str, data_dir: Path) -> tuple[torch.Tensor, torch.Tensor | None, str]:
    """Inputs for the ONNX Runtime vs PyTorch comparison from the first event of a prepared set."""
    d = D.event_dirs(data_dir)[0]
    edge_set = {"embedding": "true", "filter": "candidate", "gnn": "filtered"}[stage]
    for es in (edge_set, "candidate", "true"):
        try:
            ev = D.load_event(d, es)
            break
        except D.DataError:
            continue
    edges = None if stage == "embedding" else (ev.edges if ev.edges is not None else ev.true_edges)
    return ev.x, edges, f"{d} ({'no' if edges is None else edges.shape[1]} edges)"


def cmd_export(a: argparse.Namespace) -> int:
    info = export_stage(Path(a.stage_dir), Path(a.models))
    stage = info["stage"]
    model, _ = load_stage_model(Path(a.stage_dir))
    check = {}
    if a.check_data:
        x, edges, what = _check_event(stage, Path(a.check_data))
        check = compare_torch_onnx(stage, model, Path(a.models) / info["file"], x, edges)
        check["event"] = what
        print(f"[export] {stage}: ONNX Runtime vs PyTorch on {what}: max |diff| = {check['max_abs_diff']:.3g}")
        if not check["max_abs_diff"] <= TOLERANCE:
            raise ExportError(f"{stage}: ONNX Runtime and PyTorch differ by {check['max_abs_diff']} > {TOLERANCE}")
        if "split" in info:  # the hit and edge parts against the whole network
            feeds = {"node_features": x.numpy(), "edge_index": edges.numpy()}
            models = Path(a.models)
            whole = run_onnx(models / info["file"], feeds)
            split = run_split_onnx(models / info["split"]["hits_file"], models / info["split"]["edges_file"], feeds)
            check["split_max_abs_diff"] = float(np.abs(split - whole).max()) if whole.size else 0.0
            print(f"[export] {stage}: hit + edge parts vs the whole network: max |diff| = "
                  f"{check['split_max_abs_diff']:.3g}")
            if not check["split_max_abs_diff"] <= TOLERANCE:
                raise ExportError(f"{stage}: the split network differs by {check['split_max_abs_diff']}")
    overrides = json.loads(a.entry) if a.entry else None
    r = info["result"]
    prov = {stage: {"epochs": r["epochs_completed"], "epochs_planned": r["epochs_planned"],
                    "stopped_by_time_budget": r["stopped_by_time_budget"],
                    "train_minutes": round(r["train_minutes"], 2), "train_events": r["train_events"],
                    "val_events": r["val_events"], "model": info["spec"]["model"],
                    "onnx_vs_torch_max_abs_diff": check.get("max_abs_diff")}}
    path = update_pipeline_json(Path(a.models), info["node_features"], stage, pipeline_entry(info, overrides), prov)
    print(f"[export] wrote {Path(a.models) / info['file']} and {path}")
    return 0


def cmd_evaluate(a: argparse.Namespace) -> int:
    from .evaluate import evaluate, format_table

    torch.set_num_threads(a.threads)
    res = evaluate(Path(a.data), Path(a.models), a.limit, a.threads)
    print(format_table(res))
    if a.json:
        Path(a.json).write_text(json.dumps(res, indent=2) + "\n")
    return 0


def cmd_flops(a: argparse.Namespace) -> int:
    from .flops import count_flops

    out = {}
    for stage in STAGES:
        sd = Path(a.run) / stage
        if not (sd / "checkpoint.pt").exists():
            continue
        model, spec = load_stage_model(sd)
        out[stage] = count_flops(stage, model, len(spec["node_features"]))
        print(f"{stage}: {out[stage]['per_hit']:.0f} FLOP/hit, {out[stage]['per_edge']:.0f} FLOP/edge, "
              f"{out[stage]['parameters']} parameters")
    if a.json:
        Path(a.json).write_text(json.dumps(out, indent=2) + "\n")
    return 0


def cmd_radius_scan(a: argparse.Namespace) -> int:
    from .train import choose_radius

    torch.set_num_threads(a.threads)
    model, spec = load_stage_model(Path(a.stage_dir))
    # efficiency of the edges the stage was trained for (its signal pT cut) unless overridden
    pt_min = a.signal_pt_min if a.signal_pt_min is not None else spec.get("train", {}).get("signal_pt_min", 0.0)
    events = D.load_events(Path(a.data), "true", a.limit)
    rows = []
    for k in a.k:
        for t in a.target:
            r = choose_radius(model, events, t, k, n_sample=a.samples, signal_pt_min=pt_min)
            rows.append({"target": t, **r})
            print(f"k={k:3d} target={t:.3f}: radius={r['radius']:.4f} efficiency={r['sampled_efficiency']:.4f} "
                  f"neighbours/hit={r['neighbours_per_hit']:.1f}", flush=True)
    if a.json:
        Path(a.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


def cmd_card(a: argparse.Namespace) -> int:
    from .card import write_model_card

    path = write_model_card(Path(a.run), Path(a.models), Path(a.eval), Path(a.val_eval) if a.val_eval else None)
    print(f"[card] wrote {path}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m trkx_train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)

    t = sub.add_parser("train", help="train one stage (resumes from its checkpoint)")
    t.add_argument("stage", choices=STAGES)
    t.add_argument("--train", required=True, help="prepared training events (trkx prepare output)")
    t.add_argument("--val", required=True, help="prepared validation events")
    t.add_argument("--out", required=True, help="stage directory (checkpoint, logs, result.json)")
    t.add_argument("--model", help='network config as JSON, e.g. \'{"hidden": 64}\'')
    t.add_argument("--limit", type=int, help="use only the first N training events")
    _add_train_options(t)
    t.set_defaults(fn=cmd_train)

    e = sub.add_parser("export", help="export a trained stage to ONNX and update pipeline.json")
    e.add_argument("stage_dir")
    e.add_argument("--models", required=True)
    e.add_argument("--check-data", help="prepared events: compare ONNX Runtime and PyTorch on the first one")
    e.add_argument("--entry", help="JSON overriding fields of the stage's pipeline.json entry (e.g. a cut)")
    e.set_defaults(fn=cmd_export)

    v = sub.add_parser("evaluate", help="per-stage edge efficiency and purity on prepared events")
    v.add_argument("--data", required=True)
    v.add_argument("--models", required=True)
    v.add_argument("--limit", type=int)
    v.add_argument("--threads", type=int, default=2)
    v.add_argument("--json")
    v.set_defaults(fn=cmd_evaluate)

    f = sub.add_parser("flops", help="FLOPs per hit and per edge of each trained network")
    f.add_argument("--run", required=True)
    f.add_argument("--json")
    f.set_defaults(fn=cmd_flops)

    r = sub.add_parser("radius-scan", help="radius-graph efficiency and size vs radius and k cap")
    r.add_argument("stage_dir")
    r.add_argument("--data", required=True, help="prepared events (e.g. validation)")
    r.add_argument("--k", type=int, nargs="+", default=[16, 32, 64])
    r.add_argument("--target", type=float, nargs="+", default=[0.9, 0.95, 0.97])
    r.add_argument("--limit", type=int, default=2)
    r.add_argument("--samples", type=int, default=4000)
    r.add_argument("--signal-pt-min", type=float, help="GeV; default: the stage's training signal pT cut")
    r.add_argument("--threads", type=int, default=2)
    r.add_argument("--json")
    r.set_defaults(fn=cmd_radius_scan)

    c = sub.add_parser("card", help="write MODEL_CARD.md")
    c.add_argument("--run", required=True)
    c.add_argument("--models", required=True)
    c.add_argument("--eval", required=True, help="evaluate --json output on held-out test events")
    c.add_argument("--val-eval", help="evaluate --json output on validation events")
    c.set_defaults(fn=cmd_card)

    a = p.parse_args(argv)
    try:
        return a.fn(a)
    except (D.DataError, ExportError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
