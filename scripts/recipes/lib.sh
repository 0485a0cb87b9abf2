# Sourced by every recipe: the repository as working directory, the Python environment, and the
# steps the recipes share. Each recipe exports its network into a copy of a fixed, complete model
# set under runs/ (the set it was evaluated with), never of models/, which moves on.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PYTHONPATH=$PWD/python OMP_WAIT_POLICY=PASSIVE
py=.deps/venv/bin/python
trkx=${TRKX:-build/release/apps/trkx/trkx}  # TRKX: another build of trkx (e.g. build/ci/apps/trkx/trkx)

# start_models RUN BASE: RUN/models becomes a copy of the model set BASE (the export then replaces
# one network and its pipeline.json entry).
start_models() {
  mkdir -p "$1/models"
  cp "$2"/embedding.onnx "$2"/filter.onnx "$2"/gnn.onnx "$2"/pipeline.json "$1/models/"
}

# models_from_git DIR COMMIT SET: DIR is the model set SET (e.g. models/all-pt) as it was at COMMIT,
# unless DIR/pipeline.json exists; a fixed base that never moves with models/.
models_from_git() {
  [ -f "$1/pipeline.json" ] && return
  mkdir -p "$1"
  git archive "$2" "$3" | tar -x -C "$1" --strip-components="$(($(tr -cd / <<<"$3" | wc -c) + 1))"
}

# prepare_once INPUT OUTPUT MODELS THREADS: `trkx prepare` of the events in INPUT into OUTPUT with the
# model set MODELS, unless OUTPUT/meta.json says an earlier run finished (a partial OUTPUT starts again).
prepare_once() {
  [ -f "$2/meta.json" ] && return
  rm -rf "$2"
  $trkx prepare --input "$1" --output "$2" --models "$3" --threads "$4"
}

# narrow_init RUN FROM HIDDEN: RUN/init is the trained network FROM resized to HIDDEN units
# (python -m trkx_train.narrow), unless it exists.
narrow_init() {
  [ -f "$1/init/checkpoint.pt" ] || $py -m trkx_train.narrow --from "$2" --hidden "$3" --out "$1/init"
}

# train_gnn_on_v6_edges RUN INIT_DIR HIDDEN LR DEFAULT_MINUTES DEFAULT_THREADS (session 10): a GNN
# without LayerNorm trained on the edges v6's filter passes at 0.10 (runs/v6/prep-filtered, made by
# v6.sh), exported into a copy of runs/v6/models. MINUTES and THREADS in the environment override
# the defaults. Resumable: the training resumes from RUN/gnn/checkpoint.pt; delete RUN to start again.
train_gnn_on_v6_edges() {
  local run=$1 init=$2 hidden=$3 lr=$4 data=runs/v6/prep-filtered
  $py -m trkx_train train gnn --train $data/train --val $data/val --out $run/gnn --epochs 300 \
    --max-minutes "${MINUTES:-$5}" --model "{\"hidden\": $hidden, \"n_steps\": 4, \"layer_norm\": false}" \
    --threads "${THREADS:-$6}" --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr "$lr" \
    --steps-per-event 2 --max-edges 60000 --init-from "$init"
  start_models $run runs/v6/models
  $py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
  echo done
}

# allpt_events DATA: the events of models/all-pt's GNN training since session 12 (allpt-more.sh,
# allpt-fc.sh), simulated into DATA/events unless they are there: train = seed 1001 ids 1000-1023
# and seed 1101 ids 1100-1123, val = seed 2002 ids 5000-5004 (pile-up 200).
allpt_events() {
  local set seed first n
  while read -r set seed first n; do
    [ -f "$1/.sim-$set-$seed" ] && continue
    $trkx simulate --out "$1/events/$set" --seed "$seed" --first-event "$first" --events "$n" --pileup 200 --threads 2
    touch "$1/.sim-$set-$seed"
  done <<<"train 1001 1000 24
train 1101 1100 24
val 2002 5000 5"
}

# set_filter_cut PIPELINE_JSON CUT [NOTE]: the model set's filter cut (and the filter's note).
set_filter_cut() {
  $py - "$@" <<'PY'
import json, sys
path, cut, note = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
doc = json.load(open(path))
doc["filter"]["cut"] = cut
if note:
    doc["filter"]["note"] = note[0]
json.dump(doc, open(path, "w"), indent=2)
PY
}

