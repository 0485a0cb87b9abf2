#!/usr/bin/env bash
# models/fast's GNN since session 10: fast's 32-wide GNN of session 9 (runs/fast2/gnn, fast2.sh)
# trained 65 more minutes on one thread on the edges v6's filter passes, lr 0.0003 cosine.
source "$(dirname "$0")/lib.sh"
train_gnn_on_v6_edges runs/fast3 runs/fast2/gnn 32 0.0003 65 1
