"""Recover a stage's PyTorch weights from its exported ONNX model.

A shipped model set keeps only the ONNX files; to continue training a shipped
network (``train --init-from``) without its checkpoint, this rebuilds the
network from the stage's config and fills its state dict from the ONNX
initializers:

- parameters and buffers whose names survived the export (``model.<key>``)
  are copied;
- weights that the exporter turned into anonymous ``MatMul`` constants
  (``onnx::MatMul_N``, stored transposed) are found through the name of the
  node that uses them, which carries the module path
  (``/model/edge_updates.0/pair/dst/MatMul`` -> ``model.edge_updates.0.pair.dst.weight``);
- weights that ``export.optimise_graph`` split by input columns
  (``<gemm>_split<k>_w``: block 0 as [out, in_0], the others transposed) are
  put back together;
- anything else keeps the value the constructor gives it (e.g. index buffers
  folded into the graph).

The result is then checked, not trusted: the rebuilt network and the ONNX
model must give the same scores on random inputs (``max_abs_diff``), else
``ImportError_`` is raised. Writes ``spec.json`` and ``checkpoint.pt`` (the
layout ``train --init-from`` reads).

    python -m trkx_train.onnx_import models/gnn.onnx --stage gnn \
        --model '{"hidden": 64, "n_steps": 4, "layer_norm": true, "shared_weights": false}' --out DIR
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnx.numpy_helper
import torch

from .models import ModelSpec, Probabilities, build_model


class OnnxImportError(RuntimeError):
    """The ONNX model cannot be mapped onto the network, or the rebuilt network disagrees."""


def _node_features(model: onnx.ModelProto) -> list[str]:
    meta = {p.key: p.value for p in model.metadata_props}
    if "trkx_node_features" not in meta:
        raise OnnxImportError("the model has no trkx_node_features metadata (not exported by trkx_train)")
    return json.loads(meta["trkx_node_features"])


def _module_path(node_name: str) -> str:
    """Module path of an exported node: "/model/node_updates.0/net/net.0/Gemm" -> "model.node_updates.0.net.0"
    (the exporter writes a Sequential's child as <parent>/<parent>.<index>)."""
    parts: list[str] = []
    for part in node_name.strip("/").split("/")[:-1]:
        if parts and part.startswith(parts[-1] + "."):
            parts[-1] = part
        else:
            parts.append(part)
    return ".".join(parts)


def import_onnx(onnx_file: Path, stage: str, model_config: dict[str, Any]) -> tuple[torch.nn.Module, dict[str, Any]]:
    """Returns (network with the ONNX model's weights, spec dict)."""
    model = onnx.load(str(onnx_file))
    from .export import (from_trkx_edge_encoder, from_trkx_edge_input, from_trkx_edge_mlp, from_trkx_edge_score,
                         from_trkx_edge_update, from_trkx_node_update, from_trkx_node_update_project)

    from_trkx_edge_update(model)  # their MatMul weights are named by the MatMul nodes
    from_trkx_node_update_project(model)
    from_trkx_node_update(model)
    from_trkx_edge_encoder(model)
    from_trkx_edge_score(model)
    from_trkx_edge_mlp(model)
    from_trkx_edge_input(model)
    features = _node_features(model)
    net = build_model(ModelSpec(stage, features, model_config))
    wrapped = net if stage == "embedding" else Probabilities(net)  # what export_stage exports
    state = wrapped.state_dict()
    parameters = {name for name, _ in wrapped.named_parameters()}
    inits = {i.name: onnx.numpy_helper.to_array(i) for i in model.graph.initializer}
    # Weights without their parameter name: from the module path in the using node's name.
    recovered: dict[str, np.ndarray] = {}
    splits: dict[str, dict[int, np.ndarray]] = {}
    for node in model.graph.node:
        for name in node.input:
            if name not in inits or name in state:
                continue
            if node.op_type == "MatMul" and name.startswith("onnx::MatMul"):
                recovered[_module_path(node.name) + ".weight"] = inits[name].T
            elif "_split" in name and name.endswith("_w"):
                scope, k = name[: -len("_w")].rsplit("_split", 1)
                block = inits[name] if int(k) == 0 else inits[name].T
                splits.setdefault(_module_path(scope) + ".weight", {})[int(k)] = block
    for key, blocks in splits.items():
        recovered[key] = np.concatenate([blocks[k] for k in sorted(blocks)], axis=1)
    new_state: dict[str, torch.Tensor] = {}
    missing = []
    for key, value in state.items():
        source = inits.get(key, recovered.get(key))
        if source is not None and source.shape == tuple(value.shape):
            new_state[key] = torch.from_numpy(np.array(source)).to(value.dtype)  # np.array: a writable copy
        elif key in parameters:
            missing.append(f"{key} {tuple(value.shape)}" + ("" if source is None else f" (found {source.shape})"))
        else:
            new_state[key] = value  # a buffer folded into the graph: the constructor's value
    if missing:
        raise OnnxImportError(f"{onnx_file}: no weights for {missing}")
    wrapped.load_state_dict(new_state)
    net.eval()
    spec = {"stage": stage, "node_features": features, "model": model_config}
    return net, spec


def max_abs_diff(net: torch.nn.Module, onnx_file: Path, n_nodes: int = 500, n_edges: int = 2000, seed: int = 0) -> float:
    """Largest |score| difference between the network (sigmoid) and the ONNX model on random hits."""
    from .export import ort_session

    rng = np.random.default_rng(seed)
    x = np.stack([rng.uniform(0.03, 1.0, n_nodes), rng.uniform(-1, 1, n_nodes), rng.uniform(-3, 3, n_nodes),
                  rng.uniform(0.1, 1, n_nodes), rng.uniform(0, 1, n_nodes), rng.uniform(0, 0.5, n_nodes),
                  rng.uniform(0, 0.5, n_nodes)], axis=1).astype(np.float32)
    session = ort_session(onnx_file)
    names = [i.name for i in session.get_inputs()]
    feeds = {"node_features": x}
    with torch.no_grad():
        if "edge_index" in names:
            edges = rng.integers(0, n_nodes, (2, n_edges)).astype(np.int64)
            feeds["edge_index"] = edges
            ours = torch.sigmoid(net(torch.from_numpy(x), torch.from_numpy(edges))).numpy()
        else:
            ours = net(torch.from_numpy(x)).numpy()
    theirs = session.run(None, feeds)[0].reshape(ours.shape)
    return float(np.abs(ours - theirs).max())


def write_stage_dir(net: torch.nn.Module, spec: dict[str, Any], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "spec.json").write_text(json.dumps(spec, indent=2) + "\n")
    torch.save({"model": net.state_dict()}, out / "checkpoint.pt")


def _main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m trkx_train.onnx_import", description=__doc__.split("\n\n")[0])
    p.add_argument("onnx", type=Path)
    p.add_argument("--stage", required=True, choices=["embedding", "filter", "gnn"])
    p.add_argument("--model", required=True, help="the stage's network config (JSON), as in pipeline.json training")
    p.add_argument("--out", type=Path, required=True, help="stage directory to write (spec.json, checkpoint.pt)")
    p.add_argument("--tolerance", type=float, default=1e-4)
    a = p.parse_args(argv)
    net, spec = import_onnx(a.onnx, a.stage, json.loads(a.model))
    diff = max_abs_diff(net, a.onnx)
    if not diff <= a.tolerance:
        raise OnnxImportError(f"rebuilt network differs from {a.onnx} by {diff:g} (> {a.tolerance:g})")
    write_stage_dir(net, spec, a.out)
    print(json.dumps({"out": str(a.out), "max_abs_diff": diff}))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
