"""ONNX export of trained stages, checks of the exported graphs, and pipeline.json.

Exported interfaces (docs/model-contract.md):

    embedding.onnx  node_features [N,F] float32 -> embedding [N,D] float32
    filter.onnx     node_features [N,F] float32, edge_index [2,E] int64 -> edge_score [E] float32 in [0,1]
    gnn.onnx        node_features [N,F] float32, edge_index [2,E] int64 -> edge_score [E] float32 in [0,1]

N and E are dynamic; opset 17.  Every ScatterElements / ScatterND node must
carry reduction="add" (sum aggregation); :func:`check_onnx` refuses a graph
where one does not.

After ``torch.onnx.export`` the graph is rewritten by :func:`optimise_graph`
(same networks, same parameters, same IO; outputs equal to within float
rounding): the scatter-add of the GNN's aggregation becomes a row-wise
scatter, trkx's custom operator ``ai.trkx.ScatterAddRows`` (ONNX Runtime's
``ScatterElements`` is ~10x slower and needs an int64 index of the full [E, H]
size; its ``ScatterND`` with a reduction is only correct on one thread), an edge
network's ``Add(Gather(a, src), Gather(b, dst))`` on the two end hits of every
edge (and the Add of the edge's own term after it) becomes trkx's
``ai.trkx.GatherPairAdd`` (one pass, same sums), and identity column selections
are dropped.  ``python -m trkx_train.export IN.onnx OUT.onnx`` applies the same
rewrite to an already exported model.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnx.numpy_helper
import onnx.shape_inference
import torch

from .models import GNNConfig, Probabilities
from .train import load_stage_model

OPSET = 17
FILES = {"embedding": "embedding.onnx", "filter": "filter.onnx", "gnn": "gnn.onnx"}
INPUTS = {"embedding": ["node_features"], "filter": ["node_features", "edge_index"],
          "gnn": ["node_features", "edge_index"]}
OUTPUTS = {"embedding": "embedding", "filter": "edge_score", "gnn": "edge_score"}


class ExportError(RuntimeError):
    """An exported model does not satisfy the contract."""


def _example_inputs(stage: str, n_features: int, n_nodes: int = 97, n_edges: int = 389) -> tuple:
    g = torch.Generator().manual_seed(0)
    x = torch.rand(n_nodes, n_features, generator=g)
    if stage == "embedding":
        return (x,)
    return (x, torch.randint(0, n_nodes, (2, n_edges), generator=g))


def exportable(stage: str, model: torch.nn.Module) -> torch.nn.Module:
    """The module that is exported: the embedding as is, edge networks with the sigmoid."""
    return model if stage == "embedding" else Probabilities(model)


def export_model(stage: str, model: torch.nn.Module, node_features: list[str], out_file: Path,
                 opset: int = OPSET, extra_metadata: dict[str, str] | None = None) -> Path:
    """Exports one network to ``out_file`` (atomically) and checks it with :func:`check_onnx`."""
    out_file = Path(out_file)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    module = exportable(stage, model).eval()
    args = _example_inputs(stage, len(node_features))
    dynamic = {"node_features": {0: "n_nodes"}}
    if stage == "embedding":
        dynamic["embedding"] = {0: "n_nodes"}
    else:
        dynamic["edge_index"] = {1: "n_edges"}
        dynamic["edge_score"] = {0: "n_edges"}
    tmp = out_file.with_suffix(".onnx.tmp")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, args, str(tmp), opset_version=opset, input_names=INPUTS[stage],
                          output_names=[OUTPUTS[stage]], dynamic_axes=dynamic, do_constant_folding=True)
    m = onnx.load(str(tmp))
    meta = {"trkx_stage": stage, "trkx_node_features": json.dumps(node_features)}
    meta.update(extra_metadata or {})
    for k, v in meta.items():
        p = m.metadata_props.add()
        p.key, p.value = k, v
    m.producer_name = "trkx_train"
    optimise_graph(m)
    onnx.save(m, str(tmp))
    check_onnx(tmp, stage, len(node_features))
    os.replace(tmp, out_file)
    return out_file


def _constant_ints(m: onnx.ModelProto, name: str) -> list[int] | None:
    """Values of an int64 initializer or Constant node output ``name``; None if not a constant."""
    for init in m.graph.initializer:
        if init.name == name:
            return [int(v) for v in onnx.numpy_helper.to_array(init).reshape(-1)]
    for node in m.graph.node:
        if node.op_type == "Constant" and node.output[0] == name:
            for a in node.attribute:
                if a.name == "value":
                    return [int(v) for v in onnx.numpy_helper.to_array(a.t).reshape(-1)]
    return None


def _consumers(m: onnx.ModelProto, name: str) -> list[onnx.NodeProto]:
    return [n for n in m.graph.node if name in n.input]


def _rename_input(m: onnx.ModelProto, old: str, new: str) -> None:
    for n in m.graph.node:
        for i, v in enumerate(n.input):
            if v == old:
                n.input[i] = new


def _drop_dead_nodes(m: onnx.ModelProto) -> None:
    """Removes nodes none of whose outputs is used (repeatedly), then unused initializers."""
    outputs = {o.name for o in m.graph.output}
    while True:
        used = {i for n in m.graph.node for i in n.input} | outputs
        dead = [n for n in m.graph.node if not any(o in used for o in n.output)]
        if not dead:
            break
        for n in dead:
            m.graph.node.remove(n)
    used = {i for n in m.graph.node for i in n.input}
    for init in [i for i in m.graph.initializer if i.name not in used]:
        m.graph.initializer.remove(init)


def _attr(node: onnx.NodeProto, name: str, default: Any = None) -> Any:
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def optimise_graph(m: onnx.ModelProto) -> dict[str, int]:
    """Rewrites an exported graph in place for faster inference without changing what
    it computes; returns how many nodes of each kind were rewritten.

    - ``ScatterElements(data, Expand(Unsqueeze(index [E], axes=[1]), Shape(src)), src [E,H],
      axis=0, reduction=add)`` (the export of :func:`scatter.scatter_add_rows`) becomes
      ``ScatterND(data, Unsqueeze(index), src, reduction=add)``: the same row sums, one
      [E,1] index instead of an expanded [E,H] int64 tensor, ~10x faster in ONNX Runtime.
      Float sums may be added in a different order (differences of order 1e-7 relative).
      ONNX Runtime's CPU kernel for it is only correct on one intra-op thread, so the
      model gets metadata ``trkx_max_intra_op_threads = 1``, which trkx::OnnxModel obeys
      (python: :func:`run_onnx` does too).
    - ``Gather(x, indices, axis=1)`` with constant indices 0..F-1 on an input of F
      columns (InputTransform's column selection when every column is kept) is removed.
    - ``Gemm(Concat([a, b, ...], axis=1), W, c)`` (a Linear layer on concatenated node
      states, e.g. the GNN node update on [h, m_in, m_out]) becomes
      ``Gemm(a, W_a, c) + MatMul(b, W_b) + ...`` with W split by columns: the same
      weights, no [N, sum of widths] copy (sums in a different order, ~1e-7 relative).
    """
    producer = {o: n for n in m.graph.node for o in n.output}
    counts = {"scatter_nd": 0, "identity_gather": 0}
    opset = max((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), default=0)
    for node in list(m.graph.node):
        if node.op_type != "ScatterElements" or opset < 16:
            continue
        if _attr(node, "axis", 0) != 0 or _attr(node, "reduction", b"none") not in (b"add", "add"):
            continue
        expand = producer.get(node.input[1])
        if expand is None or expand.op_type != "Expand":
            continue
        unsq, shape = producer.get(expand.input[0]), producer.get(expand.input[1])
        if unsq is None or unsq.op_type != "Unsqueeze" or shape is None or shape.op_type != "Shape":
            continue
        axes = _constant_ints(m, unsq.input[1]) if len(unsq.input) > 1 else _attr(unsq, "axes")
        if list(axes or []) not in ([1], [-1]) or shape.input[0] != node.input[2] or _attr(shape, "start") \
                or _attr(shape, "end") is not None:
            continue
        new = onnx.helper.make_node("ScatterND", [node.input[0], unsq.output[0], node.input[2]],
                                    list(node.output), name=(node.name or "scatter") + "_nd", reduction="add")
        pos = list(m.graph.node).index(node)
        m.graph.node.remove(node)
        m.graph.node.insert(pos, new)
        counts["scatter_nd"] += 1
    widths = _static_widths(m)
    for node in list(m.graph.node):
        if node.op_type != "Gather" or _attr(node, "axis", 0) != 1:
            continue
        idx = _constant_ints(m, node.input[1])
        if idx is None or idx != list(range(len(idx))):
            continue
        src = node.input[0]
        if widths.get(src) != len(idx) or node.output[0] in {o.name for o in m.graph.output}:
            continue
        _rename_input(m, node.output[0], src)
        m.graph.node.remove(node)
        counts["identity_gather"] += 1
    counts["split_concat_gemm"] = _split_concat_gemms(m)
    _drop_dead_nodes(m)
    counts["trkx_scatter"] = to_trkx_scatter(m)
    # Edge networks' end-hit sums: measured (session 17, models/all-pt, side by side) GNN 0.89x
    # and 0.97x more with the edge term taken in, filter 0.96x; the same scores bit for bit.
    # The filter's geometric edge inputs in one pass: session 18, before the end-hit sums.
    counts["trkx_edge_geometry"] = to_trkx_edge_geometry(m)
    from_trkx_edge_update(m)  # a file written by an older exporter gets today's fusions
    from_trkx_node_update_project(m)
    from_trkx_node_update(m)
    from_trkx_edge_encoder(m)
    from_trkx_edge_score(m)
    from_trkx_edge_mlp(m)
    from_trkx_edge_input(m)
    from_trkx_gather_pair_add(m)
    counts["trkx_gather_pair_add"] = to_trkx_gather_pair_add(m)
    # A one-layer filter's edge part in one pass, a deeper filter's first layer in one pass (session 21).
    counts["trkx_edge_score"] = to_trkx_edge_score(m)
    # A two-hidden-layer filter's edge part in one pass (session 22), else the first layer alone.
    counts["trkx_edge_mlp"] = to_trkx_edge_mlp(m)
    counts["trkx_edge_input"] = to_trkx_edge_input(m)
    # A GNN's edge networks in one pass each (session 19), after the end-hit sums they contain.
    counts["trkx_edge_update"] = to_trkx_edge_update(m)
    counts["trkx_edge_encoder"] = to_trkx_edge_encoder(m)
    # A GNN's node updates in one pass each (session 22).
    counts["trkx_node_update"] = to_trkx_node_update(m)
    counts["trkx_node_update_project"] = to_trkx_node_update_project(m)
    if any(n.op_type == "ScatterND" and _attr(n, "reduction", b"none") not in (b"none", "none")
           for n in m.graph.node):
        # ONNX Runtime's CPU ScatterND with a reduction races on several intra-op threads
        # (lost updates, onnxruntime issue 18048); the C++ engine caps the threads to this.
        _set_metadata(m, MAX_THREADS_KEY, "1")
    else:
        _drop_metadata(m, MAX_THREADS_KEY)
    return counts


TRKX_DOMAIN = "ai.trkx"  # trkx's ONNX Runtime custom operators (OnnxCustomOps.hpp)
TRKX_SCATTER = "ScatterAddRows"
TRKX_GATHER_PAIR_ADD = "GatherPairAdd"


def to_trkx_scatter(m: onnx.ModelProto) -> int:
    """``ScatterND(data, Unsqueeze(index [E], axes=[1]), updates [E,H], reduction=add)`` becomes
    ``ai.trkx.ScatterAddRows(data, index [E,1], updates)``: the same row sums, computed by trkx's
    own ONNX Runtime kernel (trkx::add_trkx_custom_ops), which is parallel and deterministic,
    where ONNX Runtime's ScatterND with a reduction is only correct on one thread. Returns the
    number of nodes rewritten. Python's ONNX Runtime has no such kernel: :func:`ort_session`
    runs such a model with the ScatterND nodes put back (:func:`from_trkx_scatter`)."""
    producer = {o: n for n in m.graph.node for o in n.output}
    n = 0
    for node in m.graph.node:
        if node.op_type != "ScatterND" or node.domain not in ("", "ai.onnx") \
                or _attr(node, "reduction", b"none") not in (b"add", "add"):
            continue
        unsq = producer.get(node.input[1])
        if unsq is None or unsq.op_type != "Unsqueeze":
            continue
        axes = _constant_ints(m, unsq.input[1]) if len(unsq.input) > 1 else _attr(unsq, "axes")
        if list(axes or []) not in ([1], [-1]):
            continue
        node.op_type, node.domain = TRKX_SCATTER, TRKX_DOMAIN
        del node.attribute[:]
        n += 1
    if n and not any(o.domain == TRKX_DOMAIN for o in m.opset_import):
        m.opset_import.append(onnx.helper.make_opsetid(TRKX_DOMAIN, 1))
    return n


def from_trkx_scatter(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_scatter` (standard ONNX ScatterND, reduction=add); returns
    the number of nodes rewritten. The result runs anywhere, correctly on one intra-op thread."""
    n = 0
    for node in m.graph.node:
        if node.op_type == TRKX_SCATTER and node.domain == TRKX_DOMAIN:
            node.op_type, node.domain = "ScatterND", ""
            node.attribute.append(onnx.helper.make_attribute("reduction", "add"))
            n += 1
    if n:
        _drop_unused_trkx_domain(m)
        _set_metadata(m, MAX_THREADS_KEY, "1")
    return n


def _replace_node(m: onnx.ModelProto, node: onnx.NodeProto, nodes: list[onnx.NodeProto]) -> None:
    """Puts ``nodes`` (in order) where ``node`` was."""
    pos = list(m.graph.node).index(node)
    m.graph.node.remove(node)
    for k, new in enumerate(nodes):
        m.graph.node.insert(pos + k, new)


def _base_name(node: onnx.NodeProto, default: str) -> str:
    """The name of the node a trkx node replaced (its own name without the "_trkx" suffix), or ``default``."""
    return node.name[:-len("_trkx")] if node.name.endswith("_trkx") else (node.name or default)


def _drop_unused_trkx_domain(m: onnx.ModelProto) -> None:
    """Removes the ai.trkx opset import when no node uses the domain any more."""
    if not any(nd.domain == TRKX_DOMAIN for nd in m.graph.node):
        keep = [o for o in m.opset_import if o.domain != TRKX_DOMAIN]
        del m.opset_import[:]
        m.opset_import.extend(keep)


def to_trkx_gather_pair_add(m: onnx.ModelProto) -> int:
    """``Add(Gather(a, i), Gather(b, j))`` (axis 0, rank-2 a and b of one static width, rank-1
    indices, each Gather read by that Add only) becomes ``ai.trkx.GatherPairAdd(a, b, i, j)``:
    an edge network's first layer on the two end hits of every edge, computed by trkx's own
    kernel in one pass instead of three kernels and two [E, H] intermediates; an Add that then
    adds a tensor of the same [E, H] shape to that sum (the edge's own term) becomes the
    kernel's optional fifth input c. The same float additions in the same order, so the
    scores do not change. Returns the number of GatherPairAdd nodes written;
    :func:`from_trkx_gather_pair_add` puts the subgraphs back."""
    standard = onnx.ModelProto()
    standard.CopyFrom(m)
    from_trkx_scatter(standard)  # shape inference knows ScatterND, not trkx's kernels
    from_trkx_edge_geometry(standard)
    inferred = onnx.shape_inference.infer_shapes(standard)
    shapes = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input) + list(inferred.graph.output):
        shapes[vi.name] = [d.dim_value if d.HasField("dim_value") else (d.dim_param or None)
                           for d in vi.type.tensor_type.shape.dim] \
            if vi.type.tensor_type.HasField("shape") else None
    for init in m.graph.initializer:
        shapes[init.name] = list(init.dims)
    producer = {o: n for n in m.graph.node for o in n.output}
    readers: dict[str, int] = {}
    for node in m.graph.node:
        for name in node.input:
            readers[name] = readers.get(name, 0) + 1
    for out in m.graph.output:
        readers[out.name] = readers.get(out.name, 0) + 1

    def gather_of(name: str) -> onnx.NodeProto | None:
        g = producer.get(name)
        if g is None or g.op_type != "Gather" or g.domain not in ("", "ai.onnx") or _attr(g, "axis", 0) != 0:
            return None
        data, index = shapes.get(g.input[0]), shapes.get(g.input[1])
        if readers.get(g.output[0]) != 1 or data is None or index is None or len(data) != 2 or len(index) != 1 \
                or not isinstance(data[1], int):
            return None
        return g

    n = 0
    for node in list(m.graph.node):
        if node.op_type != "Add" or node.domain not in ("", "ai.onnx") or len(node.input) != 2:
            continue
        ga, gb = gather_of(node.input[0]), gather_of(node.input[1])
        if ga is None or gb is None or ga is gb or shapes[ga.input[0]][1] != shapes[gb.input[0]][1]:
            continue
        fused = onnx.helper.make_node(TRKX_GATHER_PAIR_ADD, [ga.input[0], gb.input[0], ga.input[1], gb.input[1]],
                                      list(node.output), name=(node.name or "pair_add") + "_trkx",
                                      domain=TRKX_DOMAIN)
        pos = list(m.graph.node).index(node)
        m.graph.node.insert(pos, fused)
        for old in (node, ga, gb):
            m.graph.node.remove(old)
        n += 1
        fused = next(x for x in m.graph.node if x.name == fused.name and x.domain == TRKX_DOMAIN)
        # The Add that reads only this sum and a tensor of exactly its shape ([E, H], no
        # broadcasting) is taken in too (its optional input c): (a[i] + b[j]) + c.
        out = fused.output[0]
        after = [x for x in m.graph.node if out in x.input]
        if readers.get(out) != 1 or len(after) != 1:
            continue
        add = after[0]
        if add.op_type != "Add" or add.domain not in ("", "ai.onnx") or len(add.input) != 2 \
                or add.input[0] == add.input[1]:
            continue
        c = add.input[1] if add.input[0] == out else add.input[0]
        want, got = shapes.get(out), shapes.get(c)
        if want is None or got is None or want != got or len(want) != 2 or any(d is None for d in want):
            continue
        moved = onnx.NodeProto()
        moved.CopyFrom(fused)
        moved.input.append(c)
        moved.output[0] = add.output[0]
        nodes = list(m.graph.node)
        at = nodes.index(add)  # after c's producer: the fused node moves there
        del m.graph.node[at]
        m.graph.node.insert(at, moved)
        del m.graph.node[nodes.index(fused)]
    if n and not any(o.domain == TRKX_DOMAIN for o in m.opset_import):
        m.opset_import.append(onnx.helper.make_opsetid(TRKX_DOMAIN, 1))
    return n


