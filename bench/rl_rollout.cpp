// Rollout throughput: sampled tokens/s of batched generation (a GRPO step's
// prompts x G) against single-sequence decoding, and the rollout/update time
// split of GRPO steps. Policy: the built-in WindowLM at the recipe's size.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "base/threads.h"
#include "rl/chat.h"
#include "rl/grpo.h"
#include "rl/task.h"
#include "rl/window_lm.h"

using namespace r1;
using namespace r1::rl;
using Clock = std::chrono::steady_clock;

static void report(const char* name, std::vector<double> v, const char* unit) {
  std::sort(v.begin(), v.end());
  printf("%-34s min %10.1f  median %10.1f  max %10.1f %s\n", name, v.front(), v[v.size() / 2], v.back(), unit);
}

int main(int argc, char** argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2;
  set_threads(threads);
  auto train = generate_set({"add"}, 1, Split::Train, 256, 1);
  std::vector<std::string> corpus;
  for (auto& p : train) corpus.push_back(p.prompt + p.trace);
  CharVocab v = CharVocab::train(corpus);
  WindowLMConfig c;
  c.vocab = v.size(), c.window = 32, c.d_emb = 16, c.hidden = 192, c.layers = 2;
  WindowLM m(c, 1);
  GenConfig g;
  g.max_new = 32, g.temperature = 1.0f;  // no stop token: every sequence decodes max_new tokens
  const int B = 128;  // 16 prompts x G = 8
  std::vector<std::vector<int>> prompts;
  for (int i = 0; i < B; i++) prompts.push_back(v.encode(render_prompt(Template::Chat, train[(size_t)i].prompt)));
  Rng rng(1);
  std::vector<double> batched, single;
  for (int rep = 0; rep < 5; rep++) {
    auto t0 = Clock::now();
    auto out = m.generate(prompts, g, rng);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    batched.push_back(B * g.max_new / s);
    t0 = Clock::now();
    for (int i = 0; i < 8; i++) m.generate({prompts[(size_t)i]}, g, rng);
    s = std::chrono::duration<double>(Clock::now() - t0).count();
    single.push_back(8 * g.max_new / s);
  }
  printf("threads %d, WindowLM %lld params, batch %d, %d new tokens each\n", threads, (long long)m.param_count(), B,
         g.max_new);
  report("batched rollout (tokens/s)", batched, "");
  report("single-sequence decode (tokens/s)", single, "");
  std::sort(batched.begin(), batched.end());
  std::sort(single.begin(), single.end());
  printf("ratio batched/single (medians): %.1fx\n", batched[2] / single[2]);

  GrpoConfig gc;
  gc.steps = 3, gc.prompts_per_step = 16, gc.G = 8, gc.max_new = 32;
  std::vector<double> ro, up;
  grpo_train(m, v, train, gc, 2, [&](const GrpoStepLog& L) {
    ro.push_back(L.rollout_s * 1000);
    up.push_back(L.update_s * 1000);
  });
  report("GRPO step rollout (ms)", ro, "");
  report("GRPO step update (ms)", up, "");
  return 0;
}
