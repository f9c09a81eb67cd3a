#!/usr/bin/env python3
"""Build the math-classification test set (tests/data/data/math/):
  seed.jsonl     seed positives: worked-problem pages (the OpenWebMath stand-in)
  corpus.jsonl   the pool to mine (the Common Crawl stand-in): Debian documents
                 (non-math) plus math pages in two styles -- worked problems like
                 the seeds, and theorem/proof/probability pages the seed-trained
                 classifier initially misses, mostly on math domains, so later
                 iterations and domain expansion can find them; "label" is kept
                 in a separate field "_label" only for scoring
  heldout.jsonl  labelled {"text", "label"} from the same generators, disjoint.
Non-math texts come from the dedup dumps (real documents from this machine).
usage: make-math-set.py DUMP.jsonl... --out DIR"""
import argparse, json, os, random

NAMES = ["Alice", "Bob", "Chen", "Dana", "Emil", "Fatima", "Goro", "Hana"]


def worked(r):
    a, b, c = r.randint(2, 9), r.randint(1, 30), r.randint(31, 99)
    kind = r.randrange(5)
    if kind == 0:
        q = f"Solve for $x$: ${a}x + {b} = {c}$."
        s = f"Subtract {b} from both sides: ${a}x = {c - b}$. Divide by {a}: $x = \\frac{{{c - b}}}{{{a}}}$."
    elif kind == 1:
        q = f"Find the derivative of $f(x) = {a}x^{b % 5 + 2} + {c}x$."
        s = f"By the power rule, $f'(x) = {a * (b % 5 + 2)}x^{b % 5 + 1} + {c}$."
    elif kind == 2:
        q = f"Compute the integral $\\int_0^{a} {b}x^2 \\, dx$."
        s = f"An antiderivative is $\\frac{{{b}}}{{3}}x^3$, so the value is $\\frac{{{b}}}{{3}} \\cdot {a}^3 = {b * a ** 3 / 3:.2f}$."
    elif kind == 3:
        q = f"{r.choice(NAMES)} has {c} apples and gives away {b}. What fraction of the apples is left?"
        s = f"The remaining apples are ${c} - {b} = {c - b}$, so the fraction is $\\frac{{{c - b}}}{{{c}}}$."
    else:
        q = f"Factor the quadratic $x^2 + {a + b}x + {a * b}$."
        s = f"We need two numbers with sum {a + b} and product {a * b}: they are {a} and {b}, so $(x + {a})(x + {b})$."
    extra = r.choice(["Check: substitute back into the original equation.", "This is a standard exercise in algebra.",
                      "Hint: simplify both sides first.", "The answer can be verified numerically."])
    return f"Problem {r.randint(1, 400)}. {q}\n\nSolution. {s} {extra}\n"


def theory(r):
    n = r.randint(2, 12)
    kind = r.randrange(4)
    if kind == 0:
        t = (f"Theorem {n}. Let $G$ be a finite group of order $p^{n}$ where $p$ is prime. Then the center $Z(G)$ is nontrivial.\n"
             f"Proof. Consider the class equation $|G| = |Z(G)| + \\sum [G : C_G(g_i)]$. Each index is divisible by $p$, "
             f"hence $p$ divides $|Z(G)|$. $\\blacksquare$")
    elif kind == 1:
        t = (f"Lemma {n}. If $X_1, \\dots, X_{n}$ are independent random variables with mean $\\mu$ and variance $\\sigma^2$, "
             f"the sample mean has variance $\\sigma^2 / {n}$. By Chebyshev's inequality, "
             f"$P(|\\bar X - \\mu| \\ge \\epsilon) \\le \\frac{{\\sigma^2}}{{{n}\\epsilon^2}}$.")
    elif kind == 2:
        t = (f"Definition. A sequence $(a_k)$ converges to $L$ if for every $\\epsilon > 0$ there is $N$ such that "
             f"$|a_k - L| < \\epsilon$ for all $k > N$. Example: $a_k = 1/k^{n}$ converges to $0$; take $N > \\epsilon^{{-1/{n}}}$.")
    else:
        t = (f"Corollary {n}. Every eigenvalue $\\lambda$ of a real symmetric matrix $A$ is real: from $Av = \\lambda v$ we get "
             f"$\\bar v^T A v = \\lambda \\|v\\|^2$, and the left side equals its own conjugate. Hence the spectral theorem applies.")
    return t + "\n"


def page(r, gen, k):
    return "\n".join(gen(r) for _ in range(k))


def load_texts(paths):
    out = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                t = d["text"]
                if len(t) > 2000:
                    cut = t.rfind("\n", 0, 2000)
                    t = t[:cut if cut > 500 else 2000]
                out.append((t, d.get("url", "")))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dumps", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=60)
    ap.add_argument("--corpus-math", type=int, default=160)
    ap.add_argument("--heldout", type=int, default=160)
    ap.add_argument("--corpus-other", type=int, default=300)
    a = ap.parse_args()
    r = random.Random(a.seed)
    other = load_texts(a.dumps)
    r.shuffle(other)
    os.makedirs(a.out, exist_ok=True)

    def math_doc(style):
        if style == "worked":
            return page(r, worked, r.randint(2, 5))
        # Theory pages sometimes carry a worked example: those are found first,
        # and teach the next round the theory vocabulary.
        t = page(r, theory, r.randint(2, 4))
        return t + "\nExample.\n" + worked(r) if r.random() < 0.5 else t

    with open(os.path.join(a.out, "seed.jsonl"), "w") as f:
        for i in range(a.seeds):
            f.write(json.dumps({"id": f"seed-{i}", "url": f"https://openmath.example/q/{i}", "text": math_doc("worked")}) + "\n")
    n_other_held = a.heldout // 2
    held_other, corpus_other = other[:n_other_held], other[n_other_held:n_other_held + a.corpus_other]
    rows = []
    for i in range(a.corpus_math):
        style = "worked" if i % 2 == 0 else "theory"
        dom = r.choice(["mathforum.example", "proofwiki.example", "mathoverflow.example"]) if r.random() < 0.8 else "blog.example"
        rows.append({"id": f"m-{i}", "url": f"https://{dom}/p/{i}", "text": math_doc(style), "_label": 1, "_style": style})
    for i, (t, u) in enumerate(corpus_other):
        rows.append({"id": f"o-{i}", "url": u or "https://blog.example/x", "text": t, "_label": 0})
    r.shuffle(rows)
    with open(os.path.join(a.out, "corpus.jsonl"), "w") as f:
        for x in rows:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    held = []
    for i in range(a.heldout - n_other_held):
        held.append({"text": math_doc("worked" if i % 2 == 0 else "theory"), "label": 1})
    for t, _ in held_other:
        held.append({"text": t, "label": 0})
    r.shuffle(held)
    with open(os.path.join(a.out, "heldout.jsonl"), "w") as f:
        for x in held:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    print(f"seed {a.seeds}, corpus {len(rows)} ({a.corpus_math} math), heldout {len(held)} -> {a.out}")


if __name__ == "__main__":
    main()
