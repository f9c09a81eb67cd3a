#!/usr/bin/env bash
# Fresh machine -> dependencies, build, then r1's main job: the R1 recipe at tiny
# scale (data -> tokenizer -> pretrain -> cold start -> GRPO -> rejection-sampling
# SFT -> distill, plus the R1-Zero branch), ending in a report card and a chat command.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
OUT=${1:-runs/recipe}
build/r1 recipe --out "$OUT" --threads "$(nproc)"
echo
echo "report card: $OUT/report.md  (report.json, plots: $OUT/*.svg)"
