#include "infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/error.h"

namespace r1 {

int32_t Sampler::sample(const float* logits, int64_t V, const std::vector<int32_t>& history) {
  R1_CHECK(V > 0, "sampler: empty vocabulary");
  buf_.assign(logits, logits + V);
  for (auto& v : buf_)
    if (std::isnan(v)) v = -INFINITY;
  if (p_.repetition_penalty != 1.0f) {
    std::vector<char> seen(V, 0);
    for (int32_t t : history)
      if (t >= 0 && t < V && !seen[t]) {
        seen[t] = 1;
        float& l = buf_[t];
        l = l > 0 ? l / p_.repetition_penalty : l * p_.repetition_penalty;
      }
  }
  if (p_.temperature <= 0.0f) return (int32_t)(std::max_element(buf_.begin(), buf_.end()) - buf_.begin());
  const float invT = 1.0f / p_.temperature;
  idx_.resize(V);
  std::iota(idx_.begin(), idx_.end(), 0);
  auto by_logit = [&](int32_t a, int32_t b) { return buf_[a] != buf_[b] ? buf_[a] > buf_[b] : a < b; };
  int64_t n = V;
  if (p_.top_k > 0 && p_.top_k < V) {
    n = p_.top_k;
    std::partial_sort(idx_.begin(), idx_.begin() + n, idx_.end(), by_logit);
  } else {
    std::sort(idx_.begin(), idx_.end(), by_logit);
  }
  // Softmax over the n candidates (sorted, so the first is the max).
  std::vector<double> pr(n);
  const double mx = buf_[idx_[0]];
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += pr[i] = std::exp(((double)buf_[idx_[i]] - mx) * invT);
  for (auto& v : pr) v /= sum;
  if (p_.top_p < 1.0f) {
    double c = 0;
    int64_t keep = n;
    for (int64_t i = 0; i < n; ++i) {
      c += pr[i];
      if (c >= p_.top_p) {
        keep = i + 1;
        break;
      }
    }
    n = keep;
  }
  if (p_.min_p > 0.0f) {
    const double thr = p_.min_p * pr[0];
    int64_t keep = 1;
    while (keep < n && pr[keep] >= thr) ++keep;
    n = keep;
  }
  double total = 0;
  for (int64_t i = 0; i < n; ++i) total += pr[i];
  double u = rng_.uniform() * total;
  for (int64_t i = 0; i < n; ++i) {
    u -= pr[i];
    if (u < 0) return idx_[i];
  }
  return idx_[n - 1];
}

}  // namespace r1
