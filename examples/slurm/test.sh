#!/usr/bin/env bash
# Test of the Slurm launcher without Slurm: a fake `sbatch` on PATH records
# its calls and runs each job array at once, task after task, honouring
# afterok dependencies (a job whose dependency failed is cancelled).
#  1. submit.sh with 3 shards must write what `scour run` writes, byte for
#     byte (launcher_test.sh), one job array per stage, chained by afterok.
#  2. A task that fails stops the run (exit 2, later stages cancelled); the
#     same command again with the same SCOUR_WORK resumes it and writes the
#     same output as `scour run`.
# Builds nothing: SCOUR must name the scour binary.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
[[ -n ${SCOUR:-} ]] || die "set SCOUR to the scour binary (the test builds nothing)"
SCOUR=$(scour_bin)
export SCOUR

tmp=$(mktemp -d "${TMPDIR:-/tmp}/scour-slurm-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/state"
export FAKE_SLURM=$tmp/state
cat >"$tmp/bin/sbatch" <<'FAKE'
#!/usr/bin/env bash
# Fake sbatch: the options submit.sh uses, jobs run at once.
set -euo pipefail
echo "$*" >>"$FAKE_SLURM/calls"
array=0-0 dep= out=/dev/null parsable= wait=
while [[ $# -gt 0 && $1 == -* ]]; do
    case $1 in
        --array=*) array=${1#*=} ;;
        --dependency=*) dep=${1#*=} ;;
        --output=*) out=${1#*=} ;;
        --parsable) parsable=1 ;;
        --wait) wait=1 ;;
        --job-name=* | --open-mode=* | --kill-on-invalid-dep=*) ;;
        *) echo "fake sbatch: unknown option $1" >&2; exit 1 ;;
    esac
    shift
done
script=$1
shift
id=$(($(cat "$FAKE_SLURM/last" 2>/dev/null || echo 100) + 1))
echo "$id" >"$FAKE_SLURM/last"
state=ok
if [[ -n $dep ]]; then
    [[ $dep == afterok:* ]] || { echo "fake sbatch: dependency $dep" >&2; exit 1; }
    [[ -f $FAKE_SLURM/job-${dep#afterok:} ]] || { echo "fake sbatch: no job ${dep#afterok:}" >&2; exit 1; }
    [[ $(cat "$FAKE_SLURM/job-${dep#afterok:}") == 0 ]] || state=cancelled
fi
worst=0
if [[ $state == ok ]]; then
    for ((task = ${array%-*}; task <= ${array#*-}; task++)); do
        code=0
        SLURM_JOB_ID=$id SLURM_ARRAY_JOB_ID=$id SLURM_ARRAY_TASK_ID=$task \
            bash "$script" "$@" >>"${out//%a/$task}" 2>&1 || code=$?
        ((code <= worst)) || worst=$code
    done
else
    worst=cancelled
fi
echo "$worst" >"$FAKE_SLURM/job-$id"
if [[ -n $parsable ]]; then echo "$id"; else echo "Submitted batch job $id"; fi
[[ -z $wait ]] || [[ $worst == 0 ]] || exit 1
FAKE
chmod +x "$tmp/bin/sbatch"
export PATH=$tmp/bin:$PATH SCOUR_WAIT=1 SCOUR_SHARDS=3

fail() {
    echo "slurm test: FAIL: $*" >&2
    exit 1
}

# 1. Same bytes as scour run; the calls chain the stages.
SCOUR_WORK=$tmp/work1 "$here/../launcher_test.sh" "$here/submit.sh"
mapfile -t calls <"$FAKE_SLURM/calls"
((${#calls[@]} == 7)) || fail "${#calls[@]} sbatch calls, expected 7 (one per stage)"
[[ ${calls[0]} == *--array=0-2* && ${calls[0]} != *--dependency* ]] ||
    fail "first call: ${calls[0]}"
for ((i = 1; i < ${#calls[@]}; i++)); do
    [[ ${calls[i]} == *"--dependency=afterok:$((100 + i))"* ]] ||
        fail "call $i does not depend on job $((100 + i)): ${calls[i]}"
done
[[ ${calls[6]} == *--wait* && ${calls[6]} == *" finish" ]] || fail "last call: ${calls[6]}"
echo "slurm test: 7 job arrays chained by afterok" >&2

# 2. A failing task stops the run; the same command resumes it.
cat >"$tmp/bin/flaky-scour" <<'FLAKY'
#!/usr/bin/env bash
# scour, except that task 1 of the sign stage fails while $FLAKY_FILE exists.
if [[ $1 == stage && $2 == sign && " $* " == *" --task 1 "* && -e $FLAKY_FILE ]]; then
    echo "flaky-scour: failing on purpose" >&2
    exit 2
fi
exec "$REAL_SCOUR" "$@"
FLAKY
chmod +x "$tmp/bin/flaky-scour"
export REAL_SCOUR=$SCOUR FLAKY_FILE=$tmp/flaky
touch "$FLAKY_FILE"
in=$scour_root/corpus
expected=0
"$SCOUR" run "$in" -o "$tmp/expected.jsonl" -q || expected=$?
code=0
SCOUR="$tmp/bin/flaky-scour" SCOUR_WORK=$tmp/work2 "$here/submit.sh" "$in" -o "$tmp/resumed.jsonl" \
    >/dev/null 2>"$tmp/failed.log" || code=$?
((code == 2)) || { cat "$tmp/failed.log" >&2; fail "a failed task: submit.sh exit $code, expected 2"; }
grep -q 'to resume, rerun the same command with SCOUR_WORK=' "$tmp/failed.log" || fail "no resume hint"
[[ ! -e $tmp/resumed.jsonl ]] || fail "a failed run wrote the output"
grep -q 'failing on purpose' "$tmp/work2/slurm/sign-1.out" || fail "the failing task's log"
[[ $(tail -n 1 "$FAKE_SLURM/calls") == *" finish" ]] || fail "the later stages were not submitted"
[[ ! -e $tmp/work2/slurm/bands-0.out ]] || fail "a stage after the failed one ran"
rm "$FLAKY_FILE"
code=0
SCOUR="$tmp/bin/flaky-scour" SCOUR_WORK=$tmp/work2 "$here/submit.sh" "$in" -o "$tmp/resumed.jsonl" \
    >/dev/null 2>"$tmp/resumed.log" || code=$?
((code == expected)) || cat "$tmp/resumed.log" >&2
((code == expected)) || fail "resumed run: exit $code, scour run: $expected"
cmp "$tmp/expected.jsonl" "$tmp/resumed.jsonl" || fail "the resumed run's output differs from scour run's"
echo "slurm test: a failed task stops the run; rerunning resumes it to the same bytes" >&2
