#!/usr/bin/env python3
"""Peer for bench/train_vs_torch.sh: DeepSeek's reference inference/model.py
(unmodified, from a local copy of github.com/deepseek-ai/DeepSeek-V3) trained
for a few steps on CPU: forward + backward + AdamW, float32, no MTP (model.py
has none), on the config written by bench_train_step --config-out.

usage: train_torch.py DEEPSEEK_V3_REPO CONFIG.json --threads N [--batch B] [--seq T] [--steps S] [--lockstep]
--lockstep: the protocol of bench_train_step --lockstep (READY, then one step per
"step" line, answered by "STEP wall_s cpu_s idle_cpu_s").
"""
import argparse, json, statistics, sys, time, types

ap = argparse.ArgumentParser()
ap.add_argument("repo"); ap.add_argument("config")
ap.add_argument("--threads", type=int, default=1); ap.add_argument("--batch", type=int, default=4)
ap.add_argument("--seq", type=int, default=128); ap.add_argument("--steps", type=int, default=5)
ap.add_argument("--lockstep", action="store_true")
a = ap.parse_args()

import torch
import torch.nn.functional as F
torch.set_num_threads(a.threads)
# model.py imports triton kernels used only for FP8 weights: stub them out.
kernel = types.ModuleType("kernel")
def _no(*_a, **_k): raise RuntimeError("fp8 kernel called")
kernel.act_quant = kernel.weight_dequant = kernel.fp8_gemm = _no
sys.modules["kernel"] = kernel
if not hasattr(F, "rms_norm"):  # torch < 2.4 (Debian 12 ships 1.13): torch's composite definition
    def rms_norm(x, shape, weight, eps):
        xf = x.float()
        y = xf * torch.rsqrt(xf.pow(2).mean(-1, keepdim=True) + eps)
        return y.type_as(x) * weight
    F.rms_norm = rms_norm
sys.path.insert(0, a.repo.rstrip("/") + "/inference")
import model as M

c = json.load(open(a.config))
args = M.ModelArgs(max_batch_size=a.batch, max_seq_len=a.seq, vocab_size=c["vocab_size"], dim=c["hidden_size"],
                   inter_dim=c["intermediate_size"], moe_inter_dim=c["moe_intermediate_size"],
                   n_layers=c["num_hidden_layers"], n_dense_layers=c["first_k_dense_replace"],
                   n_heads=c["num_attention_heads"], n_routed_experts=c["n_routed_experts"],
                   n_shared_experts=c["n_shared_experts"], n_activated_experts=c["num_experts_per_tok"],
                   n_expert_groups=c["n_group"], n_limited_groups=c["topk_group"], score_func=c["scoring_func"],
                   route_scale=c["routed_scaling_factor"], q_lora_rank=c["q_lora_rank"] or 0,
                   kv_lora_rank=c["kv_lora_rank"], qk_nope_head_dim=c["qk_nope_head_dim"],
                   qk_rope_head_dim=c["qk_rope_head_dim"], v_head_dim=c["v_head_dim"])
torch.manual_seed(0)
torch.set_default_dtype(torch.float32)
model = M.Transformer(args)
# Transformer() makes Linear weights bf16; train in float32 (parameters only:
# model.to() would also cast the complex freqs_cis buffer on torch 1.13).
for p in model.parameters():
    p.data = p.data.float()
    torch.nn.init.normal_(p.data, std=0.02) if p.dim() > 1 else torch.nn.init.ones_(p.data)
# V3's e_score_correction_bias: model.py creates Gate.bias only when dim == 7168; attach it
# (as a buffer: it gets no gradient) as the goldens' wrapper does.
for L in model.layers:
    gate = getattr(L.ffn, "gate", None)
    if gate is not None and gate.bias is None:
        del gate.bias
        gate.register_buffer("bias", torch.zeros(args.n_routed_experts))
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, 0.95), weight_decay=0.1)
g = torch.Generator().manual_seed(3)
tok = torch.randint(0, c["vocab_size"], (a.batch, a.seq + 1), generator=g)
x, y = tok[:, :-1], tok[:, 1:]
mask = torch.full((a.seq, a.seq), float("-inf")).triu_(1)
freqs = model.freqs_cis[:a.seq]

def step():
    for L in model.layers:  # the KV caches hold last step's graph: cut it
        for n in ("kv_cache", "pe_cache", "k_cache", "v_cache"):
            if hasattr(L.attn, n):
                setattr(L.attn, n, getattr(L.attn, n).detach())
    h = model.embed(x)
    for L in model.layers:
        h = L(h, 0, freqs, mask)
    logits = model.head(model.norm(h))
    loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), y.reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    opt.step()
    opt.zero_grad(set_to_none=True)
    return loss.item()

if a.lockstep:
    step()
    print("READY", flush=True)
    idle_from = time.process_time()
    for line in sys.stdin:
        if not line.startswith("step"):
            break
        c0 = time.process_time(); t0 = time.perf_counter()
        step()
        t1 = time.perf_counter(); c1 = time.process_time()
        print(f"STEP {t1 - t0:.6f} {c1 - c0:.6f} {c0 - idle_from:.6f}", flush=True)
        idle_from = c1
    sys.exit(0)

walls, cpus = [], []
for s in range(a.steps + 1):
    t0, c0 = time.perf_counter(), time.process_time()
    step()
    if s > 0:
        walls.append(time.perf_counter() - t0); cpus.append(time.process_time() - c0)
walls.sort(); cpus.sort()
med, cmed = statistics.median(walls), statistics.median(cpus)
n = sum(p.numel() for p in model.parameters())
print(f"torch {torch.__version__} model.py train step: {n} params, B={a.batch} T={a.seq}, fp32, threads {a.threads}")
print(f"  step s  min {walls[0]:.4f}  median {med:.4f}  max {walls[-1]:.4f}   tokens/s {a.batch*a.seq/med:.0f}")
print(f"  cpu-s/step min {cpus[0]:.4f}  median {cmed:.4f}  max {cpus[-1]:.4f}")
print(f"RESULT median_step_s={med:.6f} median_cpu_s={cmed:.6f} tokens_per_s={a.batch*a.seq/med:.1f}")
