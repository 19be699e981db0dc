#!/usr/bin/env python3
"""Runs datasketch and rensa on scour's labeled near-duplicate set and prints
pairwise precision, recall, F1, adjusted Rand index and speed beside scour's.

    pip install datasketch rensa
    python3 benches/dedup_peers.py [--bases 1000] [--distractors 2000] [--seed 42]

The set comes from `cargo run --release --example eval_dedup -- --dump FILE`
(run by this script; SCOUR_NEWS or ../shared/corpora/news_real.jsonl.gz).
Peers get the same shingles as scour: lowercased words (runs of letters and
digits), 5-grams joined by a space, 128 permutations. Each peer's LSH gives
candidate pairs; a pair joins a cluster (union-find) when the peer's own
estimated Jaccard passes the threshold ("verified"), or whenever LSH pairs it
("lsh only", as the libraries' dedup recipes do).

Speed is MB of text per second of CPU time on one thread: "raw" includes the
Python tokenization each peer needs, "pre-tokenized" starts from the
shingle lists. scour's figure is its own signing (normalize, shingle, MinHash,
band keys) on raw text.
"""

import argparse
import gzip  # noqa: F401  (the corpus is read by the Rust example)
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WORD = re.compile(r"[^\W_]+")


def shingles(text, n=5):
    words = WORD.findall(text.lower())
    if len(words) < n:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + n]) for i in range(len(words) - n + 1)]


def pairs(c):
    return c * (c - 1) / 2


def metrics(gold, pred):
    both = Counter(zip(gold, pred))
    tp = sum(pairs(c) for c in both.values())
    gp = sum(pairs(c) for c in Counter(gold).values())
    pp = sum(pairs(c) for c in Counter(pred).values())
    total = pairs(len(gold))
    p = tp / pp if pp else 1.0
    r = tp / gp if gp else 1.0
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    expected = gp * pp / total if total else 0.0
    mx = (gp + pp) / 2
    ari = (tp - expected) / (mx - expected) if mx != expected else 1.0
    return p, r, f1, ari


class UnionFind:
    def __init__(self, n):
        self.p = list(range(n))

    def find(self, x):
        while self.p[x] != x:
            self.p[x] = self.p[self.p[x]]
            x = self.p[x]
        return x

    def union(self, a, b):
        a, b = self.find(a), self.find(b)
        if a != b:
            self.p[max(a, b)] = min(a, b)


def cluster(n, candidate_pairs, similar):
    uf = UnionFind(n)
    for a, b in candidate_pairs:
        if similar is None or similar(a, b):
            uf.union(a, b)
    return [uf.find(i) for i in range(n)]


def cpu(f):
    start = time.process_time()
    out = f()
    return out, time.process_time() - start


