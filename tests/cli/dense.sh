#!/usr/bin/env bash
# r1 logits / generate / info on the dense GQA goldens (Qwen2, Llama 3.1), and
# clear one-line errors for bad dense configs.   bash tests/cli/dense.sh /path/to/r1
set -euo pipefail
R1=${1:?usage: dense.sh /path/to/r1}
G=tests/data/goldens
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# max |a - b| over two raw f32 files of equal size
maxdiff() {
  paste -d' ' <(od -An -v -f -w4 "$1") <(od -An -v -f -w4 "$2") |
    awk 'NF != 2 { bad = 1 } { d = $1 - $2; if (d < 0) d = -d; if (d > m || d != d) m = d } END { if (bad || NR == 0) print "nan"; else printf "%.3g\n", m }'
}

for c in qwen2_tiny qwen2_tied llama3_tiny; do
  for mode in prefill decode; do
    flag=""; [ $mode = decode ] && flag=--decode
    "$R1" logits --model $G/$c --tokens $G/$c/tokens.json --out "$TMP/$c.$mode.bin" $flag --threads 2 2>/dev/null
    [ "$(stat -c %s "$TMP/$c.$mode.bin")" = "$(stat -c %s $G/$c/logits.bin)" ] || fail "$c $mode: output size"
    d=$(maxdiff "$TMP/$c.$mode.bin" $G/$c/logits.bin)
    awk -v d="$d" 'BEGIN { exit !(d != "nan" && d + 0 <= 2e-4) }' || fail "$c $mode: max |dlogit| $d > 2e-4"
    echo "ok $c $mode max |dlogit| $d"
  done
done

# generate: the first greedy token is the argmax of the golden logits at the
# prompt's last position (sequence 0 of qwen2_tiny).
c=qwen2_tiny
S=$(grep -o '"seq_len": *[0-9]*' $G/$c/tokens.json | grep -o '[0-9]*$')
V=512
want=$(od -An -v -f -w4 -j $(( (S - 1) * V * 4 )) -N $(( V * 4 )) $G/$c/logits.bin |
  awk 'NR == 1 || $1 > m { m = $1; i = NR - 1 } END { print i }')
python_free_prompt=$(tr -d ' \n' < $G/$c/tokens.json | grep -o '"tokens":\[\[[0-9,]*\]' | sed 's/"tokens":\[//')
echo "{\"tokens\": [$python_free_prompt]}" > "$TMP/prompt.json"
out=$("$R1" generate --model $G/$c --tokens "$TMP/prompt.json" -n 3 --threads 1 2>/dev/null)
got=$(echo "$out" | grep '^\[0\]' | awk '{ print $2 }')
[ "$got" = "$want" ] || fail "generate: first greedy token $got, golden argmax $want"
echo "$out" | grep -q "KV cache $(( 2 * 2 * 16 * 3 * 4 )) bytes/token" || fail "generate: GQA KV bytes/token not reported: $out"
echo "ok generate first token $got"

# info: GQA beside MHA, tied head reported.
info=$("$R1" info --model $G/qwen2_tied)
echo "$info" | grep -q "attention: GQA, 6 query heads, 2 KV heads (3 per group), head_dim 16, q/k/v bias yes" || fail "info: $info"
echo "$info" | grep -q "KV cache per token per layer: GQA 64 elements" || fail "info KV: $info"
echo "$info" | grep -q "tied" || fail "info tied: $info"
"$R1" info --model $G/llama3_tiny | grep -q "llama3 scaling" || fail "info llama3"
echo "ok info"

# Bad configs: exit 1 with one line naming the key.
mkdir -p "$TMP/bad"
cp $G/llama3_tiny/model.safetensors "$TMP/bad/"
sed 's/"rope_type": "llama3"/"rope_type": "su"/' $G/llama3_tiny/config.json > "$TMP/bad/config.json"
if err=$("$R1" logits --model "$TMP/bad" --tokens $G/llama3_tiny/tokens.json --out "$TMP/x.bin" 2>&1); then fail "unknown rope type accepted"; fi
echo "$err" | grep -q "rope_scaling.rope_type" || fail "rope error: $err"
[ "$(echo "$err" | wc -l)" = 1 ] || fail "rope error is not one line: $err"
sed 's/"num_key_value_heads": 2/"num_key_value_heads": 3/' $G/llama3_tiny/config.json > "$TMP/bad/config.json"
if err=$("$R1" info --model "$TMP/bad" 2>&1); then fail "8 heads / 3 kv heads accepted"; fi
echo "$err" | grep -q "num_key_value_heads" || fail "head error: $err"
echo "ok errors"
echo "dense.sh: all passed"
