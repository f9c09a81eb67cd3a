#!/usr/bin/env bash
# Dense GQA speed: a random BF16 model shaped like DeepSeek-R1-Distill-Qwen-1.5B
# (hidden 1536, 28 layers, 12 heads / 2 KV heads, intermediate 8960, vocab
# 151936), prompt processing of 512 tokens and decoding of 128 tokens at 1 and
# 2 threads, r1 beside llama.cpp's llama-bench on the same weights (a GGUF
# written by bench_dense_gen with identical BF16 bits).
#
#   bash bench/dense.sh [BUILD_DIR]
#   env: LLAMA_BENCH=/path/to/llama-bench (optional; the peer is skipped without it)
#        R1_BENCH_DIR (default BUILD_DIR/bench_dense: model folder + GGUF, ~7 GB)
#        REPEATS (default 3), THREADS (default "1 2"), PP (512), TG (128)
set -euo pipefail
BUILD=${1:-build}
DIR=${R1_BENCH_DIR:-$BUILD/bench_dense}
REPEATS=${REPEATS:-3}
THREADS=${THREADS:-"1 2"}
PP=${PP:-512}
TG=${TG:-128}
GEN=$BUILD/bench_dense_gen
SPEED=$BUILD/bench_dense_speed
for b in "$GEN" "$SPEED"; do
  [ -x "$b" ] || { echo "missing $b: cmake --build $BUILD --target bench_dense_gen bench_dense_speed" >&2; exit 1; }
done
if [ ! -f "$DIR/model/model.safetensors" ] || [ ! -f "$DIR/model.gguf" ]; then
  mkdir -p "$DIR"
  "$GEN" --out "$DIR/model" --gguf "$DIR/model.gguf" --seed 1234
fi

declare -A R1 LL
for t in $THREADS; do
  while read -r _ test _ _ mn _ md _ mx _; do
    R1[$test.$t]="$mn $md $mx"
  done < <("$SPEED" --model "$DIR/model" --threads "$t" --pp "$PP" --tg "$TG" --repeats "$REPEATS")
  if [ -n "${LLAMA_BENCH:-}" ]; then
    # llama-bench JSON: one record per test with per-repeat samples_ts.
    "$LLAMA_BENCH" -m "$DIR/model.gguf" -p "$PP" -n "$TG" -t "$t" -r "$REPEATS" -o json > "$DIR/llama_t$t.json" 2> "$DIR/llama_t$t.log" || {
      echo "llama-bench failed at $t threads: see $DIR/llama_t$t.log" >&2
      continue
    }
    while read -r test mn md mx; do
      LL[$test.$t]="$mn $md $mx"
    done < <(python3 - "$DIR/llama_t$t.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1])):
    test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
    s = sorted(r["samples_ts"])
    print(test, f"{s[0]:.3f}", f"{s[len(s) // 2]:.3f}", f"{s[-1]:.3f}")
EOF
)
  fi
done

printf "\n%-7s %-7s %-28s %-28s %s\n" test threads "r1 tok/s (min/med/max)" "llama.cpp tok/s (min/med/max)" "median ratio r1/llama.cpp"
for test in pp$PP tg$TG; do
  for t in $THREADS; do
    r=${R1[$test.$t]:-"- - -"}
    l=${LL[$test.$t]:-"- - -"}
    ratio=$(awk -v a="$(echo "$r" | cut -d' ' -f2)" -v b="$(echo "$l" | cut -d' ' -f2)" \
      'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2fx", a / b; else print "-" }')
    printf "%-7s %-7s %-28s %-28s %s\n" "$test" "$t" "$r" "$l" "$ratio"
  done
done
