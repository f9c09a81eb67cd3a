#!/usr/bin/env python3
"""r1's training step against PyTorch's, one step each in turn.

Keeps one bench_train_step process (FP32, and one BF16 unless --no-bf16) and
the PyTorch peers (bench/train_torch.py: DeepSeek's reference model.py, forward
+ backward + AdamW) resident on the same config and batch, and tells them in
turn to run a single step, so that the steps of one round lie within about a
second of each other and see the same machine. On a shared VM whose speed
drifts by 15-40% over seconds to minutes, the per-round ratio is far steadier
than the ratio of medians taken from separate runs minutes apart. The order
inside a round alternates, so neither side always runs first.

At more than one thread PyTorch runs in each way of using the cores: its own
OpenMP threads with single-threaded OpenBLAS ("torch-omp"), one OpenMP thread
with OpenBLAS's threads ("torch-blas"), and both ("torch-both"). On this VM
torch-blas is usually fastest; r1 is compared with each, and with the one of
lowest median ("==> ... fastest torch").

Idle processes must not burn CPU while the other one steps: the OpenMP threads
of both spin for GOMP_SPINCOUNT iterations only (not forever, as under
OMP_WAIT_POLICY=active) and then sleep. Each process reports the CPU time it
used while idle; the summary prints it so that a spinning peer shows.

usage: train_lockstep.py DEEPSEEK_V3_REPO [--build DIR] [--threads N] [--rounds R] [--batch B] [--seq T] [--no-bf16]
"""
import argparse, os, statistics, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("repo")
ap.add_argument("--build", default="build")
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--rounds", type=int, default=30)
ap.add_argument("--batch", type=int, default=4)
ap.add_argument("--seq", type=int, default=128)
ap.add_argument("--no-bf16", action="store_true")
ap.add_argument("--python", default="/usr/bin/python3")
a = ap.parse_args()
if not os.path.isfile(os.path.join(a.repo, "inference", "model.py")):
    sys.exit(f"train_lockstep: {a.repo}/inference/model.py not found (give a local copy of "
             "github.com/deepseek-ai/DeepSeek-V3)")
if not os.access(os.path.join(a.build, "bench_train_step"), os.X_OK):
    sys.exit(f"train_lockstep: {a.build}/bench_train_step not found (build the project first)")

env = dict(os.environ)
env.pop("OMP_WAIT_POLICY", None)
env.setdefault("GOMP_SPINCOUNT", "30000")
env["OMP_NUM_THREADS"] = str(a.threads)

here = os.path.dirname(os.path.abspath(__file__))
bench = os.path.join(a.build, "bench_train_step")
common = ["--threads", str(a.threads), "--mtp", "0", "--batch", str(a.batch), "--seq", str(a.seq)]
cfg = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
out = subprocess.run([bench, "--steps", "1", "--config-out", cfg] + common, env=env, capture_output=True, text=True,
                     check=True).stdout
gflop = float(out.split("gflop_per_step=")[1].split()[0])


def spawn(name, argv, child_env):
    p = subprocess.Popen(argv, env=child_env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
    for line in p.stdout:
        if line.startswith("READY"):
            return name, p
    sys.exit(f"{name}: exited before READY")


procs = [spawn("r1", [bench, "--lockstep"] + common, env)]
if not a.no_bf16:
    procs.append(spawn("r1bf16", [bench, "--lockstep", "--bf16"] + common, env))
ways = [("torch", a.threads, 1)] if a.threads == 1 else \
    [("torch-omp", a.threads, 1), ("torch-blas", 1, a.threads), ("torch-both", a.threads, a.threads)]
for name, omp, blas in ways:
    tenv = dict(env, OMP_NUM_THREADS=str(omp), OPENBLAS_NUM_THREADS=str(blas))
    procs.append(spawn(name, [a.python, os.path.join(here, "train_torch.py"), a.repo, cfg, "--lockstep", "--threads",
                              str(omp), "--batch", str(a.batch), "--seq", str(a.seq)], tenv))
os.unlink(cfg)
torch_names = [n for n, _, _ in ways]

wall = {n: [] for n, _ in procs}
cpu = {n: [] for n, _ in procs}
idle = {n: 0.0 for n, _ in procs}
for r in range(a.rounds):
    for name, p in (procs if r % 2 == 0 else procs[::-1]):
        p.stdin.write("step\n")
        line = p.stdout.readline().split()
        if not line or line[0] != "STEP":
            sys.exit(f"{name}: no answer to step (got {line})")
        wall[name].append(float(line[1]))
        cpu[name].append(float(line[2]))
        idle[name] += float(line[3])
for _, p in procs:
    p.stdin.write("quit\n")
    p.stdin.close()
    p.wait()


def mmm(xs):
    s = sorted(xs)
    return f"{s[0]:.3f} / {statistics.median(s):.3f} / {s[-1]:.3f}"


tok = a.batch * a.seq
print(f"lockstep: {a.rounds} rounds, threads {a.threads}, B={a.batch} T={a.seq}, {gflop:.4f} model GFLOP/step, "
      f"GOMP_SPINCOUNT={env['GOMP_SPINCOUNT']}  (min / median / max)")
for n, _ in procs:
    print(f"  {n:7s} step s {mmm(wall[n])}   cpu-s {mmm(cpu[n])}   tokens/s {mmm([tok / w for w in wall[n]])}   "
          f"model GFLOP/s {mmm([gflop / w for w in wall[n]])}   cpu-s used while idle {idle[n]:.3f}")
best = min(torch_names, key=lambda t: statistics.median(wall[t]))
for n, _ in procs:
    if n in torch_names:
        continue
    for t in torch_names:
        rw = [b / x for b, x in zip(wall[t], wall[n])]
        tag = f"{t} (fastest torch)" if t == best and len(torch_names) > 1 else t
        print(f"  ==> {n} is faster than {tag}, per round, by (wall) {mmm(rw)} x;"
              f" ratio of medians {statistics.median(wall[t]) / statistics.median(wall[n]):.3f} x")
