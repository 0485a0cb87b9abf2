"""Shapes, input transform and the scatter-add aggregation of the networks."""

import math

import pytest
import torch

from trkx_train.models import (EdgeFilterNet, EmbeddingConfig, EmbeddingNet, FilterConfig, GNNConfig,
                               InputTransform, InteractionGNN, ModelSpec, build_model, default_config)
from trkx_train.scatter import scatter_add_rows

NAMES = ["r", "phi", "z", "cell_count", "cell_charge"]


def graph(n=50, e=300, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, len(NAMES), generator=g), torch.randint(0, n, (2, e), generator=g)


def test_output_shapes():
    x, ei = graph()
    assert EmbeddingNet(NAMES, EmbeddingConfig(dim=8))(x).shape == (50, 8)
    assert EdgeFilterNet(NAMES, FilterConfig())(x, ei).shape == (300,)
    assert InteractionGNN(NAMES, GNNConfig(n_steps=2))(x, ei).shape == (300,)
    assert InteractionGNN(NAMES, GNNConfig(n_steps=3, shared_weights=True))(x, ei).shape == (300,)


def test_empty_edge_list():
    x, _ = graph()
    empty = torch.zeros(2, 0, dtype=torch.int64)
    assert EdgeFilterNet(NAMES, FilterConfig())(x, empty).shape == (0,)
    assert InteractionGNN(NAMES, GNNConfig(n_steps=2))(x, empty).shape == (0,)


def test_build_model_from_spec():
    for stage in ("embedding", "filter", "gnn"):
        m = build_model(ModelSpec(stage, NAMES, default_config(stage)))
        assert sum(p.numel() for p in m.parameters()) > 1000
    with pytest.raises(ValueError):
        build_model(ModelSpec("tracks", NAMES, {}))


def test_input_transform_standardises_and_wraps_phi():
    t = InputTransform(NAMES)
    x = torch.rand(1000, 5) * 4 - 2
    x[:, 1] = torch.rand(1000) * 2 - 1  # phi / pi in [-1, 1]
    x[0, 1], x[1, 1] = -1.0, 1.0
    t.set_stats(x)
    z = t(x)
    assert z.shape == (1000, 5 + 2)
    assert torch.allclose(z[:, :5].mean(0), torch.zeros(5), atol=1e-5)
    assert torch.allclose(z[:, :5].std(0), torch.ones(5), atol=1e-4)
    # phi = -pi and +pi are the same direction: identical (cos, sin)
    assert torch.allclose(z[0, 5:], z[1, 5:], atol=1e-5)
    # a quarter turn apart: orthogonal unit vectors
    q = t(torch.tensor([[0.0, -0.5, 0, 0, 0], [0.0, 0.0, 0, 0, 0]]))
    assert abs(float((q[0, 5:] * q[1, 5:]).sum())) < 1e-5
    assert math.isclose(float(q[0, 5:].norm()), 1.0, rel_tol=1e-5)
    # wrapped difference across the +-pi boundary: +0.02 turn, not -0.98
    p = torch.zeros(2, 5)
    p[0, 1], p[1, 1] = 0.99, -0.99
    sc = t.pair_periodic(p, torch.tensor([[0], [1]]))
    assert torch.allclose(sc, torch.tensor([[math.sin(0.02 * math.pi), math.cos(0.02 * math.pi)]]), atol=1e-4)


def test_pair_first_layer_equals_linear_on_concatenation():
    x, ei = graph()
    m = EdgeFilterNet(NAMES, FilterConfig(hidden=16, n_layers=2))
    u = m.norm(x)
    first = m.first.pair
    w = torch.cat([first.src.weight, first.dst.weight], dim=1)
    ref = torch.cat([u[ei[0]], u[ei[1]]], dim=1) @ w.T + first.src.bias
    assert torch.allclose(first(u, ei), ref, atol=1e-5)


def test_hit_encoder_filter_scores_edges_from_hits_encoded_once():
    """FilterConfig.node_layers: a hit encoder (node_layers Linear + ReLU of node_hidden units)
    feeds the first layer; scoring edges in chunks from the hits encoded once (train.edge_scores)
    equals the whole forward; the encoder's hidden width and the first layer's input agree."""
    from trkx_train.train import edge_scores

    x, ei = graph()
    m = EdgeFilterNet(NAMES, FilterConfig(hidden=16, n_layers=1, layer_norm=False, node_layers=2, node_hidden=24))
    assert [type(layer).__name__ for layer in m.node_encoder] == ["Linear", "ReLU", "Linear", "ReLU"]
    assert m.first.pair.src.in_features == 24 and m.encode_hits(x).shape == (x.shape[0], 24)

    class Event:  # what edge_scores reads of a PreparedEvent
        pass
    ev = Event()
    ev.x, ev.edges = x, ei
    whole = torch.sigmoid(m(x, ei))
    assert torch.allclose(edge_scores(m, ev, chunk=7), whole, atol=1e-6)
    assert EdgeFilterNet(NAMES, FilterConfig(hidden=16)).node_encoder is None  # the default: no encoder


def test_scatter_add_rows_sums_repeated_indices():
    src = torch.arange(12, dtype=torch.float32).reshape(6, 2)
    idx = torch.tensor([0, 2, 0, 0, 2, 3])
    out = scatter_add_rows(src, idx, torch.zeros(5, 7))
    assert out.shape == (5, 2)
    assert out[0].tolist() == [0 + 4 + 6, 1 + 5 + 7]
    assert out[2].tolist() == [2 + 8, 3 + 9]
    assert out[1].tolist() == [0, 0] and out[4].tolist() == [0, 0]


def test_gnn_is_permutation_equivariant_in_edges():
    x, ei = graph()
    m = InteractionGNN(NAMES, GNNConfig(n_steps=2)).eval()
    perm = torch.randperm(ei.shape[1])
    with torch.no_grad():
        a = m(x, ei)[perm]
        b = m(x, ei[:, perm])
    assert torch.allclose(a, b, atol=1e-5)
