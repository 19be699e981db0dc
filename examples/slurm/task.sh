#!/usr/bin/env bash
# One task of one scour stage, as a Slurm batch script (submit.sh submits it
# as a job array: the array index is the task).
# Usage: sbatch --array=0-(N-1) task.sh SCOUR WORK STAGE
#SBATCH --job-name=scour
set -euo pipefail
scour=$1 work=$2 stage=$3
task=${SLURM_ARRAY_TASK_ID:-0}
args=(stage "$stage" --work "$work" --task "$task")
# finish prints scour's summary to its log; the other tasks only their errors.
[[ $stage == finish ]] || args+=(-q)
# Without --cpus-per-task scour uses the cores Slurm lets it see.
[[ -z ${SLURM_CPUS_PER_TASK:-} ]] || args+=(--threads "$SLURM_CPUS_PER_TASK")
code=0
"$scour" "${args[@]}" || code=$?
# The exit code, for submit.sh's SCOUR_WAIT=1 (finish's 1 means "done, with
# rejects", which Slurm's job state cannot tell from a failure) and for people.
echo "$code" >"$work/slurm/$stage-$task.exit"
exit "$code"
