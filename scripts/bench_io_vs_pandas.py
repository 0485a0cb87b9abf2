#!/usr/bin/env python3
"""Times trkx's TrackML CSV reader against pandas.read_csv on the same event.

Both read the same four files (hits, cells, truth, particles) from the page
cache. trkx is timed by the Google Benchmark binary bench_io (BM_ReadEvent:
read + parse + all checks, as io::read_event does); pandas by read_csv on the
four files with default options. Runs are interleaved (trkx, pandas, trkx, ...)
so that load from other processes hits both alike; medians are reported, for
wall time and for CPU time (the steadier figure on a busy machine).

    .deps/venv/bin/python scripts/bench_io_vs_pandas.py                # synthetic 120k-hit event
    .deps/venv/bin/python scripts/bench_io_vs_pandas.py --event DIR/event000001000
"""

import argparse
import glob
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import pandas as pd

PARTS = ("hits", "cells", "truth", "particles")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def find_bench():
    candidates = sorted(glob.glob(os.path.join(REPO, "build", "*", "bench", "bench_io")), key=os.path.getmtime)
    if not candidates:
        sys.exit("bench_io not found under build/*/bench; build it (cmake --build BUILD --target bench_io) "
                 "or pass --bench")
    return candidates[-1]


def part_files(prefix):
    files = []
    for part in PARTS:
        for ext in (".csv", ".csv.gz"):
            path = f"{prefix}-{part}{ext}"
            if os.path.exists(path):
                files.append(path)
                break
        else:
            if part == "hits":
                sys.exit(f"no {prefix}-hits.csv[.gz]")
    return files


def time_trkx(bench, prefix, min_time):
    """One bench_io run of BM_ReadEvent; returns (wall, cpu) seconds per read."""
    out = subprocess.run(
        [bench, f"--event={prefix}", "--benchmark_filter=^BM_ReadEvent", f"--benchmark_min_time={min_time}",
         "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    run = json.loads(out)["benchmarks"][0]
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[run["time_unit"]]
    return run["real_time"] * scale, run["cpu_time"] * scale


def time_trkx_parts(bench, prefix, min_time):
    """One bench_io run of BM_Parse<Part> (parse only, text in memory); returns {part: cpu seconds}."""
    out = subprocess.run(
        [bench, f"--event={prefix}", "--benchmark_filter=^BM_Parse(Hits|Cells|Truth|Particles)$",
         f"--benchmark_min_time={min_time}", "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    parts = {}
    for run in json.loads(out)["benchmarks"]:
        scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[run["time_unit"]]
        parts[run["name"][len("BM_Parse"):].lower()] = run["cpu_time"] * scale
    return parts


def time_pandas(files):
    """One read of all files with pandas; returns (wall, cpu, {file: cpu}) seconds."""
    per_file = {}
    wall0, cpu0 = time.perf_counter(), time.process_time()
    frames = []
    for f in files:
        t0 = time.process_time()
        frames.append(pd.read_csv(f))
        per_file[f] = time.process_time() - t0
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    assert all(len(f) > 0 for f in frames)
    return wall, cpu, per_file


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--event", help="event prefix (DIR/event000001000); default: write a synthetic 120k-hit event")
    ap.add_argument("--bench", help="path to bench_io (default: newest build/*/bench/bench_io)")
    ap.add_argument("--repeats", type=int, default=7, help="interleaved repeats (default 7)")
    ap.add_argument("--min-time", type=float, default=0.3, help="bench_io --benchmark_min_time per repeat [s]")
    ap.add_argument("--per-file", action="store_true",
                    help="also time trkx's per-file parsers (BM_Parse*, text in memory) in each repeat")
    args = ap.parse_args()

    bench = args.bench or find_bench()
    with tempfile.TemporaryDirectory(prefix="trkx_io_vs_pandas_") as tmp:
        prefix = args.event
        if prefix is None:
            prefix = subprocess.run([bench, f"--write-synthetic={tmp}"], check=True, capture_output=True,
                                    text=True).stdout.strip()
        files = part_files(prefix)
        sizes = {os.path.basename(f): os.path.getsize(f) for f in files}
        rows = {os.path.basename(f): len(pd.read_csv(f)) for f in files}  # also warms the page cache
        print(f"event: {prefix}")
        for name in sizes:
            print(f"  {name:32s} {rows[name]:8d} rows  {sizes[name] / 1e6:6.2f} MB")

        trkx_wall, trkx_cpu, pandas_wall, pandas_cpu = [], [], [], []
        pandas_files = {f: [] for f in files}
        trkx_parts = {}
        for _ in range(args.repeats):
            w, c = time_trkx(bench, prefix, args.min_time)
            trkx_wall.append(w)
            trkx_cpu.append(c)
            w, c, per_file = time_pandas(files)
            pandas_wall.append(w)
            pandas_cpu.append(c)
            for f, t in per_file.items():
                pandas_files[f].append(t)
            if args.per_file:
                for part, t in time_trkx_parts(bench, prefix, min(args.min_time, 0.1)).items():
                    trkx_parts.setdefault(part, []).append(t)

    med = statistics.median
    print(f"\nmedians of {args.repeats} interleaved repeats (pandas {pd.__version__}, read_csv defaults):")
    print(f"  {'':10s} {'wall [ms]':>10s} {'cpu [ms]':>10s}")
    print(f"  {'trkx':10s} {med(trkx_wall) * 1e3:10.1f} {med(trkx_cpu) * 1e3:10.1f}")
    print(f"  {'pandas':10s} {med(pandas_wall) * 1e3:10.1f} {med(pandas_cpu) * 1e3:10.1f}")
    print("  per file, cpu (pandas: read_csv; trkx: parse only, text in memory, one thread):")
    for f, times in pandas_files.items():
        part = next((p for p in PARTS if f"-{p}.csv" in os.path.basename(f)), "?")
        trkx_part = f"{med(trkx_parts[part]) * 1e3:7.1f} ms" if part in trkx_parts else "      -"
        print(f"    {part:10s} pandas {med(times) * 1e3:7.1f} ms   trkx {trkx_part}")
    ratio_wall = med(pandas_wall) / med(trkx_wall)
    ratio_cpu = med(pandas_cpu) / med(trkx_cpu)
    print(f"ratio pandas/trkx: {ratio_wall:.1f}x (wall), {ratio_cpu:.1f}x (cpu)")
    print(json.dumps({"event": prefix, "trkx_wall_ms": med(trkx_wall) * 1e3, "trkx_cpu_ms": med(trkx_cpu) * 1e3,
                      "pandas_wall_ms": med(pandas_wall) * 1e3, "pandas_cpu_ms": med(pandas_cpu) * 1e3,
                      "ratio_wall": ratio_wall, "ratio_cpu": ratio_cpu}))


if __name__ == "__main__":
    main()
