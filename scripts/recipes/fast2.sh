#!/usr/bin/env bash
# models/fast with v6's filter (session 9): fast's 32-wide GNN (runs/gnn32c/gnn) adapted for 20 min
# to the edges v6's filter passes at cut 0.10 (runs/v6/prep-filtered, made by v6.sh). Resumable:
# the training resumes from its checkpoint; delete the run directory to start again.
source "$(dirname "$0")/lib.sh"
run=runs/fast2
data=runs/v6/prep-filtered
$py -m trkx_train train gnn --train $data/train --val $data/val \
  --out $run/gnn --epochs 300 --max-minutes ${MINUTES:-20} --model '{"hidden": 32, "n_steps": 4, "layer_norm": false}' \
  --threads 2 --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.0005 --steps-per-event 2 --max-edges 60000 \
  --init-from runs/gnn32c/gnn
start_models $run runs/v6/models
$py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
echo done
