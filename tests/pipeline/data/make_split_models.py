"""A small edge filter with a hit encoder (FilterConfig.node_layers) and random weights, for the
test of split networks (EdgeClassifier with a hit part, ShippedModelsTest). Writes, next to this
script:

  filter_hitenc.onnx           the whole network as trkx_train exports it (2 encoder layers of
                               24, first layer 20 wide, one output unit; the edge part's first
                               layer and output unit one ai.trkx.EdgeScore)
  filter_hitenc_standard.onnx  the same with every trkx operator put back as standard ONNX
  filter_hitenc-hits.onnx      its hit part (trkx_train.export.split_hit_part)
  filter_hitenc-edges.onnx     its edge part

20 and 24 are no multiple of 16: the kernels' masked vector tails.

Run from the repository: PYTHONPATH=python .deps/venv/bin/python tests/pipeline/data/make_split_models.py
"""
import pathlib

import torch

from trkx_train.export import _main as export_main
from trkx_train.export import export_model, write_split
from trkx_train.models import EdgeFilterNet, FilterConfig

FEATURES = ["r", "phi", "z", "cell_count", "cell_charge", "cell_extent_ch0", "cell_extent_ch1"]


def main() -> None:
    out = pathlib.Path(__file__).resolve().parent
    torch.manual_seed(5)
    model = EdgeFilterNet(FEATURES, FilterConfig(hidden=20, n_layers=1, layer_norm=False, node_layers=2,
                                                 node_hidden=24))
    # hit features of TrackML size (r, z in mm) standardised like a trained network's
    model.norm.set_stats(torch.tensor([[30.0, -3.0, -1000.0, 1, 0.1, 1, 1], [1000.0, 3.0, 1000.0, 10, 1.0, 5, 5]]))
    model.eval()
    whole = export_model("filter", model, FEATURES, out / "filter_hitenc.onnx")
    write_split(whole, out, {"hits": "filter_hitenc-hits.onnx", "edges": "filter_hitenc-edges.onnx"})
    assert b"EdgeScore" in (out / "filter_hitenc-edges.onnx").read_bytes()
    export_main(["--standard", str(whole), str(out / "filter_hitenc_standard.onnx")])


if __name__ == "__main__":
    main()
