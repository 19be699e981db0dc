#!/usr/bin/env bash
# Test of the Ray launcher: run.sh on a local Ray with 3 shards must write
# what `scour run` writes, byte for byte (launcher_test.sh). Builds nothing:
# SCOUR must name the scour binary; PYTHON (default python3) must have ray.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
unset RAY_ADDRESS
export SCOUR_SHARDS=3
exec "$here/../launcher_test.sh" "$here/run.sh"
