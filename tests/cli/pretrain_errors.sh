#!/usr/bin/env bash
# r1 pretrain rejects bad input with a clear one-line error (exit 1), and a
# diverging run (NaN/Inf loss) stops while keeping its last good checkpoint.
set -uo pipefail
R1=${1:?usage: pretrain_errors.sh /path/to/r1}
export OMP_WAIT_POLICY=passive
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
CFG=tests/data/train/tiny_v3.json
for i in $(seq 1 30); do echo "{\"text\": \"document $i: the quick brown fox jumps over the lazy dog $i times.\"}"; done > "$T/docs.jsonl"
fails=0
expect_fail() {  # expect_fail NEEDLE args...
  local needle=$1; shift
  local out; out=$("$R1" pretrain "$@" --threads 1 2>&1); local rc=$?
  if [ $rc -ne 1 ] || ! grep -qF -- "$needle" <<<"$out"; then
    echo "FAIL: expected exit 1 with '$needle', got rc=$rc: $out"; fails=$((fails+1))
  else echo "ok: $needle"; fi
}
sed 's/"num_experts_per_tok": 2/"num_experts_per_tok": 9/' $CFG > "$T/k.json"
expect_fail "num_experts_per_tok 9 > n_routed_experts 8" --model-config "$T/k.json" --data "$T/docs.jsonl" --out "$T/o1" --steps 1
sed 's/"qk_rope_head_dim": 16/"qk_rope_head_dim": 15/' $CFG > "$T/r.json"
expect_fail "qk_rope_head_dim 15 must be even" --model-config "$T/r.json" --data "$T/docs.jsonl" --out "$T/o2" --steps 1
printf '\n' > "$T/empty.jsonl"
expect_fail "empty dataset" --model-config $CFG --data "$T/empty.jsonl" --out "$T/o3" --steps 1
{ echo '{"text": "fine"}'; printf '{"text": "broken \xc3\x28 here"}\n'; } > "$T/bad.jsonl"
expect_fail "bad.jsonl: line 2: invalid UTF-8" --model-config $CFG --data "$T/bad.jsonl" --out "$T/o4" --steps 1
expect_fail "no checkpoint to --resume" --data "$T/docs.jsonl" --out "$T/o5" --steps 1 --resume
sed 's/"vocab_size": 262/"vocab_size": 200/' $CFG > "$T/v.json"
expect_fail "model's vocab_size is 200" --model-config "$T/v.json" --data "$T/docs.jsonl" --out "$T/o6" --steps 1
# divergence: an absurd learning rate blows the weights up after step 1
expect_fail "diverged" --model-config $CFG --data "$T/docs.jsonl" --out "$T/o7" --steps 5 --seq-len 16 --batch 2 \
  --lr 1e30 --clip 0 --save-every 1
if [ -f "$T/o7/latest/model.safetensors" ] && [ -f "$T/o7/latest/trainer_state.json" ] && \
   grep -q '"step": 1' "$T/o7/latest/trainer_state.json"; then echo "ok: last good checkpoint kept"
else echo "FAIL: no complete checkpoint after divergence"; ls -la "$T/o7"; fails=$((fails+1)); fi
[ $fails -eq 0 ] && echo "pretrain_errors: all ok"
exit $fails
