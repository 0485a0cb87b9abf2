#!/usr/bin/env bash
# models/all-pt's 6-step 48-wide GNN (allpt-d6n48.sh, session 15) cut to 40 units and trained on,
# on the same data: the 48 training events' edges behind all-pt's filter at 0.06. 6 steps at 40
# units take 0.72x the time of 4 steps at 64 (one thread, 563k edges; at 48 units 0.88x). The
# 48-unit cut needed ~150 epochs to recover.
#   scripts/recipes/allpt-d6n40.sh  -> runs/allpt-d6n40/models (THREADS, MINUTES, LR: 2, 100, 0.0005)
# Works from a fresh clone (session 17): the events and allpt-fc.sh's prepared graphs are made when
# missing, and the 48-wide start is runs/allpt-d6n48/gnn when that run is here, else the shipped
# network (models/all-pt/gnn.onnx at 053344a) read back from ONNX (python -m trkx_train.onnx_import).
# Resumable: finished steps are skipped, the training resumes from its checkpoint.
source "$(dirname "$0")/lib.sh"
data=runs/allpt-data fc=runs/allpt-fc0.06 run=runs/allpt-d6n40
prep=$fc/prep
allpt_events $data
models_from_git $fc/base 9451b8d models/all-pt
set_filter_cut $fc/base/pipeline.json 0.06
for set in train val; do prepare_once $data/events/$set $prep/$set $fc/base 2; done
models_from_git $run/base 053344a models/all-pt
from=runs/allpt-d6n48/gnn
if [ ! -f $from/checkpoint.pt ]; then
  from=$run/from48
  [ -f $from/checkpoint.pt ] || $py -m trkx_train.onnx_import $run/base/gnn.onnx --stage gnn \
    --model '{"hidden": 48, "n_steps": 6, "layer_norm": true, "shared_weights": false}' --out $from
fi
narrow_init $run $from 40
HIDDEN=40 LR=${LR:-0.0005} train_allpt_gnn $run $run/base $prep $run/init 6 1 100 2
