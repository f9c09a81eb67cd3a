// Training throughput of a ~20M-parameter DeepSeek-V3-shaped model (MLA + MoE,
// optional MTP): forward + backward + AdamW per step, FP32 or BF16 mixed
// precision. Prints min/median/max step time, tokens/s and model FLOP/s.
// usage: bench_train_step [--threads N] [--bf16] [--mtp D] [--batch B] [--seq T] [--steps S] [--config-out FILE]
//                         [--lockstep]
// --lockstep: after one warm-up step print READY, then run one step per "step"
// line on stdin and answer "STEP wall_s cpu_s idle_cpu_s" (idle_cpu_s: process
// CPU time burned since the previous step ended, i.e. while another process
// ran); bench/train_lockstep.py alternates it with the PyTorch peer this way.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "base/rng.h"
#include "base/threads.h"
#include "train/model.h"
#include "train/optim.h"
#include "train/trainer.h"

using namespace r1;
using namespace r1::train;

json bench_config(int mtp) {
  return json{{"architectures", {"DeepseekV3ForCausalLM"}}, {"model_type", "deepseek_v3"},
              {"vocab_size", 8192}, {"hidden_size", 256}, {"intermediate_size", 1024},
              {"moe_intermediate_size", 128}, {"num_hidden_layers", 4}, {"first_k_dense_replace", 1},
              {"moe_layer_freq", 1}, {"num_attention_heads", 4}, {"num_key_value_heads", 4},
              {"n_routed_experts", 32}, {"n_shared_experts", 1}, {"num_experts_per_tok", 4}, {"n_group", 4},
              {"topk_group", 2}, {"routed_scaling_factor", 2.5}, {"scoring_func", "sigmoid"},
              {"norm_topk_prob", true}, {"topk_method", "noaux_tc"}, {"q_lora_rank", 96}, {"kv_lora_rank", 64},
              {"qk_nope_head_dim", 32}, {"qk_rope_head_dim", 32}, {"v_head_dim", 32}, {"rope_theta", 10000.0},
              {"rope_scaling", nullptr}, {"max_position_embeddings", 4096}, {"rms_norm_eps", 1e-6},
              {"num_nextn_predict_layers", mtp}, {"initializer_range", 0.02}, {"tie_word_embeddings", false}};
}

// Model FLOPs per token (forward+backward = 3x forward): 6 x active matmul
// params (routed experts counted K times, not E) plus causal attention
// 6 x layers x H x T/2 x (dq + dv)... as 2 matmuls of T/2 average keys.
static double flops_per_token(const ModelConfig& c, int64_t T, bool mtp) {
  const double C = c.hidden_size, H = c.num_attention_heads, dq = c.qk_nope_head_dim + c.qk_rope_head_dim,
               dv = c.v_head_dim;
  double attn_p = (c.q_lora_rank ? C * c.q_lora_rank + (double)c.q_lora_rank * H * dq : C * H * dq) +
                  C * (c.kv_lora_rank + c.qk_rope_head_dim) + (double)c.kv_lora_rank * H * (c.qk_nope_head_dim + dv) +
                  H * dv * C;
  double attn_qk = H * (T / 2.0) * (dq + dv);
  auto layer = [&](int i) {
    double ffn = c.is_moe_layer(i) ? C * c.n_routed_experts +
                                         3.0 * C * c.moe_intermediate_size * (c.num_experts_per_tok + c.n_shared_experts)
                                   : 3.0 * C * c.intermediate_size;
    return 6.0 * (attn_p + ffn) + 6.0 * attn_qk;
  };
  double f = 6.0 * C * c.vocab_size;  // head
  for (int i = 0; i < c.num_hidden_layers; ++i) f += layer(i);
  if (mtp)
    for (int k = 0; k < c.num_nextn_predict_layers; ++k)
      f += layer(c.num_hidden_layers + k) + 6.0 * 2 * C * C + 6.0 * C * c.vocab_size;
  return f;
}