def from_trkx_gather_pair_add(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_gather_pair_add` (standard ONNX Gather, Gather, Add);
    returns the number of nodes rewritten."""
    n = 0
    for node in list(m.graph.node):
        if node.op_type != TRKX_GATHER_PAIR_ADD or node.domain != TRKX_DOMAIN:
            continue
        a, b, i, j = node.input[:4]
        out = node.output[0]
        pair = out + "_pair" if len(node.input) > 4 else out
        base = _base_name(node, out)
        nodes = [onnx.helper.make_node("Gather", [a, i], [out + "_gather_a"], name=base + "_gather_a", axis=0),
                 onnx.helper.make_node("Gather", [b, j], [out + "_gather_b"], name=base + "_gather_b", axis=0),
                 onnx.helper.make_node("Add", [out + "_gather_a", out + "_gather_b"], [pair], name=base)]
        if len(node.input) > 4:
            nodes.append(onnx.helper.make_node("Add", [pair, node.input[4]], [out], name=base + "_c"))
        _replace_node(m, node, nodes)
        n += 1
    if n:
        _drop_unused_trkx_domain(m)
    return n


TRKX_EDGE_GEOMETRY = "EdgeGeometry"
# Clip bounds of InputTransform.edge_geometry, as the C++ kernel has them.
_EDGE_GEOMETRY_BOUNDS = {"dr_min": 1e-3, "slope": 50.0, "zint": 5.0}


class _NoMatch(Exception):
    pass


class _EdgeGeometryMatcher:
    """Reads the exported InputTransform.pair_periodic / edge_geometry subgraph backwards from
    its two results (the [E,2] Concat and the standardising Div), checking every node against the
    expression the ai.trkx.EdgeGeometry kernel computes; :class:`_NoMatch` at the first difference."""

    def __init__(self, m: onnx.ModelProto) -> None:
        self.m = m
        self.producer = {o: n for n in m.graph.node for o in n.output}
        self.inits = {i.name: i for i in m.graph.initializer}
        self.edge_index: str | None = None

    def node(self, name: str, op: str, n_inputs: int | None = None) -> onnx.NodeProto:
        n = self.producer.get(name)
        if n is None or n.op_type != op or n.domain not in ("", "ai.onnx") \
                or (n_inputs is not None and len(n.input) != n_inputs):
            raise _NoMatch(name)
        return n

    def scalar(self, name: str) -> float:
        if name in self.inits:
            v = onnx.numpy_helper.to_array(self.inits[name])
        else:
            c = self.node(name, "Constant")
            v = onnx.numpy_helper.to_array(c.attribute[0].t) if c.attribute[0].name == "value" else None
        if v is None or v.size != 1:
            raise _NoMatch(name)
        return float(v.reshape(-1)[0])

    def vector6(self, name: str) -> None:
        if name not in self.inits or list(self.inits[name].dims) != [6] \
                or self.inits[name].data_type != onnx.TensorProto.FLOAT:
            raise _NoMatch(name)

    def side(self, name: str) -> int:
        """0 for Gather(edge_index, 0) (the source hits), 1 for the destination."""
        g = self.node(name, "Gather", 2)
        k = _constant_ints(self.m, g.input[1])
        if _attr(g, "axis", 0) != 0 or k not in ([0], [1]) or self.edge_index not in (None, g.input[0]):
            raise _NoMatch(name)
        self.edge_index = g.input[0]
        return k[0]

    def gathered(self, name: str) -> tuple[str, int]:
        """(per-hit tensor, side) of Gather(hits, side's indices)."""
        g = self.node(name, "Gather", 2)
        if _attr(g, "axis", 0) != 0:
            raise _NoMatch(name)
        return g.input[0], self.side(g.input[1])

    def hit(self, name: str, side: int, hits: str | None = None) -> str:
        h, s = self.gathered(name)
        if s != side or hits not in (None, h):
            raise _NoMatch(name)
        return h

    def difference(self, name: str) -> str:
        """hits of Sub(hits[dst], hits[src])."""
        sub = self.node(name, "Sub", 2)
        h = self.hit(sub.input[0], 1)
        self.hit(sub.input[1], 0, h)
        return h

    def product(self, name: str) -> tuple[tuple[str, int], tuple[str, int]]:
        mul = self.node(name, "Mul", 2)
        return self.gathered(mul.input[0]), self.gathered(mul.input[1])

    def clip(self, name: str, lo: float | None, hi: float | None) -> str:
        c = self.node(name, "Clip")
        bounds = list(c.input[1:]) + [""] * (3 - len(c.input))
        for got, want in zip(bounds, (lo, hi)):
            if (got == "") != (want is None) or (want is not None and self.scalar(got) != np.float32(want)):
                raise _NoMatch(name)
        return c.input[0]

    def match(self, pair_out: str, geometry_out: str) -> list[str]:
        """The kernel's inputs (edge_index, r, z, eta, cos_a, sin_a, dphi, mean, std)."""
        b = _EDGE_GEOMETRY_BOUNDS
        div = self.node(geometry_out, "Div", 2)
        sub = self.node(div.input[0], "Sub", 2)
        self.vector6(sub.input[1])
        self.vector6(div.input[1])
        cat = self.node(sub.input[0], "Concat", 6)
        if _attr(cat, "axis") not in (1, -1):
            raise _NoMatch(sub.input[0])
        dr, dphi, dz, deta, slope, zint = cat.input
        r, z, eta = self.difference(dr), self.difference(dz), self.difference(deta)
        slope_div = self.node(self.clip(slope, -b["slope"], b["slope"]), "Div", 2)
        if slope_div.input[0] != dphi:
            raise _NoMatch(slope)
        where = self.node(slope_div.input[1], "Where", 3)
        ge = self.node(where.input[0], "GreaterOrEqual", 2)
        if ge.input[0] != dr or self.scalar(ge.input[1]) != 0.0 \
                or self.clip(where.input[1], b["dr_min"], None) != dr \
                or self.clip(where.input[2], None, -b["dr_min"]) != dr:
            raise _NoMatch(where.output[0])
        zsub = self.node(self.clip(zint, -b["zint"], b["zint"]), "Sub", 2)
        self.hit(zsub.input[0], 0, z)
        zdiv = self.node(zsub.input[1], "Div", 2)
        if zdiv.input[1] != where.output[0]:
            raise _NoMatch(zsub.input[1])
        factors = list(self.node(zdiv.input[0], "Mul", 2).input)
        if dz not in factors:
            raise _NoMatch(zdiv.input[0])
        self.hit(factors[1] if factors[0] == dz else factors[0], 0, r)
        # pair: (sin[dst] cos[src] - cos[dst] sin[src], cos[dst] cos[src] + sin[dst] sin[src])
        pcat = self.node(pair_out, "Concat", 2)
        if _attr(pcat, "axis") not in (1, -1):
            raise _NoMatch(pair_out)
        psub, padd = self.node(pcat.input[0], "Sub", 2), self.node(pcat.input[1], "Add", 2)
        (s_d, c_s), (c_d, s_s) = (sorted(self.product(psub.input[k]), key=lambda t: -t[1]) for k in (0, 1))
        sin_a, cos_a = s_d[0], c_s[0]
        if (s_d[1], c_s[1], c_d, s_s) != (1, 0, (cos_a, 1), (sin_a, 0)):
            raise _NoMatch(pair_out)
        terms = {tuple(sorted(self.product(x))) for x in padd.input}
        if terms != {tuple(sorted(((cos_a, 1), (cos_a, 0)))), tuple(sorted(((sin_a, 1), (sin_a, 0))))}:
            raise _NoMatch(pair_out)
        return [self.edge_index, r, z, eta, cos_a, sin_a, dphi, sub.input[1], div.input[1]]


def _topological_sort(m: onnx.ModelProto) -> None:
    """Orders the graph's nodes so that every node comes after the producers of its inputs
    (stable: nodes already in order keep their order)."""
    nodes = list(m.graph.node)
    producer = {o: i for i, n in enumerate(nodes) for o in n.output}
    done: set[int] = set()
    order: list[int] = []

    def visit(i: int) -> None:
        stack = [(i, False)]
        while stack:
            k, expanded = stack.pop()
            if k in done:
                continue
            if expanded:
                done.add(k)
                order.append(k)
                continue
            stack.append((k, True))
            for name in reversed(nodes[k].input):
                p = producer.get(name)
                if p is not None and p not in done:
                    stack.append((p, False))

    for i in range(len(nodes)):
        visit(i)
    del m.graph.node[:]
    m.graph.node.extend(nodes[i] for i in order)


def to_trkx_edge_geometry(m: onnx.ModelProto) -> int:
    """An edge filter's geometric inputs (InputTransform.pair_periodic and edge_geometry: ~40
    nodes, each a pass over the edges) become one ``ai.trkx.EdgeGeometry`` node, trkx's kernel
    that computes both in one pass with the same float operations in the same order (the sine
    of the azimuth difference stays ONNX Runtime's Sin upstream), so the scores do not change.
    The subgraph must be exactly the exported expression (:class:`_EdgeGeometryMatcher`);
    anything else is left alone. Returns the number of nodes written (0 or 1);
    :func:`from_trkx_edge_geometry` puts the subgraph back."""
    n = 0
    for cat in [x for x in m.graph.node if x.op_type == "Concat" and len(x.input) == 6]:
        divs = [d for d in _consumers(m, cat.output[0]) if d.op_type == "Sub"]
        divs = [d for s in divs for d in _consumers(m, s.output[0]) if d.op_type == "Div"]
        pairs = [p for p in m.graph.node if p.op_type == "Concat" and len(p.input) == 2]
        for div in divs:
            for pcat in pairs:
                try:
                    inputs = _EdgeGeometryMatcher(m).match(pcat.output[0], div.output[0])
                except _NoMatch:
                    continue
                # one azimuth column: every per-hit input [N,1], the sine of the difference [E,1]
                widths = _static_widths(m)
                if any(widths.get(x) != 1 for x in inputs[1:7]):
                    continue
                fused = onnx.helper.make_node(TRKX_EDGE_GEOMETRY, inputs, [pcat.output[0], div.output[0]],
                                              name=(div.name or "edge_geometry") + "_trkx", domain=TRKX_DOMAIN)
                m.graph.node.remove(div)
                m.graph.node.remove(pcat)
                m.graph.node.append(fused)
                n += 1
                break
            if n:
                break
        if n:
            break
    if n:
        _drop_dead_nodes(m)
        _topological_sort(m)
        if not any(o.domain == TRKX_DOMAIN for o in m.opset_import):
            m.opset_import.append(onnx.helper.make_opsetid(TRKX_DOMAIN, 1))
    return n


def from_trkx_edge_geometry(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_edge_geometry` (standard ONNX nodes computing the same
    expression); returns the number of nodes rewritten."""
    n = 0
    b = _EDGE_GEOMETRY_BOUNDS
    for node in list(m.graph.node):
        if node.op_type != TRKX_EDGE_GEOMETRY or node.domain != TRKX_DOMAIN:
            continue
        ei, r, z, eta, cos_a, sin_a, dphi, mean, std = node.input
        pair_out, geometry_out = node.output
        p = _base_name(node, geometry_out) + "/"
        new: list[onnx.NodeProto] = []

        def op(kind: str, inputs: list[str], **attrs: Any) -> str:
            out = f"{p}{kind}_{len(new)}"
            new.append(onnx.helper.make_node(kind, inputs, [out], name=out, **attrs))
            return out

        def const(v: float | int) -> str:
            dtype = np.int64 if isinstance(v, int) else np.float32
            return op("Constant", [], value=onnx.numpy_helper.from_array(np.array(v, dtype=dtype)))

        side = [op("Gather", [ei, const(k)], axis=0) for k in (0, 1)]

        def at(hits: str, k: int) -> str:
            return op("Gather", [hits, side[k]], axis=0)

        def diff(hits: str) -> str:
            return op("Sub", [at(hits, 1), at(hits, 0)])

        cs, ss, cd, sd = at(cos_a, 0), at(sin_a, 0), at(cos_a, 1), at(sin_a, 1)
        first = op("Sub", [op("Mul", [sd, cs]), op("Mul", [cd, ss])])
        second = op("Add", [op("Mul", [cd, cs]), op("Mul", [sd, ss])])
        new.append(onnx.helper.make_node("Concat", [first, second], [pair_out], name=p + "pair", axis=1))
        dr, dz, deta = diff(r), diff(z), diff(eta)
        w = op("Where", [op("GreaterOrEqual", [dr, const(0.0)]), op("Clip", [dr, const(b["dr_min"])]),
                         op("Clip", [dr, "", const(-b["dr_min"])])])
        slope = op("Clip", [op("Div", [dphi, w]), const(-b["slope"]), const(b["slope"])])
        zint = op("Clip", [op("Sub", [at(z, 0), op("Div", [op("Mul", [at(r, 0), dz]), w])]),
                           const(-b["zint"]), const(b["zint"])])
        g = op("Concat", [dr, dphi, dz, deta, slope, zint], axis=1)
        new.append(onnx.helper.make_node("Div", [op("Sub", [g, mean]), std], [geometry_out], name=p + "geometry"))
        _replace_node(m, node, new)
        n += 1
    if n:
        _drop_unused_trkx_domain(m)
    return n


TRKX_EDGE_UPDATE = "EdgeUpdate"


class _Chain:
    """Reading an exported graph forwards along single-reader chains, for the edge-network matchers."""

    def __init__(self, m: onnx.ModelProto) -> None:
        self.m = m
        self.producer = {o: n for n in m.graph.node for o in n.output}
        self.inits = {i.name: i for i in m.graph.initializer}
        self.outputs = {o.name for o in m.graph.output}

    def only_reader(self, name: str) -> onnx.NodeProto | None:
        """The one node reading ``name`` (None for several, none, or a graph output)."""
        if name in self.outputs:
            return None
        readers = [x for x in self.m.graph.node if name in x.input]
        return readers[0] if len(readers) == 1 else None

    def dims(self, name: str) -> list[int] | None:
        """Shape of a constant: an initializer, or an Identity of one (the exporter shares equal ones)."""
        while name not in self.inits and name in self.producer and self.producer[name].op_type == "Identity":
            name = self.producer[name].input[0]
        return list(self.inits[name].dims) if name in self.inits else None

    @staticmethod
    def plain(node: onnx.NodeProto | None, op: str) -> bool:
        """``node`` is the standard ONNX operator ``op``."""
        return node is not None and node.op_type == op and node.domain in ("", "ai.onnx")

    def layer_norm(self, node: onnx.NodeProto | None, h: int) -> bool:
        """A float LayerNormalization over the last axis with constant scale and bias [h]."""
        return self.plain(node, "LayerNormalization") and len(node.input) == 3 and len(node.output) == 1 \
            and _attr(node, "axis", -1) in (-1, 1) and _attr(node, "stash_type", 1) == 1 \
            and self.dims(node.input[1]) == [h] and self.dims(node.input[2]) == [h]

    def fuse(self, chain: list[onnx.NodeProto], fused: onnx.NodeProto) -> None:
        """Puts ``fused`` where the last node of ``chain`` was and removes the chain."""
        self.m.graph.node.insert(list(self.m.graph.node).index(chain[-1]), fused)
        for old in chain:
            self.m.graph.node.remove(old)

    def finish(self, n: int) -> int:
        """After ``n`` fusions: the nodes in topological order, the ai.trkx opset imported."""
        if n:
            _topological_sort(self.m)
            if not any(o.domain == TRKX_DOMAIN for o in self.m.opset_import):
                self.m.opset_import.append(onnx.helper.make_opsetid(TRKX_DOMAIN, 1))
        return n

    def gather_pair_adds_with_matmul(self):
        """Each GatherPairAdd whose edge term (its fifth input) is a MatMul read by it alone, as
        (GatherPairAdd, MatMul): where the edge-network matchers start."""
        for gpa in [x for x in self.m.graph.node if x.op_type == TRKX_GATHER_PAIR_ADD and x.domain == TRKX_DOMAIN]:
            if len(gpa.input) != 5:
                continue
            mm = self.producer.get(gpa.input[4])
            if self.plain(mm, "MatMul") and self.only_reader(mm.output[0]) is gpa:
                yield gpa, mm

    def linear(self, node: onnx.NodeProto | None, x: str, h: int) -> bool:
        """A Linear layer h -> h on ``x`` as exported: Gemm(x, W [h,h], b [h], transB=1)."""
        return self.plain(node, "Gemm") and len(node.input) == 3 and node.input[0] == x \
            and _attr(node, "transA", 0) == 0 and _attr(node, "transB", 0) == 1 \
            and _attr(node, "alpha", 1.0) == 1.0 and _attr(node, "beta", 1.0) == 1.0 \
            and self.dims(node.input[1]) == [h, h] and self.dims(node.input[2]) == [h]


def to_trkx_edge_update(m: onnx.ModelProto) -> int:
    """An interaction GNN's edge network (models._EdgeUpdate after :func:`to_trkx_gather_pair_add`):

        GatherPairAdd(a, b, i, j, MatMul(e, W_edge)) -> [LayerNormalization] -> Relu
            -> Gemm(., W_out, b_out, transB=1) [-> Add(e, .)]

    with constant weights of one width H and every intermediate read only by the next node,
    becomes one ``ai.trkx.EdgeUpdate(a, b, i, j, e, W_edge, W_out, b_out [, scale, bias])``
    (attributes residual = 1 when the Add is taken in, epsilon of the LayerNormalization):
    trkx's kernel that works through blocks of edges in cache instead of five to seven passes
    over [E, H] tensors. Its products are ONNX Runtime's (MLAS's order), so without LayerNorm
    the scores do not change; its LayerNorm (the ONNX definition in two passes) differs from
    ONNX Runtime's by float rounding. Returns the number of nodes written;
    :func:`from_trkx_edge_update` puts the subgraphs back."""
    g = _Chain(m)
    n = 0
    for gpa, mm in g.gather_pair_adds_with_matmul():
        e, w_edge = mm.input
        wd = g.dims(w_edge)
        if wd is None or len(wd) != 2 or wd[0] != wd[1]:
            continue
        h = wd[0]
        chain = [mm, gpa]
        nxt = g.only_reader(gpa.output[0])
        ln = nxt if g.layer_norm(nxt, h) else None
        if ln is not None:
            chain.append(ln)
            nxt = g.only_reader(ln.output[0])
        if not g.plain(nxt, "Relu"):
            continue
        relu = nxt
        chain.append(relu)
        gemm = g.only_reader(relu.output[0])
        if not g.linear(gemm, relu.output[0], h):
            continue
        chain.append(gemm)
        out = gemm.output[0]
        inputs = list(gpa.input[:4]) + [e, w_edge, gemm.input[1], gemm.input[2]]
        residual = 0
        add = g.only_reader(out)
        if g.plain(add, "Add") and sorted(add.input) == sorted([e, out]) and e != out:
            chain.append(add)
            out = add.output[0]
            residual = 1
        epsilon = 1e-5
        if ln is not None:
            inputs += [ln.input[1], ln.input[2]]
            epsilon = float(_attr(ln, "epsilon", 1e-5))
        # named after the MatMul, whose name (the module path) the standard form gives back
        fused = onnx.helper.make_node(TRKX_EDGE_UPDATE, inputs, [out], name=(mm.name or out) + "_trkx",
                                      domain=TRKX_DOMAIN, residual=residual, epsilon=epsilon)
        g.fuse(chain, fused)
        n += 1
    return g.finish(n)


def from_trkx_edge_update(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_edge_update` (MatMul, GatherPairAdd, LayerNormalization,
    Relu, Gemm, Add); returns the number of nodes rewritten."""
    n = 0
    for node in list(m.graph.node):
        if node.op_type != TRKX_EDGE_UPDATE or node.domain != TRKX_DOMAIN:
            continue
        a, b, i, j, e, w_edge, w_out, b_out = node.input[:8]
        scale, bias = (list(node.input[8:10]) + ["", ""])[:2]
        residual = e if _attr(node, "residual", 0) else ""
        out = node.output[0]
        base = _base_name(node, out)
        p = base + "/"
        new = [onnx.helper.make_node("MatMul", [e, w_edge], [p + "edge"], name=base),
               onnx.helper.make_node(TRKX_GATHER_PAIR_ADD, [a, b, i, j, p + "edge"], [p + "pair"], name=p + "pair",
                                     domain=TRKX_DOMAIN)]
        x = p + "pair"
        if scale:
            new.append(onnx.helper.make_node("LayerNormalization", [x, scale, bias], [p + "norm"], name=p + "norm",
                                             axis=-1, epsilon=_attr(node, "epsilon", 1e-5)))
            x = p + "norm"
        new.append(onnx.helper.make_node("Relu", [x], [p + "relu"], name=p + "relu"))
        gemm_out = p + "out" if residual else out
        new.append(onnx.helper.make_node("Gemm", [p + "relu", w_out, b_out], [gemm_out], name=p + "out", transB=1))
        if residual:
            new.append(onnx.helper.make_node("Add", [residual, gemm_out], [out], name=p + "residual"))
        _replace_node(m, node, new)
        n += 1
    return n


