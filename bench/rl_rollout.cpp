// Rollout throughput: sampled tokens/s of batched generation (a GRPO step's
// prompts x G) against single-sequence decoding, and the rollout/update time
// split of GRPO steps. Policies: the recipe's tiny DeepSeek-V3 (V3Policy: KV
// cache through the inference engine; also its full-forward reference
// sampler) and the built-in WindowLM, at the recipe's sizes.
// Usage: bench_rl_rollout [threads]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <vector>

#include "base/threads.h"
#include "rl/chat.h"
#include "rl/grpo.h"
#include "rl/task.h"
#include "rl/v3_policy.h"
#include "rl/window_lm.h"

using namespace r1;
using namespace r1::rl;
using Clock = std::chrono::steady_clock;

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

static void report(const char* name, std::vector<double> v, const char* unit) {
  std::sort(v.begin(), v.end());
  printf("  %-36s min %9.1f  median %9.1f  max %9.1f %s\n", name, v.front(), v[v.size() / 2], v.back(), unit);
}

using GenFn = std::function<std::vector<std::vector<int>>(const std::vector<std::vector<int>>&, const GenConfig&, Rng&)>;

// Returns the median batched tokens/s.
static double bench_policy(const char* label, Policy& m, const GenFn& gen, const CharVocab& v,
                           const std::vector<Problem>& train, int reps, bool grpo) {
  GenConfig g;
  g.max_new = 32, g.temperature = 1.0f;  // no stop token: every sequence decodes max_new tokens
  const int P = 16, G = 8, B = P * G;    // a GRPO step: 16 prompts x G = 8
  std::vector<std::vector<int>> prompts;
  for (int i = 0; i < P; i++)
    for (int k = 0; k < G; k++) prompts.push_back(v.encode(render_prompt(Template::Chat, train[(size_t)i].prompt)));
  Rng rng(1);
  gen(prompts, g, rng);  // warm-up (builds the inference copy)
  std::vector<double> batched, single;
  for (int rep = 0; rep < reps; rep++) {
    auto t0 = Clock::now();
    gen(prompts, g, rng);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    batched.push_back(B * g.max_new / s);
    t0 = Clock::now();
    for (int i = 0; i < 4; i++) gen({prompts[(size_t)i * G]}, g, rng);
    s = std::chrono::duration<double>(Clock::now() - t0).count();
    single.push_back(4 * g.max_new / s);
  }
  printf("%s: %lld params, batch %d (%d prompts x G %d), %d new tokens each, %d repeats\n", label,
         (long long)m.param_count(), B, P, G, g.max_new, reps);
  report("batched rollout (tokens/s)", batched, "");
  report("single-sequence decode (tokens/s)", single, "");
  printf("  ratio batched/single (medians): %.1fx\n", median(batched) / median(single));
  if (grpo) {
    GrpoConfig gc;
    gc.steps = 4, gc.prompts_per_step = 16, gc.G = 8, gc.max_new = 32;
    std::vector<double> ro, up;
    grpo_train(m, v, train, gc, 2, [&](const GrpoStepLog& L) {
      ro.push_back(L.rollout_s * 1000);
      up.push_back(L.update_s * 1000);
    });
    report("GRPO step rollout (ms)", ro, "");
    report("GRPO step update (ms)", up, "");
    printf("  rollout share of a GRPO step (medians): %.0f%%\n", 100 * median(ro) / (median(ro) + median(up)));
  }
  return median(batched);
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  set_threads(threads);
  auto train = generate_set({"add"}, 1, Split::Train, 256, 1);
  std::vector<std::string> corpus;
  for (auto& p : train) corpus.push_back(p.prompt + p.trace + render_response(p.trace, p.answer));
  CharVocab v = CharVocab::train(corpus);
  printf("threads %d\n", threads);

  V3Policy v3(tiny_v3_config(v.size(), 128, 2, 0), 1);
  double kv = bench_policy("V3Policy (KV cache, recipe size 128 x 2 layers)", v3,
                           [&](auto& p, auto& g, Rng& r) { return v3.generate(p, g, r); }, v, train, 5, true);
  double full = bench_policy("V3Policy full-forward reference sampler", v3,
                             [&](auto& p, auto& g, Rng& r) { return v3.generate_full(p, g, r); }, v, train, 1, false);
  printf("  KV cache vs full forward, batched (medians): %.1fx\n\n", kv / full);

  WindowLMConfig c;
  c.vocab = v.size(), c.window = 32, c.d_emb = 16, c.hidden = 192, c.layers = 2;
  WindowLM w(c, 1);
  bench_policy("WindowLM (peer, 192 hidden)", w, [&](auto& p, auto& g, Rng& r) { return w.generate(p, g, r); }, v,
               train, 5, true);
  return 0;
}
