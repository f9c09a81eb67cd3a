#!/usr/bin/env bash
# r1 training step vs PyTorch running DeepSeek's reference inference/model.py
# (forward + backward + AdamW) on the same ~15M-parameter V3-shaped config and
# batch, FP32, no MTP (model.py has none), at 1 and 2 threads; r1's BF16 mixed
# precision beside it. Runs are interleaved (r1 fp32, r1 bf16, torch; REPEATS
# rounds) so a busy shared machine hits all of them alike; each run reports the
# median over STEPS steps, and the summary gives min/median/max over the rounds
# of the step time and of the per-round ratio torch/r1 (wall and process CPU time).
# Needs python3-torch (Debian) and a local copy of github.com/deepseek-ai/DeepSeek-V3
# (nothing of it is committed here).
# usage: bench/train_vs_torch.sh /path/to/DeepSeek-V3 [build-dir]
set -euo pipefail
REPO=${1:?usage: train_vs_torch.sh /path/to/DeepSeek-V3 [build-dir]}
BUILD=${2:-build}
B=${B:-4}; T=${T:-128}; STEPS=${STEPS:-4}; REPEATS=${REPEATS:-3}; THREADS=${THREADS:-"1 2"}
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-active}
# torch gets its fastest setting here: its own OpenMP threads with single-threaded
# OpenBLAS inside. With OpenBLAS threads as well (Debian's default) the cores are
# oversubscribed and a 2-thread torch step measured 1.1-1.8 s against 0.46 s.
CFG=$(mktemp); OUT=$(mktemp); trap 'rm -f "$CFG" "$OUT"' EXIT
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
GF=$("$BUILD/bench_train_step" --threads 1 --mtp 0 --steps 1 --batch $B --seq $T --config-out "$CFG" | grep RESULT |
    field gflop_per_step)
for th in $THREADS; do
  for rep in $(seq $REPEATS); do
    r1=$("$BUILD/bench_train_step" --threads $th --mtp 0 --batch $B --seq $T --steps $STEPS)
    rb=$("$BUILD/bench_train_step" --threads $th --mtp 0 --bf16 --batch $B --seq $T --steps $STEPS)
    pt=$(OMP_NUM_THREADS=$th OPENBLAS_NUM_THREADS=${TORCH_BLAS_THREADS:-1} ${PYTHON:-/usr/bin/python3} bench/train_torch.py "$REPO" "$CFG" --threads $th --batch $B \
         --seq $T --steps $STEPS)
    [ $rep = 1 ] && { echo "$r1" | head -1; echo "$pt" | head -1; }
    for kv in "r1 $r1" "r1bf16 $rb" "torch $pt"; do
      name=${kv%% *}; res=$(echo "${kv#* }" | grep RESULT)
      echo "$th $name $(echo "$res" | field median_step_s) $(echo "$res" | field median_cpu_s)" >> "$OUT"
    done
  done
done
echo "(per round: median of $STEPS steps; over $REPEATS rounds: min / median / max)"
echo "(model FLOPs per step, forward + backward: $GF G)"
awk -v tok=$((B * T)) -v gf=$GF '
  function stats(arr, n,   i, j, t, s) {  # sorts arr[1..n]
    for (i = 2; i <= n; i++) { t = arr[i]; for (j = i - 1; j >= 1 && arr[j] > t; j--) arr[j + 1] = arr[j]; arr[j + 1] = t }
    return sprintf("%.3f / %.3f / %.3f", arr[1], arr[int((n + 1) / 2)], arr[n])
  }
  { k = $1 SUBSEP $2; n[k]++; w[k, n[k]] = $3; c[k, n[k]] = $4; th[$1] = 1 }
  END {
    for (t in th) {
      printf "threads %s\n", t
      split("r1 r1bf16 torch", names, " ")
      for (q = 1; q <= 3; q++) {
        k = t SUBSEP names[q]; m = n[k]
        for (i = 1; i <= m; i++) { a[i] = w[k, i]; b[i] = c[k, i]; tp[i] = tok / w[k, i]; fl[i] = gf / w[k, i] }
        printf "  %-7s step s %s   cpu-s %s   tokens/s %s   model GFLOP/s %s\n", names[q], stats(a, m), stats(b, m),
               stats(tp, m), stats(fl, m)
      }
      for (q = 1; q <= 2; q++) {
        k = t SUBSEP names[q]; kt = t SUBSEP "torch"; m = n[k]
        for (i = 1; i <= m; i++) { a[i] = w[kt, i] / w[k, i]; b[i] = c[kt, i] / c[k, i] }
        printf "  ==> %s is faster than torch by (wall) %s x, (cpu) %s x\n", names[q], stats(a, m), stats(b, m)
      }
    }
  }' "$OUT"