TRKX_NODE_UPDATE = "NodeUpdate"


def _add_operands(g: _Chain, add: onnx.NodeProto | None, op_a: str, op_b: str):
    """The producers (a, b) of ``add``'s two inputs, an ``op_a`` and an ``op_b`` node (either
    order), each read by ``add`` alone; (None, None) when ``add`` is not such an Add."""
    if not g.plain(add, "Add") or len(add.input) != 2:
        return None, None
    parts = [g.producer.get(v) for v in add.input]
    a = next((p for p in parts if g.plain(p, op_a)), None)
    b = next((p for p in parts if p is not a and g.plain(p, op_b)), None)
    if a is None or b is None or g.only_reader(a.output[0]) is not add or g.only_reader(b.output[0]) is not add:
        return None, None
    return a, b


def to_trkx_node_update(m: onnx.ModelProto) -> int:
    """An interaction GNN's node update with its residual (models.InteractionGNN, the node
    network's first Gemm split in three by :func:`_split_concat_gemms`):

        Add(h, Gemm(Relu([LayerNormalization](Add(Add(Gemm(h, W0, b0, transB=1), MatMul(agg_in, W1)),
                                                  MatMul(agg_out, W2)))), W3, b3, transB=1))

    (constant weights of one width H, every intermediate read only by the next node) becomes one
    ``ai.trkx.NodeUpdate(h, agg_in, agg_out, W0, b0, W1, W2, W3, b3 [, scale, bias])`` (attribute
    epsilon): blocks of nodes in cache instead of nine kernels over [N, H] tensors (session 22).
    The products in MLAS's order: without LayerNorm the same floats, with it within float
    rounding (EdgeUpdate's LayerNorm). Returns the number of nodes written;
    :func:`from_trkx_node_update` puts the subgraphs back."""
    if not _is_gnn(m):
        return 0
    g = _Chain(m)
    n = 0
    for relu in [x for x in m.graph.node if g.plain(x, "Relu")]:
        x = relu.input[0]
        norm = g.producer.get(x)
        scale = bias = None
        if g.plain(norm, "LayerNormalization"):
            h = (g.dims(norm.input[1]) or [0])[0]
            if not g.layer_norm(norm, h) or g.only_reader(norm.output[0]) is not relu:
                continue
            scale, bias, x = norm.input[1], norm.input[2], norm.input[0]
        add2 = g.producer.get(x)
        if not g.plain(add2, "Add") or g.only_reader(add2.output[0]) is not (norm if scale else relu):
            continue
        mm2, add1 = _add_operands(g, add2, "MatMul", "Add")
        mm1, gemm0 = _add_operands(g, add1, "MatMul", "Gemm")
        if gemm0 is None:
            continue
        hin = gemm0.input[0]
        hd = g.dims(gemm0.input[1])
        if hd is None or len(hd) != 2 or hd[0] != hd[1] or not g.linear(gemm0, hin, hd[0]):
            continue
        h = hd[0]
        if g.dims(mm1.input[1]) != [h, h] or g.dims(mm2.input[1]) != [h, h] or (scale and g.dims(scale) != [h]):
            continue
        gemm3 = g.only_reader(relu.output[0])
        if not g.linear(gemm3, relu.output[0], h):
            continue
        res = g.only_reader(gemm3.output[0])
        if not g.plain(res, "Add") or list(res.input) != [hin, gemm3.output[0]]:
            continue
        inputs = [hin, mm1.input[0], mm2.input[0], gemm0.input[1], gemm0.input[2], mm1.input[1], mm2.input[1],
                  gemm3.input[1], gemm3.input[2]] + ([scale, bias] if scale else [])
        attrs = {"epsilon": _attr(norm, "epsilon", 1e-5)} if scale else {}
        fused = onnx.helper.make_node(TRKX_NODE_UPDATE, inputs, [res.output[0]], name=(gemm0.name or "node") + "_trkx",
                                      domain=TRKX_DOMAIN, **attrs)
        chain = [gemm0, mm1, add1, mm2, add2] + ([norm] if scale else []) + [relu, gemm3, res]
        g.fuse(chain, fused)
        n += 1
    return g.finish(n)