# train_allpt_gnn RUN BASE PREP INIT STEPS PT_WEIGHT DEFAULT_MINUTES DEFAULT_THREADS (sessions 12-13):
# an all-pt GNN (64 wide or HIDDEN from the environment, LayerNorm, STEPS steps) trained from INIT's weights on PREP/{train,val},
# true edges weighted min(max(pT/GeV, 1), PT_WEIGHT), exported into RUN/models, a copy of the model
# set BASE. INIT is BASE's GNN (import_allpt_gnn) or a deepened copy of it. MINUTES, THREADS and LR
# in the environment override the defaults. Resumable: the training resumes from RUN/gnn.
train_allpt_gnn() {
  local run=$1 base=$2 prep=$3 init=$4 steps=$5 weight=$6
  $py -m trkx_train train gnn --train $prep/train --val $prep/val --out $run/gnn --epochs 300 \
    --max-minutes "${MINUTES:-$7}" --threads "${THREADS:-$8}" \
    --model "{\"hidden\": ${HIDDEN:-64}, \"n_steps\": $steps, \"layer_norm\": true}" --lr "${LR:-0.0003}" \
    --steps-per-event 2 --signal-pt-min 0 --cut-pt-min 0.5 --pt-weight-max $weight --max-edges 60000 \
    --init-from $init
  start_models $run $base
  $py -m trkx_train export $run/gnn --models $run/models --check-data $prep/val
  echo done
}

# import_allpt_gnn ONNX OUT: OUT/checkpoint.pt holds the weights of the all-pt GNN in ONNX
# (python -m trkx_train.onnx_import), unless it exists.
import_allpt_gnn() {
  [ -f "$2/checkpoint.pt" ] || $py -m trkx_train.onnx_import "$1" --stage gnn \
    --model '{"hidden": 64, "n_steps": 4, "layer_norm": true, "shared_weights": false}' --out "$2"
}

# prepare_allpt24 OUT [MODELS]: `trkx prepare` of the 24 training events of seed 1001 (allpt_events)
# into OUT/train and the 5 validation events into OUT/val, with the model set MODELS (candidate
# edges when it holds an embedding) or without models (hit features and truth only), unless done.
prepare_allpt24() {
  local out=$1 data=runs/allpt-data models=() events=() id
  [ -n "${2:-}" ] && models=(--models "$2")
  for id in $(seq 1000 1023); do events+=("$data/events/train/event00000$id"); done
  [ -f "$out/train/meta.json" ] || { rm -rf "$out/train"; $trkx prepare --input "${events[@]}" --output "$out/train" "${models[@]}" --threads 2; }
  [ -f "$out/val/meta.json" ] || { rm -rf "$out/val"; $trkx prepare --input $data/events/val --output "$out/val" "${models[@]}" --threads 2; }
}

# train_allpt_stage RUN STAGE PREP MODEL_JSON DEFAULT_LR DEFAULT_MINUTES [ARGS...] (session 18): STAGE
# (embedding or filter) trained from RUN/init on PREP/{train,val} with all-pt's loss settings (every
# particle is signal, pT weight up to 4, the 97.5% point taken above 0.5 GeV), exported into
# RUN/models, a copy of RUN/base. MINUTES, THREADS, LR and EPOCHS (300) in the environment override
# the defaults.
train_allpt_stage() {
  local run=$1 stage=$2 prep=$3 model=$4 lr=$5 minutes=$6
  shift 6
  $py -m trkx_train train "$stage" --train $prep/train --val $prep/val --out $run/$stage --epochs "${EPOCHS:-300}" \
    --max-minutes "${MINUTES:-$minutes}" --threads "${THREADS:-2}" --model "$model" --lr "${LR:-$lr}" \
    --steps-per-event 4 --signal-pt-min 0 --cut-pt-min 0.5 --pt-weight-max 4 --init-from $run/init "$@"
  start_models $run $run/base
  $py -m trkx_train export $run/$stage --models $run/models --check-data $prep/val
  echo done
}
