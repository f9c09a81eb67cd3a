#!/usr/bin/env bash
# r1 logits / generate / info: happy paths and bad input. Every bad input must
# give a one-line error naming the file and the problem, exit 1, never crash.
set -u
R1=${1:?usage: infer.sh /path/to/r1}
G=tests/data/goldens
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0

# expect_error DESCRIPTION PATTERN... -- r1 args...
expect_error() {
  local what=$1; shift
  local pats=()
  while [ "$1" != "--" ]; do pats+=("$1"); shift; done
  shift
  "$R1" "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ $rc -ne 1 ]; then echo "FAIL [$what]: exit $rc (want 1)"; cat "$T/err"; fails=$((fails+1)); return; fi
  if [ "$(wc -l <"$T/err")" -ne 1 ]; then echo "FAIL [$what]: error is not one line:"; cat "$T/err"; fails=$((fails+1)); return; fi
  for p in "${pats[@]}"; do
    if ! grep -q -- "$p" "$T/err"; then echo "FAIL [$what]: message lacks '$p':"; cat "$T/err"; fails=$((fails+1)); return; fi
  done
  echo "ok   [$what]: $(cat "$T/err")"
}

# u64 little-endian header length + header JSON + N zero bytes of data.
mkst() {  # file json nbytes
  local f=$1 j=$2 n=$3 len=${#2} esc="" i
  for i in 0 1 2 3 4 5 6 7; do esc+=$(printf '\\x%02x' $(( (len >> (8*i)) & 255 ))); done
  printf "$esc" >"$f"
  printf '%s' "$j" >>"$f"
  head -c "$n" /dev/zero >>"$f"
}

mkmodel() {  # dir: v3_tiny config, weights to be written by the caller
  mkdir -p "$1"; cp $G/v3_tiny/config.json "$1/"
}

TOK=$G/v3_tiny/tokens.json

# --- happy paths -------------------------------------------------------------
"$R1" logits --model $G/v3_tiny --tokens $TOK --out "$T/l.bin" --threads 1 2>/dev/null || { echo "FAIL logits"; fails=$((fails+1)); }
[ "$(stat -c %s "$T/l.bin")" = $((2*40*384*4)) ] || { echo "FAIL logits size"; fails=$((fails+1)); }
# Ragged batch: the shorter sequence is zero-padded.
printf '{"tokens": [[1, 2, 3, 4, 5], [7, 8]]}' >"$T/ragged.json"
"$R1" logits --model $G/v3_tiny --tokens "$T/ragged.json" --out "$T/r.bin" --decode --threads 1 2>/dev/null || { echo "FAIL ragged"; fails=$((fails+1)); }
[ "$(stat -c %s "$T/r.bin")" = $((2*5*384*4)) ] || { echo "FAIL ragged size"; fails=$((fails+1)); }
[ "$(tail -c $((3*384*4)) "$T/r.bin" | tr -d '\0' | wc -c)" = 0 ] || { echo "FAIL ragged padding not zero"; fails=$((fails+1)); }
"$R1" generate --model $G/v3_tiny --tokens $TOK -n 4 --threads 1 >"$T/gen" 2>/dev/null || { echo "FAIL generate"; fails=$((fails+1)); }
grep -q "^stats: prompt 80 tok.*decode.*tok/s.*KV cache 768 bytes/token, peak RSS" "$T/gen" || { echo "FAIL generate stats"; cat "$T/gen"; fails=$((fails+1)); }
# V2-Lite's real config: 576 vs 4096 cache elements per layer.
mkdir -p "$T/v2lite"
sed -e 's/"hidden_size": 64/"hidden_size": 2048/' -e 's/"num_attention_heads": 4/"num_attention_heads": 16/' \
    -e 's/"num_key_value_heads": 4/"num_key_value_heads": 16/' -e 's/"kv_lora_rank": 32/"kv_lora_rank": 512/' \
    -e 's/"qk_nope_head_dim": 32/"qk_nope_head_dim": 128/' -e 's/"qk_rope_head_dim": 16/"qk_rope_head_dim": 64/' \
    -e 's/"v_head_dim": 32/"v_head_dim": 128/' -e 's/"n_routed_experts": 16/"n_routed_experts": 64/' \
    -e 's/"num_experts_per_tok": 4/"num_experts_per_tok": 6/' -e 's/"vocab_size": 320/"vocab_size": 102400/' \
    -e 's/"num_hidden_layers": 3/"num_hidden_layers": 27/' -e 's/"moe_intermediate_size": 32/"moe_intermediate_size": 1408/' \
    -e 's/"intermediate_size": 160/"intermediate_size": 10944/' $G/v2lite_tiny/config.json >"$T/v2lite/config.json"
"$R1" info --model "$T/v2lite" >"$T/info" 2>&1
grep -q "MLA 576 elements vs MHA 4096 elements" "$T/info" || { echo "FAIL info kv"; cat "$T/info"; fails=$((fails+1)); }
grep -q "params: total 15.70[0-9] B" "$T/info" || { echo "FAIL info params (V2-Lite is 15.7B)"; cat "$T/info"; fails=$((fails+1)); }
"$R1" info --model $G/v3_fp8 | grep -q "1 MTP" || { echo "FAIL info MTP"; fails=$((fails+1)); }

# --- bad input ---------------------------------------------------------------
mkmodel "$T/trunc"; head -c 100000 $G/v3_tiny/model.safetensors >"$T/trunc/model.safetensors"
expect_error "truncated safetensors" "trunc/model.safetensors" "outside the data section" -- logits --model "$T/trunc" --tokens $TOK --out "$T/x"
mkmodel "$T/trunc2"; head -c 50 $G/v3_tiny/model.safetensors >"$T/trunc2/model.safetensors"
expect_error "truncated header" "trunc2/model.safetensors" "truncated" -- logits --model "$T/trunc2" --tokens $TOK --out "$T/x"
mkmodel "$T/outside"; mkst "$T/outside/model.safetensors" '{"model.embed_tokens.weight":{"dtype":"F32","shape":[2],"data_offsets":[0,800]}}' 8
expect_error "offsets outside the file" "outside/model.safetensors" "model.embed_tokens.weight" "outside the data section" -- logits --model "$T/outside" --tokens $TOK --out "$T/x"
mkmodel "$T/overlap"; mkst "$T/overlap/model.safetensors" '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}' 12
expect_error "overlapping offsets" "overlap/model.safetensors" "overlap" -- logits --model "$T/overlap" --tokens $TOK --out "$T/x"
mkmodel "$T/dtype"; mkst "$T/dtype/model.safetensors" '{"a":{"dtype":"Q4_K","shape":[2],"data_offsets":[0,8]}}' 8
expect_error "unknown dtype" "dtype/model.safetensors" "unknown dtype 'Q4_K'" -- logits --model "$T/dtype" --tokens $TOK --out "$T/x"
mkdir -p "$T/missing"; ln -s "$PWD/$G/v3_tiny/model.safetensors" "$T/missing/model.safetensors"
sed 's/"num_hidden_layers": 3/"num_hidden_layers": 4/' $G/v3_tiny/config.json >"$T/missing/config.json"
expect_error "missing tensor" "missing" "model.layers.3.input_layernorm.weight" -- logits --model "$T/missing" --tokens $TOK --out "$T/x"
mkdir -p "$T/shape"; ln -s "$PWD/$G/v3_tiny/model.safetensors" "$T/shape/model.safetensors"
sed 's/"vocab_size": 384/"vocab_size": 385/' $G/v3_tiny/config.json >"$T/shape/config.json"
expect_error "wrong-shaped tensor" "model.safetensors" "model.embed_tokens.weight" "has shape \[384, 64\], expected \[385, 64\]" -- logits --model "$T/shape" --tokens $TOK --out "$T/x"
mkmodel "$T/shards"; mkst "$T/shards/model-00001-of-00002.safetensors" '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}' 8
printf '{"weight_map": {"a": "model-00001-of-00002.safetensors", "model.embed_tokens.weight": "model-00002-of-00002.safetensors"}}' >"$T/shards/model.safetensors.index.json"
expect_error "index.json names a missing shard" "model.safetensors.index.json" "shard 'model-00002-of-00002.safetensors'" "missing" -- logits --model "$T/shards" --tokens $TOK --out "$T/x"
mkdir -p "$T/cfg"; ln -s "$PWD/$G/v3_tiny/model.safetensors" "$T/cfg/model.safetensors"
sed 's/"scoring_func": "sigmoid"/"scoring_func": "sqrtsoftplus"/' $G/v3_tiny/config.json >"$T/cfg/config.json"
expect_error "unsupported config value" "cfg/config.json" "'scoring_func'" "sqrtsoftplus" -- logits --model "$T/cfg" --tokens $TOK --out "$T/x"
sed 's/"rope_scaling": {/"rope_scaling": {"rope_type": "dynamic", "x": {/' $G/v3_tiny/config.json | sed 's/"mscale_all_dim": 1.0/"mscale_all_dim": 1.0}/' >"$T/cfg/config.json"
expect_error "unsupported rope scaling" "cfg/config.json" "rope_scaling" -- info --model "$T/cfg"
printf '{"tokens": [[1, 2, 384]]}' >"$T/oov.json"
expect_error "token id outside the vocab (logits)" "oov.json" "384" "outside the vocabulary" -- logits --model $G/v3_tiny --tokens "$T/oov.json" --out "$T/x"
expect_error "token id outside the vocab (generate)" "oov.json" "outside the vocabulary" -- generate --model $G/v3_tiny --tokens "$T/oov.json"
printf '{"tokens": [[1, -2]]}' >"$T/neg.json"
expect_error "negative token id" "neg.json" "not a token id" -- logits --model $G/v3_tiny --tokens "$T/neg.json" --out "$T/x"
expect_error "no checkpoint" "no model.safetensors" -- logits --model "$T/v2lite" --tokens $TOK --out "$T/x"

[ $fails -eq 0 ] && echo "infer.sh: all passed" || echo "infer.sh: $fails failed"
exit $fails
