#!/usr/bin/env bash
# r1 training step vs PyTorch running DeepSeek's reference inference/model.py
# (forward + backward + AdamW) on the same ~15M-parameter V3-shaped config and
# batch, FP32, no MTP (model.py has none), at 1 and 2 threads. Also r1's BF16
# mixed precision and MTP runs. Needs python3-torch (Debian) and a local copy
# of github.com/deepseek-ai/DeepSeek-V3 (nothing of it is committed here).
# usage: bench/train_vs_torch.sh /path/to/DeepSeek-V3 [build-dir]
set -euo pipefail
REPO=${1:?usage: train_vs_torch.sh /path/to/DeepSeek-V3 [build-dir]}
BUILD=${2:-build}
B=${B:-4}; T=${T:-128}; STEPS=${STEPS:-4}
export OMP_WAIT_POLICY=passive
CFG=$(mktemp); trap 'rm -f "$CFG"' EXIT
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
for th in 1 2; do
  r1=$("$BUILD/bench_train_step" --threads $th --mtp 0 --batch $B --seq $T --steps $STEPS --config-out "$CFG")
  echo "$r1" | grep -v RESULT
  pt=$(OMP_NUM_THREADS=$th ${PYTHON:-/usr/bin/python3} bench/train_torch.py "$REPO" "$CFG" --threads $th --batch $B --seq $T --steps $STEPS)
  echo "$pt" | grep -v RESULT
  rw=$(echo "$r1" | grep RESULT | field median_step_s); pw=$(echo "$pt" | grep RESULT | field median_step_s)
  rc=$(echo "$r1" | grep RESULT | field median_cpu_s); pc=$(echo "$pt" | grep RESULT | field median_cpu_s)
  awk -v rw=$rw -v pw=$pw -v rc=$rc -v pc=$pc -v th=$th \
    'BEGIN { printf "==> threads %d: r1 is %.2fx faster per step (wall), %.2fx (CPU time)\n\n", th, pw / rw, pc / rc }'
done
for th in 1 2; do
  "$BUILD/bench_train_step" --threads $th --mtp 0 --bf16 --batch $B --seq $T --steps $STEPS | grep -v RESULT
  "$BUILD/bench_train_step" --threads $th --mtp 1 --batch $B --seq $T --steps $STEPS | grep -v RESULT
done
