#!/usr/bin/env bash
# Acceptance: a tiny DeepSeek-V3-shaped model (MLA + MoE + MTP) pretrained for
# a minute or two on 2 cores on the prose-like plain-text docs in /usr/share/doc
# (gathered by `r1 pretrain-gather --min-letters 0.85`: README/copyright/NEWS
# text, no source code; tokenized by a 1024-token BPE trained on them) gets a
# validation loss clearly below the unigram baseline and samples recognisable
# text. The text check: of the sampled whitespace-separated words (trimmed of
# punctuation, lowercased), the share found in the training documents'
# vocabulary must be at least MIN_SHARE (0.70) and at least MIN_GAIN (0.20)
# above the same share for as many tokens drawn from the unigram model (which
# also emits real BPE pieces, so the gap is what the model learned; observed:
# model ~0.8, unigram ~0.4 at 300-450 steps). A model that has not learned
# word structure fails both.
# usage: bash tests/cli/pretrain_text.sh /path/to/r1   (STEPS, THREADS override)
set -euo pipefail
R1=${1:?usage: pretrain_text.sh /path/to/r1}
export OMP_WAIT_POLICY=passive
MIN_SHARE=${MIN_SHARE:-0.70}
MIN_GAIN=${MIN_GAIN:-0.20}
[ -d /usr/share/doc ] || { echo "pretrain_text: SKIP (no /usr/share/doc)"; exit 0; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$R1" pretrain-gather --root /usr/share/doc --out "$T/docs.jsonl" --max-docs 400 --min-letters 0.85
"$R1" train-tokenizer --in "$T/docs.jsonl" --vocab-size 1024 --out "$T/tok" 2> "$T/tok.log"
"$R1" pretrain --model-config tests/data/train/text_v3.json --tokenizer "$T/tok/tokenizer.json" --data "$T/docs.jsonl" \
  --out "$T/run" --steps ${STEPS:-400} --seq-len 128 --batch 8 --lr 3e-3 --warmup-steps 20 --seed 1 \
  --threads ${THREADS:-2} --sample 40 --samples 8 --temperature 0.6 --prompt "This package " 2> "$T/log" | tee "$T/out"
num() { grep -o "\"$1\": [0-9.e+-]*" "$T/run/final_eval.json" | awk '{print $2}'; }
val=$(num val_loss); uni=$(num unigram_val_loss); share=$(num sample_word_share); ushare=$(num unigram_word_share)
awk -v v="$val" -v u="$uni" 'BEGIN { exit !(v < u - 0.5) }' || { echo "FAIL: val_loss $val not clearly below unigram $uni"; exit 1; }
echo "val_loss $val < unigram $uni - 0.5"
awk -v s="$share" -v u="$ushare" -v m="$MIN_SHARE" -v g="$MIN_GAIN" 'BEGIN { exit !(s >= m && s >= u + g) }' || {
  echo "FAIL: sampled words in the corpus vocabulary $share (need >= $MIN_SHARE and >= unigram $ushare + $MIN_GAIN)"; exit 1; }
[ -f "$T/run/latest/config.json" ] && grep -q '"num_nextn_predict_layers": 1' "$T/run/latest/config.json"
echo "pretrain_text: ok (sample word share $share vs unigram $ushare)"
