#!/usr/bin/env python3
"""Build dedup test "dumps" from real documents on a Debian machine, with
planted exact/near duplicates and hard negatives, plus the ground truth.

Sources: /usr/share/doc (text files), man pages (troff stripped), headers in
/usr/include, Python sources in /usr/lib/python3*. Originals are chosen so
that no two of them are already near-duplicates (5-word-shingle Jaccard below
--max-orig-jaccard), so the only duplicates are the planted ones.

Planted copies (later than their original, in the same or a later dump):
  exact        identical text (different id/url)
  rewrap       lines re-wrapped to another width, spacing/case changes
  edit         1-4% of words replaced, inserted or deleted
  boilerplate  a shared header/footer added (up to ~20% of the length)
  truncate     the first 75-95% kept
  and two-operation combinations. Each copy's true Jaccard to its original
  (5-word shingles, normalised words) is recorded; copies below
  --min-copy-jaccard are redrawn, so "near duplicate" means J >= that.
Hard negatives: pairs of different originals wrapped in the same large
boilerplate (header + footer); they must both be kept.

Outputs: DIR/dump-01.jsonl ... (every second dump .jsonl.zst with --zstd),
DIR/truth.json {"dumps", "removed": [ids], "copies": [...], "hard_negatives": [...]}.
"""
import argparse, gzip, json, os, random, re, subprocess, sys, zlib

WORD = re.compile(r"[A-Za-z0-9]+|[^\x00-\x7f]+")


def norm_words(t):
    return [w.lower() for w in WORD.findall(t)]


def shingles(t, n=5):
    w = norm_words(t)
    if len(w) < n:
        return {zlib.crc32(" ".join(w).encode())}
    return {zlib.crc32(" ".join(w[i:i + n]).encode()) for i in range(len(w) - n + 1)}


def jacc(a, b):
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def strip_troff(s):
    out = []
    for line in s.splitlines():
        if line.startswith(('.\\"', "'\\\"", '.\\}')):
            continue
        if line.startswith('.'):
            parts = line.split(None, 1)
            if parts[0] in ('.SH', '.SS') and len(parts) > 1:
                out.append(parts[1].strip('"'))
            elif parts[0] in ('.B', '.I', '.BR', '.IR', '.RB', '.BI', '.IB', '.RI') and len(parts) > 1:
                out.append(parts[1].replace('"', ''))
            continue
        line = re.sub(r'\\f[BIRP]|\\f\(..|\\\(..|\\[-&e|^]|\\s[-+]?\d', '', line)
        out.append(line.replace('\\-', '-'))
    return "\n".join(out)


def read(path):
    try:
        if path.endswith('.gz'):
            with gzip.open(path, 'rb') as f:
                b = f.read(400000)
        else:
            with open(path, 'rb') as f:
                b = f.read(400000)
        t = b.decode('utf-8')
    except Exception:
        return None
    if '\x00' in t:
        return None
    if '/man/' in path:
        t = strip_troff(t)
    return t


def candidates(rng, limit_per_source):
    srcs = {'doc': [], 'man': [], 'include': [], 'python': []}
    for root, _, files in os.walk('/usr/share/doc'):
        for f in files:
            if f.startswith(('copyright', 'changelog', 'NEWS', 'LICENSE', 'COPYING')):
                continue
            if f.endswith(('.html', '.htm', '.png', '.svg', '.css', '.js', '.pdf')):
                continue
            srcs['doc'].append(os.path.join(root, f))
    for sec in ('man1', 'man3', 'man5', 'man7', 'man8'):
        d = '/usr/share/man/' + sec
        if os.path.isdir(d):
            srcs['man'] += [os.path.join(d, f) for f in os.listdir(d)]
    for root, _, files in os.walk('/usr/include'):
        srcs['include'] += [os.path.join(root, f) for f in files if f.endswith(('.h', '.hpp'))]
    for base in sorted(p for p in os.listdir('/usr/lib') if p.startswith('python3')):
        for root, _, files in os.walk('/usr/lib/' + base):
            if 'test' in root:
                continue
            srcs['python'] += [os.path.join(root, f) for f in files if f.endswith('.py')]
    out = []
    for k in sorted(srcs):
        lst = sorted(srcs[k])
        rng.shuffle(lst)
        out += [(k, p) for p in lst[:limit_per_source]]
    rng.shuffle(out)
    return out


