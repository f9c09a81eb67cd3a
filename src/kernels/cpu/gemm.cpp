#include "kernels/cpu/gemm.h"

#include <cblas.h>
#include <immintrin.h>
#include <omp.h>

#include <cstring>
#include <vector>

#include "base/error.h"

namespace r1 {

MatRef MatRef::of(const Tensor& t) {
  R1_CHECK(t.ndim() == 2, "MatRef: expected a 2-D tensor, got ", shape_str(t.shape()));
  R1_CHECK(t.dtype() == DType::F32 || t.dtype() == DType::BF16, "MatRef: dtype ", dtype_name(t.dtype()),
           " is not F32/BF16");
  return MatRef{t.raw(), t.dtype(), t.dim(0), t.dim(1), t.dim(1)};
}

MatRef MatRef::block(int64_t r0, int64_t nr) const {
  MatRef m = *this;
  m.p = (const char*)p + r0 * ld * (int64_t)dtype_size(dt);
  m.rows = nr;
  return m;
}

namespace {

inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load8(const uint16_t* p) {
  __m128i v = _mm_loadu_si128((const __m128i*)p);
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(v), 16));
}
inline float widen(float v) { return v; }
inline float widen(uint16_t v) { return bf16_to_f32(v); }

inline float hsum(__m256 v) {
  __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
  lo = _mm_add_ps(lo, hi);
  lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
  lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
  return _mm_cvtss_f32(lo);
}

// R activation rows against one weight row of length K. Two accumulators per
// row, 16 elements per step; the order depends on K only.
template <int R, class T>
inline void dot_rows(const float* const* xs, const T* w, int64_t K, float* out) {
  __m256 a0[R], a1[R];
  for (int r = 0; r < R; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
  int64_t k = 0;
  for (; k + 16 <= K; k += 16) {
    __m256 w0 = load8(w + k), w1 = load8(w + k + 8);
    for (int r = 0; r < R; ++r) {
      a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xs[r] + k), a0[r]);
      a1[r] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xs[r] + k + 8), a1[r]);
    }
  }
  for (; k + 8 <= K; k += 8) {
    __m256 w0 = load8(w + k);
    for (int r = 0; r < R; ++r) a0[r] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xs[r] + k), a0[r]);
  }
  for (int r = 0; r < R; ++r) {
    float s = hsum(_mm256_add_ps(a0[r], a1[r]));
    for (int64_t kk = k; kk < K; ++kk) s += widen(w[kk]) * xs[r][kk];
    out[r] = s;
  }
}

template <class T>
void gemv_small(const float* x, int64_t M, int64_t ldx, const MatRef& W, float* y, int64_t ldy) {
  const int64_t N = W.rows, K = W.cols;
  const T* base = (const T*)W.p;
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    const T* w = base + n * W.ld;
    for (int64_t m0 = 0; m0 < M; m0 += 4) {
      const float* xs[4];
      float o[4];
      int R = (int)std::min<int64_t>(4, M - m0);
      for (int r = 0; r < R; ++r) xs[r] = x + (m0 + r) * ldx;
      switch (R) {
        case 1: dot_rows<1>(xs, w, K, o); break;
        case 2: dot_rows<2>(xs, w, K, o); break;
        case 3: dot_rows<3>(xs, w, K, o); break;
        default: dot_rows<4>(xs, w, K, o); break;
      }
      for (int r = 0; r < R; ++r) y[(m0 + r) * ldy + n] = o[r];
    }
  }
}

// Converts W (rows x cols, stride ld) to a contiguous f32 scratch.
const float* widen_to_scratch(const MatRef& W) {
  static thread_local std::vector<float> scratch;
  const int64_t R = W.rows, C = W.cols;
  if ((int64_t)scratch.size() < R * C) scratch.resize(R * C);
  float* s = scratch.data();
#pragma omp parallel for schedule(static)
  for (int64_t r = 0; r < R; ++r) {
    const uint16_t* src = W.bf16_row(r);
    float* dst = s + r * C;
    int64_t c = 0;
    for (; c + 8 <= C; c += 8) _mm256_storeu_ps(dst + c, load8(src + c));
    for (; c < C; ++c) dst[c] = bf16_to_f32(src[c]);
  }
  return s;
}

}  // namespace

void gemm_xwt(const float* x, int64_t M, int64_t ldx, const MatRef& W, float* y, int64_t ldy) {
  if (M == 0 || W.rows == 0) return;
  if (M <= kSmallM) {
    if (W.dt == DType::BF16) gemv_small<uint16_t>(x, M, ldx, W, y, ldy);
    else gemv_small<float>(x, M, ldx, W, y, ldy);
    return;
  }
  const float* wf = (const float*)W.p;
  int64_t ldw = W.ld;
  if (W.dt == DType::BF16) {
    wf = widen_to_scratch(W);
    ldw = W.cols;
  }
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)M, (int)W.rows, (int)W.cols, 1.0f, x, (int)ldx, wf,
              (int)ldw, 0.0f, y, (int)ldy);
}

void gemm_xw(const float* x, int64_t M, int64_t ldx, const MatRef& W, float* y, int64_t ldy) {
  const int64_t J = W.rows, N = W.cols;
  if (M == 0 || N == 0) return;
  if (M > kSmallM) {
    const float* wf = (const float*)W.p;
    int64_t ldw = W.ld;
    if (W.dt == DType::BF16) {
      wf = widen_to_scratch(W);
      ldw = W.cols;
    }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)M, (int)N, (int)J, 1.0f, x, (int)ldx, wf, (int)ldw,
                0.0f, y, (int)ldy);
    return;
  }
  // y[m, :] = sum_j x[m, j] * W[j, :], in increasing j; columns split in blocks of 64.
  const int64_t nb = (N + 63) / 64;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t n0 = b * 64, n1 = std::min(N, n0 + 64);
    for (int64_t m = 0; m < M; ++m) {
      float* yr = y + m * ldy;
      std::memset(yr + n0, 0, (n1 - n0) * sizeof(float));
      const float* xr = x + m * ldx;
      for (int64_t j = 0; j < J; ++j) {
        const __m256 xv = _mm256_set1_ps(xr[j]);
        int64_t n = n0;
        if (W.dt == DType::BF16) {
          const uint16_t* w = W.bf16_row(j);
          for (; n + 8 <= n1; n += 8) _mm256_storeu_ps(yr + n, _mm256_fmadd_ps(xv, load8(w + n), _mm256_loadu_ps(yr + n)));
          for (; n < n1; ++n) yr[n] += xr[j] * bf16_to_f32(w[n]);
        } else {
          const float* w = W.f32_row(j);
          for (; n + 8 <= n1; n += 8) _mm256_storeu_ps(yr + n, _mm256_fmadd_ps(xv, load8(w + n), _mm256_loadu_ps(yr + n)));
          for (; n < n1; ++n) yr[n] += xr[j] * w[n];
        }
      }
    }
  }
}

}  // namespace r1
