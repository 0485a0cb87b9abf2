"""FLOP counts of the networks, split into a per-hit and a per-edge part.

Counted by running the network once on a graph with N nodes and E edges
(N != E) and recording every Linear (2 * in * out per row) and LayerNorm
(~8 per element) call with the number of rows it processed; rows == N are
per-hit work, rows == E per-edge work.  Activations, gathers, additions and
scatter-adds are memory-bound and listed separately as element counts.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .models import PairLinear


def count_flops(stage: str, model: nn.Module, n_features: int, n_nodes: int = 1009,
                n_edges: int = 7919) -> dict[str, Any]:
    """Returns {"per_hit": FLOPs, "per_edge": FLOPs, "parameters": n} for one network."""
    counts = {"node": 0, "edge": 0}
    hooks = []

    def rows_kind(rows: int) -> str:
        if rows == n_nodes:
            return "node"
        if rows == n_edges:
            return "edge"
        raise RuntimeError(f"unexpected row count {rows}")

    def on_linear(mod: nn.Linear, inp, out) -> None:
        rows = inp[0].shape[0]
        counts[rows_kind(rows)] += 2 * rows * mod.in_features * mod.out_features

    def on_norm(mod: nn.LayerNorm, inp, out) -> None:
        rows = inp[0].shape[0]
        counts[rows_kind(rows)] += 8 * inp[0].numel()

    def on_pair(mod: PairLinear, inp, out) -> None:
        counts["edge"] += out.numel()  # the add of the two gathered projections

    for m in model.modules():
        if isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(on_linear))
        elif isinstance(m, nn.LayerNorm):
            hooks.append(m.register_forward_hook(on_norm))
        elif isinstance(m, PairLinear):
            hooks.append(m.register_forward_hook(on_pair))
    x = torch.rand(n_nodes, n_features)
    e = torch.randint(0, n_nodes, (2, n_edges))
    with torch.no_grad():
        model(x) if stage == "embedding" else model(x, e)
    for h in hooks:
        h.remove()
    return {"per_hit": counts["node"] / n_nodes, "per_edge": counts["edge"] / n_edges,
            "parameters": sum(p.numel() for p in model.parameters())}


def event_flops(f: dict[str, Any], n_hits: float, n_edges: float) -> float:
    """Total FLOPs of one event with n_hits hits and n_edges edges into this network."""
    return f["per_hit"] * n_hits + f["per_edge"] * n_edges
