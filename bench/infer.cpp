// Inference benchmark: prompt processing (pp) and token generation (tg) on a
// model folder (bench_gen_model writes the reference one), at several thread
// counts; min/median/max over repeats, peak RSS, and decode against the
// memory-bandwidth roofline (weight + KV bytes read per token / measured GB/s).
// usage: bench_infer MODEL_DIR [--pp 512] [--tg 128] [--reps 3] [--threads 1,2] [--batch 1]
// Also prints machine-readable lines for bench/infer.sh:
//   RESULT <test> <threads> <min> <median> <max>     (tok/s, wall clock)
//   ROOFLINE <threads> <bytes per token> <GB/s> <tok/s at the roofline>
#include <immintrin.h>
#include <omp.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/rng.h"
#include "base/threads.h"
#include "infer/generator.h"
#include "model/transformer.h"

using namespace r1;

namespace {

// Process CPU seconds (all threads): on a shared machine, tokens per CPU-second
// at 1 thread approximates the uncontended single-core rate.
double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Stat {
  double mn, med, mx;
};
Stat stats(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return {v.front(), v[v.size() / 2], v.back()};
}

// Read bandwidth with the current thread count: best of 5 AVX2 passes over
// 512 MiB. Returns {wall GB/s, GB per CPU-second x threads}.
std::pair<double, double> measure_bandwidth() {
  const size_t n = (512u << 20) / sizeof(float);
  std::vector<float> buf(n, 1.0f);
  double best = 0, best_cpu = 0;
  const int th = num_threads();
  for (int rep = 0; rep < 5; ++rep) {
    double t0 = now(), c0 = cpu_now();
    float total = 0;
#pragma omp parallel reduction(+ : total)
    {
      __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
#pragma omp for schedule(static)
      for (size_t i = 0; i < n; i += 32) {
        a0 = _mm256_add_ps(a0, _mm256_loadu_ps(&buf[i]));
        a1 = _mm256_add_ps(a1, _mm256_loadu_ps(&buf[i + 8]));
        a2 = _mm256_add_ps(a2, _mm256_loadu_ps(&buf[i + 16]));
        a3 = _mm256_add_ps(a3, _mm256_loadu_ps(&buf[i + 24]));
      }
      float t[8];
      _mm256_storeu_ps(t, _mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
      for (float v : t) total += v;
    }
    double dt = now() - t0, dc = cpu_now() - c0;
    if (total == 42) printf(" ");
    best = std::max(best, n * sizeof(float) / dt / 1e9);
    best_cpu = std::max(best_cpu, n * sizeof(float) / dc * th / 1e9);
  }
  return {best, best_cpu};
}

// Bytes of weights one decode token reads, plus the cache at context length ctx.
double decode_bytes(const Transformer& m, int64_t ctx) {
  const ModelConfig& c = m.config();
  double b = 0;
  auto W = [&](const Weight& w) { return (double)w.m.rows * w.m.cols * dtype_size(w.m.dt); };
  for (const Block& l : m.layers()) {
    const Mla& a = l.self_attn;
    b += (c.q_lora_rank ? W(a.q_a_proj) + W(a.q_b_proj) : W(a.q_proj)) + W(a.kv_a_proj_with_mqa) + W(a.kv_b_proj) + W(a.o_proj);
    if (l.is_moe) {
      b += W(l.moe.gate.weight) + (l.moe.has_shared ? 3 * W(l.moe.shared_experts.gate_proj) : 0);
      b += c.num_experts_per_tok * 3 * W(l.moe.experts[0].gate_proj);
    } else {
      b += W(l.mlp.gate_proj) + W(l.mlp.up_proj) + W(l.mlp.down_proj);
    }
  }
  b += (double)c.vocab_size * c.hidden_size * (m.layers()[0].self_attn.o_proj.m.dt == DType::BF16 ? 2 : 4);  // lm_head
  b += (double)ctx * c.num_hidden_layers * c.mla_cache_elems_per_layer() * 4;
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s MODEL_DIR [--pp 512] [--tg 128] [--reps 3] [--threads 1,2]\n", argv[0]);
    return 2;
  }
  try {
    std::string dir = argv[1];
    int pp = 512, tg = 128, reps = 3, batch = 1;
    std::vector<int> threads = {1, 2};
    for (int i = 2; i + 1 < argc; i += 2) {
      std::string k = argv[i], v = argv[i + 1];
      if (k == "--pp") pp = std::stoi(v);
      else if (k == "--tg") tg = std::stoi(v);
      else if (k == "--reps") reps = std::stoi(v);
      else if (k == "--batch") batch = std::stoi(v);
      else if (k == "--threads") {
        threads.clear();
        size_t p = 0;
        while (p < v.size()) {
          size_t e = v.find(',', p);
          threads.push_back(std::stoi(v.substr(p, e - p)));
          if (e == std::string::npos) break;
          p = e + 1;
        }
      } else fail("unknown option ", k);
    }
    // Bandwidth first, so its buffer does not add to the model's peak RSS.
    std::vector<std::pair<double, double>> bws;
    for (int th : threads) {
      set_threads(th);
      bws.push_back(measure_bandwidth());
    }
    {
      // Reset the peak-RSS mark (VmHWM), so the probe's buffer is not counted.
      FILE* f = fopen("/proc/self/clear_refs", "w");
      if (f) fputs("5", f), fclose(f);
    }
    double t0 = now();
    auto m = Transformer::load(dir);
    printf("model %s: loaded in %.2f s; %s weights\n", dir.c_str(), now() - t0,
           dtype_name(m->layers()[0].self_attn.o_proj.m.dt));
    Rng rng(7);
    std::vector<int32_t> prompt(pp);
    for (auto& t : prompt) t = (int32_t)(2 + rng.below(m->vocab_size() - 2));
    for (size_t ti = 0; ti < threads.size(); ++ti) {
      const int th = threads[ti];
      set_threads(th);
      const auto [bw, bw_cpu] = bws[ti];
      std::vector<double> pps, tgs, ppc, tgc;
      for (int r = 0; r < reps; ++r) {
        KVCache cache = m->make_cache(1);
        ForwardOptions opt;
        opt.all_logits = false;
        double a = now(), ca = cpu_now();
        m->forward({{0, prompt.data(), pp}}, cache, opt);
        pps.push_back(pp / (now() - a));
        ppc.push_back(pp / (cpu_now() - ca) * th);
      }
      for (int r = 0; r < reps; ++r) {
        KVCache cache = m->make_cache(1);
        ForwardOptions opt;
        opt.all_logits = false;
        int32_t tok = prompt[0];
        double a = now(), ca = cpu_now();
        for (int i = 0; i < tg; ++i) {
          Tensor lg = m->forward({{0, &tok, 1}}, cache, opt);
          tok = (int32_t)(std::max_element(lg.f32(), lg.f32() + m->vocab_size()) - lg.f32());
        }
        tgs.push_back(tg / (now() - a));
        tgc.push_back(tg / (cpu_now() - ca) * th);
      }
      Stat p = stats(pps), g = stats(tgs), pc = stats(ppc), gc = stats(tgc);
      const double bytes = decode_bytes(*m, tg / 2);
      const double roof = bw * 1e9 / bytes, roof_cpu = bw_cpu * 1e9 / bytes;
      printf("threads %d: pp%d %.1f / %.1f / %.1f tok/s (min/median/max) | tg%d %.2f / %.2f / %.2f tok/s\n", th, pp,
             p.mn, p.med, p.mx, tg, g.mn, g.med, g.mx);
      printf("  per CPU-second x threads (contention-free estimate): pp %.1f / %.1f / %.1f | tg %.2f / %.2f / %.2f\n",
             pc.mn, pc.med, pc.mx, gc.mn, gc.med, gc.mx);
      printf("  decode roofline: %.1f MB read per token, bandwidth %.1f GB/s -> %.1f tok/s; median tg = %.0f%% of it\n",
             bytes / 1e6, bw, roof, 100.0 * g.med / roof);
      printf("  per CPU-second: bandwidth %.1f GB/s -> %.1f tok/s; median tg = %.0f%% of it\n", bw_cpu, roof_cpu,
             100.0 * gc.med / roof_cpu);
      printf("RESULT pp%d %d %.3f %.3f %.3f\nRESULT tg%d %d %.3f %.3f %.3f\n", pp, th, p.mn, p.med, p.mx, tg, th, g.mn,
             g.med, g.mx);
      printf("ROOFLINE %d %.0f %.2f %.2f\n", th, bytes, bw, roof);
      fflush(stdout);
    }
    // Batched decode (RL rollouts): 8 sequences of different prompt lengths, 32 new tokens each.
    if (batch) {
      std::vector<GenRequest> reqs;
      for (int i = 0; i < 8; ++i) {
        GenRequest r;
        for (int j = 0; j < 16 + 8 * i; ++j) r.prompt.push_back((int32_t)(2 + rng.below(m->vocab_size() - 2)));
        r.max_new_tokens = 32;
        r.stop_at_eos = false;
        reqs.push_back(r);
      }
      Generator gen(*m, 8);
      GenStats st;
      gen.generate(reqs, &st);
      printf("batched generate (8 seqs, threads %d): decode %.1f tok/s total, prefill %.1f tok/s\n", num_threads(),
             st.decode_tokens / st.decode_seconds, st.prompt_tokens / st.prefill_seconds);
    }
    printf("peak RSS %.1f MiB\nRSS %.0f\n", peak_rss_bytes() / 1048576.0, peak_rss_bytes() / 1048576.0);
  } catch (const Error& e) {
    fprintf(stderr, "bench_infer: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