def from_trkx_node_update(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_node_update`; returns the number of nodes rewritten."""
    nodes = _trkx_nodes(m, TRKX_NODE_UPDATE)
    for node in nodes:
        hin, agg_in, agg_out, w0, b0, w1, w2, w3, b3 = node.input[:9]
        scale, bias = (list(node.input[9:11]) + ["", ""])[:2]
        out = node.output[0]
        base = _base_name(node, out)
        p = base + "/"
        new = [onnx.helper.make_node("Gemm", [hin, w0, b0], [p + "h"], name=base, transB=1),
               onnx.helper.make_node("MatMul", [agg_in, w1], [p + "in"], name=p + "in"),
               onnx.helper.make_node("Add", [p + "h", p + "in"], [p + "sum1"], name=p + "sum1"),
               onnx.helper.make_node("MatMul", [agg_out, w2], [p + "out"], name=p + "out"),
               onnx.helper.make_node("Add", [p + "sum1", p + "out"], [p + "sum"], name=p + "sum")]
        x = p + "sum"
        if scale:
            new.append(onnx.helper.make_node("LayerNormalization", [x, scale, bias], [p + "norm"], name=p + "norm",
                                             axis=-1, epsilon=_attr(node, "epsilon", 1e-5)))
            x = p + "norm"
        new.append(onnx.helper.make_node("Relu", [x], [p + "relu"], name=p + "relu"))
        new.append(onnx.helper.make_node("Gemm", [p + "relu", w3, b3], [p + "net"], name=p + "net", transB=1))
        new.append(onnx.helper.make_node("Add", [hin, p + "net"], [out], name=p + "residual"))
        _replace_node(m, node, new)
    return len(nodes)


TRKX_NODE_UPDATE_PROJECT = "NodeUpdateProject"


def to_trkx_node_update_project(m: onnx.ModelProto) -> int:
    """A :func:`to_trkx_node_update` node whose new states are read by the next edge network's
    projections ``Gemm(out, W_src [H,H], b_src [H], transB=1)`` and ``MatMul(out, W_dst [H,H])``
    (one of each) becomes one ``ai.trkx.NodeUpdateProject(h, agg_in, agg_out, W0, b0, W1, W2, W3,
    b3, W_src, b_src, W_dst [, scale, bias])`` -> (out, src, dst): the projections computed while
    the block of nodes is in cache (session 22), the same floats. Returns the number of nodes
    written; :func:`from_trkx_node_update_project` gives back the NodeUpdate and the two products."""
    g = _Chain(m)
    n = 0
    for node in _trkx_nodes(m, TRKX_NODE_UPDATE):
        out = node.output[0]
        h = g.dims(node.input[3])[0]
        readers = [x for x in m.graph.node if out in x.input]
        gemms = [x for x in readers if g.linear(x, out, h)]
        matmuls = [x for x in readers if g.plain(x, "MatMul") and x.input[0] == out and g.dims(x.input[1]) == [h, h]]
        if len(gemms) != 1 or len(matmuls) != 1:
            continue
        gemm, mm = gemms[0], matmuls[0]
        inputs = list(node.input[:9]) + [gemm.input[1], gemm.input[2], mm.input[1]] + list(node.input[9:])
        # the products' node names go back with them (onnx_import names a MatMul's weight by its node)
        fused = onnx.helper.make_node(TRKX_NODE_UPDATE_PROJECT, inputs, [out, gemm.output[0], mm.output[0]],
                                      name=node.name, domain=TRKX_DOMAIN, src_name=gemm.name, dst_name=mm.name)
        fused.attribute.extend(node.attribute)
        g.fuse([gemm, mm, node], fused)
        n += 1
    return g.finish(n)


def from_trkx_node_update_project(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_node_update_project`; returns the number of nodes rewritten."""
    nodes = _trkx_nodes(m, TRKX_NODE_UPDATE_PROJECT)
    for node in nodes:
        out, src, dst = node.output
        base = _base_name(node, out)
        names = {a.name: a.s.decode() for a in node.attribute if a.name in ("src_name", "dst_name")}
        update = onnx.helper.make_node(TRKX_NODE_UPDATE, list(node.input[:9]) + list(node.input[12:]), [out],
                                       name=node.name, domain=TRKX_DOMAIN)
        update.attribute.extend(a for a in node.attribute if a.name not in ("src_name", "dst_name"))
        _replace_node(m, node, [update,
                                onnx.helper.make_node("Gemm", [out, node.input[9], node.input[10]], [src],
                                                      name=names.get("src_name", base + "/src"), transB=1),
                                onnx.helper.make_node("MatMul", [out, node.input[11]], [dst],
                                                      name=names.get("dst_name", base + "/dst"))])
    return len(nodes)


TRKX_EDGE_ENCODER = "EdgeEncoder"


def to_trkx_edge_encoder(m: onnx.ModelProto) -> int:
    """An interaction GNN's edge encoder (models.InteractionGNN: HitPairInput, the hidden block,
    a Linear, the hidden block; after :func:`to_trkx_gather_pair_add`):

        Add(GatherPairAdd(a, b, i, j, MatMul(pair, W_pair)), MatMul(geometry, W_geometry))
            -> [LayerNormalization] -> Relu -> Gemm(., W, b, transB=1) -> [LayerNormalization] -> Relu

    with constant weights (W and b of the network's width H), both LayerNorms or neither, and
    every intermediate read only by the next node, becomes one ``ai.trkx.EdgeEncoder(a, b, i, j,
    pair, W_pair, geometry, W_geometry, W, b [, scale1, bias1, scale2, bias2])`` (attribute
    epsilon): trkx's kernel in blocks of edges in cache (products as ONNX Runtime's; LayerNorm
    as EdgeUpdate's). A filter (a Relu -> Gemm chain without the GNN's node aggregation) is left
    alone: it runs in cache-sized chunks already. Returns the number of nodes written;
    :func:`from_trkx_edge_encoder` puts the subgraphs back."""
    if not any(n.op_type == TRKX_SCATTER or n.op_type in ("ScatterND", "ScatterElements") for n in m.graph.node):
        return 0  # not a GNN
    g = _Chain(m)
    n = 0
    for gpa, mp in g.gather_pair_adds_with_matmul():
        pd = g.dims(mp.input[1])
        if pd is None or len(pd) != 2:
            continue
        h = pd[1]
        add = g.only_reader(gpa.output[0])
        if not g.plain(add, "Add") or len(add.input) != 2:
            continue
        other = add.input[1] if add.input[0] == gpa.output[0] else add.input[0]
        mg = g.producer.get(other)
        if not g.plain(mg, "MatMul") or g.only_reader(mg.output[0]) is not add:
            continue
        gd = g.dims(mg.input[1])
        if gd is None or len(gd) != 2 or gd[1] != h:
            continue
        chain = [mp, gpa, mg, add]
        nxt = g.only_reader(add.output[0])
        ln1 = nxt if g.layer_norm(nxt, h) else None
        if ln1 is not None:
            chain.append(ln1)
            nxt = g.only_reader(ln1.output[0])
        if not g.plain(nxt, "Relu"):
            continue
        chain.append(nxt)
        gemm = g.only_reader(nxt.output[0])
        if not g.linear(gemm, nxt.output[0], h):
            continue
        chain.append(gemm)
        nxt = g.only_reader(gemm.output[0])
        ln2 = nxt if g.layer_norm(nxt, h) else None
        if (ln1 is None) != (ln2 is None):
            continue
        if ln2 is not None:
            if _attr(ln2, "epsilon", 1e-5) != _attr(ln1, "epsilon", 1e-5):
                continue
            chain.append(ln2)
            nxt = g.only_reader(ln2.output[0])
        if not g.plain(nxt, "Relu"):
            continue
        chain.append(nxt)
        inputs = list(gpa.input[:4]) + [mp.input[0], mp.input[1], mg.input[0], mg.input[1], gemm.input[1],
                                        gemm.input[2]]
        if ln1 is not None:
            inputs += [ln1.input[1], ln1.input[2], ln2.input[1], ln2.input[2]]
        epsilon = float(_attr(ln1, "epsilon", 1e-5)) if ln1 is not None else 1e-5
        # named after the pair MatMul, whose name (the module path) the standard form gives back
        fused = onnx.helper.make_node(TRKX_EDGE_ENCODER, inputs, [nxt.output[0]], name=(mp.name or "encoder") + "_trkx",
                                      domain=TRKX_DOMAIN, epsilon=epsilon)
        g.fuse(chain, fused)
        n += 1
    return g.finish(n)


def from_trkx_edge_encoder(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_edge_encoder`; returns the number of nodes rewritten."""
    n = 0
    for node in list(m.graph.node):
        if node.op_type != TRKX_EDGE_ENCODER or node.domain != TRKX_DOMAIN:
            continue
        a, b, i, j, pair, w_pair, geometry, w_geometry, w_hidden, b_hidden = node.input[:10]
        norms = list(node.input[10:14])
        out = node.output[0]
        base = _base_name(node, out)
        p = base + "/"
        eps = _attr(node, "epsilon", 1e-5)
        new = [onnx.helper.make_node("MatMul", [pair, w_pair], [p + "pair"], name=base),
               onnx.helper.make_node(TRKX_GATHER_PAIR_ADD, [a, b, i, j, p + "pair"], [p + "sum"], name=p + "sum",
                                     domain=TRKX_DOMAIN),
               # HitPairInput's two small products are exported as .../angle/MatMul and .../geometry/MatMul
               onnx.helper.make_node("MatMul", [geometry, w_geometry], [p + "geometry"],
                                     name=base[:-len("angle/MatMul")] + "geometry/MatMul"
                                     if base.endswith("/angle/MatMul") else p + "geometry"),
               onnx.helper.make_node("Add", [p + "sum", p + "geometry"], [p + "first"], name=p + "first")]
        x = p + "first"
        if norms:
            new.append(onnx.helper.make_node("LayerNormalization", [x, norms[0], norms[1]], [p + "norm1"],
                                             name=p + "norm1", axis=-1, epsilon=eps))
            x = p + "norm1"
        new.append(onnx.helper.make_node("Relu", [x], [p + "relu1"], name=p + "relu1"))
        new.append(onnx.helper.make_node("Gemm", [p + "relu1", w_hidden, b_hidden], [p + "hidden"], name=p + "hidden",
                                         transB=1))
        x = p + "hidden"
        if norms:
            new.append(onnx.helper.make_node("LayerNormalization", [x, norms[2], norms[3]], [p + "norm2"],
                                             name=p + "norm2", axis=-1, epsilon=eps))
            x = p + "norm2"
        new.append(onnx.helper.make_node("Relu", [x], [out], name=p + "relu2"))
        _replace_node(m, node, new)
        n += 1
    return n


