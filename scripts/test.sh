#!/usr/bin/env bash
# Fresh machine -> dependencies, build, full test suite (ctest).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd build && ctest -j"$(nproc)" --output-on-failure --timeout 900