int main(int argc, char** argv) {
  int threads = 1, mtp = 1, steps = 5;
  int64_t B = 4, T = 128;
  bool bf16 = false, lockstep = false;
  std::string cfg_out;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&] { return i + 1 < argc ? std::string(argv[++i]) : std::string(); };
    if (a == "--threads") threads = std::atoi(next().c_str());
    else if (a == "--bf16") bf16 = true;
    else if (a == "--mtp") mtp = std::atoi(next().c_str());
    else if (a == "--batch") B = std::atoll(next().c_str());
    else if (a == "--seq") T = std::atoll(next().c_str());
    else if (a == "--steps") steps = std::atoi(next().c_str());
    else if (a == "--config-out") cfg_out = next();
    else if (a == "--lockstep") lockstep = true;
    else {
      fprintf(stderr, "unknown argument %s\n", a.c_str());
      return 2;
    }
  }
  set_threads(threads);
  if (!std::getenv("R1_NO_TUNE_ALLOC")) tune_allocator_for_training();
  ModelConfig cfg = ModelConfig::from_json(bench_config(mtp), "bench");
  if (!cfg_out.empty()) {
    FILE* f = fopen(cfg_out.c_str(), "w");
    fprintf(f, "%s\n", cfg.to_json().dump(2).c_str());
    fclose(f);
  }
  TrainModel m = TrainModel::init(cfg, 1);
  AdamW opt(m.params(), AdamWConfig{});
  ag::set_bf16_gemm(bf16);
  Rng r(3);
  Batch b;
  b.B = B;
  b.T = T;
  for (int64_t i = 0; i < B * (T + 1); ++i) b.tokens.push_back((int32_t)r.below(cfg.vocab_size));
  LossOptions lo;
  lo.mtp = mtp > 0;
  std::vector<double> secs, cpus, mains;
  auto clk = [](clockid_t id) {
    timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
  };
  auto cpu_now = [&] { return clk(CLOCK_PROCESS_CPUTIME_ID); };
  auto train_step = [&] {
    ag::Tape tape;
    LossResult res = m.loss(tape, b, lo);
    tape.backward(res.loss);
    // as Trainer::step: clipping folded into the fused update, which also zeroes the grads
    opt.step(1e-4f, clip_scale(grad_norm(opt.params()), 1.0), true);
  };
  if (lockstep) {
    train_step();
    printf("READY\n");
    fflush(stdout);
    char line[64];
    double idle_from = cpu_now();
    while (fgets(line, sizeof line, stdin) && strncmp(line, "step", 4) == 0) {
      const double c0 = cpu_now();
      auto t0 = std::chrono::steady_clock::now();
      train_step();
      const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      const double c1 = cpu_now();
      printf("STEP %.6f %.6f %.6f\n", dt, c1 - c0, c0 - idle_from);
      fflush(stdout);
      idle_from = c1;
    }
    return 0;
  }
  for (int s = 0; s < steps + 1; ++s) {
    auto t0 = std::chrono::steady_clock::now();
    const double c0 = cpu_now(), m0 = clk(CLOCK_THREAD_CPUTIME_ID);
    train_step();
    double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0) {  // the first step warms caches/allocations
      secs.push_back(dt), cpus.push_back(cpu_now() - c0);
      mains.push_back(clk(CLOCK_THREAD_CPUTIME_ID) - m0);
    }
  }
  std::sort(secs.begin(), secs.end());
  std::sort(cpus.begin(), cpus.end());
  std::sort(mains.begin(), mains.end());
  const double med = secs[secs.size() / 2], tok = (double)(B * T);
  const double fpt = flops_per_token(cfg, T, mtp > 0);
  printf("r1 train step: %lld params (%lld with MTP), B=%lld T=%lld, %s, MTP D=%d, threads %d\n",
         (long long)cfg.num_params(false), (long long)cfg.num_params(true), (long long)B, (long long)T,
         bf16 ? "bf16" : "fp32", mtp, threads);
  printf("  step s  min %.4f  median %.4f  max %.4f   tokens/s %.0f   model GFLOP/s %.2f\n", secs.front(), med,
         secs.back(), tok / med, fpt * tok / med / 1e9);
  printf("  cpu-s/step min %.4f  median %.4f  max %.4f (process CPU time: robust to a shared machine)\n", cpus.front(),
         cpus[cpus.size() / 2], cpus.back());
  // With OMP_WAIT_POLICY=passive (idle threads sleep) the main thread's CPU time is
  // its serial work plus its share of the parallel work: the step time of a quiet machine.
  printf("  main-thread cpu-s/step min %.4f  median %.4f  max %.4f (critical path under OMP_WAIT_POLICY=passive)\n",
         mains.front(), mains[mains.size() / 2], mains.back());
  printf("RESULT median_step_s=%.6f median_cpu_s=%.6f tokens_per_s=%.1f gflop_per_step=%.4f\n", med,
         cpus[cpus.size() / 2], tok / med, fpt * tok / 1e9);
  return 0;
}