MAX_THREADS_KEY = "trkx_max_intra_op_threads"  # read by trkx::OnnxModel (OnnxRuntime.hpp)


SPLIT_FILES = {"hits": "filter-hits.onnx", "edges": "filter-edges.onnx"}


def split_hit_part(m: onnx.ModelProto) -> tuple[onnx.ModelProto, onnx.ModelProto]:
    """Splits an edge network (inputs ``node_features`` and ``edge_index``) into its hit part and
    its edge part: the hit part holds every node that depends on ``node_features`` but not on
    ``edge_index`` (per-hit work: the input transform, a hit encoder, the first layer's
    projections of each hit) and returns, as its outputs, the [N, w] tensors the edge part reads;
    the edge part takes those (same names) and ``edge_index`` and computes ``edge_score``.
    trkx then runs the hit part once per event and the edge part per chunk of edges, instead of
    the whole network per chunk (where a hit's work is repeated for every chunk it appears in).
    The hit part must be row-wise (hit i's outputs depend on hit i's features only), true of
    the networks here. Constant nodes go to whichever part reads them (both, if both do).
    Raises ExportError if the output does not depend on ``edge_index`` or a crossing tensor has
    no static width."""
    graph = m.graph
    names = [i.name for i in graph.input]
    if names != ["node_features", "edge_index"]:
        raise ExportError(f"split_hit_part: inputs {names}, expected ['node_features', 'edge_index']")
    producer = {o: k for k, n in enumerate(graph.node) for o in n.output}
    deps: dict[str, frozenset[str]] = {"node_features": frozenset({"hits"}), "edge_index": frozenset({"edges"})}
    node_deps: list[frozenset[str]] = []
    for n in graph.node:  # exported graphs are in topological order
        d = frozenset().union(*(deps.get(i, frozenset()) for i in n.input if i))
        node_deps.append(d)
        for o in n.output:
            deps[o] = d
    side = ["edges" if "edges" in d else "hits" if d else "const" for d in node_deps]
    crossing: list[str] = []
    for k, n in enumerate(graph.node):
        if side[k] != "edges":
            continue
        for i in n.input:
            if i and (i == "node_features" or (i in producer and side[producer[i]] == "hits")) \
                    and i not in crossing:
                crossing.append(i)
    outputs = [o.name for o in graph.output]
    if any(o not in producer or side[producer[o]] != "edges" for o in outputs):
        raise ExportError(f"split_hit_part: the outputs {outputs} do not all depend on edge_index")

    def reads(part: str) -> set[str]:
        return {i for k, n in enumerate(graph.node) if side[k] == part for i in n.input}

    def part_nodes(part: str) -> list[onnx.NodeProto]:
        wanted = reads(part)
        return [n for k, n in enumerate(graph.node)
                if side[k] == part or (side[k] == "const" and any(o in wanted for o in n.output))]

    def make(nodes: list[onnx.NodeProto], inputs: list[onnx.ValueInfoProto],
             outs: list[onnx.ValueInfoProto], name: str) -> onnx.ModelProto:
        used = {i for n in nodes for i in n.input}
        inits = [t for t in graph.initializer if t.name in used]
        g = onnx.helper.make_graph(nodes, name, inputs, outs, inits)
        part = onnx.helper.make_model(g, opset_imports=list(m.opset_import), producer_name=m.producer_name)
        part.ir_version = m.ir_version
        for p in m.metadata_props:
            part.metadata_props.add().CopyFrom(p)
        return part

    features = next(i for i in graph.input if i.name == "node_features")
    hit_nodes = part_nodes("hits")
    # node_features itself read by the edge part: passed through under its own output name
    hit_names = {c: (c if c != "node_features" else "node_features_rows") for c in crossing}
    if "node_features" in crossing:
        hit_nodes.append(onnx.helper.make_node("Identity", ["node_features"], ["node_features_rows"],
                                               name="node_features_rows"))
    hits = make(hit_nodes, [features], [onnx.helper.make_tensor_value_info(hit_names[c], onnx.TensorProto.FLOAT,
                                                                        None) for c in crossing], "hits")
    inferred = onnx.shape_inference.infer_shapes(hits)
    known = {vi.name: vi for vi in list(inferred.graph.value_info) + list(inferred.graph.output)}
    outs = []
    for c in crossing:
        vi = known.get(hit_names[c]) if c != "node_features" else features
        dims = list(vi.type.tensor_type.shape.dim) if vi is not None else []
        if vi is None or vi.type.tensor_type.elem_type != onnx.TensorProto.FLOAT or len(dims) != 2 \
                or not dims[1].HasField("dim_value"):
            raise ExportError(f"split_hit_part: the hit part's output {c} is not float32 [N, w] with a static w")
        outs.append(onnx.helper.make_tensor_value_info(hit_names[c], onnx.TensorProto.FLOAT,
                                                       ["n_nodes", int(dims[1].dim_value)]))
    del hits.graph.output[:]
    hits.graph.output.extend(outs)
    edge_nodes = []
    for n in part_nodes("edges"):
        moved = onnx.NodeProto()
        moved.CopyFrom(n)
        for j, i in enumerate(moved.input):
            if i == "node_features":
                moved.input[j] = hit_names[i]
        edge_nodes.append(moved)
    edge_index = next(i for i in graph.input if i.name == "edge_index")
    edges = make(edge_nodes, outs + [edge_index], list(graph.output), "edges")
    for part in (hits, edges):
        _drop_unused_trkx_domain(part)
    onnx.checker.check_model(hits)
    return hits, edges


