#include "rl/grpo_math.h"

#include <algorithm>
#include <cmath>

#include "base/error.h"

namespace r1::rl {

std::vector<float> group_advantages(const std::vector<float>& r, int G, bool scale_by_std) {
  R1_CHECK(G > 0 && r.size() % (size_t)G == 0, "group_advantages: ", r.size(), " rewards is not a multiple of G=", G);
  std::vector<float> a(r.size(), 0.0f);
  for (size_t g = 0; g < r.size(); g += (size_t)G) {
    double mean = 0;
    bool same = true;
    for (int i = 0; i < G; i++) {
      R1_CHECK(std::isfinite(r[g + i]), "group_advantages: non-finite reward ", r[g + i]);
      mean += r[g + i];
      same &= r[g + i] == r[g];
    }
    if (same) continue;  // zero variance: no signal, advantage 0
    mean /= G;
    double var = 0;
    for (int i = 0; i < G; i++) var += (r[g + i] - mean) * (r[g + i] - mean);
    double sd = std::sqrt(var / G);
    for (int i = 0; i < G; i++) a[g + i] = (float)(scale_by_std ? (r[g + i] - mean) / sd : r[g + i] - mean);
  }
  return a;
}

float zero_variance_share(const std::vector<float>& r, int G) {
  if (r.empty()) return 0.0f;
  int groups = 0, zero = 0;
  for (size_t g = 0; g + (size_t)G <= r.size(); g += (size_t)G) {
    groups++;
    bool same = true;
    for (int i = 1; i < G; i++) same &= r[g + i] == r[g];
    zero += same;
  }
  return groups ? (float)zero / (float)groups : 0.0f;
}

double clipped_surrogate(double lnew, double lold, double A, double eps_lo, double eps_hi, double* grad, bool* clipped) {
  double rho = std::exp(lnew - lold);
  double rc = std::clamp(rho, 1.0 - eps_lo, 1.0 + eps_hi);
  double u = rho * A, c = rc * A;
  bool take_clip = c < u;  // min picks the clipped (constant) branch
  if (grad) *grad = take_clip ? 0.0 : -rho * A;
  if (clipped) *clipped = take_clip;
  return -(take_clip ? c : u);
}

double k3_kl(double lnew, double lref, double* grad) {
  double d = lref - lnew, r = std::exp(d);
  if (grad) *grad = 1.0 - r;
  return r - d - 1.0;
}

TokenTerm grpo_token(double lnew, double lold, double lref, double A, double eps_lo, double eps_hi, double beta) {
  TokenTerm t;
  double gs = 0, gk = 0;
  t.loss = clipped_surrogate(lnew, lold, A, eps_lo, eps_hi, &gs, &t.clipped);
  if (beta != 0) {
    t.kl = k3_kl(lnew, lref, &gk);
    t.loss += beta * t.kl;
  }
  t.grad = gs + beta * gk;
  return t;
}

std::vector<double> sequence_token_weights(const std::vector<int>& len, LossNorm norm, int max_len) {
  std::vector<double> w(len.size(), 0.0);
  if (len.empty()) return w;
  long total = 0;
  for (int l : len) total += l;
  for (size_t i = 0; i < len.size(); i++) {
    if (len[i] <= 0) continue;
    switch (norm) {
      case LossNorm::Sequence: w[i] = 1.0 / ((double)len.size() * len[i]); break;
      case LossNorm::Token: w[i] = 1.0 / (double)total; break;
      case LossNorm::Constant: w[i] = 1.0 / ((double)len.size() * std::max(1, max_len)); break;
    }
  }
  return w;
}

double pass_at_k(int n, int c, int k) {
  R1_CHECK(n > 0 && k > 0 && k <= n && c >= 0 && c <= n, "pass_at_k: need 0 < k <= n and 0 <= c <= n (n=", n,
           " c=", c, " k=", k, ")");
  if (n - c < k) return 1.0;
  // 1 - prod_{i=n-c+1}^{n} (1 - k/i), numerically stable
  double prod = 1.0;
  for (int i = n - c + 1; i <= n; i++) prod *= 1.0 - (double)k / i;
  return 1.0 - prod;
}

}  // namespace r1::rl
