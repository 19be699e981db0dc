#!/usr/bin/env bash
# A sharded run on one machine against `scour run` in one process: wall
# time, the work folder's size per document (the storage a cluster run
# needs), and a byte comparison of the outputs.
#
#   benches/shard.sh                  # 100 MB in 8 files, 8 shards
#   SIZE=1000 SHARDS=16 benches/shard.sh
#
# Tasks of a stage run two at a time (xargs -P 2) with one thread each,
# the way an engine with two one-core executors would run them.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$(realpath "${CARGO_TARGET_DIR:-target}/release/scour")
dir=${SCOUR_BENCH_DIR:-/tmp/scour-bench}
size=${SIZE:-100}
shards=${SHARDS:-8}
mkdir -p "$dir"
f="$dir/news$size.jsonl"
[[ -s $f ]] || python3 benches/gen_corpus.py --size-mb "$size" --out "$f" 2>/dev/null
parts="$dir/parts$size"
if [[ ! -d $parts ]]; then
  mkdir -p "$parts"
  split -n l/8 -d --additional-suffix=.jsonl "$f" "$parts/part"
fi
rm -rf "$dir/work" "$dir/one.jsonl" "$dir/sharded.jsonl"

start=$(date +%s.%N)
"$bin" run "$parts" -o "$dir/one.jsonl" -j 2 -q || true
one=$(echo "$(date +%s.%N) - $start" | bc)

start=$(date +%s.%N)
plan=$("$bin" plan "$parts" -o "$dir/sharded.jsonl" --work "$dir/work" --shards "$shards")
python3 -c "import json,sys; [print(s['name'], s['tasks']) for s in json.loads(sys.argv[1])['stages']]" "$plan" |
  while read -r name tasks; do
    seq 0 $((tasks - 1)) | xargs -P 2 -I{} "$bin" stage "$name" --work "$dir/work" --task {} -j 1 -q || [[ $name == finish ]]
  done
sharded=$(echo "$(date +%s.%N) - $start" | bc)

docs=$(python3 -c "import json; print(json.load(open('$dir/work/finish/00000/done.json'))['report']['docs_in'])")
bytes=$(du -sb "$dir/work" | cut -f1)
echo "machine: $(nproc) cores; $size MB in 8 files, $docs documents, $shards shards"
echo "| run | seconds | MB/s |"
echo "| --- | --- | --- |"
printf '| scour run -j 2 | %.2f | %.1f |\n' "$one" "$(echo "$size / $one" | bc -l)"
printf '| plan + stages, 2 one-thread tasks at a time | %.2f | %.1f |\n' "$sharded" "$(echo "$size / $sharded" | bc -l)"
echo
for s in prepare learn sign bands cluster write; do
  printf '%s: %s bytes/doc\n' "$s" "$(( $(du -sb "$dir/work/$s" | cut -f1) / docs ))"
done
printf 'work folder: %s bytes per document (%.2fx the input)\n' "$((bytes / docs))" "$(echo "$bytes / $(du -sb "$parts" | cut -f1)" | bc -l)"
cmp "$dir/one.jsonl" "$dir/sharded.jsonl" && echo "outputs: byte-identical"
