#!/usr/bin/env bash
# CI test of the Spark launcher: run.sh on a local[2] master with 3 shards
# must write what `scour run` writes, byte for byte (launcher_test.sh).
# Builds nothing: SCOUR must name the scour binary; PYTHON (default python3)
# must have pyspark, and Java must be installed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export SPARK_MASTER='local[2]' SCOUR_SHARDS=3
# Spark's own log: errors only (driver.py reads this).
export SCOUR_SPARK_LOG_LEVEL=${SCOUR_SPARK_LOG_LEVEL:-ERROR}
exec "$here/../launcher_test.sh" "$here/run.sh"
