# Sourced by the session-10 recipes (fast3.sh, gnn40n.sh, v7.sh): trains a GNN without LayerNorm
# on the edges v6's filter passes at 0.10 (runs/v6/prep-filtered, made by v6.sh) and exports it
# with models/' embedding and filter into RUN/models.
#   train_gnn_on_v6_edges RUN INIT_DIR HIDDEN LR DEFAULT_MINUTES DEFAULT_THREADS
# MINUTES and THREADS in the environment override the defaults. Resumable: the training resumes
# from RUN/gnn/checkpoint.pt; delete RUN to start again.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PYTHONPATH=$PWD/python OMP_WAIT_POLICY=PASSIVE
py=.deps/venv/bin/python

train_gnn_on_v6_edges() {
  local run=$1 init=$2 hidden=$3 lr=$4 data=runs/v6/prep-filtered
  $py -m trkx_train train gnn --train $data/train --val $data/val --out $run/gnn --epochs 300 \
    --max-minutes "${MINUTES:-$5}" --model "{\"hidden\": $hidden, \"n_steps\": 4, \"layer_norm\": false}" \
    --threads "${THREADS:-$6}" --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr "$lr" \
    --steps-per-event 2 --max-edges 60000 --init-from "$init"
  mkdir -p $run/models
  cp runs/v6/models/pipeline.json $run/models/
  cp models/filter.onnx models/embedding.onnx $run/models/
  $py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
  echo done
}
