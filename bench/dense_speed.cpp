// Prompt processing and decode speed of r1 on a model folder, measured the way
// llama-bench does: pp = one forward of N random prompt tokens into an empty
// cache (logits of the last token only); tg = M single-token decode steps from
// an empty cache. Prints tokens/s min/median/max over --repeats, after one
// short warm-up forward that pages the weights in.
//
//   bench_dense_speed --model DIR [--threads N] [--pp 512] [--tg 128] [--repeats 3]
//   stdout: one line per test: "r1 <test> threads=<N> min <a> median <b> max <c> tok/s"
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/rng.h"
#include "base/threads.h"
#include "model/model.h"

using namespace r1;

namespace {

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void report(const char* test, int threads, std::vector<double> tps) {
  std::sort(tps.begin(), tps.end());
  printf("r1 %s threads=%d min %.3f median %.3f max %.3f tok/s\n", test, threads, tps.front(), tps[tps.size() / 2],
         tps.back());
  fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    std::string dir;
    int threads = 1, repeats = 3;
    int64_t pp = 512, tg = 128;
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      auto next = [&]() -> std::string {
        R1_CHECK(i + 1 < argc, "missing value after ", a);
        return argv[++i];
      };
      if (a == "--model") dir = next();
      else if (a == "--threads") threads = std::stoi(next());
      else if (a == "--repeats") repeats = std::stoi(next());
      else if (a == "--pp") pp = std::stoll(next());
      else if (a == "--tg") tg = std::stoll(next());
      else fail("unknown argument ", a);
    }
    R1_CHECK(!dir.empty() && repeats > 0, "usage: bench_dense_speed --model DIR [--threads N] [--pp N] [--tg N] [--repeats R]");
    set_threads(threads);
    auto model = load_model(dir);
    Rng rng(42);
    auto random_tokens = [&](int64_t n) {
      std::vector<int32_t> t(n);
      for (auto& x : t) x = (int32_t)rng.below((uint64_t)model->vocab_size());
      return t;
    };
    ForwardOptions last;
    last.all_logits = false;
    model->prefill(random_tokens(8), last);  // warm-up: touches every weight page

    if (pp > 0) {
      std::vector<double> tps;
      for (int r = 0; r < repeats; ++r) {
        std::vector<int32_t> t = random_tokens(pp);
        KVCache cache = model->make_cache(1);
        const double t0 = now_s();
        model->forward({Chunk{0, t.data(), pp}}, cache, last);
        tps.push_back((double)pp / (now_s() - t0));
      }
      report(("pp" + std::to_string(pp)).c_str(), threads, tps);
    }
    if (tg > 0) {
      std::vector<double> tps;
      for (int r = 0; r < repeats; ++r) {
        std::vector<int32_t> t = random_tokens(tg);
        KVCache cache = model->make_cache(1);
        const double t0 = now_s();
        for (int64_t i = 0; i < tg; ++i) model->decode_step({0}, {t[i]}, cache);
        tps.push_back((double)tg / (now_s() - t0));
      }
      report(("tg" + std::to_string(tg)).c_str(), threads, tps);
    }
    return 0;
  } catch (const Error& e) {
    fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
