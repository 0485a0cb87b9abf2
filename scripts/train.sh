#!/usr/bin/env bash
# Reproduces the shipped models: simulate -> prepare -> train embedding ->
# export -> prepare (candidate edges) -> train filter -> export -> prepare
# (filtered edges) -> train GNN -> export -> evaluate -> model card.
#
#   scripts/train.sh                       # full run into runs/pu200, installs into models/
#   scripts/train.sh --smoke               # tiny events, one short epoch per stage (CI)
#   scripts/train.sh --name NAME --train-events 20 --budget-minutes 30 ...
#
# Resumable: every finished step leaves a marker in RUN/.done/ and is skipped
# when the command is run again; training resumes from its per-epoch
# checkpoint. Logs: RUN/logs/<step>.log (and RUN/<stage>/train.log).
# Options (defaults in brackets):
#   --name NAME            run name, RUN = <runs>/NAME [pu200; smoke: smoke]
#   --runs DIR             parent of run directories [<repo>/runs]
#   --trkx PATH            trkx binary [$TRKX_BIN or the newest build/*/apps/trkx/trkx]
#   --pileup MU            pile-up [200; smoke: 10]
#   --train-events N       training events [50; smoke: 2]
#   --val-events N         validation events [5; smoke: 1]
#   --test-events N        held-out test events [5; smoke: 1]
#   --epochs-embedding N, --epochs-filter N, --epochs-gnn N   [see below; smoke: 1]
#   --budget-minutes M     training time limit per stage (0 = none) [0]
#   --budget-embedding M, --budget-filter M, --budget-gnn M   per-stage limits [--budget-minutes]
#   --install DIR          copy the finished model set here [<repo>/models; smoke: none]
#   --threads N            threads for torch and trkx [2]
#   --edge-train-events N  train filter and GNN on the first N training events only [all]
#   --signal-pt-min GEV    true edges of particles below this pT are neither positives nor
#                          negatives in training and not counted in efficiencies [0.9]
#   --max-neighbours K     k cap of the radius graph [32]
#   --pt-weight-max W      filter and GNN: signal edges weigh min(max(pT / GeV, 1), W) in the loss [4]
#   --smoke                CI mode (tiny events, one short epoch per stage)
# Seeds: training events use run seed 1001 (event ids 1000...), validation
# seed 2002 (ids 5000...), test seed 3003 (ids 8000...), so the sets are
# statistically independent.
set -euo pipefail

repo=${TRKX_TRAIN_REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
# Run from a private copy so that editing this file during a long run cannot
# change the running instance (bash reads scripts incrementally).
if [ -z "${TRKX_TRAIN_COPY:-}" ]; then
  copy=$(mktemp "${TMPDIR:-/tmp}/trkx-train.XXXXXX.sh")
  cp "${BASH_SOURCE[0]}" "$copy"
  TRKX_TRAIN_COPY=$copy TRKX_TRAIN_REPO=$repo exec bash "$copy" "$@"
fi
trap 'rm -f "$TRKX_TRAIN_COPY"' EXIT
orig_args="$*"
name="" runs="$repo/runs" trkx="${TRKX_BIN:-}" smoke=0 install="__default__" threads=2
pileup="" n_train="" n_val="" n_test="" ep_emb="" ep_fil="" ep_gnn="" budget=0 b_emb="" b_fil="" b_gnn="" n_edge_train=0
signal_pt=0.9 max_nbrs=32 pt_weight=4
while [ $# -gt 0 ]; do
  case "$1" in
    --name) name=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --trkx) trkx=$2; shift 2 ;;
    --pileup) pileup=$2; shift 2 ;;
    --train-events) n_train=$2; shift 2 ;;
    --val-events) n_val=$2; shift 2 ;;
    --test-events) n_test=$2; shift 2 ;;
    --epochs-embedding) ep_emb=$2; shift 2 ;;
    --epochs-filter) ep_fil=$2; shift 2 ;;
    --epochs-gnn) ep_gnn=$2; shift 2 ;;
    --budget-minutes) budget=$2; shift 2 ;;
    --budget-embedding) b_emb=$2; shift 2 ;;
    --budget-filter) b_fil=$2; shift 2 ;;
    --budget-gnn) b_gnn=$2; shift 2 ;;
    --install) install=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --edge-train-events) n_edge_train=$2; shift 2 ;;
    --signal-pt-min) signal_pt=$2; shift 2 ;;
    --max-neighbours) max_nbrs=$2; shift 2 ;;
    --pt-weight-max) pt_weight=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    -h|--help) sed -n '2,/^set /{/^#/p}' "$0"; exit 0 ;;
    *) echo "train.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

