#!/usr/bin/env bash
# v4's edge filter at 32 instead of 64 wide: every 64-wide dimension of v4's weights
# (runs/v4-pt05/filter) cut to its first 32 units, then 45 min of training (one thread) on v4's
# candidate edges. Resumable: the training resumes from its checkpoint; delete the run
# directory to start again.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PYTHONPATH=$PWD/python OMP_WAIT_POLICY=PASSIVE
py=.deps/venv/bin/python
run=runs/filter32w
data=runs/v4-pt05/prep-candidates
model='{"hidden": 32, "n_layers": 3, "layer_norm": false}'
if [ ! -f $run/init/checkpoint.pt ]; then
  mkdir -p $run/init
  $py - "$model" <<'PY'
import json, sys, torch
from trkx_train.models import ModelSpec, build_model
src = torch.load("runs/v4-pt05/filter/checkpoint.pt", map_location="cpu")["model"]
spec = json.load(open("runs/v4-pt05/filter/spec.json"))
spec["model"] = json.loads(sys.argv[1])
net = build_model(ModelSpec("filter", spec["node_features"], spec["model"]))
state = net.state_dict()
old, new = 64, spec["model"]["hidden"]
for k in state:
    t = src[k]
    for d, (a, b) in enumerate(zip(t.shape, state[k].shape)):
        if a != b:
            assert (a, b) == (old, new), (k, tuple(t.shape), tuple(state[k].shape))
            t = t.narrow(d, 0, new)
    state[k] = t.clone()
net.load_state_dict(state)
torch.save({"model": net.state_dict()}, "runs/filter32w/init/checkpoint.pt")
json.dump({"stage": "filter", "node_features": spec["node_features"], "model": spec["model"]},
          open("runs/filter32w/init/spec.json", "w"), indent=2)
print("init: v4's filter cut to", new, "wide")
PY
fi
$py -m trkx_train train filter --train $data/train --val $data/val \
  --out $run/filter --epochs 300 --max-minutes 45 --model "$model" \
  --threads 1 --signal-pt-min 0.5 --pt-weight-max 4 --lr 0.001 --steps-per-event 4 --max-edges 60000 \
  --init-from $run/init
mkdir -p $run/models && cp models/embedding.onnx models/gnn.onnx models/pipeline.json $run/models/
$py -m trkx_train export $run/filter --models $run/models --check-data $data/val
echo done
