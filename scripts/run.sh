#!/usr/bin/env bash
# The main job on built-in defaults, from a fresh checkout: bootstrap
# (idempotent), build the release preset, simulate one pile-up-200 event,
# reconstruct it with the shipped models, evaluate, and print the physics and
# timing summary. Outputs go to runs/demo/ (override with TRKX_RUN_DIR).
#   scripts/run.sh [--pileup MU] [--seed S] [--events N] [--models DIR]
# (--models models/all-pt: the set that reaches the TrackML score target, ~3 s per event)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
pileup=200
seed=900001
events=1
models=models
while [ $# -gt 0 ]; do
  case "$1" in
    --pileup) pileup=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --events) events=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
  esac
done
scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target trkx >/dev/null
trkx=build/release/apps/trkx/trkx
out=${TRKX_RUN_DIR:-runs/demo}
rm -rf "$out"
mkdir -p "$out"

echo "== simulate: $events event(s), pile-up $pileup, seed $seed"
"$trkx" simulate --events "$events" --pileup "$pileup" --seed "$seed" --out "$out/events" --summary
echo
echo "== reconstruct with $models/"
"$trkx" reconstruct --input "$out/events" --models "$models" --output "$out/tracks" --dump-graphs
echo
echo "== evaluate"
"$trkx" evaluate --truth "$out/events" --tracks "$out/tracks" --models "$models" \
  --output "$out/evaluation.json" --plots "$out/plots"
echo
echo "== every track candidate, without the models' track-quality selection (reconstruct --min-track-hits 0)"
"$trkx" --log-level warn reconstruct --input "$out/events" --models "$models" --output "$out/tracks-all" \
  --min-track-hits 0 >/dev/null
"$trkx" --log-level warn evaluate --truth "$out/events" --tracks "$out/tracks-all" \
  --output "$out/evaluation-all.json" | grep -E '^(TrackML|efficiency|fake rate|duplicate rate|impure rate)'
echo
echo "Outputs in $out/: events/ (TrackML CSV), tracks/ (submissions, track parameters event*-tracks.csv, report.json, graphs/), evaluation.json, tracks-all/ and evaluation-all.json (every track), plots/"
