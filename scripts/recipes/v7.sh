#!/usr/bin/env bash
# v7's GNN (session 10): the 40-wide GNN without LayerNorm of gnn40n.sh (65 min on one thread)
# trained 35 more minutes on two threads, same edges (runs/v6/prep-filtered), learning rate
# restarted at 0.0002 (cosine to zero over the time budget).
# Resumable: the training resumes from its checkpoint; delete the run directory to start again.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD/python OMP_WAIT_POLICY=PASSIVE
py=.deps/venv/bin/python
run=runs/v7
data=runs/v6/prep-filtered
$py -m trkx_train train gnn --train $data/train --val $data/val \
  --out $run/gnn --epochs 300 --max-minutes ${MINUTES:-35} --model '{"hidden": 40, "n_steps": 4, "layer_norm": false}' \
  --threads ${THREADS:-2} --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.0002 --steps-per-event 2 \
  --max-edges 60000 --init-from runs/gnn40n/gnn
mkdir -p $run/models && cp runs/v6/models/pipeline.json $run/models/ && cp models/filter.onnx models/embedding.onnx $run/models/
$py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
echo done
