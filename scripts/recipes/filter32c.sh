#!/usr/bin/env bash
# models/fast's 32-wide edge filter (runs/filter32, 13 min from scratch) trained on for 45 more
# minutes (one thread) on v4's candidate edges. Resumable: the training resumes from its
# checkpoint; delete the run directory to start again.
source "$(dirname "$0")/lib.sh"
run=runs/filter32c
data=runs/v4-pt05/prep-candidates
$py -m trkx_train train filter --train $data/train --val $data/val \
  --out $run/filter --epochs 300 --max-minutes 45 --model '{"hidden": 32, "n_layers": 3, "layer_norm": false}' \
  --threads 1 --signal-pt-min 0.5 --pt-weight-max 4 --lr 0.001 --steps-per-event 4 --max-edges 60000 \
  --init-from runs/filter32/filter
start_models $run runs/gnn48/models  # v5, the set it was evaluated with
$py -m trkx_train export $run/filter --models $run/models --check-data $data/val
echo done
