#!/usr/bin/env bash
# Usage: examples/slurm/submit.sh INPUT... -o OUTPUT [scour run options]
#
# Does what `scour run INPUT... -o OUTPUT [options]` does, byte for byte,
# as sharded stages on Slurm: `scour plan` here (on the login node), then one
# job array per stage (`sbatch --array=0-(N-1)`, one array task per scour
# task, running task.sh), each depending on the previous one (afterok), so
# the stages run in order and a failed stage cancels the rest. Prints the
# job ids; the last job (finish) writes the output, and its exit code is
# scour's: 0 done, 1 done but some documents were rejected.
#
# Environment:
#   SCOUR          scour binary (default: target/release/scour, under
#                  $CARGO_TARGET_DIR if set); its path must work on every node
#   PYTHON         Python 3 to read the plan (default: python3)
#   SCOUR_WORK     work folder (default: ./scour-work-DATE-TIME); the
#                  tasks' logs go to its slurm/ folder
#   SCOUR_SHARDS   shards (default: 32)
#   SCOUR_BAND_PARTS  parts of the dedup band stage (default: scour's)
#   SCOUR_SBATCH_ARGS  more sbatch options for every stage, split on spaces
#                  (e.g. "--partition=short --time=1:00:00 --cpus-per-task=4";
#                  a task runs with --threads $SLURM_CPUS_PER_TASK when set)
#   SCOUR_WAIT     1: wait for the last job and exit with its code (0/1; 2 failed)
#
# Every node runs scour on the same files: the work folder, the inputs, the
# output and the scour binary must be on storage that every node sees under
# the same absolute path (a shared file system). A failed run is resumed by
# running the same command again with SCOUR_WORK set to its work folder:
# completed tasks exit at once.

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
usage_if_needed "$@"

scour=$(scour_bin)
PYTHON=${PYTHON:-python3}
command -v sbatch >/dev/null || die "sbatch not found: run this on a Slurm login node"
# The default folder is in the current one, usually on shared storage (not /tmp).
work=$(abspath "${SCOUR_WORK:-scour-work-$(date +%Y%m%d-%H%M%S)}")
read -r -a sbatch_args <<<"${SCOUR_SBATCH_ARGS:-}"

mapfile -t extra < <(plan_args 32 "$@")
plan=$("$scour" plan "$@" "${extra[@]}" --work "$work") || exit 2
# "NAME TASKS" per line, in the order the stages must run.
mapfile -t stages < <("$PYTHON" -c '
import json, sys
for s in json.loads(sys.argv[1])["stages"]:
    print(s["name"], int(s["tasks"]))
' "$plan") || die "cannot read the plan: $plan"
logs=$work/slurm
mkdir -p "$logs"
# A rerun (resume) must not read the last run's result.
rm -f "$logs/finish-0.exit"

prev=
last=${#stages[@]}
n=0
for line in "${stages[@]}"; do
    read -r name tasks <<<"$line"
    n=$((n + 1))
    opts=(--parsable --job-name="scour-$name" --array="0-$((tasks - 1))"
        --output="$logs/$name-%a.out" --open-mode=append)
    # afterok on an array waits for every one of its tasks to exit 0; a
    # failure can never satisfy it, and the job is then cancelled, not left
    # pending for ever.
    [[ -z $prev ]] || opts+=(--dependency="afterok:$prev" --kill-on-invalid-dep=yes)
    wait_opts=()
    [[ ${SCOUR_WAIT:-} != 1 || $n != "$last" ]] || wait_opts=(--wait)
    code=0
    id=$(sbatch "${opts[@]}" "${sbatch_args[@]}" "${wait_opts[@]}" "$here/task.sh" "$scour" "$work" "$name") || code=$?
    if [[ ${#wait_opts[@]} == 0 && $code != 0 ]]; then
        die "sbatch failed for stage $name (exit $code); jobs already submitted: ${prev:-none}"
    fi
    # --parsable prints "JOBID" or "JOBID;CLUSTER".
    id=${id%%;*}
    echo "submit.sh: stage $name ($tasks task(s)): job $id" >&2
    prev=$id
done

echo "$prev"
if [[ ${SCOUR_WAIT:-} == 1 ]]; then
    # sbatch --wait has returned: the job ended, or was cancelled because
    # an earlier stage failed. finish's own exit code says which: 0 done,
    # 1 done with rejects; none (never ran) or another is a failure.
    code=$(cat "$logs/finish-0.exit" 2>/dev/null) || code=none
    if [[ $code == 0 || $code == 1 ]]; then
        exit "$code"
    fi
    echo "submit.sh: the run failed (finish: exit $code); logs in $logs" >&2
    echo "submit.sh: to resume, rerun the same command with SCOUR_WORK=$work" >&2
    exit 2
fi
echo "submit.sh: work folder $work; logs in $logs; the output is written by job $prev" >&2
