#!/usr/bin/env bash
# v4's edge filter at 32 instead of 64 wide: every 64-wide dimension of v4's weights
# (runs/v4-pt05/filter) cut to its first 32 units, then 45 min of training (one thread) on v4's
# candidate edges. Resumable: the training resumes from its checkpoint; delete the run
# directory to start again.
source "$(dirname "$0")/lib.sh"
run=runs/filter32w
data=runs/v4-pt05/prep-candidates
model='{"hidden": 32, "n_layers": 3, "layer_norm": false}'
narrow_init $run runs/v4-pt05/filter 32
$py -m trkx_train train filter --train $data/train --val $data/val \
  --out $run/filter --epochs 300 --max-minutes 45 --model "$model" \
  --threads 1 --signal-pt-min 0.5 --pt-weight-max 4 --lr 0.001 --steps-per-event 4 --max-edges 60000 \
  --init-from $run/init
start_models $run runs/gnn48/models  # v5, the set it was evaluated with
$py -m trkx_train export $run/filter --models $run/models --check-data $data/val
echo done
