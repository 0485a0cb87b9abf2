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


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m trkx_train.narrow", description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="src", type=Path, required=True, help="training output directory (spec.json, "
                    "checkpoint.pt) of the trained network")
    ap.add_argument("--hidden", type=int, required=True, help="width of the new network (narrower or, "
                    "without LayerNorm, wider)")
    ap.add_argument("--out", type=Path, required=True, help="directory for the new network's weights")
    args = ap.parse_args(argv)
    spec = narrow(args.src, args.hidden, args.out)
    print(f"[narrow] {spec['stage']}: {args.src} resized to {args.hidden} wide -> {args.out}")


if __name__ == "__main__":
    main()
