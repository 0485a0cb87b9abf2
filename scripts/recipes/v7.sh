#!/usr/bin/env bash
# v7's GNN (session 10): the 40-wide GNN without LayerNorm of gnn40n.sh trained 35 more minutes on
# two threads on the same edges, learning rate restarted at 0.0002 (cosine to zero over the budget).
source "$(dirname "$0")/lib.sh"
train_gnn_on_v6_edges runs/v7 runs/gnn40n/gnn 40 0.0002 35 2
