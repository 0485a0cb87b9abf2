#!/usr/bin/env bash
# Continues training the shipped filter and GNN on freshly simulated events
# (e.g. after the simulation changed, or with another signal pT threshold),
# starting from the weights recovered from the shipped ONNX files
# (python -m trkx_train.onnx_import); the embedding is kept unless
# --embedding-minutes is given.
#
#   scripts/finetune.sh --name NAME [--signal-pt-min 0.9] [--train-events 24]
#                       [--filter-minutes 12] [--gnn-minutes 45] [--from models]
#                       [--cut-pt-min GEV] [--data-from NAME] [--embedding-minutes M]
#
# --embedding-minutes M: train the embedding on as well (M minutes, same
# signal definition; its radius keeps 97.5% of the true edges of particles
# above --cut-pt-min) before the filter and GNN.
# --cut-pt-min: the filter and GNN cuts keep 97.5% of the true edges of
# particles above this pT (default: --signal-pt-min), e.g. train on every
# particle (--signal-pt-min 0) but size the filter's output by the fast ones.
# --data-from: reuse the simulated events (and, when the embedding is kept, the
# prepared candidate edges) of runs/NAME (same embedding as --from).
#
# Steps: simulate train (seed 1001, ids 1000..) and validation (seed 2002,
# ids 5000..) events -> recover filter and GNN -> prepare candidate edges with
# the shipped embedding -> train filter -> export -> prepare filtered edges ->
# train GNN -> export into RUN/models (with the shipped embedding). Resumable:
# finished steps leave markers in RUN/.done/; training resumes from its
# checkpoint. Logs in RUN/logs/. The model set is not installed: compare it
# with `trkx reconstruct` / `trkx evaluate` first.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
name="" signal_pt=0.9 cut_pt=-1 data_from="" n_train=24 n_val=5 fil_min=12 gnn_min=45 from="$repo/models" threads=2 pt_weight=4 emb_min=0
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --signal-pt-min) signal_pt=$2; shift 2 ;;
    --train-events) n_train=$2; shift 2 ;;
    --val-events) n_val=$2; shift 2 ;;
    --filter-minutes) fil_min=$2; shift 2 ;;
    --gnn-minutes) gnn_min=$2; shift 2 ;;
    --from) from=$(cd "$2" && pwd); shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --cut-pt-min) cut_pt=$2; shift 2 ;;
    --data-from) data_from=$2; shift 2 ;;
    --embedding-minutes) emb_min=$2; shift 2 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "finetune.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
