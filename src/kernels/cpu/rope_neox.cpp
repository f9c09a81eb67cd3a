#include "kernels/cpu/rope_neox.h"

#include <immintrin.h>

#include <cmath>

namespace r1 {

void rope_neox(float* x, int64_t heads, int64_t d, const float* cs, const float* sn) {
  const int64_t half = d / 2;
  for (int64_t h = 0; h < heads; ++h) {
    float* a = x + h * d;
    float* b = a + half;
    int64_t i = 0;
    for (; i + 8 <= half; i += 8) {
      const __m256 c = _mm256_loadu_ps(cs + i), s = _mm256_loadu_ps(sn + i);
      const __m256 va = _mm256_loadu_ps(a + i), vb = _mm256_loadu_ps(b + i);
      _mm256_storeu_ps(a + i, _mm256_fmsub_ps(va, c, _mm256_mul_ps(vb, s)));
      _mm256_storeu_ps(b + i, _mm256_fmadd_ps(vb, c, _mm256_mul_ps(va, s)));
    }
    for (; i < half; ++i) {
      const float va = a[i], vb = b[i];
      a[i] = va * cs[i] - vb * sn[i];
      b[i] = vb * cs[i] + va * sn[i];
    }
  }
}

void rope_angles(const double* inv_freq, int64_t half, int64_t pos, float* cs, float* sn) {
  for (int64_t i = 0; i < half; ++i) {
    const double a = (double)pos * inv_freq[i];
    cs[i] = (float)std::cos(a);
    sn[i] = (float)std::sin(a);
  }
}

}  // namespace r1
