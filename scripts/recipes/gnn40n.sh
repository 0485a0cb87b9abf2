#!/usr/bin/env bash
# A 40-wide GNN without LayerNorm (session 10): fast's 32-wide GNN (runs/fast2/gnn, fast2.sh)
# widened to 40 units with python -m trkx_train.narrow (function-preserving: the new units are read
# through zero weights), then 65 min on one thread on the edges v6's filter passes, lr 0.0005.
source "$(dirname "$0")/lib.sh"
narrow_init runs/gnn40n runs/fast2/gnn 40
train_gnn_on_v6_edges runs/gnn40n runs/gnn40n/init 40 0.0005 65 1
