#!/usr/bin/env bash
# CLI: tokenize / detokenize / train-tokenizer behaviour and their errors
# (invalid UTF-8 with line number, out-of-range ids, malformed tokenizer.json).
# usage: bash tests/cli/tokenizer.sh path/to/r1   (from the repo root)
set -uo pipefail
R1=${1:?usage: tokenizer.sh path/to/r1}
T=tests/data/tokenizer/deepseek_v3
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
fails=0
ok() { echo "ok: $1"; }
bad() { echo "FAIL: $1"; fails=$((fails + 1)); }
# expect_error NAME PATTERN cmd...: the command must fail with one line matching PATTERN.
expect_error() {
  local name=$1 pat=$2; shift 2
  if "$@" >"$W/out" 2>"$W/err"; then bad "$name: exited 0"; return; fi
  if grep -q -- "$pat" "$W/err"; then ok "$name"; else bad "$name: stderr was: $(cat "$W/err")"; fi
}

# 1. Known ids, order kept, no BOS unless asked.
printf '%s\n' '{"text": "Hello world"}' '{"text": ""}' '{"text": "<｜User｜>hi"}' > "$W/in.jsonl"
"$R1" tokenize --tokenizer $T --in "$W/in.jsonl" --out "$W/ids.jsonl" 2>/dev/null || bad "tokenize failed"
printf '%s\n' '{"ids": [19923, 2058]}' '{"ids": []}' '{"ids": [128803, 6366]}' > "$W/want.jsonl"
cmp -s "$W/ids.jsonl" "$W/want.jsonl" && ok "tokenize ids" || bad "tokenize ids: $(cat "$W/ids.jsonl")"
"$R1" tokenize --tokenizer $T/tokenizer.json --in "$W/in.jsonl" --out "$W/idsb.jsonl" --bos 2>/dev/null
head -1 "$W/idsb.jsonl" | grep -q '^{"ids": \[0, 19923, 2058\]}$' && ok "tokenize --bos" || bad "tokenize --bos: $(head -1 "$W/idsb.jsonl")"

# 2. detokenize inverts tokenize on all public cases (ids -> text -> ids identical).
"$R1" tokenize --tokenizer $T --in tests/data/tokenizer/cases_public.jsonl --out "$W/a.jsonl" --threads 2 2>/dev/null
"$R1" detokenize --tokenizer $T --in "$W/a.jsonl" --out "$W/t.jsonl" 2>/dev/null
"$R1" tokenize --tokenizer $T --in "$W/t.jsonl" --out "$W/b.jsonl" --threads 1 2>/dev/null
[ "$(wc -l < "$W/a.jsonl")" = 339 ] && cmp -s "$W/a.jsonl" "$W/b.jsonl" && ok "detokenize round trip (339 cases)" || bad "detokenize round trip"
printf '%s\n' '{"ids": [0, 19923, 2058, 1]}' > "$W/s.jsonl"
"$R1" detokenize --tokenizer $T --in "$W/s.jsonl" --out "$W/s.txt" --skip-special 2>/dev/null
grep -qx '{"text": "Hello world"}' "$W/s.txt" && ok "detokenize --skip-special" || bad "detokenize --skip-special: $(cat "$W/s.txt")"

# 3. Errors.
printf '%s\n' '{"text": "fine"}' '{"text": "also fine"}' > "$W/u.jsonl"
printf '{"text": "bad \xff byte"}\n' >> "$W/u.jsonl"
expect_error "invalid UTF-8 names line 3" 'u.jsonl: line 3: invalid UTF-8' "$R1" tokenize --tokenizer $T --in "$W/u.jsonl" --out "$W/o.jsonl"
[ ! -e "$W/o.jsonl" ] && ok "no partial output on error" || bad "partial output left behind"
printf '%s\n' '{"ids": [1, 2]}' '{"ids": [5, 128815]}' > "$W/r.jsonl"
expect_error "out-of-range id" 'line 2: ids\[1\] = 128815 is out of range (vocab size 128815)' "$R1" detokenize --tokenizer $T --in "$W/r.jsonl" --out "$W/o.jsonl"
printf '%s\n' '{"ids": [-3]}' > "$W/r2.jsonl"
expect_error "negative id" 'is out of range' "$R1" detokenize --tokenizer $T --in "$W/r2.jsonl" --out "$W/o.jsonl"
printf '%s\n' 'not json' > "$W/j.jsonl"
expect_error "invalid JSON line" 'j.jsonl: line 1: invalid JSON' "$R1" tokenize --tokenizer $T --in "$W/j.jsonl" --out "$W/o.jsonl"
expect_error "missing tokenizer" 'no such file' "$R1" tokenize --tokenizer "$W/nope" --in "$W/in.jsonl" --out "$W/o.jsonl"

# 4. train-tokenizer: deterministic, loads, round-trips, errors.
"$R1" train-tokenizer --in tests/data/tokenizer/cases_public.jsonl --vocab-size 600 --out "$W/tk1" 2>/dev/null || bad "train-tokenizer failed"
"$R1" train-tokenizer --in tests/data/tokenizer/cases_public.jsonl --vocab-size 600 --out "$W/tk2" --threads 1 2>/dev/null
cmp -s "$W/tk1/tokenizer.json" "$W/tk2/tokenizer.json" && ok "train-tokenizer deterministic" || bad "train-tokenizer not deterministic"
"$R1" tokenize --tokenizer "$W/tk1" --in tests/data/tokenizer/cases_public.jsonl --out "$W/c.jsonl" 2>/dev/null
"$R1" detokenize --tokenizer "$W/tk1" --in "$W/c.jsonl" --out "$W/ct.jsonl" 2>/dev/null
"$R1" tokenize --tokenizer "$W/tk1" --in "$W/ct.jsonl" --out "$W/c2.jsonl" 2>/dev/null
cmp -s "$W/c.jsonl" "$W/c2.jsonl" && ok "trained tokenizer round trip" || bad "trained tokenizer round trip"
expect_error "vocab too small" 'vocab size 100 is below' "$R1" train-tokenizer --in tests/data/tokenizer/cases_public.jsonl --vocab-size 100 --out "$W/tk3"
expect_error "train invalid UTF-8" 'u.jsonl: line 3: invalid UTF-8' "$R1" train-tokenizer --in "$W/u.jsonl" --vocab-size 300 --out "$W/tk4"
sed 's/"merges"/"merges_x"/' "$W/tk1/tokenizer.json" > "$W/m.json"
expect_error "missing merges" 'm.json: model.merges is missing' "$R1" tokenize --tokenizer "$W/m.json" --in "$W/in.jsonl" --out "$W/o.jsonl"
sed 's/"type": "BPE"/"type": "Unigram"/' "$W/tk1/tokenizer.json" > "$W/m2.json"
expect_error "unsupported model" "model.type 'Unigram' is not supported" "$R1" tokenize --tokenizer "$W/m2.json" --in "$W/in.jsonl" --out "$W/o.jsonl"
sed 's/{"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": false}/{"type": "Whitespace"}/' "$W/tk1/tokenizer.json" > "$W/m3.json"
expect_error "unsupported pre-tokenizer" "pre_tokenizer type 'Whitespace' is not supported" "$R1" tokenize --tokenizer "$W/m3.json" --in "$W/in.jsonl" --out "$W/o.jsonl"

[ $fails -eq 0 ] && echo "tokenizer CLI: all passed" || { echo "tokenizer CLI: $fails failed"; exit 1; }
