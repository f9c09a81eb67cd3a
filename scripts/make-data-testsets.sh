#!/usr/bin/env bash
# Regenerate the committed data-pipeline test sets under tests/data/data/ from
# documents on this Debian machine (or, with OUT=dir DUMPS=n ORIGINALS=n, a
# bigger dedup set for benchmarks: bench_data OUT/dump-*).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${OUT:-}" ]; then
  python3 scripts/make-dumps.py --out "$OUT" --dumps "${DUMPS:-4}" --originals "${ORIGINALS:-1500}" --max-chars 20000 --seed "${SEED:-5}"
  exit 0
fi
D=tests/data/data
python3 scripts/make-dumps.py --out $D/dumps --zstd --originals 150 --max-chars 5000 --seed 1
python3 scripts/make-mcq-set.py $D/mcq_labelled.jsonl
python3 scripts/make-math-set.py $D/dumps/dump-01.jsonl $D/dumps/dump-03.jsonl --out $D/math
python3 scripts/make-code-repos.py $D/code/repos.jsonl
du -sh $D