BOILER = [
    "Home | About | Contact | Privacy Policy | Terms of Service | Sitemap\nSkip to main content\nSearch this site",
    "This website uses cookies to improve your experience. By continuing to browse the site you are agreeing to our use of cookies. Accept all cookies or manage preferences.",
    "Copyright (c) 2003-2024 The Example Foundation. All rights reserved. Redistribution and use in source and binary forms, with or without modification, are permitted provided that the conditions in the accompanying license are met.",
    "Subscribe to our newsletter to receive the latest updates, tutorials and release announcements straight to your inbox every week. We never share your address.",
    "Share this page: Facebook Twitter LinkedIn Reddit Email Print\nRelated articles you might like\nPopular posts this month",
    "Was this page helpful? Yes No. Send feedback about this documentation to the maintainers through the issue tracker or the mailing list.",
    "Posted in Documentation, Linux, Open Source | Tagged manual, reference, guide | Leave a comment | Permalink",
    "Disclaimer: the information on this page is provided as is without warranty of any kind, either expressed or implied, including but not limited to fitness for a particular purpose.",
]


def boiler(rng, words):
    """A boilerplate block of about `words` words from the pool."""
    parts, n = [], 0
    pool = BOILER[:]
    rng.shuffle(pool)
    for p in pool * 4:
        if n >= words:
            break
        parts.append(p)
        n += len(p.split())
    return "\n".join(parts)


def op_rewrap(rng, t):
    ws = t.split()
    width = rng.choice([40, 60, 72, 100, 140])
    lines, cur = [], ""
    for w in ws:
        if rng.random() < 0.02:
            w = w.upper() if rng.random() < 0.5 else w.capitalize()
        if len(cur) + len(w) + 1 > width:
            lines.append(cur)
            cur = w
        else:
            cur = (cur + ("  " if rng.random() < 0.05 else " ") + w) if cur else w
    lines.append(cur)
    return "\n".join(lines)


VOCAB = "the a of and to in is for on with value option file system default user data list set mode path new old".split()


def op_edit(rng, t):
    rate = rng.uniform(0.01, 0.04)
    toks = re.split(r'(\s+)', t)
    out = []
    for tok in toks:
        if tok.strip() and rng.random() < rate:
            r = rng.random()
            if r < 0.5:
                out.append(rng.choice(VOCAB))
            elif r < 0.75:
                out.append(tok + " " + rng.choice(VOCAB))
            else:
                continue
        else:
            out.append(tok)
    return "".join(out)


