// Cross-entropy and per-token log-probabilities over the vocabulary.
#include <cmath>

#include "autograd/ops.h"
#include "base/error.h"

namespace r1::ag {

// logp[n] = logits[n, y_n] - logsumexp(logits[n, :]);  lse kept for backward.
static void logsumexp_rows(std::vector<float>& lse, const float* lg, int64_t N, int64_t V) {
  lse.resize(N);
#pragma omp parallel for schedule(static) if (N * V > 16384)
  for (int64_t n = 0; n < N; ++n) {
    const float* l = lg + n * V;
    float mx = l[0];
    for (int64_t v = 1; v < V; ++v) mx = std::max(mx, l[v]);
    double s = 0;
    for (int64_t v = 0; v < V; ++v) s += std::exp((double)(l[v] - mx));
    lse[n] = mx + (float)std::log(s);
  }
}

static void check_targets(const std::vector<int32_t>& y, int64_t N, int64_t V, int32_t ignore) {
  R1_CHECK((int64_t)y.size() == N, "cross_entropy: ", y.size(), " targets for ", N, " rows");
  for (auto v : y) R1_CHECK(v == ignore || (v >= 0 && v < V), "cross_entropy: target ", v, " outside vocab ", V);
}

// bwd of logp[n]: dlogits[n, v] += g[n] * (1[v == y_n] - softmax_v)
static void logp_backward(float* dlg, const float* lg, const std::vector<float>& lse, const std::vector<int32_t>& y,
                          const float* gn, float gscalar, int64_t N, int64_t V, int32_t ignore) {
#pragma omp parallel for schedule(static) if (N * V > 16384)
  for (int64_t n = 0; n < N; ++n) {
    if (y[n] == ignore) continue;
    const float g = gn ? gn[n] : gscalar;
    if (g == 0.0f) continue;
    const float* l = lg + n * V;
    float* d = dlg + n * V;
    for (int64_t v = 0; v < V; ++v) d[v] -= g * std::exp(l[v] - lse[n]);
    d[y[n]] += g;
  }
}

Var cross_entropy(Tape& t, const Var& logits, const std::vector<int32_t>& y, int32_t ignore) {
  const int64_t V = logits->v.dim(-1), N = logits->numel() / V;
  check_targets(y, N, V, ignore);
  std::vector<float> lse;
  logsumexp_rows(lse, logits->val(), N, V);
  double s = 0;
  int64_t cnt = 0;
  for (int64_t n = 0; n < N; ++n)
    if (y[n] != ignore) s += (double)lse[n] - logits->val()[n * V + y[n]], ++cnt;
  Var out = make_var(Tensor::empty({1}), needs_grad(t, {&logits}));
  out->val()[0] = cnt ? (float)(s / (double)cnt) : 0.0f;
  if (out->requires_grad && cnt)
    t.push([logits, out, lse = std::move(lse), y, N, V, ignore, cnt] {
      // loss = -mean logp -> d logp = -1/cnt
      logp_backward(logits->grad(), logits->val(), lse, y, nullptr, -out->grad()[0] / (float)cnt, N, V, ignore);
    });
  return out;
}

Var token_logprobs(Tape& t, const Var& logits, const std::vector<int32_t>& y, int32_t ignore) {
  const int64_t V = logits->v.dim(-1), N = logits->numel() / V;
  check_targets(y, N, V, ignore);
  std::vector<float> lse;
  logsumexp_rows(lse, logits->val(), N, V);
  Var out = make_var(Tensor::empty({N}), needs_grad(t, {&logits}));
  for (int64_t n = 0; n < N; ++n) out->val()[n] = y[n] == ignore ? 0.0f : logits->val()[n * V + y[n]] - lse[n];
  if (out->requires_grad)
    t.push([logits, out, lse = std::move(lse), y, N, V, ignore] {
      logp_backward(logits->grad(), logits->val(), lse, y, out->grad(), 0.0f, N, V, ignore);
    });
  return out;
}

}  // namespace r1::ag
