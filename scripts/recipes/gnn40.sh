#!/usr/bin/env bash
# v5's GNN (runs/gnn48) at 40 instead of 48 wide, warm-started the same way (first 40 units of every
# 48-wide dimension), then 25 min of training on v4's filtered edges. Resumable.
# The training resumes from its checkpoint; delete the run directory to start again.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD/python OMP_WAIT_POLICY=PASSIVE
py=.deps/venv/bin/python
run=runs/gnn40
data=runs/v4-pt05/prep-filtered
model='{"hidden": 40, "n_steps": 4, "layer_norm": true, "shared_weights": false}'
if [ ! -f $run/init/checkpoint.pt ]; then
  mkdir -p $run/init
  $py - "$model" <<'PY'
import json, sys, torch
from trkx_train.models import ModelSpec, build_model
src = torch.load("runs/gnn48/gnn/checkpoint.pt", map_location="cpu")["model"]
spec = json.load(open("runs/gnn48/gnn/spec.json"))
spec["model"] = json.loads(sys.argv[1])
net = build_model(ModelSpec("gnn", spec["node_features"], spec["model"]))
state = net.state_dict()
old, new = 48, spec["model"]["hidden"]
def cut(t, shape):
    for d, (a, b) in enumerate(zip(t.shape, shape)):
        if a == b:
            continue
        if (a, b) == (old, new):
            idx = torch.arange(new)
        elif a % old == 0 and b == a // old * new:  # concatenated blocks of width `old`
            idx = torch.cat([torch.arange(k * old, k * old + new) for k in range(a // old)])
        else:
            raise ValueError(f"cannot cut {tuple(t.shape)} to {tuple(shape)}")
        t = t.index_select(d, idx)
    return t
for k in state:
    state[k] = cut(src[k], state[k].shape)
net.load_state_dict(state)
torch.save({"model": net.state_dict()}, "runs/gnn40/init/checkpoint.pt")
json.dump({"stage": "gnn", "node_features": spec["node_features"], "model": spec["model"]},
          open("runs/gnn40/init/spec.json", "w"), indent=2)
print("init: v4's weights cut to", new, "wide")
PY
fi
$py -m trkx_train train gnn --train $data/train --val $data/val \
  --out $run/gnn --epochs 100 --max-minutes 25 --model "$model" \
  --threads 2 --signal-pt-min 0.5 --cut-pt-min -1 --pt-weight-max 4 --lr 0.001 --steps-per-event 2 --max-edges 60000 \
  --init-from $run/init
mkdir -p $run/models && cp models/filter.onnx models/embedding.onnx models/pipeline.json $run/models/
$py -m trkx_train export $run/gnn --models $run/models --check-data $data/val
