#!/usr/bin/env bash
# models/all-pt's GNN deepened from 4 to 6 message-passing steps and trained on (session 14). The
# 4-step GNN of session 13 stopped improving on its training loss over its last 100 epochs (0.185 ->
# 0.186 while the learning rate decayed), so it lacks capacity rather than training; the deeper one
# starts as that GNN (python -m trkx_train.narrow --n-steps: the new steps add nothing at the start)
# and is trained on the same data: the 48 training events' edges behind all-pt's filter at 0.06
# (the prep of allpt-fc.sh, shared: the same embedding, filter and cut), every true edge weighted 1.
#   scripts/recipes/allpt-d6.sh  -> runs/allpt-d6/models (STEPS, THREADS, MINUTES, LR: 6, 2, 100, 0.0002)
# Resumable: finished steps are skipped, the training resumes from its checkpoint.
# Evaluated in session 15 (held-out score 0.8529 -> 0.8568) and shipped only cut to 48 units
# (allpt-d6n48.sh). The export here writes the training's 97.5% point, 0.767, into a copy of the
# session-13 set; the shipped set keeps its GNN cut 0.75 and session 14's track building.
source "$(dirname "$0")/lib.sh"
steps=${STEPS:-6} data=runs/allpt-data prep=runs/allpt-fc0.06/prep
run=runs/allpt-d$steps
allpt_events $data
models_from_git $run/base 5a1a9af models/all-pt
for set in train val; do prepare_once $data/events/$set $prep/$set $run/base 2; done
import_allpt_gnn $run/base/gnn.onnx $run/init-gnn
[ -f $run/init/checkpoint.pt ] || $py -m trkx_train.narrow --from $run/init-gnn --n-steps "$steps" --out $run/init
LR=${LR:-0.0002} train_allpt_gnn $run $run/base $prep $run/init $steps 1 100 2
