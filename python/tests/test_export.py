"""ONNX export: contract checks, scatter-add reductions, ONNX Runtime vs PyTorch, pipeline.json."""

import json
import warnings

import numpy as np
import onnx
import pytest
import torch
from onnx import TensorProto, helper

from trkx_train.data import load_events
from trkx_train.export import (ExportError, check_onnx, compare_torch_onnx, export_model, exportable,
                               from_trkx_edge_encoder, from_trkx_edge_geometry, from_trkx_edge_update,
                               from_trkx_node_update, from_trkx_node_update_project, to_trkx_node_update,
                               to_trkx_node_update_project,
                               from_trkx_gather_pair_add,
                               from_trkx_scatter,
                               optimise_file, pipeline_entry, run_onnx, scatter_reductions,
                               to_trkx_edge_encoder, to_trkx_edge_geometry, to_trkx_edge_update,
                               to_trkx_gather_pair_add,
                               to_trkx_scatter,
                               update_pipeline_json)
from trkx_train.models import (EdgeFilterNet, EmbeddingConfig, EmbeddingNet, FilterConfig, GNNConfig,
                               InteractionGNN)
from trkx_train.synthetic import FEATURES


def trained_like(model, x):
    """Measured input statistics and non-trivial LayerNorm parameters (not the identity init)."""
    model.norm.set_stats(x)
    g = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, torch.nn.LayerNorm):
                m.weight.copy_(1 + 0.3 * torch.randn(m.weight.shape, generator=g))
                m.bias.copy_(0.3 * torch.randn(m.bias.shape, generator=g))
    return model.eval()


def dense_graph(n=400, e=60000, hubs=40, seed=0):
    """Many edges per node: every destination among `hubs` nodes gets ~e/hubs edges."""
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(n, len(FEATURES), generator=g)
    x[:, 1] = 2 * x[:, 1] - 1
    src = torch.randint(0, n, (e,), generator=g)
    dst = torch.randint(0, hubs, (e,), generator=g)
    return x, torch.stack([src, dst])


@pytest.fixture(scope="module")
def gnn_file(tmp_path_factory):
    x, _ = dense_graph()
    model = trained_like(InteractionGNN(FEATURES, GNNConfig(hidden=32, n_steps=4)), x)
    f = export_model("gnn", model, FEATURES, tmp_path_factory.mktemp("onnx") / "gnn.onnx")
    return model, f


def test_every_scatter_has_reduction_add(gnn_file):
    _, f = gnn_file
    red = scatter_reductions(f)
    assert len(red) == 2 * 4  # incoming and outgoing sums per message-passing step
    assert set(red) == {"add"}


