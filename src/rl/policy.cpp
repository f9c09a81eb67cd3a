#include "rl/policy.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"
#include "base/json.h"
#include "rl/v3_policy.h"
#include "rl/window_lm.h"

namespace r1::rl {

int64_t TokenRows::scored() const {
  int64_t n = 0;
  for (auto& w : want)
    for (auto x : w) n += x != 0;
  return n;
}

int sample_token(const float* logits, int V, float temperature, float top_p, Rng& rng) {
  if (temperature <= 0) return (int)(std::max_element(logits, logits + V) - logits);
  std::vector<double> p((size_t)V);
  double mx = *std::max_element(logits, logits + V), s = 0;
  for (int i = 0; i < V; i++) s += p[(size_t)i] = std::exp((logits[i] - mx) / temperature);
  for (auto& x : p) x /= s;
  if (top_p < 1.0f) {
    std::vector<int> idx((size_t)V);
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return p[(size_t)a] > p[(size_t)b]; });
    double cum = 0, keep = 0;
    size_t k = 0;
    for (; k < idx.size(); k++) {
      cum += p[(size_t)idx[k]];
      if (cum >= top_p) {
        k++;
        break;
      }
    }
    std::vector<double> q((size_t)V, 0.0);
    for (size_t i = 0; i < k && i < idx.size(); i++) keep += q[(size_t)idx[i]] = p[(size_t)idx[i]];
    for (auto& x : q) x /= keep;
    p.swap(q);
  }
  double u = rng.uniform(), c = 0;
  for (int i = 0; i < V; i++) {
    c += p[(size_t)i];
    if (u < c) return i;
  }
  for (int i = V - 1; i >= 0; i--)
    if (p[(size_t)i] > 0) return i;
  return 0;
}

void Policy::backward_from_logprobs(const TokenRows& rows, const SeedFn& seeds,
                                    std::vector<std::vector<float>>* entropy) {
  std::vector<std::vector<float>> lp, d(rows.tokens.size());
  logprobs(rows, &lp, entropy);
  for (size_t r = 0; r < rows.tokens.size(); r++) {
    d[r].assign(rows.tokens[r].size(), 0.0f);
    seeds(r, lp[r], d[r]);
  }
  backward(rows, d);
}

std::unique_ptr<Policy> load_policy(const std::string& dir) {
  json j = read_json_file(dir + "/policy.json");
  R1_CHECK(j.is_object() && j.contains("kind") && j["kind"].is_string(), dir, "/policy.json: missing \"kind\"");
  std::string k = j["kind"].get<std::string>();
  if (k == "window_lm") return WindowLM::load(dir);
  if (k == "v3") return load_v3_policy(dir);
  fail(dir, "/policy.json: unknown policy kind '", k, "'");
}

}  // namespace r1::rl
