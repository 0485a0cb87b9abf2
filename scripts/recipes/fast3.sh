#!/usr/bin/env bash
# fast's 32-wide GNN trained longer (session 10): runs/fast2/gnn (fast2.sh) continued on the edges
# v6's filter passes (runs/v6/prep-filtered) at a lower learning rate.
# Resumable: the training resumes from its checkpoint; delete the run directory to start again.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD/python OMP_WAIT_POLICY=PASSIVE
py=.deps/venv/bin/python
run=runs/fast3
data=runs/v6/prep-filtered
$py -m trkx_train train gnn --train $data/train --val $data/val \
  --out $run/gnn --epochs 300 --max-minutes ${MINUTES:-65} --model '{"hidden": 32, "n_steps": 4, "layer_norm": false}' \
  --threads ${THREADS:-1} --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.0003 --steps-per-event 2 \
  --max-edges 60000 --init-from runs/fast2/gnn
mkdir -p $run/models && cp runs/v6/models/pipeline.json $run/models/ && cp models/filter.onnx models/embedding.onnx $run/models/
$py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
echo done