[ -n "$name" ] || { echo "finetune.sh: --name is required" >&2; exit 2; }
trkx=${TRKX_BIN:-$(ls -t "$repo"/build/*/apps/trkx/trkx 2>/dev/null | head -n 1 || true)}
[ -x "$trkx" ] || { echo "finetune.sh: trkx binary not found (build target trkx or set TRKX_BIN)" >&2; exit 1; }
py="$repo/.deps/venv/bin/python"
export PYTHONPATH="$repo/python${PYTHONPATH:+:$PYTHONPATH}"
export OMP_WAIT_POLICY=PASSIVE
run="$repo/runs/$name"
mkdir -p "$run/logs" "$run/.done" "$run/models"
log() { printf '%s [finetune.sh] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$run/logs/finetune.log" >&2; }
step() {
  local s=$1; shift
  if [ -f "$run/.done/$s" ]; then log "skip $s (done)"; return 0; fi
  log "start $s"
  if ! "$@" >>"$run/logs/$s.log" 2>&1; then log "FAILED $s (log: $run/logs/$s.log)"; exit 1; fi
  touch "$run/.done/$s"
  log "done $s"
}
if [ -n "$data_from" ]; then
  src="$repo/runs/$data_from"
  linked=(data) linked_steps=(sim-train sim-val)
  if [ "$emb_min" = 0 ]; then linked+=(prep-candidates); linked_steps+=(prep-candidates-train prep-candidates-val); fi
  for d in "${linked[@]}"; do
    [ -d "$src/$d" ] || { log "--data-from: $src/$d missing"; exit 1; }
    [ -e "$run/$d" ] || ln -s "$src/$d" "$run/$d"
  done
  for s in "${linked_steps[@]}"; do
    # never re-run these steps on the linked directories (prepare starts with rm -rf)
    [ -f "$src/.done/$s" ] || { log "--data-from: $data_from has not finished $s"; exit 1; }
    touch "$run/.done/$s"
  done
fi
entry_of() {  # entry_of STAGE KEY: a stage entry's field in --from's pipeline.json
  "$py" -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]][sys.argv[3]])" "$from/pipeline.json" "$1" "$2"; }
model_of() { "$py" -c "import json,sys; print(json.dumps(json.load(open(sys.argv[1]))['training'][sys.argv[2]]['model']))" \
  "$from/pipeline.json" "$1"; }

step sim-train "$trkx" simulate --out "$run/data/train" --events "$n_train" --first-event 1000 --seed 1001 \
  --pileup 200 --threads "$threads"
step sim-val "$trkx" simulate --out "$run/data/val" --events "$n_val" --first-event 5000 --seed 2002 \
  --pileup 200 --threads "$threads"
stages=(filter gnn)
[ "$emb_min" = 0 ] || stages=(embedding filter gnn)
for stage in "${stages[@]}"; do
  step "import-$stage" "$py" -m trkx_train.onnx_import "$from/$(entry_of "$stage" file)" --stage "$stage" \
    --model "$(model_of "$stage")" --out "$run/init-$stage"
done
# The embedding (and its pipeline.json entry) is kept: a model set with the embedding only.
step models-embedding "$py" - "$from" "$run/models" <<'EOF'
import json, shutil, sys
src, dst = sys.argv[1:]
doc = json.load(open(f"{src}/pipeline.json"))
shutil.copy(f"{src}/{doc['embedding']['file']}", f"{dst}/embedding.onnx")
keep = {k: doc[k] for k in ("format_version", "node_features", "embedding")}
keep["embedding"]["file"] = "embedding.onnx"  # (a set may point at another set's file, e.g. ../embedding.onnx)
keep["training"] = {"embedding": doc["training"]["embedding"]}
json.dump(keep, open(f"{dst}/pipeline.json", "w"), indent=2)
EOF
prepare() {  # prepare STAGE SET (features need no models)
  local m=(--models "$run/models"); [ "$1" = features ] && m=()
  rm -rf "$run/prep-$1/$2"; "$trkx" prepare --input "$run/data/$2" --output "$run/prep-$1/$2" --threads "$threads" "${m[@]}"
}
train() {  # train STAGE PREP MINUTES ARGS...
  local stage=$1 prep=$2 minutes=$3; shift 3
  "$py" -m trkx_train train "$stage" --train "$run/prep-$prep/train" --val "$run/prep-$prep/val" \
    --out "$run/$stage" --epochs 100 --max-minutes "$minutes" --model "$(model_of "$stage")" --threads "$threads" \
    --signal-pt-min "$signal_pt" --cut-pt-min "$cut_pt" --pt-weight-max "$pt_weight" --init-from "$run/init-$stage" "$@"
}
export_stage() { "$py" -m trkx_train export "$run/$1" --models "$run/models" --check-data "$run/prep-$2/val"; }

if [ "$emb_min" != 0 ]; then
  step prep-features-train prepare features train
  step prep-features-val prepare features val
  step train-embedding train embedding features "$emb_min" --lr 0.002 --steps-per-event 4 \
    --max-neighbours "$(entry_of embedding max_neighbours)"
  step export-embedding export_stage embedding features
fi
step prep-candidates-train prepare candidates train
step prep-candidates-val prepare candidates val
step train-filter train filter candidates "$fil_min" --lr 0.002 --steps-per-event 4 --max-edges 60000
step export-filter export_stage filter candidates
step prep-filtered-train prepare filtered train
step prep-filtered-val prepare filtered val
step train-gnn train gnn filtered "$gnn_min" --lr 0.001 --steps-per-event 2 --max-edges 60000
step export-gnn export_stage gnn filtered
log "model set in $run/models"