def test_optimised_export_uses_row_scatter_and_matches_the_plain_export(gnn_file, tmp_path):
    """export_model rewrites ScatterElements+Expand into a row scatter, trkx's custom
    ai.trkx.ScatterAddRows (optimise_graph); the rewrite of a plain torch export gives the same
    scores to float rounding. Python's ONNX Runtime runs it as ScatterND on one thread."""
    model, f = gnn_file
    m = onnx.load(str(f))
    ops = [(n.domain, n.op_type) for n in m.graph.node]
    assert ops.count(("ai.trkx", "ScatterAddRows")) == 8
    assert not {"ScatterND", "ScatterElements", "Expand"} & {op for _, op in ops}
    assert any(o.domain == "ai.trkx" and o.version == 1 for o in m.opset_import)
    # trkx's kernel is correct on any number of threads: no thread cap in the model
    assert "trkx_max_intra_op_threads" not in {p.key for p in m.metadata_props}
    # ... while the standard form, ONNX Runtime's ScatterND(reduction=add), races on several threads
    std = onnx.load(str(f))
    assert from_trkx_scatter(std) == 8
    assert [n.op_type for n in std.graph.node].count("ScatterND") == 8
    assert {p.key: p.value for p in std.metadata_props}["trkx_max_intra_op_threads"] == "1"
    # the edge networks of the 4 steps and the decoder are each one trkx EdgeUpdate (with the
    # residual sum in the steps, not in the decoder) ...
    updates = [n for n in m.graph.node if n.op_type == "EdgeUpdate"]
    assert len(updates) == 5 and all(n.domain == "ai.trkx" for n in updates)
    assert [next(a.i for a in n.attribute if a.name == "residual") for n in updates] == [1, 1, 1, 1, 0]
    assert {len(n.input) for n in updates} == {10}  # with the LayerNorm's scale and bias
    assert from_trkx_edge_update(std) == 5
    # ... the edge encoder one trkx EdgeEncoder (with its two LayerNorms) ...
    encoders = [n for n in m.graph.node if n.op_type == "EdgeEncoder"]
    assert len(encoders) == 1 and len(encoders[0].input) == 14
    assert from_trkx_edge_encoder(std) == 1
    # ... the node update of each step (its three-way split first Gemm, LayerNorm, ReLU, Gemm and
    # the residual sum) one trkx NodeUpdate ...
    # (each with the next edge network's two projections of the new states: NodeUpdateProject) ...
    nodes = [n for n in m.graph.node if n.op_type == "NodeUpdateProject"]
    assert len(nodes) == 4 and {len(n.input) for n in nodes} == {14} and {len(n.output) for n in nodes} == {3}
    assert from_trkx_node_update_project(std) == 4
    assert from_trkx_node_update(std) == 4
    # ... and inside them the end-hit sums of every edge network (encoder, 4 steps, decoder) trkx's
    # GatherPairAdd, each with the edge's own [E, H] term added in the same pass (the fifth input)
    pairs = 6
    assert ops.count(("ai.trkx", "GatherPairAdd")) == 0
    assert [len(n.input) for n in std.graph.node if n.op_type == "GatherPairAdd"] == [5] * pairs
    assert from_trkx_gather_pair_add(std) == pairs
    # the edge encoder's geometric inputs are trkx's EdgeGeometry
    assert ops.count(("ai.trkx", "EdgeGeometry")) == 1 and from_trkx_edge_geometry(std) == 1
    assert not any(o.domain == "ai.trkx" for o in std.opset_import)
    assert not any(n.domain == "ai.trkx" for n in std.graph.node)
    assert to_trkx_edge_geometry(std) == 1
    assert to_trkx_scatter(std) == 8 and to_trkx_gather_pair_add(std) == pairs and to_trkx_edge_update(std) == 5
    assert to_trkx_edge_encoder(std) == 1 and to_trkx_node_update(std) == 4 and to_trkx_node_update_project(std) == 4
    assert sorted((n.op_type, tuple(n.input), tuple(n.output)) for n in std.graph.node) == \
        sorted((n.op_type, tuple(n.input), tuple(n.output)) for n in m.graph.node)
    plain = tmp_path / "plain.onnx"
    x, e = dense_graph(n=300, e=5000, hubs=30, seed=2)
    module = exportable("gnn", model).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (x, e), str(plain), opset_version=17, input_names=["node_features", "edge_index"],
                          output_names=["edge_score"], dynamic_axes={"node_features": {0: "n"},
                                                                     "edge_index": {1: "e"}, "edge_score": {0: "e"}})
    assert scatter_reductions(plain).count("add") == 8
    counts = optimise_file(plain, tmp_path / "opt.onnx")
    assert counts == {"scatter_nd": 8, "identity_gather": 1, "split_concat_gemm": 4, "trkx_scatter": 8,
                      "trkx_edge_geometry": 1, "trkx_gather_pair_add": 6, "trkx_edge_update": 5,
                      "trkx_edge_encoder": 1, "trkx_edge_score": 0, "trkx_edge_mlp": 0, "trkx_edge_input": 0,
                      "trkx_node_update": 4, "trkx_node_update_project": 4}
    feeds = {"node_features": x.numpy(), "edge_index": e.numpy()}
    a, b = run_onnx(plain, feeds), run_onnx(tmp_path / "opt.onnx", feeds)
    assert np.abs(a - b).max() < 1e-5
    check_onnx(tmp_path / "opt.onnx", "gnn", len(FEATURES))


