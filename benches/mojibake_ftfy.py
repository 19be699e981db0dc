#!/usr/bin/env python3
"""ftfy on the same labeled cases as scour's eval, side by side, plus timing.

Run the Rust side first; it writes the cases and its own figures:

    cargo run --release --example eval_mojibake
    python3 benches/mojibake_ftfy.py [DIR]      # DIR defaults to target/mojibake_eval

ftfy (`pip install ftfy`) runs `fix_text` with every non-encoding fix off, so
both tools are judged on encoding repair only. Timing: ftfy over the eval
inputs, over the same clean news documents the example timed, and over those
documents with 5% of their lines mojibaked (news_5pct.jsonl, written by the
example; both when the corpus is present), against scour's figures from
summary.json.
"""
import gzip
import json
import os
import sys
import time
from pathlib import Path

import ftfy

ROOT = Path(__file__).resolve().parent.parent
DIR = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target" / "mojibake_eval"
NEWS = Path(os.environ.get("SCOUR_NEWS", ROOT.parent / "shared" / "corpora" / "news_real.jsonl.gz"))

CONFIG = ftfy.TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_encoding=True,
    restore_byte_a0=True,
    replace_lossy_sequences=True,
    decode_inconsistent_utf8=True,
    fix_c1_controls=True,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def fix(text):
    return ftfy.fix_text(text, config=CONFIG)


def time_ftfy(texts):
    """Seconds ftfy takes over `texts`, and their size in MB."""
    nbytes = sum(len(t.encode("utf-8")) for t in texts)
    t = time.perf_counter()
    for s in texts:
        fix(s)
    return time.perf_counter() - t, nbytes / 1e6


def ratio_line(what, texts, scour_seconds):
    secs, mb = time_ftfy(texts)
    print(f"{what} ({mb:.2f} MB): ftfy {mb/secs:.2f} MB/s, "
          f"scour {mb/max(scour_seconds, 1e-9):.1f} MB/s -> scour is {secs/max(scour_seconds, 1e-9):.0f}x faster")


def main():
    cases = [json.loads(l) for l in open(DIR / "cases.jsonl", encoding="utf-8")]
    summary = json.load(open(DIR / "summary.json", encoding="utf-8"))
    by_chain = {}
    fixed = positives = false_changes = negatives = 0
    for c in cases:
        ok = fix(c["input"]) == c["expected"]
        e = by_chain.setdefault(c["chain"], [0, 0])
        e[0] += ok
        e[1] += 1
        if c["negative"]:
            negatives += 1
            false_changes += not ok
        else:
            positives += 1
            fixed += ok
    scour_chain = {name: (f, t) for name, f, t in summary["by_chain"]}
    print(f"{'chain':>14}  {'scour':>15}  {'ftfy':>15}")
    for name, (f, t) in by_chain.items():
        sf, st = scour_chain.get(name, (0, 0))
        print(f"{name:>14}  {sf:>5}/{st:<5} {100*sf/max(st,1):6.2f}%  {f:>5}/{t:<5} {100*f/max(t,1):6.2f}%")
    sp, sn = summary["positives"], summary["negatives"]
    print(f"{'fixed':>14}  {100*summary['fixed']/max(sp,1):14.2f}%  {100*fixed/max(positives,1):14.2f}%")
    print(f"{'false changes':>14}  {100*summary['false_changes']/max(sn,1):14.2f}%  {100*false_changes/max(negatives,1):14.2f}%")

    ratio_line("eval inputs", [c["input"] for c in cases], summary["case_seconds"])

    if summary["news_docs"] and NEWS.is_file():
        docs = []
        with gzip.open(NEWS, "rt", encoding="utf-8") as f:
            for line in f:
                docs.append(json.loads(line)["text"])
                if len(docs) >= summary["news_docs"]:
                    break
        ratio_line("clean news", docs, summary["news_seconds"])

    damaged = DIR / "news_5pct.jsonl"
    if summary.get("damaged_seconds") and damaged.is_file():
        docs = [json.loads(l)["text"] for l in open(damaged, encoding="utf-8")]
        ratio_line("news, 5% of lines damaged", docs, summary["damaged_seconds"])

if __name__ == "__main__":
    main()
