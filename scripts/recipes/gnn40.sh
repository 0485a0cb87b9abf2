#!/usr/bin/env bash
# v5's GNN (runs/gnn48) at 40 instead of 48 wide, warm-started the same way (first 40 units of every
# 48-wide dimension), then 25 min of training on v4's filtered edges. Resumable.
# The training resumes from its checkpoint; delete the run directory to start again.
source "$(dirname "$0")/lib.sh"
run=runs/gnn40
data=runs/v4-pt05/prep-filtered
model='{"hidden": 40, "n_steps": 4, "layer_norm": true, "shared_weights": false}'
narrow_init $run runs/gnn48/gnn 40
$py -m trkx_train train gnn --train $data/train --val $data/val \
  --out $run/gnn --epochs 100 --max-minutes 25 --model "$model" \
  --threads 2 --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.001 --steps-per-event 2 --max-edges 60000 \
  --init-from $run/init
start_models $run runs/gnn48/models  # v5: v4's filter, whose edges it trains on
$py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
