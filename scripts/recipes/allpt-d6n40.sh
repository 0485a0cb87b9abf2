#!/usr/bin/env bash
# models/all-pt's 6-step 48-wide GNN (allpt-d6n48.sh, session 15) cut to 40 units and trained on,
# on the same data: the 48 training events' edges behind all-pt's filter at 0.06. 6 steps at 40
# units take 0.72x the time of 4 steps at 64 (one thread, 563k edges; at 48 units 0.88x). Started
# at the end of session 15, not evaluated yet; the 48-unit cut needed ~150 epochs to recover.
#   scripts/recipes/allpt-d6n40.sh  -> runs/allpt-d6n40/models (THREADS, MINUTES, LR: 2, 100, 0.0005)
# Needs allpt-d6n48.sh's runs/allpt-d6n48/gnn. Resumable: the training resumes from its checkpoint.
source "$(dirname "$0")/lib.sh"
prep=runs/allpt-fc0.06/prep run=runs/allpt-d6n40
[ -f runs/allpt-d6n48/gnn/checkpoint.pt ] || { echo "allpt-d6n40.sh: run scripts/recipes/allpt-d6n48.sh first" >&2; exit 1; }
narrow_init $run runs/allpt-d6n48/gnn 40
HIDDEN=40 LR=${LR:-0.0005} train_allpt_gnn $run runs/allpt-d6/base $prep $run/init 6 1 100 2
