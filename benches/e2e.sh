#!/usr/bin/env bash
# End-to-end benchmark of `scour run` on generated corpora of 100 MB and 1 GB:
# MB/s, peak resident memory (/usr/bin/time -v), the speedup from 1 to 2
# threads, and how time and memory grow from 100 MB to 1 GB.
#
#   benches/e2e.sh                 # sizes 100 and 1000 MB
#   SIZES="20 200" benches/e2e.sh  # other sizes (the first is the base of the growth ratios)
#
# Corpora are generated once into $SCOUR_BENCH_DIR (default /tmp/scour-bench)
# by benches/gen_corpus.py from ../shared/corpora/news_real.jsonl.gz.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (apt-get install time)"; exit 2; }
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/scour
dir=${SCOUR_BENCH_DIR:-/tmp/scour-bench}
sizes=${SIZES:-"100 1000"}
mkdir -p "$dir"

measure() { # file threads -> "seconds rss_kb docs"
  local log="$dir/time.log"
  /usr/bin/time -v "$bin" run "$1" -o "$dir/out.jsonl" -j "$2" -q --report "$dir/report.json" 2>"$log" || true
  local wall rss docs
  wall=$(python3 -c "import json;print(json.load(open('$dir/report.json'))['wall_seconds'])")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$log")
  docs=$(python3 -c "import json;print(json.load(open('$dir/report.json'))['docs_in'])")
  echo "$wall $rss $docs"
}

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -m)"
echo
echo "| size | documents | threads | seconds | MB/s | peak RSS MB |"
echo "| --- | --- | --- | --- | --- | --- |"
base_t=""; base_rss=""; base_mb=""
for mb in $sizes; do
  f="$dir/news$mb.jsonl"
  [[ -s $f ]] || python3 benches/gen_corpus.py --size-mb "$mb" --out "$f" 2>/dev/null
  bytes=$(stat -c %s "$f")
  for j in 1 2; do
    read -r t rss docs < <(measure "$f" "$j")
    rate=$(python3 -c "print(f'{$bytes/1e6/$t:.1f}')")
    echo "| $mb MB | $docs | $j | $(printf %.2f "$t") | $rate | $((rss / 1024)) |"
    if [[ $j == 1 ]]; then t1=$t; else speedup=$(python3 -c "print(f'{$t1/$t:.2f}')"); fi
    if [[ $j == 2 ]]; then t2=$t; rss2=$rss; fi
  done
  echo "|  |  | speedup 1 -> 2 threads: ${speedup}x |  |  |  |"
  if [[ -z $base_t ]]; then
    base_t=$t2; base_rss=$rss2; base_mb=$mb
  else
    python3 -c "print(f'|  |  | growth {$base_mb} -> {$mb} MB ({$mb/$base_mb:.0f}x data): time {$t2/$base_t:.1f}x, memory {$rss2/$base_rss:.1f}x |  |  |  |')"
  fi
done
rm -f "$dir/out.jsonl"
