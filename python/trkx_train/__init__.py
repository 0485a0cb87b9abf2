"""trkx_train: training, export and evaluation of the trkx networks.

Reads the per-event NumPy files written by ``trkx prepare`` (see
docs/model-contract.md), trains the three networks of the Exa.TrkX-style
pipeline (embedding, edge filter, interaction GNN), exports them to ONNX
with ``models/pipeline.json`` and evaluates per-stage edge efficiency and
purity.  Command line: ``python -m trkx_train --help``.
"""

__all__ = ["__version__"]
__version__ = "0.1.0"