def write_split(model_file: Path, out_dir: Path, files: dict[str, str] | None = None) -> dict[str, str]:
    """Writes the hit and edge parts of the edge network in ``model_file`` (:func:`split_hit_part`)
    into ``out_dir`` as ``files`` (default SPLIT_FILES; atomically); returns {"hits_file", "edges_file"}."""
    hits, edges = split_hit_part(onnx.load(str(model_file)))
    written = {}
    for key, part in (("hits", hits), ("edges", edges)):
        dst = Path(out_dir) / (files or SPLIT_FILES)[key]
        tmp = dst.with_suffix(".onnx.tmp")
        onnx.save(part, str(tmp))
        os.replace(tmp, dst)
        written[f"{key}_file"] = dst.name
    return written


def run_split_onnx(hits_file: Path, edges_file: Path, inputs: dict[str, np.ndarray], threads: int = 2) -> np.ndarray:
    """Runs a split edge network (:func:`write_split`) in ONNX Runtime the way trkx does: the hit
    part on every hit, then the edge part on its outputs and the edges."""
    hits = ort_session(hits_file, threads)
    rows = hits.run(None, {"node_features": inputs["node_features"]})
    feeds = {o.name: r for o, r in zip(hits.get_outputs(), rows)}
    feeds["edge_index"] = inputs["edge_index"]
    return ort_session(edges_file, threads).run(None, feeds)[0]


TRKX_EDGE_SCORE = "EdgeScore"


def _hit_pair_input(g: _Chain, gpa: onnx.NodeProto) -> tuple[list[onnx.NodeProto], list[str], int] | None:
    """HitPairInput after :func:`to_trkx_gather_pair_add` ending at ``gpa``: Add(GatherPairAdd(a, b,
    i, j, MatMul(pair, W_pair)), MatMul(geometry, W_geometry)) with constant weights of one width
    H and each intermediate read only by the next node; (its four nodes, [a, b, i, j, pair,
    W_pair, geometry, W_geometry], H) or None."""
    if len(gpa.input) != 5:
        return None
    mp = g.producer.get(gpa.input[4])
    if not g.plain(mp, "MatMul") or g.only_reader(mp.output[0]) is not gpa:
        return None
    pd = g.dims(mp.input[1])
    if pd is None or len(pd) != 2:
        return None
    h = pd[1]
    add = g.only_reader(gpa.output[0])
    if not g.plain(add, "Add") or len(add.input) != 2:
        return None
    other = add.input[1] if add.input[0] == gpa.output[0] else add.input[0]
    mg = g.producer.get(other)
    if not g.plain(mg, "MatMul") or g.only_reader(mg.output[0]) is not add:
        return None
    gd = g.dims(mg.input[1])
    if gd is None or len(gd) != 2 or gd[1] != h:
        return None
    return [mp, gpa, mg, add], list(gpa.input[:4]) + [mp.input[0], mp.input[1], mg.input[0], mg.input[1]], h


def _hit_pair_input_nodes(base: str, inputs: list[str], out: str) -> list[onnx.NodeProto]:
    """The standard nodes of HitPairInput as exported, ``out`` = Add(GatherPairAdd(a, b, i, j,
    MatMul(pair, W_pair)), MatMul(geometry, W_geometry)) for ``inputs`` = [a, b, i, j, pair,
    W_pair, geometry, W_geometry]; the pair MatMul is named ``base`` (the module path)."""
    a, b, i, j, pair, w_pair, geometry, w_geometry = inputs
    p = base + "/"
    return [onnx.helper.make_node("MatMul", [pair, w_pair], [p + "pair"], name=base),
            onnx.helper.make_node(TRKX_GATHER_PAIR_ADD, [a, b, i, j, p + "pair"], [p + "sum"], name=p + "sum",
                                  domain=TRKX_DOMAIN),
            # HitPairInput's two small products are exported as .../angle/MatMul and .../geometry/MatMul
            onnx.helper.make_node("MatMul", [geometry, w_geometry], [p + "geometry"],
                                  name=base[:-len("angle/MatMul")] + "geometry/MatMul"
                                  if base.endswith("/angle/MatMul") else p + "geometry"),
            onnx.helper.make_node("Add", [p + "sum", p + "geometry"], [out], name=p + "first")]


def _is_gnn(m: onnx.ModelProto) -> bool:
    """A message-passing network (scatter-add aggregation): its edge encoder is
    :func:`to_trkx_edge_encoder`'s, not a filter's first layer."""
    return any(n.op_type in (TRKX_SCATTER, "ScatterND", "ScatterElements") for n in m.graph.node)


def _first_layers_with_relu(g: _Chain):
    """Every filter first layer (:func:`_hit_pair_input`) read by a Relu alone, after
    :func:`to_trkx_gather_pair_add`: yields (its nodes with the Relu, [a, b, i, j, pair, W_pair,
    geometry, W_geometry], H)."""
    for gpa in [x for x in g.m.graph.node if x.op_type == TRKX_GATHER_PAIR_ADD and x.domain == TRKX_DOMAIN]:
        found = _hit_pair_input(g, gpa)
        if found is None:
            continue
        chain, inputs, h = found
        relu = g.only_reader(chain[-1].output[0])
        if g.plain(relu, "Relu"):
            yield chain + [relu], inputs, h


