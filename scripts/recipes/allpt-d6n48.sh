#!/usr/bin/env bash
# allpt-d6.sh's 6-step GNN (models/all-pt's since session 15) cut to 48 units (session 15;
# python -m trkx_train.narrow --hidden 48) and trained on, on the same data: the 48 training
# events' edges behind all-pt's filter at 0.06. 6 steps at 48 units take 0.88x the time of 4 steps
# at 64 (one thread, 563k edges; 6 steps at 64: 1.31x), so this trades some of the 6-step GNN's
# gain for speed. Cutting LayerNorm'd units loses most of what was learnt (validation purity at
# 97.5% efficiency 0.41 after one epoch) but 300 epochs recover it: 0.968 (64 wide: 0.962).
# models/all-pt's GNN since session 15 (held-out score 0.8557, seed 7007 0.8551; 3.19 s per event
# against 3.57 s with 64 units); that set keeps its GNN cut 0.75 and session 14's track building.
#   scripts/recipes/allpt-d6n48.sh  -> runs/allpt-d6n48/models (THREADS, MINUTES, LR: 2, 100, 0.0005)
# Needs allpt-d6.sh's runs/allpt-d6/gnn. Resumable: the training resumes from its checkpoint.
source "$(dirname "$0")/lib.sh"
prep=runs/allpt-fc0.06/prep run=runs/allpt-d6n48
[ -f runs/allpt-d6/gnn/checkpoint.pt ] || { echo "allpt-d6n48.sh: run scripts/recipes/allpt-d6.sh first" >&2; exit 1; }
narrow_init $run runs/allpt-d6/gnn 48
HIDDEN=48 LR=${LR:-0.0005} train_allpt_gnn $run runs/allpt-d6/base $prep $run/init 6 1 100 2
