#!/usr/bin/env bash
# Exact resume and crash safety: N steps straight == k steps, a kill in the
# middle of writing the next checkpoint, then --resume to N (bit-identical
# weights and optimizer moments at the same thread count).
set -euo pipefail
R1=${1:?usage: pretrain_resume.sh /path/to/r1}
export OMP_WAIT_POLICY=passive
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
CFG=tests/data/train/tiny_v3.json
for i in $(seq 1 40); do echo "{\"text\": \"line $i: pack my box with five dozen liquor jugs; sphinx of black quartz, judge my vow $i.\"}"; done > "$T/docs.jsonl"
ARGS=(--model-config $CFG --data "$T/docs.jsonl" --steps 6 --seq-len 24 --batch 4 --accum 2 --lr 3e-3 --warmup-steps 2
      --save-every 2 --seed 3 --fim-rate 0.3 --seq-aux-alpha 0.001 --threads 1)
"$R1" pretrain "${ARGS[@]}" --out "$T/a" > /dev/null 2>&1
set +e
R1_TEST_CRASH_DURING_SAVE=4 "$R1" pretrain "${ARGS[@]}" --out "$T/b" > /dev/null 2>&1
rc=$?
set -e
[ $rc -eq 3 ] || { echo "FAIL: the simulated crash did not happen (rc=$rc)"; exit 1; }
[ "$(readlink "$T/b/latest")" = "step-00000002" ] || { echo "FAIL: latest is $(readlink "$T/b/latest") after the crash"; exit 1; }
for f in config.json model.safetensors optimizer.safetensors trainer_state.json; do
  [ -s "$T/b/latest/$f" ] || { echo "FAIL: latest/$f missing after the crash"; exit 1; }
done
"$R1" pretrain "${ARGS[@]}" --out "$T/b" --resume > /dev/null 2>&1
[ "$(readlink "$T/b/latest")" = "step-00000006" ] || { echo "FAIL: resume did not reach step 6"; exit 1; }
cmp "$T/a/latest/model.safetensors" "$T/b/latest/model.safetensors" || { echo "FAIL: weights differ after resume"; exit 1; }
cmp "$T/a/latest/optimizer.safetensors" "$T/b/latest/optimizer.safetensors" || { echo "FAIL: moments differ"; exit 1; }
[ "$(wc -l < "$T/b/metrics.jsonl")" -eq 6 ] || { echo "FAIL: metrics.jsonl should have 6 lines"; exit 1; }
echo "pretrain_resume: ok (crash at save 4 kept step 2; resumed run bit-identical)"