def _plain_export(stage, model, x, e, path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(exportable(stage, model).eval(), (x, e), str(path), opset_version=17,
                          input_names=["node_features", "edge_index"], output_names=["edge_score"],
                          dynamic_axes={"node_features": {0: "n"}, "edge_index": {1: "e"}, "edge_score": {0: "e"}})


def test_filter_geometry_is_one_trkx_node_with_the_plain_exports_scores(synthetic_data, tmp_path):
    """The filter's geometric edge inputs (~40 nodes) become trkx's ai.trkx.EdgeGeometry; the
    standard form put back (from_trkx_edge_geometry) gives the plain torch export's scores bit for
    bit, on edges of both orientations and edges within one radius; a subgraph that differs from
    the exported expression (another clamp) is left alone."""
    train, _ = synthetic_data
    ev = load_events(train, "candidate", limit=1)[0]
    model = trained_like(EdgeFilterNet(FEATURES, FilterConfig(hidden=16, n_layers=2)), ev.x)
    model.norm.set_edge_stats(ev.x, ev.edges)
    assert model.norm.edge_std.min() > 0 and model.norm.edge_mean.abs().max() > 0
    f = export_model("filter", model, FEATURES, tmp_path / "filter.onnx")
    m = onnx.load(str(f))
    ops = [(n.domain, n.op_type) for n in m.graph.node]
    assert ops.count(("ai.trkx", "EdgeGeometry")) == 1
    assert ("", "Where") not in ops and ("", "Clip") in ops  # Clip: only the per-hit r for eta
    std = onnx.load(str(f))
    assert from_trkx_edge_geometry(std) == 1
    assert not any(n.op_type == "EdgeGeometry" for n in std.graph.node)
    assert to_trkx_edge_geometry(std) == 1
    assert sorted((n.op_type, tuple(n.input), tuple(n.output)) for n in std.graph.node) == \
        sorted((n.op_type, tuple(n.input), tuple(n.output)) for n in m.graph.node)
    edges = torch.cat([ev.edges, ev.edges.flip(0), torch.stack([ev.edges[0], ev.edges[0]])], dim=1)
    plain = tmp_path / "plain.onnx"
    _plain_export("filter", model, ev.x, edges, plain)
    counts = optimise_file(plain, tmp_path / "opt.onnx")
    assert counts["trkx_edge_geometry"] == 1 and counts["trkx_gather_pair_add"] == 1
    feeds = {"node_features": ev.x.numpy(), "edge_index": edges.numpy()}
    a, b = run_onnx(plain, feeds), run_onnx(tmp_path / "opt.onnx", feeds)  # b: the standard form put back
    assert np.array_equal(a, b)
    # python -m trkx_train.export --standard: every trkx operator put back, the same scores
    from trkx_train.export import _main as export_main
    assert export_main(["--standard", str(tmp_path / "opt.onnx"), str(tmp_path / "standard.onnx")]) == 0
    standard = onnx.load(str(tmp_path / "standard.onnx"))
    assert not any(n.domain == "ai.trkx" for n in standard.graph.node)
    assert not any(o.domain == "ai.trkx" for o in standard.opset_import)
    assert np.array_equal(run_onnx(tmp_path / "standard.onnx", feeds), a)
    # another clamp of phi_slope than the kernel's 50: not the expression, not rewritten
    other = onnx.load(str(plain))
    changed = 0
    for n in other.graph.node:
        if n.op_type == "Constant" and onnx.numpy_helper.to_array(n.attribute[0].t).reshape(-1).tolist() == [50.0]:
            n.attribute[0].t.CopyFrom(onnx.numpy_helper.from_array(np.array(40.0, dtype=np.float32)))
            changed += 1
    assert changed == 1
    assert to_trkx_edge_geometry(other) == 0


def test_gnn_onnx_matches_torch_with_many_edges_per_node(gnn_file):
    model, f = gnn_file
    x, e = dense_graph(n=500, e=80000, hubs=25, seed=1)  # different sizes than at export: dynamic axes
    res = compare_torch_onnx("gnn", model, f, x, e)
    assert res["n_edges"] == 80000
    assert res["max_abs_diff"] < 1e-4


def test_all_stages_match_torch_on_a_synthetic_event(synthetic_data, tmp_path):
    train, _ = synthetic_data
    ev = load_events(train, "candidate", limit=1)[0]
    models = {"embedding": EmbeddingNet(FEATURES, EmbeddingConfig(hidden=64, n_layers=3, dim=8)),
              "filter": EdgeFilterNet(FEATURES, FilterConfig(hidden=32, n_layers=3)),
              "gnn": InteractionGNN(FEATURES, GNNConfig(hidden=32, n_steps=3))}
    for stage, model in models.items():
        trained_like(model, ev.x)
        f = export_model(stage, model, FEATURES, tmp_path / f"{stage}.onnx")
        res = compare_torch_onnx(stage, model, f, ev.x, None if stage == "embedding" else ev.edges)
        assert res["max_abs_diff"] < 1e-4, (stage, res)
        m = onnx.load(str(f))
        assert max(o.version for o in m.opset_import if o.domain in ("", "ai.onnx")) >= 17
        meta = {p.key: p.value for p in m.metadata_props}
        assert json.loads(meta["trkx_node_features"]) == FEATURES
    # scores are probabilities
    s = run_onnx(tmp_path / "gnn.onnx", {"node_features": ev.x.numpy(), "edge_index": ev.edges.numpy()})
    assert s.shape == (ev.edges.shape[1],) and s.min() >= 0 and s.max() <= 1


def test_empty_graph_runs_in_onnx_runtime(gnn_file):
    _, f = gnn_file
    x, _ = dense_graph()
    out = run_onnx(f, {"node_features": x.numpy(), "edge_index": np.zeros((2, 0), np.int64)})
    assert out.shape == (0,)


def _handmade(tmp_path, reduction):
    """A graph with the GNN's inputs/outputs whose only ScatterElements has the given reduction."""
    x = helper.make_tensor_value_info("node_features", TensorProto.FLOAT, ["n_nodes", 5])
    ei = helper.make_tensor_value_info("edge_index", TensorProto.INT64, [2, "n_edges"])
    out = helper.make_tensor_value_info("edge_score", TensorProto.FLOAT, ["n_edges"])
    attrs = {"axis": 0} if reduction is None else {"axis": 0, "reduction": reduction}
    nodes = [
        helper.make_node("Constant", [], ["zero"], value=helper.make_tensor("z", TensorProto.INT64, [1], [0])),
        helper.make_node("Gather", ["edge_index", "zero"], ["row"], axis=0),
        helper.make_node("Squeeze", ["row", "zero"], ["dst"]),
        helper.make_node("Cast", ["dst"], ["dstf"], to=TensorProto.FLOAT),
        helper.make_node("Constant", [], ["acc0"], value=helper.make_tensor("a", TensorProto.FLOAT, [4], [0] * 4)),
        helper.make_node("ScatterElements", ["acc0", "dst", "dstf"], ["acc"], **attrs),
        helper.make_node("Sigmoid", ["dstf"], ["edge_score"]),
    ]
    graph = helper.make_graph(nodes, "g", [x, ei], [out, helper.make_tensor_value_info("acc", TensorProto.FLOAT, [4])])
    graph.output.pop()  # keep only edge_score as output; acc stays an internal value
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    f = tmp_path / f"m_{reduction}.onnx"
    onnx.save(m, str(f))
    return f


def test_check_onnx_rejects_scatter_without_add(tmp_path):
    check_onnx(_handmade(tmp_path, "add"), "gnn", 5)
    with pytest.raises(ExportError, match="reduction"):
        check_onnx(_handmade(tmp_path, None), "gnn", 5)
    with pytest.raises(ExportError, match="node_features"):
        check_onnx(_handmade(tmp_path, "add"), "gnn", 7)
    with pytest.raises(ExportError, match="inputs"):
        check_onnx(_handmade(tmp_path, "add"), "embedding", 5)


def test_pipeline_json_fields(tmp_path):
    emb = {"file": "embedding.onnx", "stage": "embedding", "spec": {"model": {"dim": 8}},
           "result": {"radius": 0.123456789, "max_neighbours": 48}}
    update_pipeline_json(tmp_path, FEATURES, "embedding", pipeline_entry(emb), {"embedding": {"epochs": 3}})
    fil = {"file": "filter.onnx", "stage": "filter", "spec": {}, "result": {"cut": 0.05}}
    update_pipeline_json(tmp_path, FEATURES, "filter", pipeline_entry(fil), {"filter": {"epochs": 2}})
    update_pipeline_json(tmp_path, FEATURES, "gnn", pipeline_entry({**fil, "file": "gnn.onnx"}, {"cut": 0.5}))
    doc = json.loads((tmp_path / "pipeline.json").read_text())
    assert list(doc) == ["format_version", "node_features", "embedding", "filter", "gnn", "training"]
    assert doc["format_version"] == 1 and doc["node_features"] == FEATURES
    assert doc["embedding"] == {"file": "embedding.onnx", "dim": 8, "radius": 0.123457, "max_neighbours": 48}
    assert doc["filter"] == {"file": "filter.onnx", "cut": 0.05}
    assert doc["gnn"] == {"file": "gnn.onnx", "cut": 0.5}
    assert doc["training"] == {"embedding": {"epochs": 3}, "filter": {"epochs": 2}}
    # Keys the exporter does not write (the set's track selection, notes) survive a re-export.
    doc["track_selection"] = {"min_track_hits": 7}
    doc["note"] = "kept"
    (tmp_path / "pipeline.json").write_text(json.dumps(doc))
    update_pipeline_json(tmp_path, FEATURES, "gnn", pipeline_entry({**fil, "file": "gnn.onnx"}, {"cut": 0.6}))
    doc = json.loads((tmp_path / "pipeline.json").read_text())
    assert list(doc) == ["format_version", "node_features", "embedding", "filter", "gnn", "track_selection", "note",
                         "training"]
    assert doc["track_selection"] == {"min_track_hits": 7} and doc["gnn"]["cut"] == 0.6
    with pytest.raises(ExportError, match="node_features"):
        update_pipeline_json(tmp_path, FEATURES[:3], "gnn", {"file": "gnn.onnx", "cut": 0.5})


def test_hit_encoder_filter_splits_into_a_hit_part_and_an_edge_part(synthetic_data, tmp_path):
    """A filter with a hit encoder (FilterConfig.node_layers) exports as the whole network and as
    its hit part + edge part (split_hit_part): the hit part reads only node_features and gives
    [N, w] rows (the encoder's projections among them), the edge part reads those and edge_index,
    and the two in turn score every edge as the whole network does; the whole network still
    matches PyTorch; a network whose output does not depend on edge_index is refused."""
    from trkx_train.export import SPLIT_FILES, run_split_onnx, split_hit_part, write_split

    train, _ = synthetic_data
    ev = load_events(train, "candidate", limit=1)[0]
    cfg = FilterConfig(hidden=16, n_layers=1, layer_norm=False, node_layers=2, node_hidden=24)
    model = trained_like(EdgeFilterNet(FEATURES, cfg), ev.x)
    model.norm.set_edge_stats(ev.x, ev.edges)
    with torch.no_grad():  # scores spread over (0, 1), not all saturated
        model.rest[-1].bias.fill_(0.0)
    f = export_model("filter", model, FEATURES, tmp_path / "filter.onnx")
    assert compare_torch_onnx("filter", model, f, ev.x, ev.edges)["max_abs_diff"] < 1e-4
    written = write_split(f, tmp_path)
    assert written == {"hits_file": SPLIT_FILES["hits"], "edges_file": SPLIT_FILES["edges"]}
    hits = onnx.load(str(tmp_path / written["hits_file"]))
    edges = onnx.load(str(tmp_path / written["edges_file"]))
    assert [i.name for i in hits.graph.input] == ["node_features"]
    widths = {o.name: o.type.tensor_type.shape.dim[1].dim_value for o in hits.graph.output}
    assert sorted(widths.values()).count(16) == 2  # the first layer's projections of each hit
    assert [i.name for i in edges.graph.input] == list(widths) + ["edge_index"]
    assert not any(n.op_type == "Gemm" and "node_encoder" in n.name for n in edges.graph.node)
    # the edge part's first layer, ReLU and output unit: one ai.trkx.EdgeScore
    assert [n.op_type for n in edges.graph.node].count("EdgeScore") == 1
    assert not any(n.op_type in ("Relu", "Gemm", "MatMul") for n in edges.graph.node)
    feeds = {"node_features": ev.x.numpy(), "edge_index": ev.edges.numpy()}
    whole = run_onnx(f, feeds)
    split = run_split_onnx(tmp_path / written["hits_file"], tmp_path / written["edges_file"], feeds)
    assert 0.01 < float(whole.std())  # real scores, not a constant
    np.testing.assert_allclose(split, whole, atol=1e-6)
    # an output that does not depend on edge_index: nothing to split
    m = onnx.load(str(f))
    bad = helper.make_model(helper.make_graph([], "g", list(m.graph.input), [m.graph.input[0]]))
    with pytest.raises(ExportError, match="edge_index"):
        split_hit_part(bad)


def test_filter_first_layer_is_one_edge_input_with_the_plain_exports_scores(synthetic_data, tmp_path):
    """A filter's first layer and ReLU (HitPairInput, Relu) become one ai.trkx.EdgeInput where the
    rest is not EdgeMlp's two hidden layers (here one); the standard form put back gives the plain
    torch export's scores bit for bit; a one-layer filter's edge part is EdgeScore's instead."""
    from trkx_train.export import from_trkx_edge_input, to_trkx_edge_input

    train, _ = synthetic_data
    ev = load_events(train, "candidate", limit=1)[0]
    model = trained_like(EdgeFilterNet(FEATURES, FilterConfig(hidden=16, n_layers=2, layer_norm=False)), ev.x)
    model.norm.set_edge_stats(ev.x, ev.edges)
    f = export_model("filter", model, FEATURES, tmp_path / "filter.onnx")
    m = onnx.load(str(f))
    ops = [n.op_type for n in m.graph.node]
    assert ops.count("EdgeInput") == 1 and "EdgeScore" not in ops and "EdgeMlp" not in ops
    assert "Relu" in ops  # the hidden layer's ReLU
    std = onnx.load(str(f))
    assert from_trkx_edge_input(std) == 1 and not any(n.op_type == "EdgeInput" for n in std.graph.node)
    assert to_trkx_edge_input(std) == 1
    plain = tmp_path / "plain.onnx"
    _plain_export("filter", model, ev.x, ev.edges, plain)
    feeds = {"node_features": ev.x.numpy(), "edge_index": ev.edges.numpy()}
    assert np.array_equal(run_onnx(plain, feeds), run_onnx(f, feeds))


def test_two_hidden_layer_filter_edge_part_is_one_edge_mlp_with_the_plain_exports_scores(synthetic_data, tmp_path):
    """A filter with two hidden layers (n_layers = 3, every shipped filter): its first layer, hidden
    layers and output unit become one ai.trkx.EdgeMlp (also in the split edge part); the standard
    form put back gives the plain torch export's scores bit for bit and reads back into the same
    network (onnx_import); a third hidden layer leaves the chain to EdgeInput."""
    from trkx_train.export import from_trkx_edge_mlp, to_trkx_edge_mlp, write_split
    from trkx_train.onnx_import import import_onnx

    train, _ = synthetic_data
    ev = load_events(train, "candidate", limit=1)[0]
    config = FilterConfig(hidden=16, n_layers=3, layer_norm=False)
    model = trained_like(EdgeFilterNet(FEATURES, config), ev.x)
    model.norm.set_edge_stats(ev.x, ev.edges)
    f = export_model("filter", model, FEATURES, tmp_path / "filter.onnx")
    ops = [n.op_type for n in onnx.load(str(f)).graph.node]
    assert ops.count("EdgeMlp") == 1
    assert not any(op in ops for op in ("EdgeInput", "EdgeScore", "Relu"))
    std = onnx.load(str(f))
    assert from_trkx_edge_mlp(std) == 1 and not any(n.op_type == "EdgeMlp" for n in std.graph.node)
    assert [n.op_type for n in std.graph.node].count("Gemm") == ops.count("Gemm") + 3  # the edge part's three
    assert to_trkx_edge_mlp(std) == 1
    plain = tmp_path / "plain.onnx"
    _plain_export("filter", model, ev.x, ev.edges, plain)
    feeds = {"node_features": ev.x.numpy(), "edge_index": ev.edges.numpy()}
    assert np.array_equal(run_onnx(plain, feeds), run_onnx(f, feeds))
    written = write_split(f, tmp_path)
    edges = onnx.load(str(tmp_path / written["edges_file"]))
    assert [n.op_type for n in edges.graph.node].count("EdgeMlp") == 1
    net, _ = import_onnx(f, "filter", {"hidden": 16, "n_layers": 3, "layer_norm": False})
    state = model.state_dict()
    assert all(torch.equal(state[k], v) for k, v in net.state_dict().items())
    deeper = trained_like(EdgeFilterNet(FEATURES, FilterConfig(hidden=16, n_layers=4, layer_norm=False)), ev.x)
    deeper.norm.set_edge_stats(ev.x, ev.edges)
    ops = [n.op_type for n in onnx.load(str(export_model("filter", deeper, FEATURES, tmp_path / "d.onnx"))).graph.node]
    assert "EdgeMlp" not in ops and ops.count("EdgeInput") == 1
