// Elementwise and row kernels in f32. All loops have a fixed order, so results
// do not depend on the thread count.
#pragma once
#include <cstdint>
#include <vector>

namespace r1 {

// y = x * rsqrt(mean(x^2) + eps) * w  (one row of n); y may alias x.
void rmsnorm(const float* x, const float* w, int64_t n, float eps, float* y);
// out[i] = silu(g[i]) * u[i], silu(v) = v / (1 + exp(-v)).
void silu_mul(const float* g, const float* u, int64_t n, float* out);
// In-place softmax over n values (max-subtracted, f32).
void softmax_inplace(float* x, int64_t n);
float dot_f32(const float* a, const float* b, int64_t n);
// y += a * x
void axpy_f32(float a, const float* x, float* y, int64_t n);

// RoPE frequencies for `dim` rotary dims (dim/2 pairs), with optional YaRN:
// inv_freq[i] = theta^(-2i/dim); YaRN blends inv_freq/factor and inv_freq by
// ramp[i] = clamp((i - low)/(high - low), 0, 1) with the correction range
// low = max(floor(corr(beta_fast)), 0), high = min(ceil(corr(beta_slow)), dim-1),
// corr(n) = dim*ln(L/(2*pi*n)) / (2*ln(theta)).
struct RopeTable {
  int64_t dim = 0;
  std::vector<double> inv_freq;  // dim/2
  float attn_factor = 1.0f;      // HF: cos/sin times mscale(mscale)/mscale(mscale_all_dim)
  static RopeTable make(int64_t dim, double theta, bool yarn, double factor, int64_t original_max,
                        double beta_fast, double beta_slow, double mscale, double mscale_all_dim);
  // cos/sin for one absolute position: dim/2 values each.
  void angles(int64_t pos, float* cos_out, float* sin_out) const;
};

// Interleaved (GPT-J) rotation of `dim` values in place: pairs (x[2i], x[2i+1]).
void rope_interleaved(float* x, int64_t dim, const float* cs, const float* sn);

// Top-k of n scores: indices in descending score order (ties: lower index first).
void topk_desc(const float* s, int64_t n, int64_t k, int* idx_out);

}  // namespace r1