if [ "$smoke" = 1 ]; then
  : "${name:=smoke}" "${pileup:=10}" "${n_train:=2}" "${n_val:=1}" "${n_test:=1}"
  : "${ep_emb:=1}" "${ep_fil:=1}" "${ep_gnn:=1}"
  [ "$install" = "__default__" ] && install=""
  # small networks and few steps: this checks the code path, not the physics
  emb_train=(--steps-per-event 4 --queries 512 --positives 4096)
  emb_model='{"hidden": 32, "n_layers": 2}'
  fil_train=(--steps-per-event 2 --max-edges 50000)
  fil_model='{"hidden": 32, "n_layers": 2}'
  gnn_train=(--steps-per-event 2 --max-edges 20000)
  gnn_model='{"hidden": 16, "n_steps": 2}'
else
  : "${name:=pu200}" "${pileup:=200}" "${n_train:=50}" "${n_val:=5}" "${n_test:=5}"
  : "${ep_emb:=12}" "${ep_fil:=10}" "${ep_gnn:=10}"
  [ "$install" = "__default__" ] && install="$repo/models"
  emb_train=(--steps-per-event 4 --lr 0.004)
  emb_model='{}'
  fil_train=(--steps-per-event 4 --lr 0.004 --max-edges 60000)
  fil_model='{"layer_norm": false}'  # LayerNorm was 27-37% of the filter's inference time
  gnn_train=(--steps-per-event 2 --lr 0.003 --max-edges 60000)
  gnn_model='{}'
fi