def run_scour(args, dump):
    cmd = [
        "cargo", "run", "--release", "--quiet", "--example", "eval_dedup", "--",
        "--bases", str(args.bases), "--distractors", str(args.distractors),
        "--seed", str(args.seed), "--dump", dump,
    ]
    out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True).stdout
    print(out)
    mbps = float(re.search(r"signatures: (\d+) MB/s", out).group(1))
    m = re.search(r"scour defaults\s+P ([\d.]+)\s+R ([\d.]+)\s+F1 ([\d.]+)\s+ARI ([\d.]+)", out)
    return mbps, tuple(float(x) for x in m.groups())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bases", type=int, default=1000)
    ap.add_argument("--distractors", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--set", help="use this dumped set instead of running the example")
    args = ap.parse_args()
    try:
        import datasketch
        import rensa
    except ImportError:
        print("needs: pip install datasketch rensa", file=sys.stderr)
        return 1

    tmp = tempfile.mkdtemp()
    dump = args.set or os.path.join(tmp, "set.jsonl")
    scour_mbps, scour_m = (None, None) if args.set else run_scour(args, dump)
    docs = [json.loads(line) for line in open(dump, encoding="utf-8")]
    texts = [d["text"] for d in docs]
    gold = [d["label"] for d in docs]
    n = len(docs)
    mb = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"peers on {n} documents, {mb:.1f} MB")

    toks, tok_secs = cpu(lambda: [[s.encode("utf-8") for s in shingles(t)] for t in texts])
    toks_str = [[s.decode("utf-8") for s in t] for t in toks]

    # datasketch: MinHash (update_batch, its fast path) + MinHashLSH.
    def ds_sign():
        out = []
        for t in toks:
            m = datasketch.MinHash(num_perm=128, seed=1)
            m.update_batch(t)
            out.append(m)
        return out

    ds, ds_secs = cpu(ds_sign)
    # rensa: RMinHash.
    def rs_sign():
        out = []
        for t in toks_str:
            m = rensa.RMinHash(num_perm=128, seed=42)
            m.update(t)
            out.append(m)
        return out

    rs, rs_secs = cpu(rs_sign)

    rows = []
    for t in (0.4, 0.5, 0.8):
        lsh = datasketch.MinHashLSH(threshold=t, num_perm=128)
        for i, m in enumerate(ds):
            lsh.insert(i, m)
        cand = set()
        for i, m in enumerate(ds):
            for j in lsh.query(m):
                if j != i:
                    cand.add((min(i, j), max(i, j)))
        rows.append((f"datasketch {t} lsh only ({lsh.b} bands)", metrics(gold, cluster(n, cand, None))))
        rows.append((f"datasketch {t} verified ({lsh.b} bands)",
                     metrics(gold, cluster(n, cand, lambda a, b: ds[a].jaccard(ds[b]) >= t))))
        # rensa needs bands that divide 128: the divisor whose S-curve
        # midpoint (1/b)^(1/r) is nearest the threshold.
        bands = min((4, 8, 16, 32, 64), key=lambda b: abs((1 / b) ** (b / 128) - t))
        rl = rensa.RMinHashLSH(threshold=t, num_perm=128, num_bands=bands)
        for i, m in enumerate(rs):
            rl.insert(i, m)
        cand = set()
        for i, m in enumerate(rs):
            for j in rl.query(m):
                if j != i:
                    cand.add((min(i, j), max(i, j)))
        rows.append((f"rensa {t} lsh only ({bands} bands)", metrics(gold, cluster(n, cand, None))))
        rows.append((f"rensa {t} verified ({bands} bands)",
                     metrics(gold, cluster(n, cand, lambda a, b: rs[a].jaccard(rs[b]) >= t))))

    print(f"\n{'':36} {'P':>7} {'R':>7} {'F1':>7} {'ARI':>7}")
    if scour_m:
        print(f"{'scour defaults':36} " + " ".join(f"{x:7.4f}" for x in scour_m))
    for name, m in rows:
        print(f"{name:36} " + " ".join(f"{x:7.4f}" for x in m))

    ds_raw = mb / (tok_secs + ds_secs)
    ds_pre = mb / ds_secs
    rs_raw = mb / (tok_secs + rs_secs)
    rs_pre = mb / rs_secs
    print("\nsignatures, MB/s of one thread's CPU time:")
    print(f"  python tokenization alone   {mb / tok_secs:8.1f}")
    print(f"  datasketch raw text         {ds_raw:8.1f}   pre-tokenized {ds_pre:8.1f}")
    print(f"  rensa      raw text         {rs_raw:8.1f}   pre-tokenized {rs_pre:8.1f}")
    if scour_mbps:
        print(f"  scour      raw text         {scour_mbps:8.1f}")
        print(f"  ratio scour / datasketch: {scour_mbps / ds_raw:.0f}x raw, {scour_mbps / ds_pre:.0f}x pre-tokenized")
        print(f"  ratio scour / rensa:      {scour_mbps / rs_raw:.1f}x raw, {scour_mbps / rs_pre:.1f}x pre-tokenized")
    return 0


if __name__ == "__main__":
    sys.exit(main())
