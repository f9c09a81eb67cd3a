#!/usr/bin/env python3
"""Score `r1 data dedup` output against make-dumps.py ground truth.
usage: score-dedup.py DUMPS_DIR OUT_DIR  -> precision/recall of removals (by id)."""
import json, os, subprocess, sys


def ids(path):
    if path.endswith('.zst'):
        data = subprocess.run(['zstd', '-dc', path], check=True, capture_output=True).stdout.decode()
    else:
        data = open(path, encoding='utf-8').read()
    return [json.loads(l)['id'] for l in data.splitlines() if l.strip()]


def main():
    src, out = sys.argv[1], sys.argv[2]
    truth = json.load(open(os.path.join(src, 'truth.json')))
    want = set(truth['removed'])
    got = set()
    for d in truth['dumps']:
        got |= set(ids(os.path.join(src, d))) - set(ids(os.path.join(out, d)))
    tp = len(want & got)
    p = tp / len(got) if got else 1.0
    r = tp / len(want) if want else 1.0
    hn = {i for pair in truth['hard_negatives'] for i in pair[:2]}
    by_op = {}
    for c in truth['copies']:
        k = '+'.join(c['ops'])
        s = by_op.setdefault(k, [0, 0])
        s[0] += 1
        s[1] += c['id'] in got
    print(json.dumps({'precision': round(p, 4), 'recall': round(r, 4), 'removed': len(got), 'planted': len(want),
                      'false_removals': sorted(got - want)[:20], 'missed': sorted(want - got)[:20],
                      'hard_negatives_removed': len(hn & got),
                      'recall_by_ops': {k: f"{v[1]}/{v[0]}" for k, v in sorted(by_op.items())}}, indent=1))


if __name__ == '__main__':
    main()
