#!/usr/bin/env bash
# models/all-pt's GNN trained on, on the graph a distilled filter passes (session 20). The distilled
# 40-wide filter (allpt-distill.sh) passes 1.22x the edges of the shipped 64-wide one at the same
# true-edge count, and some of them are others: the shipped GNN, trained behind the 64-wide filter,
# then loses 0.005 of TrackML score. Here it adapts to the student's graph:
#   1. the edges the student set (STUDENT: the all-pt set with the distilled filter at its match
#      cut; default runs/allpt-d40/models) passes, for the first 16 training events of seed 1001
#      and the 5 validation events of seed 2002 (trkx prepare);
#   2. the shipped 6-step 48-wide GNN read back from ONNX (python -m trkx_train.onnx_import);
#   3. MINUTES (40) of training on THREADS (2) threads at LR (0.0002), every true edge weighted 1.
# Exported into runs/allpt-distill-gnn/models: the student set with this GNN (cut 0.75 kept).
# Resumable: finished steps are skipped, the training resumes from its checkpoint.
# Session 20 (STUDENT = allpt-distill.sh's 40-wide filter after 25 minutes, THREADS=1, stopped
# after 11 training minutes, 50 epochs): validation purity at 97.5% efficiency flat (0.957 after
# the first epoch, 0.953-0.959 after), and the set got worse: tuning events TrackML score 0.8434
# against 0.8509 with the shipped GNN behind the same filter (fake rate 1.77% vs 1.48%). Not used.
source "$(dirname "$0")/lib.sh"
data=runs/allpt-data run=runs/allpt-distill-gnn student=${STUDENT:-runs/allpt-d40/models}
[ -f $student/pipeline.json ] || { echo "allpt-distill-gnn.sh: no student set $student (run allpt-distill.sh)" >&2; exit 1; }
allpt_events $data
prep=$run/prep
if [ ! -f $prep/train/meta.json ]; then
  events=()
  for id in $(seq 1000 1015); do events+=("$data/events/train/event00000$id"); done
  rm -rf $prep/train
  $trkx prepare --input "${events[@]}" --output $prep/train --models $student --threads 2
fi
prepare_once $data/events/val $prep/val $student 2
[ -f $run/init/checkpoint.pt ] || $py -m trkx_train.onnx_import $student/gnn.onnx --stage gnn \
  --model '{"hidden": 48, "n_steps": 6, "layer_norm": true, "shared_weights": false}' --out $run/init
HIDDEN=48 LR=${LR:-0.0002} train_allpt_gnn $run $student $prep $run/init 6 1 40 2
# train_allpt_gnn's export sets the GNN cut to the training's 97.5% point; the set keeps all-pt's 0.75.
$py - $run/models/pipeline.json <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
doc["gnn"]["cut"] = 0.75
json.dump(doc, open(sys.argv[1], "w"), indent=2)
PY