def op_boiler(rng, t):
    n = len(t.split())
    b = boiler(rng, max(8, int(n * rng.uniform(0.05, 0.2))))
    r = rng.random()
    if r < 0.4:
        return b + "\n\n" + t
    if r < 0.8:
        return t + "\n\n" + b
    half = b.split("\n")
    k = max(1, len(half) // 2)
    return "\n".join(half[:k]) + "\n\n" + t + "\n\n" + "\n".join(half[k:])


def op_truncate(rng, t):
    lines = t.split("\n")
    keep = rng.uniform(0.75, 0.95)
    cut = max(1, int(len(lines) * keep))
    if len(lines) < 8:
        ws = t.split(" ")
        return " ".join(ws[:max(1, int(len(ws) * keep))])
    return "\n".join(lines[:cut])


OPS = {'exact': lambda r, t: t, 'rewrap': op_rewrap, 'edit': op_edit, 'boilerplate': op_boiler, 'truncate': op_truncate}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', required=True)
    ap.add_argument('--dumps', type=int, default=4)
    ap.add_argument('--originals', type=int, default=250, help='new original documents per dump')
    ap.add_argument('--within', type=float, default=0.12, help='copies of same-dump docs, per original')
    ap.add_argument('--recrawl', type=float, default=0.15, help='copies of earlier-dump docs, per original')
    ap.add_argument('--hard-negatives', type=int, default=12, help='boilerplate-sharing pairs per dump')
    ap.add_argument('--min-words', type=int, default=120)
    ap.add_argument('--max-chars', type=int, default=6000)
    ap.add_argument('--max-orig-jaccard', type=float, default=0.2)
    ap.add_argument('--min-copy-jaccard', type=float, default=0.6)
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--zstd', action='store_true', help='compress every second dump (needs the zstd tool)')
    a = ap.parse_args()
    rng = random.Random(a.seed)
    os.makedirs(a.out, exist_ok=True)

    need = a.dumps * (a.originals + 2 * a.hard_negatives)
    cands = candidates(rng, need * 3)
    # Pick originals that are not near-duplicates of each other (an inverted
    # index over a 1/8 sample of shingles finds the likely overlaps).
    chosen, index = [], {}
    for src, path in cands:
        if len(chosen) >= need:
            break
        t = read(path)
        if not t:
            continue
        if len(t) > a.max_chars:
            cut = t.rfind("\n", 0, a.max_chars)
            t = t[:cut if cut > a.max_chars // 2 else a.max_chars]
        if len(norm_words(t)) < a.min_words:
            continue
        sh = shingles(t)
        hits = {}
        for s in sh:
            if s % 8 == 0:
                for j in index.get(s, ()):
                    hits[j] = hits.get(j, 0) + 1
        if any(jacc(sh, chosen[j][3]) >= a.max_orig_jaccard for j, c in hits.items() if c >= 2):
            continue
        for s in sh:
            if s % 8 == 0:
                index.setdefault(s, []).append(len(chosen))
        chosen.append((src, path, t, sh))
    if len(chosen) < need:
        print(f"warning: only {len(chosen)} distinct originals found (wanted {need})", file=sys.stderr)
    per = len(chosen) // a.dumps

    dumps, removed, copies, hard = [], [], [], []
    history = []  # (id, text, url) of originals in earlier dumps
    serial = 0

    def new_id(d):
        nonlocal serial
        serial += 1
        return f"d{d + 1:02d}-{serial:06d}"

    def make_copy(orig_text, orig_sh):
        for _ in range(20):
            k = rng.random()
            if k < 0.15:
                ops = ['exact']
            elif k < 0.75:
                ops = [rng.choice(['rewrap', 'edit', 'boilerplate', 'truncate'])]
            else:
                ops = rng.sample(['rewrap', 'edit', 'boilerplate', 'truncate'], 2)
            t = orig_text
            for o in ops:
                t = OPS[o](rng, t)
            j = jacc(shingles(t), orig_sh)
            if j >= a.min_copy_jaccard:
                return t, ops, j
        return orig_text, ['exact'], 1.0

    for d in range(a.dumps):
        mine = chosen[d * per:(d + 1) * per]
        n_hard = min(a.hard_negatives, len(mine) // 4)
        docs = []
        for i, (src, path, t, sh) in enumerate(mine):
            url = "https://" + src + ".example.org" + path
            docs.append({"id": new_id(d), "url": url, "source": src, "text": t, "_sh": sh})
        # Hard negatives: pairs of different docs wrapped in the same boilerplate.
        for h in range(n_hard):
            x, y = docs[2 * h], docs[2 * h + 1]
            n = min(len(x["text"].split()), len(y["text"].split()))
            head, foot = boiler(rng, int(n * 0.25)), boiler(rng, int(n * 0.15))
            for z in (x, y):
                z["text"] = head + "\n\n" + z["text"] + "\n\n" + foot
                z["_sh"] = shingles(z["text"])
            hard.append([x["id"], y["id"], round(jacc(x["_sh"], y["_sh"]), 3)])
        rng.shuffle(docs)
        seq = list(docs)
        # Copies of this dump's docs go after their original; recrawled copies of
        # earlier dumps' docs anywhere.
        for _ in range(int(len(docs) * a.within)):
            o = rng.choice(docs)
            t, ops, j = make_copy(o["text"], o["_sh"])
            c = {"id": new_id(d), "url": o["url"] if rng.random() < 0.5 else o["url"] + "?ref=mirror",
                 "source": o["source"], "text": t}
            pos = seq.index(o)
            seq.insert(rng.randint(pos + 1, len(seq)), c)
            removed.append(c["id"])
            copies.append({"id": c["id"], "of": o["id"], "ops": ops, "jaccard": round(j, 3), "cross_dump": False})
        if history:
            for _ in range(int(len(docs) * a.recrawl)):
                o = rng.choice(history)
                t, ops, j = make_copy(o["text"], o["_sh"])
                c = {"id": new_id(d), "url": o["url"], "source": o["source"], "text": t}
                seq.insert(rng.randint(0, len(seq)), c)
                removed.append(c["id"])
                copies.append({"id": c["id"], "of": o["id"], "ops": ops, "jaccard": round(j, 3), "cross_dump": True})
        history += docs
        name = f"dump-{d + 1:02d}.jsonl"
        path = os.path.join(a.out, name)
        with open(path, "w", encoding="utf-8") as f:
            for doc in seq:
                f.write(json.dumps({k: v for k, v in doc.items() if not k.startswith("_")}, ensure_ascii=False) + "\n")
        if a.zstd and d % 2 == 1:
            subprocess.run(["zstd", "-q", "-f", "--rm", "-19", path], check=True)
            name += ".zst"
        dumps.append(name)
    truth = {"dumps": dumps, "seed": a.seed, "removed": removed, "copies": copies, "hard_negatives": hard,
             "definition": f"copies have 5-word-shingle Jaccard >= {a.min_copy_jaccard} to their original; "
                           "originals pairwise < " + str(a.max_orig_jaccard)}
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump(truth, f, indent=1)
    print(f"{len(dumps)} dumps, {sum(1 for _ in copies)} planted copies, {len(hard)} hard-negative pairs -> {a.out}")


if __name__ == "__main__":
    main()
