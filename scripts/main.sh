#!/usr/bin/env bash
# Fresh machine -> dependencies, build, then r1's main job.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
OUT=${1:-runs/main}
mkdir -p "$OUT"
# Until `r1 recipe` lands: greedy generation on the tiny V3-shaped golden model.
build/r1 generate --model tests/data/goldens/v3_tiny --tokens tests/data/goldens/v3_tiny/tokens.json -n 16
