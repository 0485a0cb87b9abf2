#!/usr/bin/env bash
# v4's GNN at 48 instead of 64 wide (4 steps, LayerNorm; 0.62x the GNN's time, measured
# with random weights): every 64-wide dimension of v4's weights (runs/v4-pt05/gnn) cut to
# its first 48 units (the node update's [h, m_in, m_out] input: the first 48 of each block),
# then 35 min of training on v4's filtered edges. Resumable: the training resumes from its
# checkpoint; delete the run directory to start again.
source "$(dirname "$0")/lib.sh"
run=runs/gnn48
data=runs/v4-pt05/prep-filtered
model='{"hidden": 48, "n_steps": 4, "layer_norm": true, "shared_weights": false}'
narrow_init $run runs/v4-pt05/gnn 48
$py -m trkx_train train gnn --train $data/train --val $data/val \
  --out $run/gnn --epochs 100 --max-minutes 35 --model "$model" \
  --threads 2 --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.001 --steps-per-event 2 --max-edges 60000 \
  --init-from $run/init
start_models $run runs/v4-pt05/models  # v4, whose filtered edges it trains on
$py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