def to_trkx_edge_score(m: onnx.ModelProto) -> int:
    """A one-layer edge filter's edge part (models.EdgeFilterNet with n_layers = 1: HitPairInput,
    ReLU, one output unit; after :func:`to_trkx_gather_pair_add`):

        Gemm(Relu(Add(GatherPairAdd(a, b, i, j, MatMul(pair, W_pair)), MatMul(geometry, W_geometry))),
             W_out [1, H], b_out [1], transB=1)

    becomes one ``ai.trkx.EdgeScore(a, b, i, j, pair, W_pair, geometry, W_geometry, W_out, b_out)``
    -> [E, 1]: one pass over the edges, no [E, H] tensor (session 21). The first layer's floats
    are the subgraph's; the output's sum is taken in the kernel's order (within float rounding).
    Returns the number of nodes written; :func:`from_trkx_edge_score` puts the subgraphs back.
    GNNs (scatter-add aggregation) are left to :func:`to_trkx_edge_encoder`."""
    if _is_gnn(m):
        return 0
    g = _Chain(m)
    n = 0
    for chain, inputs, h in list(_first_layers_with_relu(g)):
        gemm = g.only_reader(chain[-1].output[0])
        if not g.plain(gemm, "Gemm") or len(gemm.input) != 3 or gemm.input[0] != chain[-1].output[0] \
                or _attr(gemm, "transB", 0) != 1 or _attr(gemm, "transA", 0) != 0 \
                or _attr(gemm, "alpha", 1.0) != 1.0 or _attr(gemm, "beta", 1.0) != 1.0 \
                or g.dims(gemm.input[1]) != [1, h] or g.dims(gemm.input[2]) != [1]:
            continue
        # named after the pair MatMul, whose name (the module path) the standard form gives back
        fused = onnx.helper.make_node(TRKX_EDGE_SCORE, inputs + [gemm.input[1], gemm.input[2]], [gemm.output[0]],
                                      name=(chain[0].name or "score") + "_trkx", domain=TRKX_DOMAIN)
        g.fuse(chain + [gemm], fused)
        n += 1
    return g.finish(n)


TRKX_EDGE_MLP = "EdgeMlp"


def to_trkx_edge_mlp(m: onnx.ModelProto) -> int:
    """The edge part of an edge filter with two hidden layers (models.EdgeFilterNet with n_layers
    = 3: HitPairInput, ReLU, two Linear + ReLU, one output unit; after
    :func:`to_trkx_gather_pair_add`):

        Gemm(Relu(Gemm(Relu(Gemm(Relu(first layer), W1, b1)), W2, b2)), W_out [1, H], b_out [1])

    (every Gemm transB=1, every intermediate read only by the next node) becomes one
    ``ai.trkx.EdgeMlp(a, b, i, j, pair, W_pair, geometry, W_geometry, W1, b1, W2, b2, W_out,
    b_out)`` -> [E, 1]: blocks of edges in cache instead of three Gemms over [chunk, H] tensors,
    the same floats (session 22). Returns the number of nodes written; :func:`from_trkx_edge_mlp`
    puts the subgraphs back. GNNs are left to :func:`to_trkx_edge_encoder`."""
    if _is_gnn(m):
        return 0
    g = _Chain(m)
    n = 0
    for chain, inputs, h in list(_first_layers_with_relu(g)):
        nodes, weights, x = list(chain), [], chain[-1].output[0]
        for _ in range(2):
            gemm = g.only_reader(x)
            if not g.linear(gemm, x, h):
                break
            relu = g.only_reader(gemm.output[0])
            if not g.plain(relu, "Relu"):
                break
            nodes += [gemm, relu]
            weights += [gemm.input[1], gemm.input[2]]
            x = relu.output[0]
        if len(weights) != 4:
            continue
        out = g.only_reader(x)
        if not g.plain(out, "Gemm") or len(out.input) != 3 or out.input[0] != x \
                or _attr(out, "transB", 0) != 1 or _attr(out, "transA", 0) != 0 \
                or _attr(out, "alpha", 1.0) != 1.0 or _attr(out, "beta", 1.0) != 1.0 \
                or g.dims(out.input[1]) != [1, h] or g.dims(out.input[2]) != [1]:
            continue
        # named after the pair MatMul, whose name (the module path) the standard form gives back
        fused = onnx.helper.make_node(TRKX_EDGE_MLP, inputs + weights + [out.input[1], out.input[2]],
                                      [out.output[0]], name=(chain[0].name or "mlp") + "_trkx", domain=TRKX_DOMAIN)
        g.fuse(nodes + [out], fused)
        n += 1
    return g.finish(n)


