#!/usr/bin/env python3
"""scour run vs the pipeline a datatrove user builds for the same job, on the
same JSONL, one core each, measured in one run.

    pip install datatrove ftfy tokenizers "xxhash<4" nltk spacy   # xxhash 4 rejects str, which datatrove 0.10 passes
    python3 benches/gen_corpus.py --size-mb 100 --out /tmp/news100.jsonl
    python3 benches/datatrove_peer.py /tmp/news100.jsonl [--scour target/release/scour]

datatrove pipeline (LocalPipelineExecutor, tasks=1, workers=1):
  0. JsonlReader -> FTFYFormatter -> C4QualityFilter (a line filter) -> JsonlWriter
  1. JsonlReader(cleaned) -> MinhashDedupSignature
  2. MinhashDedupBuckets
  3. MinhashDedupCluster
  4. JsonlReader(cleaned) -> MinhashDedupFilter -> JsonlWriter
scour: `scour run INPUT -o OUT -j 1`, the median of three runs (--scour-runs).

Prints MB/s of each and scour's speed as a multiple of datatrove's, for the
whole pipeline and for the MinHash stages alone.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_datatrove(inp, work):
    from datatrove.executor.local import LocalPipelineExecutor
    from datatrove.pipeline.dedup import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.filters import C4QualityFilter
    from datatrove.pipeline.formatters import FTFYFormatter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    data_dir, name = os.path.split(os.path.abspath(inp))
    cfg = MinhashConfig()
    times = {}

    def stage(label, pipeline, tasks=1):
        t = time.perf_counter()
        LocalPipelineExecutor(pipeline=pipeline, tasks=tasks, workers=1, logging_dir=f"{work}/logs/{label}").run()
        times[label] = time.perf_counter() - t

    stage("clean", [
        JsonlReader(data_dir, glob_pattern=name),
        FTFYFormatter(),
        C4QualityFilter(filter_no_terminal_punct=False),
        JsonlWriter(f"{work}/cleaned", compression=None),
    ])
    stage("signatures", [
        JsonlReader(f"{work}/cleaned"),
        MinhashDedupSignature(output_folder=f"{work}/sigs", config=cfg),
    ])
    stage("buckets", [MinhashDedupBuckets(input_folder=f"{work}/sigs", output_folder=f"{work}/buckets", config=cfg)],
          tasks=cfg.num_buckets)  # datatrove requires one task per bucket here; still one worker
    stage("cluster", [MinhashDedupCluster(input_folder=f"{work}/buckets", output_folder=f"{work}/remove_ids", config=cfg)])
    stage("filter", [
        JsonlReader(f"{work}/cleaned"),
        MinhashDedupFilter(input_folder=f"{work}/remove_ids"),
        JsonlWriter(f"{work}/out", compression=None),
    ])
    return times


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input", help="JSONL corpus (e.g. from gen_corpus.py)")
    ap.add_argument("--scour", default=os.path.join(HERE, "..", "target", "release", "scour"))
    ap.add_argument("--scour-runs", type=int, default=3, metavar="N",
                    help="run scour N times and take the median (default 3)")
    ap.add_argument("--datatrove-times", metavar="JSON",
                    help="reuse (if it exists) or save datatrove's stage seconds here; datatrove takes "
                         "about 20 minutes per 100 MB, so it can run once while scour changes")
    args = ap.parse_args()
    mb = os.path.getsize(args.input) / 1e6
    work = tempfile.mkdtemp(prefix="scour-peer-")
    try:
        # scour's run is seconds long, so one burst of load on a shared
        # machine can skew it; datatrove's minutes average the load out.
        # The median of --scour-runs runs (each timed from process start
        # to exit) is scour's figure.
        runs = []
        for _ in range(max(1, args.scour_runs)):
            t = time.perf_counter()
            subprocess.run([args.scour, "run", args.input, "-o", f"{work}/scour.jsonl", "-j", "1", "-q",
                            "--report", f"{work}/report.json"], check=False)
            elapsed = time.perf_counter() - t
            report = json.load(open(f"{work}/report.json"))
            sign = sum(v for k, v in report["stage_seconds"].items() if k in ("sign", "cluster"))
            runs.append((elapsed, sign))
        scour_s = sorted(r[0] for r in runs)[len(runs) // 2]
        sign_s = sorted(r[1] for r in runs)[len(runs) // 2]
        cached = args.datatrove_times
        if cached and os.path.exists(cached):
            dt = json.load(open(cached))
        else:
            dt = run_datatrove(args.input, work)
            if cached:
                json.dump(dt, open(cached, "w"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    dt_total = sum(dt.values())
    dt_minhash = dt["signatures"] + dt["buckets"] + dt["cluster"]
    print(f"input: {args.input}, {mb:.1f} MB, one core each")
    print("datatrove stage seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in dt.items()))
    print(f"| tool | whole pipeline MB/s | MinHash dedup MB/s |")
    print(f"| --- | --- | --- |")
    print(f"| datatrove (ftfy + C4 line filter + 4 MinHash stages) | {mb / dt_total:.2f} | {mb / dt_minhash:.2f} |")
    print(f"| scour run -j 1 (median of {len(runs)}) | {mb / scour_s:.1f} | {mb / max(sign_s, 1e-9):.1f} |")
    print("scour runs, seconds: " + ", ".join(f"{r[0]:.2f}" for r in runs))
    print(f"scour / datatrove: whole pipeline {dt_total / scour_s:.0f}x, MinHash {dt_minhash / max(sign_s, 1e-9):.0f}x")


if __name__ == "__main__":
    sys.exit(main())
