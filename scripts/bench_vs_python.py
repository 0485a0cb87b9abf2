#!/usr/bin/env python3
"""trkx against the same chain run from Python (a research pipeline's way), side by side.

For a model set and one or more events (TrackML CSV prefixes), the peers
(``trkx_train.reference``: the embedding, a cKDTree radius graph, the filter,
the GNN, SciPy's connected components) run the set's networks either in
PyTorch (rebuilt from the ONNX files) or as the ONNX files themselves in ONNX
Runtime's Python API:

1. in each of ``--rounds`` rounds, ``trkx bench`` (with connected components
   and no stitching or extension: the same track building) and then each
   peer, ``--repeat`` times per event: per-stage medians and the ratios;
2. the outputs are compared: ``trkx reconstruct`` with the same track
   building dumps its graphs; the candidate pairs, the edges each network
   passes, the tracks (hits whose track holds the same hits) and the
   submissions' TrackML scores (``trkx evaluate``) are set side by side.

    .deps/venv/bin/python scripts/bench_vs_python.py --models models/all-pt \\
        --input H/event000008000 H/event000008001 --trkx build/release/apps/trkx/trkx

Every side uses ``--threads`` (2) threads: ONNX Runtime and TBB in trkx, the
intra-op threads of PyTorch or ONNX Runtime and cKDTree's workers in the
peers. The hit features of every side are trkx's (``trkx prepare``).
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "python"))

from trkx_train import reference  # noqa: E402

STAGES = ("embedding", "radius_graph", "filter", "gnn", "track_building")


def run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")


def event_inputs(trkx: str, prefix: str, work: Path) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """(event id, hit features, hit positions, hit ids) of one event, the features from trkx prepare."""
    name = Path(prefix).name
    prep = work / "prep" / name
    if not (prep / "meta.json").exists():
        run([trkx, "prepare", "--input", prefix, "--output", str(prep)])
    d = prep / name
    x = np.load(d / "node_features.npy")
    hit_id = np.load(d / "hit_id.npy")
    hits_file = Path(prefix + "-hits.csv")
    if not hits_file.exists():
        hits_file = Path(prefix + "-hits.csv.gz")
    hits = pd.read_csv(hits_file, usecols=["hit_id", "x", "y", "z"]).set_index("hit_id")
    return int(name.removeprefix("event")), x, hits.loc[hit_id, ["x", "y", "z"]].to_numpy(), hit_id


def trkx_bench(trkx: str, models: str, prefixes: list[str], repeat: int, threads: int, min_hits: int,
               out: Path) -> dict[str, list[float]]:
    run([trkx, "bench", "--models", models, "--input", *prefixes, "--repeat", str(repeat), "--threads", str(threads),
         "--track-builder", "cc", "--no-stitch", "--no-extend", "--min-hits", str(min_hits), "--min-track-hits", "0",
         "--json", str(out)])
    variant = json.loads(out.read_text())["variants"][0]
    times = {s["name"]: [s["wall_median_seconds"]] for s in variant["stages"]}
    times["event"] = [variant["event_wall_median_seconds"]]
    times["peak_rss_mb"] = [json.loads(out.read_text())["process_peak_rss_bytes"] / 2**20]
    return times


def compare_outputs(args, models: reference.ModelSet, events: list, work: Path) -> list[dict]:
    """trkx reconstruct (the same track building, graphs dumped) against a peer's chain. The peer runs
    each event once more here: keeping the timed runs' outputs (~0.2 GB per all-pt event and peer)
    would raise the peak memory reported for the peers."""
    out = work / "trkx"
    if not (out / "report.json").exists():
        run([args.trkx, "reconstruct", "--input", *args.input, "--models", args.models, "--output", str(out),
             "--threads", str(args.threads), "--track-builder", "cc", "--no-stitch", "--no-extend",
             "--min-hits", str(args.min_hits), "--min-track-hits", "0", "--dump-graphs"])
    py_out = work / models.backend
    py_out.mkdir(parents=True, exist_ok=True)
    rows = []
    for event_id, x, xyz, hit_id in events:
        res = reference.run_event(models, x, xyz, args.min_hits, args.threads)
        track_id = np.where(res["labels"] < 0, 0, res["labels"] + 1)
        pd.DataFrame({"event_id": event_id, "hit_id": hit_id, "track_id": track_id}).to_csv(
            py_out / f"event{event_id:09d}-submission.csv", index=False)
        n = x.shape[0]

        def common(a: np.ndarray, b: np.ndarray) -> int:
            return int(np.intersect1d(reference.pair_keys(a, n), reference.pair_keys(b, n)).size)

        graphs = out / "graphs"
        cand = pd.read_csv(graphs / f"event{event_id:09d}-graph-radius_graph.csv").to_numpy().T
        filt = pd.read_csv(graphs / f"event{event_id:09d}-graph-filter.csv")
        gnn = pd.read_csv(graphs / f"event{event_id:09d}-graph-gnn.csv")
        t_filt = filt[filt.score >= models.filter_cut][["src", "dst"]].to_numpy().T
        t_gnn = gnn[gnn.score >= models.gnn_cut][["src", "dst"]].to_numpy().T
        p_gnn = res["filtered"][:, res["gnn_scores"] >= models.gnn_cut]
        t_tracks = pd.read_csv(out / f"event{event_id:09d}-submission.csv")
        same = reference.same_partition(t_tracks.set_index("hit_id").loc[hit_id, "track_id"].to_numpy(), track_id)
        rows.append({"peer": models.backend, "event": event_id,
                     "candidate_pairs": [cand.shape[1], res["candidates"].shape[1]],
                     "candidate_pairs_common": common(cand[:2], res["candidates"]),
                     "filter_passed": [t_filt.shape[1], res["filtered"].shape[1]],
                     "filter_passed_common": common(t_filt, res["filtered"]),
                     "gnn_passed": [t_gnn.shape[1], p_gnn.shape[1]],
                     "gnn_passed_common": common(t_gnn, p_gnn),
                     "tracks": [int(t_tracks.track_id.max()), int(track_id.max())],
                     "hits_in_identical_tracks": same})
    scores = []  # the events' truth: the directory of the first event (evaluate skips events without tracks)
    for tracks in (out, py_out):
        report = work / f"evaluate-{tracks.name}.json"
        run([args.trkx, "evaluate", "--truth", str(Path(args.input[0]).parent), "--tracks", str(tracks),
             "--output", str(report)])
        scores.append(json.loads(report.read_text())["trackml_score"]["mean"])
    rows.append({"peer": models.backend, "trackml_score": scores})
    return rows


PEER_NAMES = {"pytorch": "PyTorch", "onnxruntime": "ORT-Python"}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--models", required=True)
    p.add_argument("--input", nargs="+", required=True, help="event prefixes (DIR/event000000123)")
    p.add_argument("--trkx", default=str(REPO / "build/release/apps/trkx/trkx"))
    p.add_argument("--peers", nargs="+", choices=reference.BACKENDS, default=list(reference.BACKENDS))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeat", type=int, default=1, help="runs per event and round, each side")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--min-hits", type=int, default=3, help="components with fewer hits are not tracks")
    p.add_argument("--work", type=Path, help="working directory (default: a temporary one)")
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        peers = [reference.load_model_set(Path(args.models), backend, args.threads) for backend in args.peers]
        events = [event_inputs(args.trkx, prefix, work) for prefix in args.input]
        for models in peers:  # warm-up
            for _, x, xyz, _ in events:
                reference.run_event(models, x, xyz, args.min_hits, args.threads)
        times: dict[str, dict[str, list[float]]] = {"trkx": {}}
        times.update({m.backend: {name: [] for name in (*STAGES, "event")} for m in peers})
        for r in range(args.rounds):
            for key, v in trkx_bench(args.trkx, args.models, args.input, args.repeat, args.threads, args.min_hits,
                                     work / f"bench-{r}.json").items():
                times["trkx"].setdefault(key, []).extend(v)
            for models in peers:
                for _ in range(args.repeat):
                    for _, x, xyz, _ in events:
                        res = reference.run_event(models, x, xyz, args.min_hits, args.threads)
                        for s in res["stages"]:
                            times[models.backend][s["name"]].append(s["wall_seconds"])
                        times[models.backend]["event"].append(res["event_wall_seconds"])
            print(f"round {r + 1} of {args.rounds} done", file=sys.stderr)
        peak_rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        agreement = [row for models in peers for row in compare_outputs(args, models, events, work)]

    med = {side: {k: statistics.median(v) for k, v in t.items()} for side, t in times.items()}
    print(f"{args.models}: {len(args.input)} event(s), {args.rounds} rounds x {args.repeat} run(s) per event and side,"
          f" {args.threads} threads; medians (trkx bench: of each round's median)")
    header = f"{'stage':<16}{'trkx [ms]':>11}"
    for m in peers:
        name = PEER_NAMES[m.backend]
        header += f"{name + ' [ms]':>18}{name + ' / trkx':>18}"
    print(header)
    for stage in (*STAGES, "event"):
        line = f"{stage:<16}{med['trkx'][stage] * 1e3:>11.1f}"
        for m in peers:
            t = med[m.backend][stage]
            line += f"{t * 1e3:>18.1f}{t / med['trkx'][stage]:>18.2f}"
        print(line)
    print(f"peak RSS: trkx bench {med['trkx']['peak_rss_mb']:.0f} MB; the peers' Python process {peak_rss_mb:.0f} MB")
    for row in agreement:
        print(json.dumps(row))
    if args.json:
        args.json.write_text(json.dumps({"models": args.models, "input": args.input, "rounds": args.rounds,
                                         "repeat": args.repeat, "threads": args.threads, "seconds": times,
                                         "peers_peak_rss_mb": peak_rss_mb,
                                         "import_max_abs_diff": {m.backend: m.import_diff for m in peers},
                                         "agreement": agreement}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
