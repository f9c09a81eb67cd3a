#!/usr/bin/env bash
# r1 training step vs PyTorch running DeepSeek's reference inference/model.py
# (forward + backward + AdamW) on the same ~15M-parameter V3-shaped config and
# batch, FP32, no MTP (model.py has none), at 1 and 2 threads; r1's BF16 mixed
# precision beside it. bench/train_lockstep.py keeps every process resident and
# runs them one step each in turn (ROUNDS rounds), so each round's ratio compares
# steps taken within about a second of each other; at 2 threads PyTorch runs in
# all three ways of using the cores and r1 is also compared with the fastest.
# Needs python3-torch (Debian) and a local copy of github.com/deepseek-ai/DeepSeek-V3
# (nothing of it is committed here).
# usage: bench/train_vs_torch.sh /path/to/DeepSeek-V3 [build-dir]
set -euo pipefail
REPO=${1:?usage: train_vs_torch.sh /path/to/DeepSeek-V3 [build-dir]}
BUILD=${2:-build}
B=${B:-4}; T=${T:-128}; ROUNDS=${ROUNDS:-30}; THREADS=${THREADS:-"1 2"}
for th in $THREADS; do
  ${PYTHON:-/usr/bin/python3} "$(dirname "$0")/train_lockstep.py" "$REPO" --build "$BUILD" --threads "$th" \
      --rounds "$ROUNDS" --batch "$B" --seq "$T" --python "${PYTHON:-/usr/bin/python3}"
done
