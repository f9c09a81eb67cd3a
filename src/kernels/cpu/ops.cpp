#include "kernels/cpu/ops.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <numeric>

namespace r1 {

float dot_f32(const float* a, const float* b, int64_t n) {
  __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
  }
  for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
  s0 = _mm256_add_ps(s0, s1);
  __m128 lo = _mm_add_ps(_mm256_castps256_ps128(s0), _mm256_extractf128_ps(s0, 1));
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  float s = _mm_cvtss_f32(lo);
  for (; i < n; ++i) s += a[i] * b[i];
  return s;
}

void axpy_f32(float a, const float* x, float* y, int64_t n) {
  const __m256 av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
  for (; i < n; ++i) y[i] += a * x[i];
}

void rmsnorm(const float* x, const float* w, int64_t n, float eps, float* y) {
  float ss = dot_f32(x, x, n);
  float r = 1.0f / std::sqrt(ss / (float)n + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = x[i] * r * w[i];
}

void silu_mul(const float* g, const float* u, int64_t n, float* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
}

void softmax_inplace(float* x, int64_t n) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  float s = 0;
  for (int64_t i = 0; i < n; ++i) {
    x[i] = std::exp(x[i] - m);
    s += x[i];
  }
  float inv = 1.0f / s;
  for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

namespace {
double yarn_mscale(double scale, double mscale) { return scale <= 1.0 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0; }
}  // namespace

RopeTable RopeTable::make(int64_t dim, double theta, bool yarn, double factor, int64_t original_max,
                          double beta_fast, double beta_slow, double mscale, double mscale_all_dim) {
  RopeTable t;
  t.dim = dim;
  const int64_t half = dim / 2;
  t.inv_freq.resize(half);
  for (int64_t i = 0; i < half; ++i) t.inv_freq[i] = std::pow(theta, -(double)(2 * i) / (double)dim);
  if (yarn) {
    auto corr = [&](double n) {
      return (double)dim * std::log((double)original_max / (n * 2.0 * M_PI)) / (2.0 * std::log(theta));
    };
    double low = std::max(std::floor(corr(beta_fast)), 0.0);
    double high = std::min(std::ceil(corr(beta_slow)), (double)(dim - 1));
    if (low == high) high += 0.001;
    for (int64_t i = 0; i < half; ++i) {
      double ramp = std::clamp(((double)i - low) / (high - low), 0.0, 1.0);
      t.inv_freq[i] = t.inv_freq[i] / factor * ramp + t.inv_freq[i] * (1.0 - ramp);
    }
    t.attn_factor = (float)(yarn_mscale(factor, mscale) / yarn_mscale(factor, mscale_all_dim));
  }
  return t;
}

void RopeTable::angles(int64_t pos, float* cs, float* sn) const {
  // The angle is rounded to f32 first, as model.py's float32 outer product does.
  for (size_t i = 0; i < inv_freq.size(); ++i) {
    float a = (float)pos * (float)inv_freq[i];
    cs[i] = std::cos(a) * attn_factor;
    sn[i] = std::sin(a) * attn_factor;
  }
}

void rope_interleaved(float* x, int64_t dim, const float* cs, const float* sn) {
  for (int64_t i = 0; i < dim / 2; ++i) {
    float a = x[2 * i], b = x[2 * i + 1];
    x[2 * i] = a * cs[i] - b * sn[i];
    x[2 * i + 1] = a * sn[i] + b * cs[i];
  }
}

void topk_desc(const float* s, int64_t n, int64_t k, int* idx) {
  std::vector<int> ord(n);
  std::iota(ord.begin(), ord.end(), 0);
  // NaN ranks below everything, so the order stays a strict weak ordering.
  auto key = [&](int i) { return std::isnan(s[i]) ? -INFINITY : s[i]; };
  std::partial_sort(ord.begin(), ord.begin() + k, ord.end(), [&](int a, int b) {
    float ka = key(a), kb = key(b);
    if (ka != kb) return ka > kb;
    return a < b;
  });
  std::copy(ord.begin(), ord.begin() + k, idx);
}

}  // namespace r1
