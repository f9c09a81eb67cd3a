#!/usr/bin/env bash
# Acceptance: a tiny DeepSeek-V3-shaped model (MLA + MoE + MTP, byte-level
# vocab) pretrained for a minute on the plain-text docs in /usr/share/doc gets
# a validation loss clearly below the unigram baseline and samples text made of
# real English words.
set -euo pipefail
R1=${1:?usage: pretrain_text.sh /path/to/r1}
export OMP_WAIT_POLICY=passive
[ -d /usr/share/doc ] || { echo "pretrain_text: SKIP (no /usr/share/doc)"; exit 0; }
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
"$R1" pretrain-gather --root /usr/share/doc --out "$T/docs.jsonl" --max-docs 400
"$R1" pretrain --model-config tests/data/train/tiny_v3.json --tokenizer bytes --data "$T/docs.jsonl" --out "$T/run" \
  --steps ${STEPS:-400} --seq-len 64 --batch 8 --lr 3e-3 --warmup-steps 20 --seed 1 --threads ${THREADS:-1} \
  --sample 200 --temperature 0.6 --prompt "This package " 2> "$T/log" | tee "$T/out"
python_free_check() {
  local val uni
  val=$(grep -o '"val_loss": [0-9.]*' "$T/run/final_eval.json" | awk '{print $2}')
  uni=$(grep -o '"unigram_val_loss": [0-9.]*' "$T/run/final_eval.json" | awk '{print $2}')
  awk -v v="$val" -v u="$uni" 'BEGIN { if (v < u - 0.5) exit 0; exit 1 }' || { echo "FAIL: val_loss $val not clearly below unigram $uni"; exit 1; }
  echo "val_loss $val < unigram $uni - 0.5"
}
python_free_check
words=0
for w in the and of to is in for this with; do grep -qiw "$w" <(grep '^sample:' "$T/out") && words=$((words+1)); done
[ $words -ge 3 ] || { echo "FAIL: the sample has only $words common English words"; exit 1; }
[ -f "$T/run/latest/config.json" ] && grep -q '"num_nextn_predict_layers": 1' "$T/run/latest/config.json"
echo "pretrain_text: ok ($words common words in the sample)"
