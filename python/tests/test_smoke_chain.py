"""The whole training chain on tiny events: scripts/train.sh --smoke.

simulate -> prepare -> train embedding -> export -> prepare (candidates) ->
train filter -> export -> prepare (filtered) -> train GNN -> export ->
evaluate -> model card, with the real trkx binary (TRKX_BIN).  Marked slow.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_train_sh_smoke(tmp_path):
    trkx = os.environ.get("TRKX_BIN")
    if not trkx or not Path(trkx).exists():
        pytest.skip("set TRKX_BIN to the trkx binary")
    cmd = [str(REPO / "scripts/train.sh"), "--smoke", "--runs", str(tmp_path), "--trkx", trkx]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=1500)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    run = tmp_path / "smoke"
    models = run / "models"
    doc = json.loads((models / "pipeline.json").read_text())
    assert doc["format_version"] == 1
    assert doc["node_features"][:3] == ["r", "phi", "z"]
    assert doc["embedding"]["file"] == "embedding.onnx" and doc["embedding"]["radius"] > 0
    assert doc["embedding"]["dim"] >= 2 and doc["embedding"]["max_neighbours"] > 0
    assert 0 < doc["filter"]["cut"] < 1 and 0 < doc["gnn"]["cut"] < 1
    for stage in ("embedding", "filter", "gnn"):
        assert (models / f"{stage}.onnx").exists()
        assert doc["training"][stage]["onnx_vs_torch_max_abs_diff"] < 1e-4
    ev = json.loads((run / "eval-test.json").read_text())
    assert set(ev["stages"]) == {"embedding", "filter", "gnn"}
    for s in ev["stages"].values():
        assert 0 <= s["efficiency"] <= 1 and 0 <= s["purity"] <= 1
    assert "Per-stage edge efficiency" in (models / "MODEL_CARD.md").read_text()
    # a second run finds every step done and changes nothing
    before = (models / "pipeline.json").read_text()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0 and "skip train-gnn (done)" in proc.stderr
    assert (models / "pipeline.json").read_text() == before
