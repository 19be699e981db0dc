#!/usr/bin/env bash
# Usage: examples/ray/run.sh INPUT... -o OUTPUT [scour run options]
#
# Does what `scour run INPUT... -o OUTPUT [options]` does, byte for byte,
# as sharded stages on Ray: `scour plan` here, then every task of every
# stage as a Ray task (driver.py), stage after stage.
# Exit code: 0 done, 1 done but some documents were rejected, 2 failure.
#
# Environment:
#   SCOUR          scour binary (default: target/release/scour, under
#                  $CARGO_TARGET_DIR if set); its path must work on every node
#   PYTHON         Python with ray (default: python3)
#   RAY_ADDRESS    cluster to join (default: a local Ray started for this run)
#   SCOUR_WORK     work folder (default: a temporary folder, removed after a
#                  successful run; required with RAY_ADDRESS)
#   SCOUR_SHARDS   shards (default: 2 per core for a local Ray, else 32)
#   SCOUR_BAND_PARTS  parts of the dedup band stage (default: scour's)
#   SCOUR_TASK_THREADS  CPUs Ray reserves for each task of a sharded stage,
#                  and its --threads (default: 1)
#
# Every node runs scour on the same files: the work folder, the inputs, the
# output and the scour binary must be on storage that every node sees under
# the same absolute path (a shared file system).

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
usage_if_needed "$@"

scour=$(scour_bin)
PYTHON=${PYTHON:-python3}
# Ray sends usage statistics home unless told not to.
export RAY_USAGE_STATS_ENABLED=${RAY_USAGE_STATS_ENABLED:-0}

if [[ -n ${RAY_ADDRESS:-} ]]; then
    where=shared shards=32
else
    where=local shards=$((2 * $(cpu_count)))
fi

work_begin "$where"
mapfile -t extra < <(plan_args "$shards" "$@")
plan=$("$scour" plan "$@" "${extra[@]}" --work "$work") || {
    # Nothing ran: no work to resume (scour said why on stderr).
    [[ -z $work_tmp ]] || rm -rf "$work_tmp"
    exit 2
}
code=0
"$PYTHON" "$here/driver.py" --scour "$scour" --work "$work" --plan "$plan" || code=$?
# The driver exits with finish's code (0 or 1), 2 on failure, 130 when
# interrupted; anything else (Python dying) is a failure too.
[[ $code == 0 || $code == 1 || $code == 130 ]] || code=2
work_end "$code"
exit "$code"
