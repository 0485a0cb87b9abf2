"""Warm start of a narrower (or wider) network from a trained one.

Every hidden dimension of the trained network's weights is cut to its first
``new`` units: a tensor dimension of the old width keeps its first ``new``
entries; a dimension made of k concatenated blocks of the old width (the GNN's
node update reads [h, m_in, m_out]) keeps the first ``new`` of every block.
Input and output dimensions (node features, edge features, the score) are left
as they are. The cut network computes something close to, not equal to, the
wide one (the dropped units' contributions are gone), so it is trained on
afterwards: ``train ... --init-from OUT``. v5's 48-wide GNN was made this way
from v4's 64-wide one (scripts/recipes/gnn48.sh).

    python -m trkx_train.narrow --from runs/v4-pt05/gnn --hidden 48 --out runs/gnn48/init

A larger ``--hidden`` widens instead (networks without LayerNorm only): the
trained weights fill the first units of every hidden dimension and block, the
new units get the fresh network's random incoming weights, and every weight
that reads a new unit is zero, so the wide network computes exactly what the
trained one does and training starts from there (Net2Net-style).

``--n-steps`` deepens a GNN instead (any width, with or without LayerNorm):
the trained message-passing steps are kept as steps 1..n and new residual
steps are appended whose last layers (edge update ``out``, node update's last
linear layer) are zero, so every new step adds nothing and the deeper network
computes exactly what the trained one does; the rest of the new steps' weights
are fresh and start to matter as soon as training moves those last layers.

    python -m trkx_train.narrow --from runs/allpt/gnn --n-steps 6 --out runs/allpt-deep/init
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from .models import ModelSpec, build_model


def narrow_tensor(t: torch.Tensor, shape: tuple[int, ...], old: int, new: int) -> torch.Tensor:
    """``t`` cut to ``shape``: dimensions of width ``old`` to their first ``new`` entries, dimensions
    of k blocks of ``old`` to the first ``new`` of every block. ValueError for any other change."""
    if t.dim() != len(shape):
        raise ValueError(f"cannot cut {tuple(t.shape)} to {tuple(shape)}: different rank")
    for d, (a, b) in enumerate(zip(t.shape, shape)):
        if a == b:
            continue
        if (a, b) == (old, new):
            idx = torch.arange(new)
        elif a % old == 0 and b == a // old * new:
            idx = torch.cat([torch.arange(k * old, k * old + new) for k in range(a // old)])
        else:
            raise ValueError(f"cannot cut {tuple(t.shape)} to {tuple(shape)} (hidden {old} -> {new})")
        t = t.index_select(d, idx)
    return t.clone()


def widen_tensor(t: torch.Tensor, fresh: torch.Tensor, old: int, new: int) -> torch.Tensor:
    """``t`` placed into a copy of ``fresh`` (same rank, hidden dimensions of width ``new`` or k blocks
    of ``new`` instead of ``old``): old entries into the first ``old`` slots of every block; the
    new slots keep ``fresh``'s values, except that the input dimension (1) of a weight matrix gets
    zeros there, so that nothing reads the new units. ValueError for any other change."""
    if t.dim() != fresh.dim():
        raise ValueError(f"cannot widen {tuple(t.shape)} to {tuple(fresh.shape)}: different rank")
    out = fresh.clone()
    index: list[torch.Tensor] = []
    for a, b in zip(t.shape, fresh.shape):
        if a == b:
            index.append(torch.arange(a))
        elif a % old == 0 and b == a // old * new:
            index.append(torch.cat([torch.arange(k * new, k * new + old) for k in range(a // old)]))
        else:
            raise ValueError(f"cannot widen {tuple(t.shape)} to {tuple(fresh.shape)} (hidden {old} -> {new})")
    if t.dim() == 2 and t.shape[1] != fresh.shape[1]:
        reads_new = torch.ones(fresh.shape[1], dtype=torch.bool)
        reads_new[index[1]] = False
        out[:, reads_new] = 0.0
    out[torch.meshgrid(*index, indexing="ij")] = t
    return out


def narrow_state(src: dict[str, torch.Tensor], target: torch.nn.Module, old: int, new: int) -> dict:
    """The state dict of ``target`` (the resized network) filled from ``src`` (the trained one's)."""
    state = target.state_dict()
    missing = sorted(set(state) - set(src))
    if missing:
        raise ValueError(f"the trained network has no {missing[:3]}: not the same architecture")
    if new > old:
        return {k: widen_tensor(src[k], v, old, new) for k, v in state.items()}
    return {k: narrow_tensor(src[k], tuple(v.shape), old, new) for k, v in state.items()}


def narrow(src_dir: Path, hidden: int, out_dir: Path) -> dict:
    """Writes ``out_dir``/checkpoint.pt and spec.json: the network of ``src_dir`` (a training
    output directory) at ``hidden`` units. Returns the new spec."""
    spec = json.loads((src_dir / "spec.json").read_text())
    old = int(spec["model"]["hidden"])
    if hidden <= 0:
        raise ValueError(f"--hidden {hidden}: must be positive")
    if hidden > old and spec["model"].get("layer_norm", True):
        raise ValueError(f"--hidden {hidden} > {old} widens, which keeps the function only without LayerNorm")
    model = dict(spec["model"], hidden=hidden)
    net = build_model(ModelSpec(spec["stage"], spec["node_features"], model))
    src = torch.load(src_dir / "checkpoint.pt", map_location="cpu")["model"]
    net.load_state_dict(narrow_state(src, net, old, hidden))
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save({"model": net.state_dict()}, out_dir / "checkpoint.pt")
    new_spec = {"stage": spec["stage"], "node_features": spec["node_features"], "model": model,
                "narrowed_from": str(src_dir)}
    (out_dir / "spec.json").write_text(json.dumps(new_spec, indent=2) + "\n")
    return new_spec


def deepen(src_dir: Path, n_steps: int, out_dir: Path) -> dict:
    """Writes ``out_dir``/checkpoint.pt and spec.json: the GNN of ``src_dir`` with ``n_steps``
    message-passing steps, the trained ones first and zero-output residual steps after them.
    Returns the new spec."""
    spec = json.loads((src_dir / "spec.json").read_text())
    if spec["stage"] != "gnn" or spec["model"].get("shared_weights", False):
        raise ValueError(f"--n-steps: {src_dir} is a {spec['stage']} network; only a GNN with one network "
                         "per step can be deepened")
    old = int(spec["model"].get("n_steps", 4))
    if n_steps <= old:
        raise ValueError(f"--n-steps {n_steps}: the trained GNN already has {old} steps; only more are possible")
    model = dict(spec["model"], n_steps=n_steps)
    net = build_model(ModelSpec("gnn", spec["node_features"], model))
    src = torch.load(src_dir / "checkpoint.pt", map_location="cpu")["model"]
    state = net.state_dict()
    new_keys = {k for k in state if any(k.startswith(f"{m}.{i}.") for m in ("edge_updates", "node_updates")
                                        for i in range(old, n_steps))}
    missing = sorted(set(state) - new_keys - set(src))
    if missing:
        raise ValueError(f"the trained network has no {missing[:3]}: not the same architecture")
    state.update({k: src[k] for k in set(state) - new_keys})
    net.load_state_dict(state)
    with torch.no_grad():
        for i in range(old, n_steps):
            node_last = [m for m in net.node_updates[i].net if isinstance(m, torch.nn.Linear)][-1]
            for layer in (net.edge_updates[i].out, node_last):
                layer.weight.zero_()
                layer.bias.zero_()
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.save({"model": net.state_dict()}, out_dir / "checkpoint.pt")
    new_spec = {"stage": "gnn", "node_features": spec["node_features"], "model": model, "deepened_from": str(src_dir)}
    (out_dir / "spec.json").write_text(json.dumps(new_spec, indent=2) + "\n")
    return new_spec


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m trkx_train.narrow", description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="src", type=Path, required=True, help="training output directory (spec.json, "
                    "checkpoint.pt) of the trained network")
    size = ap.add_mutually_exclusive_group(required=True)
    size.add_argument("--hidden", type=int, help="width of the new network (narrower or, without LayerNorm, wider)")
    size.add_argument("--n-steps", type=int, help="message-passing steps of the new GNN (more than the trained one's)")
    ap.add_argument("--out", type=Path, required=True, help="directory for the new network's weights")
    args = ap.parse_args(argv)
    if args.n_steps is not None:
        spec = deepen(args.src, args.n_steps, args.out)
        print(f"[narrow] gnn: {args.src} deepened to {args.n_steps} steps -> {args.out}")
        return
    spec = narrow(args.src, args.hidden, args.out)
    print(f"[narrow] {spec['stage']}: {args.src} resized to {args.hidden} wide -> {args.out}")


if __name__ == "__main__":
    main()
