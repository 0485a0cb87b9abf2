"""Recovering PyTorch weights from exported ONNX models (trkx_train.onnx_import)."""

import json
from pathlib import Path

import pytest
import torch

from trkx_train.models import ModelSpec, build_model
from trkx_train.onnx_import import OnnxImportError, import_onnx, max_abs_diff, write_stage_dir

MODELS = Path(__file__).resolve().parents[2] / "models"


@pytest.mark.parametrize("stage", ["embedding", "filter", "gnn"])
def test_shipped_models_are_recovered_exactly(stage, tmp_path):
    config = json.loads((MODELS / "pipeline.json").read_text())["training"][stage]["model"]
    net, spec = import_onnx(MODELS / f"{stage}.onnx", stage, config)
    assert max_abs_diff(net, MODELS / f"{stage}.onnx") < 1e-4
    # The written stage directory is what `train --init-from` loads.
    write_stage_dir(net, spec, tmp_path / stage)
    again = build_model(ModelSpec(spec["stage"], spec["node_features"], spec["model"]))
    again.load_state_dict(torch.load(tmp_path / stage / "checkpoint.pt")["model"])
    for (k, a), (_, b) in zip(net.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), k


def test_a_different_network_is_refused():
    config = json.loads((MODELS / "pipeline.json").read_text())["training"]["gnn"]["model"]
    with pytest.raises((OnnxImportError, RuntimeError)):
        import_onnx(MODELS / "gnn.onnx", "gnn", dict(config, hidden=32))
    with pytest.raises((OnnxImportError, RuntimeError)):
        import_onnx(MODELS / "gnn.onnx", "gnn", dict(config, n_steps=5))
