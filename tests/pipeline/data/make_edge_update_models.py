"""Small interaction GNNs with random weights, for the test of trkx's ai.trkx.EdgeUpdate,
ai.trkx.EdgeEncoder and ai.trkx.NodeUpdateProject kernels (ShippedModelsTest). Writes, next to this script:

  gnn_update_ln.onnx             1 step, 20 wide, LayerNorm: exported by trkx_train (optimise_graph:
                                 the edge encoder one EdgeEncoder, every other edge network one
                                 EdgeUpdate, the node update with the decoder's projections
                                 one NodeUpdateProject)
  gnn_update_ln_standard.onnx    the same file with those nodes put back as the ONNX subgraphs
                                 (MatMul, GatherPairAdd, Add, LayerNormalization, Relu, Gemm)
  gnn_update_plain.onnx          1 step, 12 wide, no LayerNorm (as models/gnn.onnx)
  gnn_update_plain_standard.onnx its standard form

20 and 12 are no multiple of 8 or 16: the kernels' masked vector tails (AVX2, AVX-512).

Run from the repository: PYTHONPATH=python .deps/venv/bin/python tests/pipeline/data/make_edge_update_models.py
"""
import pathlib

import onnx
import torch

from trkx_train.export import (export_model, from_trkx_edge_encoder, from_trkx_edge_update, from_trkx_node_update,
                               from_trkx_node_update_project)
from trkx_train.models import GNNConfig, InteractionGNN

FEATURES = ["r", "phi", "z", "cell_count", "cell_charge", "cell_extent_ch0", "cell_extent_ch1"]


def write(out: pathlib.Path, name: str, hidden: int, layer_norm: bool, seed: int) -> None:
    torch.manual_seed(seed)
    model = InteractionGNN(FEATURES, GNNConfig(hidden=hidden, n_steps=1, layer_norm=layer_norm))
    # hit features of TrackML size (r, z in mm): standardised like a trained network's
    model.norm.set_stats(torch.tensor([[30.0, -3.0, -1000.0, 1, 0.1, 1, 1], [1000.0, 3.0, 1000.0, 10, 1.0, 5, 5]]))
    fused = out / f"{name}.onnx"
    export_model("gnn", model, FEATURES, fused)
    m = onnx.load(str(fused))
    assert sum(n.op_type == "EdgeUpdate" for n in m.graph.node) == 2  # the step and the decoder
    assert sum(n.op_type == "EdgeEncoder" for n in m.graph.node) == 1
    assert sum(n.op_type == "NodeUpdateProject" for n in m.graph.node) == 1
    from_trkx_edge_update(m)
    from_trkx_node_update_project(m)
    from_trkx_node_update(m)
    from_trkx_edge_encoder(m)
    onnx.save(m, str(out / f"{name}_standard.onnx"))


def main() -> None:
    out = pathlib.Path(__file__).resolve().parent
    write(out, "gnn_update_ln", 20, True, 1)
    write(out, "gnn_update_plain", 12, False, 2)


if __name__ == "__main__":
    main()
