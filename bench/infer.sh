#!/usr/bin/env bash
# DeepSeek-V3-shaped bench model (bench_gen_model: ~265M params, ~93M active),
# r1 beside llama.cpp on the same weights: bench_gen_model writes the HF folder
# and, with --gguf, a deepseek2 GGUF with identical bits. For each dtype it
# first shows that both engines run the same model (greedy continuation of a
# prompt, r1 generate vs llama.cpp, when LLAMA_DIR is given), then measures
# prompt processing (pp) and decoding (tg) at each thread count, r1 and
# llama-bench alternating, and prints min/median/max tok/s, the median ratio,
# r1's decode as a share of the memory-bandwidth roofline, and peak RSS.
#
#   bash bench/infer.sh [BUILD_DIR]
#   env: LLAMA_BENCH=/path/to/llama-bench (optional; the peer is skipped without it)
#        LLAMA_DIR=/path/to/llama.cpp (optional: source + build/, for the same-model check)
#        R1_BENCH_DIR (default BUILD_DIR/bench_v3), DTYPES ("BF16 F32"),
#        REPEATS (3), THREADS ("1 2"), PP (512), TG (128)
# Runs with OMP_WAIT_POLICY=active (both engines use OpenMP).
set -euo pipefail
BUILD=${1:-build}
DIR=${R1_BENCH_DIR:-$BUILD/bench_v3}
REPEATS=${REPEATS:-3}
THREADS=${THREADS:-"1 2"}
DTYPES=${DTYPES:-"BF16 F32"}
PP=${PP:-512}
TG=${TG:-128}
export OMP_WAIT_POLICY=active
for b in "$BUILD/bench_gen_model" "$BUILD/bench_infer" "$BUILD/r1"; do
  [ -x "$b" ] || { echo "missing $b: cmake --build $BUILD --target r1 bench_gen_model bench_infer" >&2; exit 1; }
done
mkdir -p "$DIR"
peak_kib() { awk '/^PEAKRSS/ { print $2 }' "$1" | tail -1; }

GREEDY=""
if [ -n "${LLAMA_DIR:-}" ]; then
  GREEDY=$DIR/llama_greedy
  if [ ! -x "$GREEDY" ]; then
    cc -O2 -o "$GREEDY" bench/llama_greedy.c -I"$LLAMA_DIR/include" -I"$LLAMA_DIR/ggml/include" \
      -L"$LLAMA_DIR/build/bin" -lllama -Wl,-rpath,"$LLAMA_DIR/build/bin" || GREEDY=""
  fi
fi

