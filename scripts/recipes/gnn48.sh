#!/usr/bin/env bash
# v4's GNN at 48 instead of 64 wide (4 steps, LayerNorm; 0.62x the GNN's time, measured
# with random weights): every 64-wide dimension of v4's weights (runs/v4-pt05/gnn) cut to
# its first 48 units (the node update's [h, m_in, m_out] input: the first 48 of each block),
# then 35 min of training on v4's filtered edges. Resumable: the training resumes from its
# checkpoint; delete the run directory to start again.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD/python OMP_WAIT_POLICY=PASSIVE
py=.deps/venv/bin/python
run=runs/gnn48
data=runs/v4-pt05/prep-filtered
model='{"hidden": 48, "n_steps": 4, "layer_norm": true, "shared_weights": false}'
if [ ! -f $run/init/checkpoint.pt ]; then
  $py -m trkx_train.narrow --from runs/v4-pt05/gnn --hidden 48 --out $run/init
fi
$py -m trkx_train train gnn --train $data/train --val $data/val \
  --out $run/gnn --epochs 100 --max-minutes 35 --model "$model" \
  --threads 2 --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.001 --steps-per-event 2 --max-edges 60000 \
  --init-from $run/init
mkdir -p $run/models && cp models/filter.onnx models/embedding.onnx models/pipeline.json $run/models/
$py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