def from_trkx_edge_mlp(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_edge_mlp`; returns the number of nodes rewritten."""
    nodes = _trkx_nodes(m, TRKX_EDGE_MLP)
    for node in nodes:
        base, new = _first_layer_standard(node)
        x = base + "/relu"
        for layer, (w, b) in enumerate(zip(node.input[8:12:2], node.input[9:12:2]), start=1):
            new.append(onnx.helper.make_node("Gemm", [x, w, b], [base + f"/hidden{layer}"],
                                             name=base + f"/hidden{layer}", transB=1))
            x = base + f"/relu{layer}"
            new.append(onnx.helper.make_node("Relu", [base + f"/hidden{layer}"], [x], name=x))
        new.append(onnx.helper.make_node("Gemm", [x, node.input[12], node.input[13]], [node.output[0]],
                                         name=base + "/out", transB=1))
        _replace_node(m, node, new)
    return len(nodes)


TRKX_EDGE_INPUT = "EdgeInput"


def to_trkx_edge_input(m: onnx.ModelProto) -> int:
    """An edge filter's first layer and ReLU (models.EdgeFilterNet: HitPairInput, then ReLU;
    after :func:`to_trkx_gather_pair_add` and :func:`to_trkx_edge_score`, which takes one-layer
    filters whole):

        Relu(Add(GatherPairAdd(a, b, i, j, MatMul(pair, W_pair)), MatMul(geometry, W_geometry)))

    becomes one ``ai.trkx.EdgeInput(a, b, i, j, pair, W_pair, geometry, W_geometry)`` -> [E, H]:
    one pass over the edges instead of five kernels writing [E, H] tensors, the same floats
    (session 21). GNNs are left to :func:`to_trkx_edge_encoder`. Returns the number of nodes
    written; :func:`from_trkx_edge_input` puts the subgraphs back."""
    if _is_gnn(m):
        return 0
    g = _Chain(m)
    n = 0
    for chain, inputs, _ in list(_first_layers_with_relu(g)):
        fused = onnx.helper.make_node(TRKX_EDGE_INPUT, inputs, [chain[-1].output[0]],
                                      name=(chain[0].name or "input") + "_trkx", domain=TRKX_DOMAIN)
        g.fuse(chain, fused)
        n += 1
    return g.finish(n)


def _trkx_nodes(m: onnx.ModelProto, op: str) -> list[onnx.NodeProto]:
    """The graph's ai.trkx ``op`` nodes."""
    return [n for n in m.graph.node if n.op_type == op and n.domain == TRKX_DOMAIN]


def _first_layer_standard(node: onnx.NodeProto, relu_out: str | None = None) -> tuple[str, list[onnx.NodeProto]]:
    """A filter node's first layer and ReLU (its inputs 0-7, :func:`_first_layers_with_relu`) as
    standard nodes, the ReLU writing ``relu_out`` (default ``<base>/relu``): (base name, nodes)."""
    base = _base_name(node, node.output[0])
    new = _hit_pair_input_nodes(base, list(node.input[:8]), base + "/first")
    new.append(onnx.helper.make_node("Relu", [base + "/first"], [relu_out or base + "/relu"], name=base + "/relu"))
    return base, new


def from_trkx_edge_input(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_edge_input`; returns the number of nodes rewritten."""
    nodes = _trkx_nodes(m, TRKX_EDGE_INPUT)
    for node in nodes:
        _replace_node(m, node, _first_layer_standard(node, node.output[0])[1])
    return len(nodes)


def from_trkx_edge_score(m: onnx.ModelProto) -> int:
    """The inverse of :func:`to_trkx_edge_score`; returns the number of nodes rewritten."""
    nodes = _trkx_nodes(m, TRKX_EDGE_SCORE)
    for node in nodes:
        base, new = _first_layer_standard(node)
        new.append(onnx.helper.make_node("Gemm", [base + "/relu", node.input[8], node.input[9]], [node.output[0]],
                                         name=base + "/out", transB=1))
        _replace_node(m, node, new)
    return len(nodes)


def _drop_metadata(m: onnx.ModelProto, key: str) -> None:
    keep = [p for p in m.metadata_props if p.key != key]
    del m.metadata_props[:]
    m.metadata_props.extend(keep)


def _set_metadata(m: onnx.ModelProto, key: str, value: str) -> None:
    for p in m.metadata_props:
        if p.key == key:
            p.value = value
            return
    p = m.metadata_props.add()
    p.key, p.value = key, value


def _split_concat_gemms(m: onnx.ModelProto) -> int:
    """The Concat -> Gemm rewrite of :func:`optimise_graph`; returns the number of Gemms rewritten."""
    producer = {o: n for n in m.graph.node for o in n.output}
    inits = {i.name: i for i in m.graph.initializer}
    widths = _static_widths(m)
    for n in m.graph.node:  # row scatters: as wide as their updates (shape inference cannot tell)
        if n.op_type in ("ScatterND", "ScatterElements") and n.output[0] not in widths and n.input[2] in widths:
            widths[n.output[0]] = widths[n.input[2]]
    done = 0
    for gemm in list(m.graph.node):
        if gemm.op_type != "Gemm" or len(gemm.input) < 2 or gemm.input[1] not in inits:
            continue
        if _attr(gemm, "transA", 0) != 0 or _attr(gemm, "transB", 0) != 1 or _attr(gemm, "alpha", 1.0) != 1.0 \
                or _attr(gemm, "beta", 1.0) != 1.0:
            continue
        cat = producer.get(gemm.input[0])
        if cat is None or cat.op_type != "Concat" or _attr(cat, "axis") not in (1, -1) or len(cat.input) < 2:
            continue
        if len(_consumers(m, cat.output[0])) != 1 or any(x not in widths for x in cat.input):
            continue
        w = onnx.numpy_helper.to_array(inits[gemm.input[1]])  # [out, in] (transB)
        cols = [widths[x] for x in cat.input]
        if sum(cols) != w.shape[1]:
            continue
        base = gemm.name or gemm.output[0]
        new_nodes, start, acc = [], 0, None
        for k, (x, c) in enumerate(zip(cat.input, cols)):
            block = np.ascontiguousarray(w[:, start:start + c])
            start += c
            if k == 0:
                name = f"{base}_split0_w"
                m.graph.initializer.append(onnx.numpy_helper.from_array(block, name))
                acc = f"{base}_split0"
                new_nodes.append(onnx.helper.make_node("Gemm", [x, name] + list(gemm.input[2:]), [acc],
                                                       name=acc, transB=1))
                continue
            name = f"{base}_split{k}_w"
            m.graph.initializer.append(onnx.numpy_helper.from_array(np.ascontiguousarray(block.T), name))
            prod = f"{base}_split{k}"
            out = gemm.output[0] if k == len(cols) - 1 else f"{base}_split{k}_sum"
            new_nodes += [onnx.helper.make_node("MatMul", [x, name], [prod], name=prod),
                          onnx.helper.make_node("Add", [acc, prod], [out], name=f"{prod}_add")]
            acc = out
        pos = list(m.graph.node).index(gemm)
        m.graph.node.remove(gemm)
        for j, n in enumerate(new_nodes):
            m.graph.node.insert(pos + j, n)
        done += 1
    return done


def _static_widths(m: onnx.ModelProto) -> dict[str, int]:
    """Static size of dimension 1 of every rank-2 tensor whose width shape inference knows."""
    inferred = onnx.shape_inference.infer_shapes(m)
    widths: dict[str, int] = {}
    for vi in list(inferred.graph.value_info) + list(inferred.graph.input):
        dims = vi.type.tensor_type.shape.dim
        if len(dims) == 2 and dims[1].HasField("dim_value"):
            widths[vi.name] = int(dims[1].dim_value)
    return widths


def optimise_file(src: Path, dst: Path) -> dict[str, int]:
    """Applies :func:`optimise_graph` to an exported model file (writes ``dst`` atomically)."""
    m = onnx.load(str(src))
    counts = optimise_graph(m)
    onnx.checker.check_model(m)
    dst = Path(dst)
    tmp = dst.with_suffix(".onnx.tmp")
    onnx.save(m, str(tmp))
    os.replace(tmp, dst)
    return counts


def scatter_reductions(model_file: Path) -> list[str]:
    """The ``reduction`` attribute of every ScatterElements / ScatterND node ("none" when absent)."""
    m = onnx.load(str(model_file))
    out = []
    for node in m.graph.node:
        if node.op_type == TRKX_SCATTER and node.domain == TRKX_DOMAIN:
            out.append("add")
        elif node.op_type in ("ScatterElements", "ScatterND"):
            red = [a.s.decode() for a in node.attribute if a.name == "reduction"]
            out.append(red[0] if red else "none")
    return out


def check_onnx(model_file: Path, stage: str, n_features: int) -> None:
    """Checks an exported model against the contract (names, dtypes, ranks, dynamic
    axes, opset, ScatterElements reductions); raises ExportError naming the problem."""
    m = onnx.load(str(model_file))
    onnx.checker.check_model(m)
    where = f"{model_file}"
    opset = max((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), default=0)
    if opset < 17:
        raise ExportError(f"{where}: opset {opset} < 17")
    ins = [(i.name, i.type.tensor_type) for i in m.graph.input]
    want = INPUTS[stage]
    if [n for n, _ in ins] != want:
        raise ExportError(f"{where}: inputs {[n for n, _ in ins]}, expected {want}")
    for name, tt in ins:
        dims = [d.dim_param or d.dim_value for d in tt.shape.dim]
        if name == "node_features":
            if tt.elem_type != onnx.TensorProto.FLOAT or len(dims) != 2 or dims[1] != n_features \
                    or not isinstance(dims[0], str):
                raise ExportError(f"{where}: node_features must be float32 [N, {n_features}] with dynamic N, got {dims}")
        else:
            if tt.elem_type != onnx.TensorProto.INT64 or len(dims) != 2 or dims[0] != 2 or not isinstance(dims[1], str):
                raise ExportError(f"{where}: edge_index must be int64 [2, E] with dynamic E, got {dims}")
    outs = [o.name for o in m.graph.output]
    if outs != [OUTPUTS[stage]]:
        raise ExportError(f"{where}: outputs {outs}, expected {[OUTPUTS[stage]]}")
    bad = [r for r in scatter_reductions(model_file) if r != "add"]
    if bad:
        raise ExportError(f"{where}: {len(bad)} scatter node(s) without reduction='add' ({bad})")


def ort_session(model_file: Path, threads: int = 2):
    """An ONNX Runtime (CPU) session of an exported model in Python: trkx's custom scatter
    nodes are put back as ScatterND (:func:`from_trkx_scatter`) and the threads capped to
    the model's MAX_THREADS_KEY."""
    import onnxruntime as ort

    m = onnx.load(str(model_file))
    from_trkx_scatter(m)
    from_trkx_edge_update(m)
    from_trkx_node_update_project(m)
    from_trkx_node_update(m)
    from_trkx_edge_encoder(m)
    from_trkx_edge_score(m)
    from_trkx_edge_mlp(m)
    from_trkx_edge_input(m)
    from_trkx_gather_pair_add(m)
    from_trkx_edge_geometry(m)
    meta = {p.key: p.value for p in m.metadata_props}
    if MAX_THREADS_KEY in meta:
        threads = min(threads, int(meta[MAX_THREADS_KEY]))
    so = ort.SessionOptions()
    so.intra_op_num_threads = threads
    so.inter_op_num_threads = 1
    return ort.InferenceSession(m.SerializeToString(), so, providers=["CPUExecutionProvider"])


def run_onnx(model_file: Path, inputs: dict[str, np.ndarray], threads: int = 2) -> np.ndarray:
    """Runs an exported model in ONNX Runtime (CPU, :func:`ort_session`); returns its single output."""
    return ort_session(model_file, threads).run(None, inputs)[0]


def compare_torch_onnx(stage: str, model: torch.nn.Module, model_file: Path, x: torch.Tensor,
                       edges: torch.Tensor | None = None) -> dict[str, float]:
    """Max absolute difference between PyTorch and ONNX Runtime outputs on (x, edges)."""
    module = exportable(stage, model).eval()
    with torch.no_grad():
        ref = (module(x) if stage == "embedding" else module(x, edges)).numpy()
    feeds = {"node_features": x.numpy()}
    if stage != "embedding":
        feeds["edge_index"] = edges.numpy()
    got = run_onnx(model_file, feeds)
    if got.shape != ref.shape:
        raise ExportError(f"{model_file}: ONNX output shape {got.shape} != torch {ref.shape}")
    diff = float(np.abs(got - ref).max()) if ref.size else 0.0
    return {"max_abs_diff": diff, "n_nodes": int(x.shape[0]), "n_edges": int(edges.shape[1]) if edges is not None else 0}


def export_stage(stage_dir: Path, models_dir: Path) -> dict[str, Any]:
    """Exports the trained network of ``stage_dir`` into ``models_dir``; returns
    {"file", "stage", "node_features", "result" (the stage's result.json)}."""
    stage_dir = Path(stage_dir)
    model, spec = load_stage_model(stage_dir)
    stage = spec["stage"]
    result = json.loads((stage_dir / "result.json").read_text())
    out = export_model(stage, model, spec["node_features"], Path(models_dir) / FILES[stage])
    info = {"file": out.name, "stage": stage, "node_features": spec["node_features"], "result": result,
            "spec": spec}
    if stage == "filter" and model.node_encoder is not None:  # a filter with a hit encoder: also split
        info["split"] = write_split(out, Path(models_dir))
    return info


def update_pipeline_json(models_dir: Path, node_features: list[str], stage: str, entry: dict[str, Any],
                         training: dict[str, Any] | None = None) -> Path:
    """Adds or replaces one stage entry of ``models_dir``/pipeline.json (created if absent).
    Refuses to mix stages trained on different feature lists."""
    path = Path(models_dir) / "pipeline.json"
    doc: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    if doc.get("node_features") not in (None, node_features):
        raise ExportError(f"{path}: node_features {doc['node_features']} differ from the new {stage} model's "
                          f"{node_features}; export all stages from one data set")
    doc["format_version"] = 1
    doc["node_features"] = node_features
    doc[stage] = entry
    tr = doc.get("training", {})
    tr.update(training or {})
    doc["training"] = tr
    # Known keys first, in the contract's order; any other key is kept.
    known = ("format_version", "node_features", "embedding", "filter", "gnn", "track_selection", "track_building")
    ordered = {k: doc[k] for k in known if k in doc}
    ordered.update({k: v for k, v in doc.items() if k not in known and k != "training"})
    ordered["training"] = doc["training"]
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(ordered, indent=2) + "\n")
    os.replace(tmp, path)
    return path


def pipeline_entry(info: dict[str, Any], overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The pipeline.json entry of an exported stage (radius / cut chosen on validation events)."""
    r = info["result"]
    if info["stage"] == "embedding":
        e = {"file": info["file"], "dim": int(info["spec"]["model"]["dim"]), "radius": round(float(r["radius"]), 6),
             "max_neighbours": int(r["max_neighbours"])}
    else:
        e = {"file": info["file"], "cut": round(float(r["cut"]), 6)}
    e.update(info.get("split", {}))
    if info["stage"] == "gnn":
        # An interaction network's edge score depends on the graph within n_steps hops of the
        # edge's hits (one hop per message-passing step): trkx may then classify the graph in
        # parts with halos of this many hops (EdgeClassifier::Config::partitions).
        e["receptive_hops"] = int(info["spec"]["model"].get("n_steps", GNNConfig().n_steps))
    e.update(overrides or {})
    return e


def _main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m trkx_train.export",
                                description="Rewrite an exported model with optimise_graph (same outputs, faster).")
    p.add_argument("input", type=Path)
    p.add_argument("output", type=Path)
    p.add_argument("--standard", action="store_true",
                   help="write the standard ONNX form instead: trkx's custom operators (domain ai.trkx) put back "
                        "as the ONNX subgraphs they replace, for other ONNX runtimes (GNNs then run on one "
                        "intra-op thread, see MAX_THREADS_KEY)")
    a = p.parse_args(argv)
    if not a.standard:
        print(json.dumps(optimise_file(a.input, a.output)))
        return 0
    m = onnx.load(str(a.input))
    counts = {"scatter": from_trkx_scatter(m), "edge_update": from_trkx_edge_update(m),
              "node_update_project": from_trkx_node_update_project(m), "node_update": from_trkx_node_update(m),
              "edge_encoder": from_trkx_edge_encoder(m), "edge_score": from_trkx_edge_score(m),
              "edge_mlp": from_trkx_edge_mlp(m), "edge_input": from_trkx_edge_input(m),
              "gather_pair_add": from_trkx_gather_pair_add(m),
              "edge_geometry": from_trkx_edge_geometry(m)}
    onnx.checker.check_model(m)
    tmp = a.output.with_suffix(".onnx.tmp")
    onnx.save(m, str(tmp))
    os.replace(tmp, a.output)
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
