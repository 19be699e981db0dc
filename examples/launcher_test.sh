#!/usr/bin/env bash
# Usage: examples/launcher_test.sh LAUNCHER [LAUNCHER ARGS...]
#
# The test every launcher must pass: on a small corpus with several input
# files, a gzip input, exact and near duplicates, boilerplate learned across
# files and rejected records, `LAUNCHER [ARGS...] INPUT... -o B/out.jsonl
# [options]` must write the very bytes `scour run INPUT... -o A/out.jsonl
# [options]` writes (output and every sidecar) and exit with the same code.
# Builds nothing: $SCOUR is the scour binary (required). $SCOUR_SHARDS
# (default 3) is passed on to the launcher. Exit 0 when identical, 1 if not.

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
[[ $# -ge 1 ]] || die "usage: ${0##*/} LAUNCHER [ARGS...]"
[[ -n ${SCOUR:-} ]] || die "set SCOUR to the scour binary (the test builds nothing)"
SCOUR=$(scour_bin)
export SCOUR SCOUR_SHARDS=${SCOUR_SHARDS:-3}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scour-launcher-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# gen_docs FILE PREFIX COUNT: COUNT JSONL news-like records, each framed by
# the same site chrome (a header and a newsletter line, so that the learn
# stage has lines in 10+ documents to learn), with a body of words drawn
# from a fixed list by bash's seeded RANDOM: the files are the same on every
# run of this script, which is all the comparison needs.
words=(market border state emergency minister police river harbour train
    election council budget school hospital farmers storm coast bridge court
    museum festival league season coach factory workers union wages prices
    energy grid solar wind drought harvest exports imports bank rates loan
    housing rents tenants mayor village city region island mountain valley
    road airport flight tourism hotel report survey study climate water)
gen_docs() {
    local file=$1 prefix=$2 count=$3 i j n body
    for ((i = 0; i < count; i++)); do
        # 5 to 8 sentences of 12 words, a paragraph each.
        body=The
        n=$((60 + 12 * (RANDOM % 4)))
        for ((j = 1; j < n; j++)); do
            body+=" ${words[RANDOM % ${#words[@]}]}"
            ((j % 12 != 11)) || body+=".\\n\\nThe"
        done
        body+=" end."
        printf '{"id":"%s-%d","source":"gen","text":"Example Times | Home | World | Business\\n\\n%s\\n\\nSign up for the Example Times morning newsletter"}\n' \
            "$prefix" "$i" "$body" >>"$file"
    done
}

in=$tmp/in
mkdir -p "$in" "$tmp/A" "$tmp/B"
cp -R "$scour_root/corpus" "$in/corpus"
RANDOM=42
gen_docs "$in/a.jsonl" a 8
gen_docs "$in/b.jsonl" b 6
gen_docs "$in/c.jsonl" c 5
# Duplicates across files and shards: an exact copy of a-1 under another
# id, and a near copy of b-2 with its first sentence changed.
sed -n 2p "$in/a.jsonl" | sed 's/"id":"a-1"/"id":"c-copy-of-a-1"/' >>"$in/c.jsonl"
sed -n 3p "$in/b.jsonl" | sed 's/"id":"b-2"/"id":"c-near-b-2"/; s/\(Business\\n\\n\)[^.]*\./\1An entirely different opening sentence for this copy./' >>"$in/c.jsonl"
# Rejects: a truncated record, a record without text, an empty text.
{
    echo '{"id":"bad-1","text":"cut short'
    echo '{"id":"bad-2","title":"no text field"}'
    echo '{"id":"bad-3","text":""}'
} >>"$in/b.jsonl"
gen_docs "$in/d.jsonl" d 4
sed -n 1p "$in/c.jsonl" | sed 's/"id":"c-0"/"id":"d-copy-of-c-0"/' >>"$in/d.jsonl"
gzip -n "$in/d.jsonl"
inputs=("$in/corpus" "$in/a.jsonl" "$in/b.jsonl" "$in/c.jsonl" "$in/d.jsonl.gz")

# sidecars DIR: every output option, into DIR.
sidecars() {
    printf '%s\n' --rejects "$1/rejects.jsonl" --duplicates "$1/dups.jsonl" \
        --clusters "$1/clusters.jsonl" --explain "$1/explain.jsonl"
}
mapfile -t side_a < <(sidecars "$tmp/A")
mapfile -t side_b < <(sidecars "$tmp/B")

start=$SECONDS
code_a=0
"$SCOUR" run "${inputs[@]}" -o "$tmp/A/out.jsonl" "${side_a[@]}" -q || code_a=$?
echo "launcher test: scour run: exit $code_a in $((SECONDS - start)) s" >&2
start=$SECONDS
code_b=0
"$@" "${inputs[@]}" -o "$tmp/B/out.jsonl" "${side_b[@]}" || code_b=$?
echo "launcher test: ${1##*/} with $SCOUR_SHARDS shards: exit $code_b in $((SECONDS - start)) s" >&2

fail=0
# The corpus has rejects: both must say so with exit 1.
if [[ $code_a != 1 || $code_b != "$code_a" ]]; then
    echo "launcher test: FAIL: exit codes: scour run $code_a, launcher $code_b (expected 1 and 1)" >&2
    fail=1
fi
# The same files on both sides, and the same bytes in each.
if ! diff <(cd "$tmp/A" && find . -type f | sort) <(cd "$tmp/B" && find . -type f | sort) >&2; then
    echo "launcher test: FAIL: the launcher wrote other files than scour run" >&2
    fail=1
fi
for a in "$tmp"/A/*; do
    name=${a##*/}
    if [[ ! -s $a ]]; then
        echo "launcher test: FAIL: scour run wrote an empty $name: the corpus does not exercise it" >&2
        fail=1
    elif cmp "$a" "$tmp/B/$name" >&2; then
        echo "launcher test: $name identical ($(wc -l <"$a") lines)" >&2
    else
        fail=1
    fi
done
if [[ $fail != 0 ]]; then
    echo "launcher test: FAIL" >&2
    exit 1
fi
echo "launcher test: ${1##*/}: every file identical to scour run's" >&2
