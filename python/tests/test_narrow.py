"""Resizing a trained network (trkx_train.narrow): a wide network whose extra hidden units
are never read computes exactly what the narrowed one computes, and a widened network computes
exactly what the trained one did."""

import json

import pytest
import torch

from trkx_train.models import ModelSpec, build_model
from trkx_train.narrow import deepen, narrow, narrow_tensor

NAMES = ["r", "phi", "z", "cell_count", "cell_charge"]


def graph(n=40, e=200, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, len(NAMES), generator=g), torch.randint(0, n, (2, e), generator=g)


def filter_and_gnn(hidden):
    """(stage, config) of a small filter and a small GNN without LayerNorm, ``hidden`` wide."""
    return [("filter", {"hidden": hidden, "n_layers": 3, "layer_norm": False}),
            ("gnn", {"hidden": hidden, "n_steps": 2, "layer_norm": False, "shared_weights": False})]


def save_trained(directory, stage, config, net):
    """Writes ``net`` as a training output directory (checkpoint.pt, spec.json)."""
    directory.mkdir(exist_ok=True)
    torch.save({"model": net.state_dict()}, directory / "checkpoint.pt")
    (directory / "spec.json").write_text(json.dumps({"stage": stage, "node_features": NAMES, "model": config}))


def resize_and_load(src, hidden, out, stage):
    """The network of ``src`` resized by trkx_train.narrow to ``hidden`` units, loaded, in eval mode."""
    spec = narrow(src, hidden, out)
    assert spec["model"]["hidden"] == hidden
    net = build_model(ModelSpec(stage, NAMES, spec["model"]))
    net.load_state_dict(torch.load(out / "checkpoint.pt")["model"])
    return net.eval()


def assert_same_function(a, b):
    """Both networks in eval mode give the same scores on a random graph; returns the graph."""
    x, ei = graph()
    a.eval()
    b.eval()
    with torch.no_grad():
        torch.testing.assert_close(a(x, ei), b(x, ei), rtol=1e-5, atol=1e-5)
    return x, ei


def silence_extra_units(net: torch.nn.Module, old: int, new: int) -> None:
    """Zero every weight that reads a hidden unit >= new (in each block of width old), so that
    those units never reach the output."""
    with torch.no_grad():
        for name, p in net.named_parameters():
            if p.dim() != 2 or p.shape[1] % old != 0:
                continue
            for k in range(p.shape[1] // old):
                p[:, k * old + new:(k + 1) * old] = 0.0


@pytest.mark.parametrize("stage,config", filter_and_gnn(16))
def test_narrowed_network_computes_what_the_silenced_wide_one_does(tmp_path, stage, config):
    torch.manual_seed(1)
    wide = build_model(ModelSpec(stage, NAMES, config))
    silence_extra_units(wide, 16, 8)
    save_trained(tmp_path / "wide", stage, config, wide)

    narrow_net = resize_and_load(tmp_path / "wide", 8, tmp_path / "narrow", stage)
    assert_same_function(narrow_net, wide)
    # and it is narrower: the GNN's node update reads three blocks of 8
    assert sum(p.numel() for p in narrow_net.parameters()) < sum(p.numel() for p in wide.parameters()) / 2


def test_tensor_cuts_and_bad_shapes():
    t = torch.arange(2 * 12, dtype=torch.float32).reshape(2, 12)  # 3 blocks of 4
    cut = narrow_tensor(t, (2, 6), 4, 2)
    assert cut.tolist() == [[0, 1, 4, 5, 8, 9], [12, 13, 16, 17, 20, 21]]
    assert narrow_tensor(torch.ones(4, 7), (2, 7), 4, 2).shape == (2, 7)
    with pytest.raises(ValueError):
        narrow_tensor(torch.ones(4, 7), (2, 5), 4, 2)  # 7 is no multiple of 4
    with pytest.raises(ValueError):
        narrow_tensor(torch.ones(4), (2, 1), 4, 2)


def test_width_must_be_positive(tmp_path):
    config = {"hidden": 8, "n_layers": 2, "layer_norm": False}
    save_trained(tmp_path, "filter", config, build_model(ModelSpec("filter", NAMES, config)))
    with pytest.raises(ValueError):
        narrow(tmp_path, 0, tmp_path / "out")


@pytest.mark.parametrize("stage,config", filter_and_gnn(8))
def test_widened_network_computes_what_the_trained_one_does_and_can_learn(tmp_path, stage, config):
    torch.manual_seed(2)
    small = build_model(ModelSpec(stage, NAMES, config))
    save_trained(tmp_path / "small", stage, config, small)

    wide = resize_and_load(tmp_path / "small", 12, tmp_path / "wide", stage)
    x, ei = assert_same_function(wide, small)
    # the new units are not dead: a gradient step reaches the weights that read them
    wide.train()
    wide(x, ei).sum().backward()
    first_hidden = [p for n, p in wide.named_parameters() if p.dim() == 2 and p.shape == (12, 12)][0]
    assert first_hidden.grad[:, 8:].abs().sum() > 0


def test_widening_needs_a_network_without_layer_norm(tmp_path):
    config = {"hidden": 8, "n_layers": 2, "layer_norm": True}
    save_trained(tmp_path, "filter", config, build_model(ModelSpec("filter", NAMES, config)))
    with pytest.raises(ValueError, match="LayerNorm"):
        narrow(tmp_path, 16, tmp_path / "out")


@pytest.mark.parametrize("layer_norm", [True, False])
def test_deepened_gnn_computes_what_the_trained_one_does_and_its_new_steps_learn(tmp_path, layer_norm):
    torch.manual_seed(3)
    config = {"hidden": 8, "n_steps": 2, "layer_norm": layer_norm, "shared_weights": False}
    shallow = build_model(ModelSpec("gnn", NAMES, config))
    save_trained(tmp_path / "shallow", "gnn", config, shallow)

    spec = deepen(tmp_path / "shallow", 4, tmp_path / "deep")
    assert spec["model"]["n_steps"] == 4
    deep = build_model(ModelSpec("gnn", NAMES, spec["model"]))
    deep.load_state_dict(torch.load(tmp_path / "deep" / "checkpoint.pt")["model"])
    x, ei = assert_same_function(deep, shallow)
    # the new steps are not dead: the gradient reaches their last layers
    deep.train()
    deep(x, ei).sum().backward()
    assert deep.edge_updates[3].out.weight.grad.abs().sum() > 0
    assert len(deep.edge_updates) == 4 and len(deep.node_updates) == 4


def test_deepening_needs_more_steps_of_a_gnn(tmp_path):
    config = {"hidden": 8, "n_steps": 2, "layer_norm": False, "shared_weights": False}
    save_trained(tmp_path / "gnn", "gnn", config, build_model(ModelSpec("gnn", NAMES, config)))
    with pytest.raises(ValueError, match="only more"):
        deepen(tmp_path / "gnn", 2, tmp_path / "out")
    fconfig = {"hidden": 8, "n_layers": 2, "layer_norm": False}
    save_trained(tmp_path / "filter", "filter", fconfig, build_model(ModelSpec("filter", NAMES, fconfig)))
    with pytest.raises(ValueError, match="filter network"):
        deepen(tmp_path / "filter", 4, tmp_path / "out2")
