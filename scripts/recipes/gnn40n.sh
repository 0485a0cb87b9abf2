#!/usr/bin/env bash
# A 40-wide GNN without LayerNorm (session 10): fast's 32-wide GNN (runs/fast2/gnn, made by fast2.sh)
# widened to 40 units with python -m trkx_train.narrow (function-preserving: the new units are read
# through zero weights), then trained on the edges v6's filter passes (runs/v6/prep-filtered).
# Resumable: the training resumes from its checkpoint; delete the run directory to start again.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD/python OMP_WAIT_POLICY=PASSIVE
py=.deps/venv/bin/python
run=runs/gnn40n
data=runs/v6/prep-filtered
[ -f $run/init/checkpoint.pt ] || $py -m trkx_train.narrow --from runs/fast2/gnn --hidden 40 --out $run/init
$py -m trkx_train train gnn --train $data/train --val $data/val \
  --out $run/gnn --epochs 300 --max-minutes ${MINUTES:-65} --model '{"hidden": 40, "n_steps": 4, "layer_norm": false}' \
  --threads ${THREADS:-1} --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.0005 --steps-per-event 2 \
  --max-edges 60000 --init-from $run/init
mkdir -p $run/models && cp runs/v6/models/pipeline.json $run/models/ && cp models/filter.onnx models/embedding.onnx $run/models/
$py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
echo done
