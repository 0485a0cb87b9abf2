#!/usr/bin/env bash
# A narrow edge filter (hidden 32) trained from scratch on v4's candidate edges, for models/fast.
source "$(dirname "$0")/lib.sh"
run=runs/filter32
$py -m trkx_train train filter --train runs/v4-pt05/prep-candidates/train --val runs/v4-pt05/prep-candidates/val \
  --out $run/filter --epochs 200 --max-minutes 13 --model '{"hidden": 32, "n_layers": 3, "layer_norm": false}' \
  --threads 2 --signal-pt-min 0.5 --pt-weight-max 4 --lr 0.003 --steps-per-event 4 --max-edges 60000
start_models $run runs/v4-pt05/models  # v4, whose candidate edges it trains on
$py -m trkx_train export $run/filter --models $run/models --check-data runs/v4-pt05/prep-candidates/val
echo done