if [ -z "$trkx" ]; then
  trkx=$(ls -t "$repo"/build/*/apps/trkx/trkx 2>/dev/null | head -n 1 || true)
fi
[ -x "$trkx" ] || { echo "train.sh: trkx binary not found; build target trkx or pass --trkx" >&2; exit 1; }
py="${TRKX_PYTHON:-${TRKX_DEPS:-$repo/.deps}/venv/bin/python}"
[ -x "$py" ] || py=python3
export PYTHONPATH="$repo/python${PYTHONPATH:+:$PYTHONPATH}"
# the cores are shared (compiles, other jobs): sleeping OpenMP workers instead of spinning ones
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"

run="$runs/$name"
mkdir -p "$run/logs" "$run/.done"
models="$run/models"
log() { printf '%s [train.sh] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$run/logs/train.sh.log" >&2; }

# step NAME CMD...: runs CMD once (marker RUN/.done/NAME), output to RUN/logs/NAME.log
step() {
  local s=$1; shift
  if [ -f "$run/.done/$s" ]; then log "skip $s (done)"; return 0; fi
  log "start $s: $*"
  local t0=$SECONDS
  if ! "$@" > >(tee -a "$run/logs/$s.log") 2>&1; then
    log "FAILED $s (log: $run/logs/$s.log)"; exit 1
  fi
  echo "$((SECONDS - t0))" > "$run/.done/$s"
  log "done $s in $((SECONDS - t0)) s"
}

log "run $run: pile-up $pileup, events train/val/test $n_train/$n_val/$n_test, trkx $trkx"

# ------------------------------------------------------------------ simulate
step sim-train "$trkx" simulate --out "$run/data/train" --events "$n_train" --first-event 1000 --seed 1001 \
  --pileup "$pileup" --threads "$threads"
step sim-val "$trkx" simulate --out "$run/data/val" --events "$n_val" --first-event 5000 --seed 2002 \
  --pileup "$pileup" --threads "$threads"
step sim-test "$trkx" simulate --out "$run/data/test" --events "$n_test" --first-event 8000 --seed 3003 \
  --pileup "$pileup" --threads "$threads"

prepare() {  # prepare STAGE SET [models]
  local out="$run/prep-$1/$2" inputs=("$run/data/$2")
  if [ "$2" = train ] && [ "$1" != features ] && [ "$n_edge_train" -gt 0 ]; then
    mapfile -t inputs < <(ls "$run/data/train" | sed -n 's/^\(event[0-9]*\)-hits\.csv.*$/\1/p' | sort -u |
                          head -n "$n_edge_train" | sed "s|^|$run/data/train/|")
  fi
  rm -rf "$out"
  "$trkx" prepare --input "${inputs[@]}" --output "$out" --threads "$threads" ${3:+--models "$3"}
}
train() {  # train STAGE PREP EPOCHS BUDGET MODEL_JSON ARGS...
  local stage=$1 prep=$2 epochs=$3 minutes=${4:-$budget} model=$5; shift 5
  "$py" -m trkx_train train "$stage" --train "$run/prep-$prep/train" --val "$run/prep-$prep/val" \
    --out "$run/$stage" --epochs "$epochs" --model "$model" --threads "$threads" --max-minutes "$minutes" \
    --signal-pt-min "$signal_pt" "$@"
}
export_stage() {  # export_stage STAGE PREP
  "$py" -m trkx_train export "$run/$1" --models "$models" --check-data "$run/prep-$2/val"
}

# ------------------------------------------------------------------ stage 1: embedding
step prep-features-train prepare features train
step prep-features-val prepare features val
step train-embedding train embedding features "$ep_emb" "$b_emb" "$emb_model" "${emb_train[@]}" \
  --max-neighbours "$max_nbrs"
mkdir -p "$models"
step export-embedding export_stage embedding features

# ------------------------------------------------------------------ stage 2: filter
step prep-candidates-train prepare candidates train "$models"
step prep-candidates-val prepare candidates val "$models"
step train-filter train filter candidates "$ep_fil" "$b_fil" "$fil_model" "${fil_train[@]}" \
  --pt-weight-max "$pt_weight"
step export-filter export_stage filter candidates

# ------------------------------------------------------------------ stage 3: GNN
step prep-filtered-train prepare filtered train "$models"
step prep-filtered-val prepare filtered val "$models"
step train-gnn train gnn filtered "$ep_gnn" "$b_gnn" "$gnn_model" "${gnn_train[@]}" \
  --pt-weight-max "$pt_weight"
step export-gnn export_stage gnn filtered

# ------------------------------------------------------------------ evaluate
step prep-filtered-test prepare filtered test "$models"
step eval-test "$py" -m trkx_train evaluate --data "$run/prep-filtered/test" --models "$models" \
  --threads "$threads" --json "$run/eval-test.json"
step eval-val "$py" -m trkx_train evaluate --data "$run/prep-filtered/val" --models "$models" \
  --threads "$threads" --json "$run/eval-val.json"
step flops "$py" -m trkx_train flops --run "$run" --json "$run/flops.json"

"$py" - "$run" "$pileup" "$n_train" "$n_val" "$n_test" "$smoke" "$threads" "$orig_args" "$repo" <<'EOF'
import json, subprocess, sys, time, torch
from pathlib import Path
run, pileup, n_train, n_val, n_test, smoke, threads, args, repo = sys.argv[1:]
try:
    commit = subprocess.run(["git", "-C", repo, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
except OSError:
    commit = "unknown"
p = Path(run) / "provenance.json"
old = json.loads(p.read_text()) if p.exists() else {}
old.update({"run_name": Path(run).name, "pileup": int(pileup), "n_train": int(n_train), "n_val": int(n_val),
            "n_test": int(n_test), "train_seeds": "run seed 1001, event ids 1000..", "val_seeds": "run seed 2002, event ids 5000..",
            "test_seeds": "run seed 3003, event ids 8000..", "smoke": smoke == "1", "threads": int(threads),
            "torch_version": torch.__version__, "git_commit": commit,
            "finished_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "command": "scripts/train.sh" + (" " + args if args else "")})
p.write_text(json.dumps(old, indent=2) + "\n")
EOF
step card "$py" -m trkx_train card --run "$run" --models "$models" --eval "$run/eval-test.json" \
  --val-eval "$run/eval-val.json"

if [ -n "$install" ]; then
  mkdir -p "$install"
  cp "$models"/embedding.onnx "$models"/filter.onnx "$models"/gnn.onnx "$models"/pipeline.json \
    "$models"/MODEL_CARD.md "$install"/
  log "installed the model set into $install"
fi
log "finished: models in $models, card $models/MODEL_CARD.md"
