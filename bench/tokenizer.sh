#!/usr/bin/env bash
# Tokenizer benchmark, r1 vs Hugging Face `tokenizers` (npm, Rust core) in the
# same run: tokenizer.json load time and encode throughput (MB/s) on a ~12 MB
# mixed corpus (English, C, Python, Chinese, digit tables), 1 and 2 threads,
# min/median/max over REPEATS, then the r1/HF ratio of medians. Both sides must
# produce the same total token count.
# usage: bench/tokenizer.sh [path/to/build] [REPEATS] [TOKENIZER]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
REPS=${2:-5}
TOK=${3:-tests/data/tokenizer/deepseek_v3}
NPM_DIR=.cache/npm
if [ ! -d "$NPM_DIR/node_modules/tokenizers" ]; then
  mkdir -p "$NPM_DIR"
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" tokenizers@0.23.2 >/dev/null
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
node bench/tokenizer_corpus.js "$W/corpus.jsonl"
JSON=$TOK; [ -d "$TOK" ] && JSON=$TOK/tokenizer.json
"$B/bench_tokenizer" "$TOK" "$W/corpus.jsonl" "$REPS" | tee "$W/r1.txt"
for t in 1 2; do RAYON_NUM_THREADS=$t node bench/tokenizer_hf.js "$JSON" "$W/corpus.jsonl" "$REPS"; done | tee "$W/hf.txt"
med() { grep "$1" "$2" | head -1 | sed -E 's/.*median +([0-9.]+).*/\1/'; }
echo "--- ratios (median r1 / median HF)"
for t in 1 2; do
  a=$(med "encode r1 $t thread" "$W/r1.txt"); b=$(med "encode HF $t thread" "$W/hf.txt")
  echo "encode $t thread(s): r1 $a MB/s, HF $b MB/s, speedup x$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", a/b}')"
done
a=$(med "load r1" "$W/r1.txt"); b=$(med "load HF" "$W/hf.txt")
echo "load: r1 $a ms, HF $b ms, speedup x$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.2f", b/a}')"
t1=$(grep -m1 "tokens:" "$W/r1.txt" | awk '{print $2}'); t2=$(grep -m1 "tokens:" "$W/hf.txt" | awk '{print $2}')
[ "$t1" = "$t2" ] && echo "token counts equal: $t1" || { echo "TOKEN COUNTS DIFFER: r1 $t1 HF $t2"; exit 1; }
