#!/usr/bin/env bash
# Usage: examples/spark/run.sh INPUT... -o OUTPUT [scour run options]
#
# Does what `scour run INPUT... -o OUTPUT [options]` does, byte for byte,
# as sharded stages on Spark: `scour plan` here, then every task of every
# stage as a Spark task (driver.py), stage after stage.
# Exit code: 0 done, 1 done but some documents were rejected, 2 failure.
#
# Environment:
#   SCOUR          scour binary (default: target/release/scour, under
#                  $CARGO_TARGET_DIR if set); its path must work on every executor
#   PYTHON         Python with pyspark (default: python3)
#   SPARK_MASTER   master URL (default: local[2])
#   SPARK_REMOTE   Spark Connect URL instead (sc://HOST:PORT, or local[N] for a
#                  Connect server started here); wins over SPARK_MASTER
#   SCOUR_WORK     work folder (default: a temporary folder, removed after a
#                  successful run; required with a non-local master)
#   SCOUR_SHARDS   shards (default: 2 per core of a local master, else 32)
#   SCOUR_BAND_PARTS  parts of the dedup band stage (default: scour's)
#   SCOUR_TASK_THREADS  --threads of each task of a sharded stage
#                  (default: spark.task.cpus)
#
# Every executor runs scour on the same files: the work folder, the inputs,
# the output and the scour binary must be on storage that every executor
# sees under the same absolute path (a shared file system).

set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=../lib.sh
. "$here/../lib.sh"
usage_if_needed "$@"

scour=$(scour_bin)
PYTHON=${PYTHON:-python3}
master=${SPARK_MASTER:-local[2]}

# A local master runs on this machine: its cores are known and a temporary
# work folder is seen by every task. Anything else is a real cluster.
# SPARK_REMOTE=local[N] is a Spark Connect server that pyspark starts here.
cluster=${SPARK_REMOTE:-$master}
where=shared shards=32
if [[ $cluster == local ]]; then
    where=local shards=2
elif [[ $cluster =~ ^local\[([0-9]+)(,[0-9]+)?\]$ ]]; then
    where=local shards=$((2 * BASH_REMATCH[1]))
elif [[ $cluster =~ ^local\[\*(,[0-9]+)?\]$ ]]; then
    where=local shards=$((2 * $(cpu_count)))
fi
if [[ $where == local ]]; then
    # A local master needs no network; this also silences Spark's warning
    # about the host name resolving to a loopback address.
    export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
fi
# Executors run the task UDF with this Python too.
export PYSPARK_PYTHON=${PYSPARK_PYTHON:-$PYTHON}

work_begin "$where"
mapfile -t extra < <(plan_args "$shards" "$@")
plan=$("$scour" plan "$@" "${extra[@]}" --work "$work") || {
    # Nothing ran: no work to resume (scour said why on stderr).
    [[ -z $work_tmp ]] || rm -rf "$work_tmp"
    exit 2
}
code=0
"$PYTHON" "$here/driver.py" --scour "$scour" --work "$work" --plan "$plan" --master "$master" || code=$?
# The driver exits with finish's code (0 or 1), 2 on failure, 130 when
# interrupted; anything else (Python dying) is a failure too.
[[ $code == 0 || $code == 1 || $code == 130 ]] || code=2
work_end "$code"
exit "$code"