declare -A R1 LL RSS_R1 RSS_LL ROOF
for dt in $DTYPES; do
  M=$DIR/$dt
  if [ ! -f "$M/model/model.safetensors" ] || [ ! -f "$M/model.gguf" ]; then
    mkdir -p "$M"
    "$BUILD/bench_gen_model" "$M/model" "$dt" 1234 --gguf "$M/model.gguf"
  fi
  if [ -n "$GREEDY" ]; then
    # Same model? Greedy continuation of one prompt, 1 thread each.
    P="5 17 300 4000 77 9000 123 16000"
    echo "{\"tokens\": [[${P// /, }]]}" > "$M/prompt.json"
    r1_out=$("$BUILD/r1" generate --model "$M/model" --tokens "$M/prompt.json" -n 16 --threads 1 2>/dev/null |
      awk '/^\[0\]/ { $1 = ""; print substr($0, 2) }')
    ll_all=$("$GREEDY" "$M/model.gguf" 16 $P 2>/dev/null)
    ll_out=$(echo "$ll_all" | sed -n 1p)
    n_same=$(python3 -c 'import sys; a, b = sys.argv[1].split(), sys.argv[2].split()
n = 0
while n < min(len(a), len(b)) and a[n] == b[n]: n += 1
print(n)' "$r1_out" "$ll_out")
    echo "$dt same-model check (greedy, prompt [$P]):"
    echo "  r1        : $r1_out"
    echo "  llama.cpp : $ll_out"
    echo "  llama.cpp top-1 margins: $(echo "$ll_all" | sed -n 2p)"
    note=""
    [ "$dt" = BF16 ] && note=" (llama.cpp rounds activations to BF16 in BF16 matmuls, r1 keeps f32; F32 must match fully)"
    echo "  identical prefix: $n_same of 16 tokens$note"
  fi
  for t in $THREADS; do
    /usr/bin/time -f "PEAKRSS %M" "$BUILD/bench_infer" "$M/model" --threads "$t" --reps "$REPEATS" --pp "$PP" --tg "$TG" \
      --batch 0 > "$M/r1_t$t.txt" 2> "$M/r1_t$t.err" || { echo "bench_infer failed: $M/r1_t$t.err" >&2; exit 1; }
    while read -r _ test th mn md mx; do R1[$dt.$test.$th]="$mn $md $mx"; done < <(grep '^RESULT' "$M/r1_t$t.txt")
    ROOF[$dt.$t]=$(awk '/^ROOFLINE/ { print $5 }' "$M/r1_t$t.txt")
    RSS_R1[$dt.$t]=$(awk '/^RSS/ { print $2 }' "$M/r1_t$t.txt")
    if [ -n "${LLAMA_BENCH:-}" ]; then
      if /usr/bin/time -f "PEAKRSS %M" "$LLAMA_BENCH" -m "$M/model.gguf" -p "$PP" -n "$TG" -t "$t" -r "$REPEATS" -o json \
        > "$M/llama_t$t.json" 2> "$M/llama_t$t.log"; then
        while read -r test mn md mx; do LL[$dt.$test.$t]="$mn $md $mx"; done < <(python3 - "$M/llama_t$t.json" <<'EOF'
import json, sys
for r in json.load(open(sys.argv[1])):
    test = f"pp{r['n_prompt']}" if r["n_prompt"] else f"tg{r['n_gen']}"
    s = sorted(r["samples_ts"])
    print(test, f"{s[0]:.3f}", f"{s[len(s) // 2]:.3f}", f"{s[-1]:.3f}")
EOF
)
        RSS_LL[$dt.$t]=$(( $(peak_kib "$M/llama_t$t.log") / 1024 ))
      else
        echo "llama-bench failed ($dt, $t threads): see $M/llama_t$t.log" >&2
      fi
    fi
  done
done

printf "\n%-5s %-7s %-7s %-26s %-26s %-8s %-9s %s\n" dtype test threads "r1 tok/s (min/med/max)" \
  "llama.cpp (min/med/max)" "r1/llama" "roofline" "peak RSS MiB r1 / llama.cpp"
for dt in $DTYPES; do
  for test in pp$PP tg$TG; do
    for t in $THREADS; do
      r=${R1[$dt.$test.$t]:-"- - -"}
      l=${LL[$dt.$test.$t]:-"- - -"}
      md_r=$(echo "$r" | cut -d' ' -f2)
      ratio=$(awk -v a="$md_r" -v b="$(echo "$l" | cut -d' ' -f2)" 'BEGIN { if (b + 0 > 0 && a + 0 > 0) printf "%.2fx", a / b; else print "-" }')
      roof="-"
      [ "$test" = "tg$TG" ] && roof=$(awk -v a="$md_r" -v b="${ROOF[$dt.$t]:-0}" 'BEGIN { if (b > 0) printf "%.0f%%", 100 * a / b; else print "-" }')
      printf "%-5s %-7s %-7s %-26s %-26s %-8s %-9s %s / %s\n" "$dt" "$test" "$t" "$r" "$l" "$ratio" "$roof" \
        "${RSS_R1[$dt.$t]:--}" "${RSS_LL[$dt.$t]:--}"
    done
  done
done
echo "roofline: r1's median tg as a share of (measured read bandwidth / bytes of weights + latent cache read per token);"
echo "details per run in $DIR/<dtype>/r1_t<threads>.txt"
