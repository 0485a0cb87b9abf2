#!/usr/bin/env bash
# v6 candidates (session 9): a 32-wide filter (FILTER_RUN, default runs/filter32c; cut FILTER_CUT) in front of
# the GNN. Prepares the filtered edges of v4's 24 training and 5 validation events with that
# filter, then adapts two GNNs to them at once (one thread each, MINUTES each):
#   gnn48: v5's GNN (runs/gnn48/gnn), lr 0.0005;
#   gnn40: the 40-wide GNN warm-started from v5's (runs/gnn40/gnn), lr 0.0005.
# Resumable: each step is skipped when its output exists; the trainings resume from their
# checkpoints. Delete runs/v6 to start again.
source "$(dirname "$0")/lib.sh"
run=runs/v6
filter_run=${FILTER_RUN:-runs/filter32c}
filter_cut=${FILTER_CUT:-0.10}  # below the training's 97.5%-efficiency cut (0.138): with v5's GNN the
                                # tuning events' efficiency needed it (0.9568 at 0.138, 0.9605 at 0.10)
minutes=${MINUTES:-35}
if [ ! -f $run/models/pipeline.json ]; then
  start_models $run $filter_run/models
  set_filter_cut $run/models/pipeline.json $filter_cut
fi
for set in train val; do prepare_once runs/v4-pt05/data/$set $run/prep-filtered/$set $run/models 2; done
train() {  # train NAME WIDTH INIT
  local name=$1 width=$2 init=$3
  $py -m trkx_train train gnn --train $run/prep-filtered/train --val $run/prep-filtered/val \
    --out $run/$name --epochs 100 --max-minutes $minutes \
    --model "{\"hidden\": $width, \"n_steps\": 4, \"layer_norm\": true, \"shared_weights\": false}" \
    --threads 1 --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.0005 --steps-per-event 2 \
    --max-edges 60000 --init-from $init > $run/$name.log 2>&1
  mkdir -p $run/models-$name && cp $run/models/* $run/models-$name/
  $py -m trkx_train export $run/$name --models $run/models-$name --check-data $run/prep-filtered/val >> $run/$name.log 2>&1
}
train gnn48 48 runs/gnn48/gnn &
train gnn40 40 runs/gnn40/gnn &
wait
echo done
