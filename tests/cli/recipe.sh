#!/usr/bin/env bash
# r1 recipe (smoke run) and the RL commands on its outputs; bad input fails cleanly.
set -euo pipefail
R1=${1:?usage: recipe.sh path/to/r1}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$R1" recipe --out "$T/run" --policy window --fast --threads 2 2>"$T/log" || { cat "$T/log"; exit 1; }
python3 - "$T/run/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
names = [s["name"] for s in r["stages"]]
assert names == ["pretrain", "cold_start", "grpo", "rejection_sft", "distill", "r1_zero"], names
for s in r["stages"]:
    assert 0.0 <= s["heldout_pass1"] <= 1.0 and s["wall_s"] >= 0 and s["params"] > 0, s
assert len(r["perturbation_probes"]) == 4
# the report card's sentence carries GRPO's gain rounded, not truncated
p = {s["name"]: s["heldout_pass1"] for s in r["stages"]}
gain = "%+.1f points" % (100 * (p["grpo"] - p["cold_start"]))
md = open(sys.argv[1].replace("report.json", "report.md")).read()
assert gain in md, (gain, [l for l in md.splitlines() if "GRPO moved" in l])
PY
for f in report.md loss.svg reward.svg response_length.svg model/policy.json model/vocab.json data/train.jsonl data/heldout.jsonl; do
  test -s "$T/run/$f" || { echo "missing $f"; exit 1; }
done
grep -q "| grpo |" "$T/run/report.md"
# the default policy, the tiny DeepSeek-V3, runs every stage too (KV-cache rollouts, MTP pretraining, dense student)
"$R1" recipe --out "$T/v3" --fast --threads 2 2>"$T/log3" || { cat "$T/log3"; exit 1; }
python3 - "$T/v3/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["policy"] == "v3" and r["model"]["mtp_modules"] == 1, r
assert [s["name"] for s in r["stages"]][-1] == "r1_zero" and r["model"]["student_params"] < r["model"]["params"]
PY
grep -q '"kind": "v3"' "$T/v3/model/policy.json"
grep -q '"model_type": "deepseek_v3"' "$T/v3/models/distill/config.json"
grep -q '"merges"' "$T/v3/model/vocab.json"
"$R1" chat --model "$T/v3/model" -p "12+34" --threads 1 | grep -q "^answer:"
# chat shows reasoning apart from the answer
out=$("$R1" chat --model "$T/run/model" -p "12+34" --threads 1)
echo "$out" | grep -q "^reasoning:" && echo "$out" | grep -q "^answer:"
# eval, sft, grpo, distill run on the produced model
"$R1" eval --model "$T/run/model" --tasks add -n 8 -k 2 --threads 1 --json "$T/eval.json" >/dev/null
grep -q pass1 "$T/eval.json"
"$R1" sft --model "$T/run/model" --data "$T/run/data/train.jsonl" --out "$T/sft" --steps 3 --threads 1 >/dev/null 2>&1
"$R1" grpo --model "$T/sft" --out "$T/grpo" --tasks add --steps 2 --prompts-per-step 2 -G 2 --threads 1 --dr-grpo >/dev/null 2>&1
"$R1" distill --teacher "$T/grpo" --out "$T/student" --tasks add -n 8 --steps 2 --threads 1 >/dev/null 2>&1 || true
# bad input: one-line errors, non-zero exit, no crash
printf '{"prompt": "1+1", "answer": "2"}\n{bad\n{"prompt": "x", "answer": "many"}\n' > "$T/p.jsonl"
"$R1" eval --model "$T/run/model" --data "$T/p.jsonl" -k 1 --threads 1 2>"$T/err" >/dev/null
grep -q "skipped 1 malformed, 1 unanswerable" "$T/err"
if "$R1" eval --model "$T/nope" --threads 1 2>"$T/err"; then echo "missing model accepted"; exit 1; fi
grep -q "not a model folder" "$T/err"
if "$R1" recipe --out "$T/x" --tasks bogus 2>"$T/err"; then echo "bad task accepted"; exit 1; fi
grep -q "unknown task 'bogus'" "$T/err"
echo '{"kind": "window_lm", "vocab": 10}' > "$T/run/model/policy.json"
if "$R1" chat --model "$T/run/model" -p "1+1" 2>"$T/err"; then echo "bad policy.json accepted"; exit 1; fi
grep -q "policy.json" "$T/err"
echo "recipe.sh: ok"
