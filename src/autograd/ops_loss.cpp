// Cross-entropy and per-token log-probabilities over the vocabulary.
#include <algorithm>
#include <cmath>

#include "autograd/kernels.h"
#include "autograd/ops.h"
#include "autograd/vec.h"
#include "base/error.h"

namespace r1::ag {

// logp[n] = logits[n, y_n] - logsumexp(logits[n, :]);  lse kept for backward.
// A NaN/Inf logit makes that row's lse NaN (so a diverged loss is reported).
static void logsumexp_rows(std::vector<float>& lse, const float* lg, int64_t N, int64_t V) {
  lse.resize(N);
#pragma omp parallel for schedule(static) if (N * V > 16384)
  for (int64_t n = 0; n < N; ++n) {
    const float* l = lg + n * V;
    const int64_t V8 = V / 8 * 8;
    __m256 m8 = _mm256_set1_ps(-INFINITY), bad = _mm256_setzero_ps();
    for (int64_t v = 0; v < V8; v += 8) {
      const __m256 x = _mm256_loadu_ps(l + v);
      bad = _mm256_or_ps(bad, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
      m8 = _mm256_max_ps(m8, x);
    }
    float mx = vec::hmax(m8);
    bool nan = _mm256_movemask_ps(bad) != 0;
    for (int64_t v = V8; v < V; ++v) nan = nan || std::isnan(l[v]), mx = std::max(mx, l[v]);
    if (nan || !std::isfinite(mx)) {
      lse[n] = NAN;
      continue;
    }
    const __m256 mv = _mm256_set1_ps(mx);
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    int64_t v = 0;
    for (; v + 16 <= V8; v += 16) {
      s0 = _mm256_add_ps(s0, vec::exp8(_mm256_sub_ps(_mm256_loadu_ps(l + v), mv)));
      s1 = _mm256_add_ps(s1, vec::exp8(_mm256_sub_ps(_mm256_loadu_ps(l + v + 8), mv)));
    }
    for (; v < V8; v += 8) s0 = _mm256_add_ps(s0, vec::exp8(_mm256_sub_ps(_mm256_loadu_ps(l + v), mv)));
    double s = (double)vec::hsum(_mm256_add_ps(s0, s1));
    for (v = V8; v < V; ++v) s += (double)vec::exp1(l[v] - mx);
    lse[n] = mx + (float)std::log(s);
  }
}

static void check_targets(const std::vector<int32_t>& y, int64_t N, int64_t V, int32_t ignore) {
  R1_CHECK((int64_t)y.size() == N, "cross_entropy: ", y.size(), " targets for ", N, " rows");
  for (auto v : y) R1_CHECK(v == ignore || (v >= 0 && v < V), "cross_entropy: target ", v, " outside vocab ", V);
}

// bwd of logp[n]: dlogits[n, v] += g[n] * (1[v == y_n] - softmax_v)
static void logp_backward_rows(float* dlg, const float* lg, const std::vector<float>& lse,
                               const std::vector<int32_t>& y, const float* gn, float gscalar, int64_t N, int64_t V,
                               int32_t ignore, bool overwrite) {
#pragma omp parallel for schedule(static) if (N * V > 16384)
  for (int64_t n = 0; n < N; ++n) {
    float* d = dlg + n * V;
    const float g = y[n] == ignore ? 0.0f : gn ? gn[n] : gscalar;
    if (g == 0.0f) {
      if (overwrite) std::fill(d, d + V, 0.0f);
      continue;
    }
    const float* l = lg + n * V;
    const int64_t V8 = V / 8 * 8;
    const __m256 ln = _mm256_set1_ps(lse[n]), ng = _mm256_set1_ps(-g);
    for (int64_t v = 0; v < V8; v += 8) {
      const __m256 p = vec::exp8(_mm256_sub_ps(_mm256_loadu_ps(l + v), ln));
      const __m256 old = overwrite ? _mm256_setzero_ps() : _mm256_loadu_ps(d + v);
      _mm256_storeu_ps(d + v, _mm256_fmadd_ps(ng, p, old));
    }
    for (int64_t v = V8; v < V; ++v) d[v] = std::fmaf(-g, vec::exp1(l[v] - lse[n]), overwrite ? 0.0f : d[v]);
    d[y[n]] += g;
  }
}

// The logits' gradient is usually first written here: then it is written, not
// zeroed and accumulated into (a [N, vocab] buffer: two passes over memory saved).
static void logp_backward(const Var& logits, const std::vector<float>& lse, const std::vector<int32_t>& y,
                          const float* gn, float gscalar, int64_t N, int64_t V, int32_t ignore) {
  const bool fresh = logits->take_fresh_grad();
  logp_backward_rows(logits->g.f32(), logits->val(), lse, y, gn, gscalar, N, V, ignore, fresh);
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
      logp_backward(logits, lse, y, nullptr, -out->grad()[0] / (float)cnt, N, V, ignore);
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
      logp_backward(logits, lse, y, out->grad(), 0.0f, N, V, ignore);
    });
  return out;
}

}  // namespace r1::ag
