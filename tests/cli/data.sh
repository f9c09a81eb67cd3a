#!/usr/bin/env bash
# r1 data: bad input handling, zstd in/out, thread independence, idempotence.
set -u
R1=${1:?usage: data.sh /path/to/r1}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A dump with every kind of bad line.
printf '%s\n' '{"id":"a","text":"The first good document has enough words to shingle nicely today.","url":"https://x.example/a"}' \
  'this is not json' \
  '{"id":"c","text":""}' \
  '{"id":"d"}' > "$T/in.jsonl"
printf '{"id":"e","text":"bad \xff byte"}\n' >> "$T/in.jsonl"
python3 -c 'import json; print(json.dumps({"id": "f", "text": "x " * 700000}))' >> "$T/in.jsonl"
echo '{"id":"g","text":"THE FIRST good document has enough words to shingle, nicely today!","url":"https://y.example/g"}' >> "$T/in.jsonl"

"$R1" data dedup --out "$T/o1" --max-doc-mb 1 --threads 1 "$T/in.jsonl" 2>"$T/err" || fail "dedup exited non-zero: $(cat $T/err)"
python3 - "$T/o1/dedup_report.json" "$T/o1/in.jsonl" <<'PY' || exit 1
import json, sys
r = json.load(open(sys.argv[1])); d = r["dumps"][0]
s, ln = d["skipped"], d["skipped_line_numbers"]
assert s["invalid_json"] == 1 and ln["invalid_json"] == [2], d
assert s["empty"] == 1 and ln["empty"] == [3], d
assert s["no_text"] == 1 and ln["no_text"] == [4], d
assert s["invalid_utf8"] == 1 and ln["invalid_utf8"] == [5], d
assert s["too_large"] == 1 and ln["too_large"] == [6], d
assert d["docs"] == 2 and d["kept"] == 1 and d["removed_exact"] == 1, d
out = [json.loads(l) for l in open(sys.argv[2])]
assert out == [{"id": "a", "text": "The first good document has enough words to shingle nicely today.", "url": "https://x.example/a"}], out
PY
grep -q "bad lines skipped" "$T/err" || fail "no bad-line summary on stderr"

# Removal log names the earlier copy.
"$R1" data dedup --out "$T/o5" --max-doc-mb 1 --removed-log "$T/removed.jsonl" "$T/in.jsonl" 2>/dev/null || fail "removed-log"
grep -q '"dup_of":{"file":"[^"]*in.jsonl","line":1}' "$T/removed.jsonl" || fail "removed-log content: $(cat $T/removed.jsonl)"
grep -q '"peak_rss_mib"' "$T/o5/dedup_report.json" || fail "no peak_rss_mib in report"

# Missing file: one clear line, exit 1, nothing written.
if "$R1" data dedup --out "$T/o2" "$T/nope.jsonl" 2>"$T/err"; then fail "missing file accepted"; fi
grep -q "nope.jsonl: cannot open" "$T/err" || fail "missing-file message: $(cat $T/err)"

# Two inputs with one file name would collide in DIR.
mkdir -p "$T/x" "$T/y"; cp "$T/in.jsonl" "$T/x/"; cp "$T/in.jsonl" "$T/y/"
"$R1" data dedup --out "$T/o3" "$T/x/in.jsonl" "$T/y/in.jsonl" 2>"$T/err" && fail "colliding names accepted"
grep -q "same file name" "$T/err" || fail "collision message"

# Character shingles work too.
"$R1" data dedup --out "$T/o4" --shingle-unit char --shingle 7 --max-doc-mb 1 "$T/in.jsonl" 2>/dev/null || fail "char shingles"
[ "$(wc -l < "$T/o4/in.jsonl")" -eq 1 ] || fail "char shingles: expected the copy removed"

# zstd in and out, threads 1 vs 2 identical, rerun idempotent.
zstd -q -c "$T/in.jsonl" > "$T/in2.jsonl.zst"
cp "$T/in.jsonl" "$T/in3.jsonl"
"$R1" data dedup --out "$T/z1" --threads 1 "$T/in2.jsonl.zst" "$T/in3.jsonl" 2>/dev/null || fail "zstd dedup"
"$R1" data dedup --out "$T/z2" --threads 2 "$T/in2.jsonl.zst" "$T/in3.jsonl" 2>/dev/null || fail "zstd dedup t2"
cmp "$T/z1/in2.jsonl.zst" "$T/z2/in2.jsonl.zst" || fail "output depends on threads"
zstd -q -dc "$T/z1/in2.jsonl.zst" | grep -q '"id":"a"' || fail "zstd output unreadable"
[ "$(wc -l < "$T/z1/in3.jsonl")" -eq 0 ] || fail "second dump should be fully removed by the first"
"$R1" data dedup --out "$T/z1" --threads 2 "$T/in2.jsonl.zst" "$T/in3.jsonl" 2>/dev/null
cmp "$T/z1/in2.jsonl.zst" "$T/z2/in2.jsonl.zst" || fail "rerun not idempotent"
ls "$T/z1" | grep -q '\.tmp$' && fail "temporary file left behind"

# Other stages run on the same bad input and report it.
"$R1" data mcq --out "$T/m" --mode tag "$T/in.jsonl" 2>/dev/null || fail "mcq"
grep -q '"mcq_items":0' "$T/m/in.jsonl" || fail "mcq tag"
echo '{"text":"the first good document has enough words to shingle nicely today"}' > "$T/eval.jsonl"
"$R1" data decontam --out "$T/c" --max-doc-mb 1 --eval "$T/eval.jsonl" "$T/in.jsonl" 2>/dev/null || fail "decontam"
[ "$(wc -l < "$T/c/in.jsonl")" -eq 0 ] || fail "decontam kept a contaminated doc"
"$R1" data decontam --out "$T/c" --eval "$T/missing.jsonl" "$T/in.jsonl" 2>"$T/err" && fail "missing eval accepted"
grep -q "missing.jsonl" "$T/err" || fail "missing eval message"
"$R1" data classify --model "$T/nomodel.bin" "$T/in.jsonl" 2>"$T/err" && fail "missing model accepted"
grep -q "nomodel.bin" "$T/err" || fail "missing model message"
"$R1" data order-code --out "$T/oc" tests/data/data/code/repos.jsonl 2>/dev/null || fail "order-code"
[ "$(wc -l < "$T/oc/repos.jsonl")" -ge 5 ] || fail "order-code repos"
echo "data.sh: ok"
