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

// BF16 rows, even/odd split: a 256-bit load holds 16 bf16; as 32-bit lanes,
// `v << 16` is elements 0,2,..,14 and `v & 0xffff0000` is 1,3,..,15, both
// exact f32. The activations are permuted the same way once per call, so the
// weights need no shuffles. Order per output: fixed by K only.
template <int R>
inline void dot_rows_bf16(const float* const* xs, const uint16_t* w, int64_t K16, float* out) {
  const __m256i hi_mask = _mm256_set1_epi32((int)0xffff0000u);
  __m256 a0[R], a1[R];
  for (int r = 0; r < R; ++r) a0[r] = a1[r] = _mm256_setzero_ps();
  for (int64_t k = 0; k < K16; k += 16) {
    __m256i v = _mm256_loadu_si256((const __m256i*)(w + k));
    __m256 we = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
    __m256 wo = _mm256_castsi256_ps(_mm256_and_si256(v, hi_mask));
    for (int r = 0; r < R; ++r) {
      a0[r] = _mm256_fmadd_ps(we, _mm256_loadu_ps(xs[r] + k), a0[r]);
      a1[r] = _mm256_fmadd_ps(wo, _mm256_loadu_ps(xs[r] + k + 8), a1[r]);
    }
  }
  for (int r = 0; r < R; ++r) out[r] = hsum(_mm256_add_ps(a0[r], a1[r]));
}

// Four weight rows (stride ld) against R activation rows: one accumulator per
// (weight row, activation row), reduced with a horizontal-add transpose.
template <int R>
inline void dot4_bf16(const float* const* xs, const uint16_t* w, int64_t ld, int64_t K16, float out[][4]) {
  const __m256i hi_mask = _mm256_set1_epi32((int)0xffff0000u);
  __m256 a[R][4];
  for (int r = 0; r < R; ++r)
    for (int i = 0; i < 4; ++i) a[r][i] = _mm256_setzero_ps();
  for (int64_t k = 0; k < K16; k += 16) {
    __m256 xe[R], xo[R];
    for (int r = 0; r < R; ++r) {
      xe[r] = _mm256_loadu_ps(xs[r] + k);
      xo[r] = _mm256_loadu_ps(xs[r] + k + 8);
    }
    for (int i = 0; i < 4; ++i) {
      __m256i v = _mm256_loadu_si256((const __m256i*)(w + i * ld + k));
      __m256 we = _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
      __m256 wo = _mm256_castsi256_ps(_mm256_and_si256(v, hi_mask));
      for (int r = 0; r < R; ++r) a[r][i] = _mm256_fmadd_ps(wo, xo[r], _mm256_fmadd_ps(we, xe[r], a[r][i]));
    }
  }
  for (int r = 0; r < R; ++r) {
    __m256 t0 = _mm256_hadd_ps(a[r][0], a[r][1]), t1 = _mm256_hadd_ps(a[r][2], a[r][3]);
    __m256 t = _mm256_hadd_ps(t0, t1);
    _mm_storeu_ps(out[r], _mm_add_ps(_mm256_castps256_ps128(t), _mm256_extractf128_ps(t, 1)));
  }
}

// --- One activation row (decode), the bandwidth-bound case ---------------
// One weight row at a time, so the weights are read as a single linear stream
// (measured on this machine, bench_gemv per CPU-second: about 0.75 of a plain
// streaming read, against 0.5-0.65 for four interleaved row streams with or
// without software prefetch, 0.55 for two); x stays in L1. Four accumulators per row, 128 bytes of
// weights per step. Each output's summation order depends on K only.
inline float gemv1_row(const float* x, const float* xp, const MatRef& W, int64_t n) {
  const int64_t K = W.cols;
  __m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
  float s;
  if (W.dt == DType::BF16) {
    // xp: x with each 16-block reordered [even | odd]; `v << 16` gives the
    // even bf16 of a 256-bit load as exact f32, `v & 0xffff0000` the odd ones.
    const __m256i hi = _mm256_set1_epi32((int)0xffff0000u);
    const uint16_t* w = W.bf16_row(n);
    const int64_t K64 = K / 64 * 64, K16 = K / 16 * 16;
    auto ev = [&](__m256i v) { return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16)); };
    auto od = [&](__m256i v) { return _mm256_castsi256_ps(_mm256_and_si256(v, hi)); };
    int64_t k = 0;
    for (; k < K64; k += 64) {
      const __m256i v0 = _mm256_loadu_si256((const __m256i*)(w + k));
      const __m256i v1 = _mm256_loadu_si256((const __m256i*)(w + k + 16));
      const __m256i v2 = _mm256_loadu_si256((const __m256i*)(w + k + 32));
      const __m256i v3 = _mm256_loadu_si256((const __m256i*)(w + k + 48));
      a0 = _mm256_fmadd_ps(ev(v0), _mm256_loadu_ps(xp + k), a0);
      a1 = _mm256_fmadd_ps(od(v0), _mm256_loadu_ps(xp + k + 8), a1);
      a2 = _mm256_fmadd_ps(ev(v1), _mm256_loadu_ps(xp + k + 16), a2);
      a3 = _mm256_fmadd_ps(od(v1), _mm256_loadu_ps(xp + k + 24), a3);
      a0 = _mm256_fmadd_ps(ev(v2), _mm256_loadu_ps(xp + k + 32), a0);
      a1 = _mm256_fmadd_ps(od(v2), _mm256_loadu_ps(xp + k + 40), a1);
      a2 = _mm256_fmadd_ps(ev(v3), _mm256_loadu_ps(xp + k + 48), a2);
      a3 = _mm256_fmadd_ps(od(v3), _mm256_loadu_ps(xp + k + 56), a3);
    }
    for (; k < K16; k += 16) {
      const __m256i v0 = _mm256_loadu_si256((const __m256i*)(w + k));
      a0 = _mm256_fmadd_ps(ev(v0), _mm256_loadu_ps(xp + k), a0);
      a1 = _mm256_fmadd_ps(od(v0), _mm256_loadu_ps(xp + k + 8), a1);
    }
    s = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
    for (; k < K; ++k) s += bf16_to_f32(w[k]) * x[k];
    return s;
  }
  const float* w = W.f32_row(n);
  const int64_t K32 = K / 32 * 32, K8 = K / 8 * 8;
  int64_t k = 0;
  for (; k < K32; k += 32) {
    a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + k), _mm256_loadu_ps(x + k), a0);
    a1 = _mm256_fmadd_ps(_mm256_loadu_ps(w + k + 8), _mm256_loadu_ps(x + k + 8), a1);
    a2 = _mm256_fmadd_ps(_mm256_loadu_ps(w + k + 16), _mm256_loadu_ps(x + k + 16), a2);
    a3 = _mm256_fmadd_ps(_mm256_loadu_ps(w + k + 24), _mm256_loadu_ps(x + k + 24), a3);
  }
  for (; k < K8; k += 8) a0 = _mm256_fmadd_ps(_mm256_loadu_ps(w + k), _mm256_loadu_ps(x + k), a0);
  s = hsum(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)));
  for (; k < K; ++k) s += w[k] * x[k];
  return s;
}

// xp for gemv1 over BF16: each full 16-block of x reordered [even | odd].
void permute_even_odd(const float* x, int64_t K, float* xp) {
  const int64_t K16 = K / 16 * 16;
  for (int64_t k = 0; k < K16; k += 16)
    for (int i = 0; i < 8; ++i) {
      xp[k + i] = x[k + 2 * i];
      xp[k + 8 + i] = x[k + 2 * i + 1];
    }
  for (int64_t k = K16; k < K; ++k) xp[k] = x[k];
}

// Rows [g0 * 4, min(g1 * 4, N)) of y = W x (threads split the rows in groups of 4).
void gemv1_groups(const float* x, const float* xp, const MatRef& W, int64_t g0, int64_t g1, float* y) {
  const int64_t n1 = std::min(W.rows, g1 * 4);
  for (int64_t n = g0 * 4; n < n1; ++n) y[n] = gemv1_row(x, xp, W, n);
}

void gemv_small_bf16(const float* x, int64_t M, int64_t ldx, const MatRef& W, float* y, int64_t ldy) {
  const int64_t N = W.rows, K = W.cols, K16 = K / 16 * 16;
  // xp[m]: x[m, :K16] with each 16-block reordered [even | odd]; the tail stays in x.
  static thread_local std::vector<float> xp;
  xp.resize(M * K16 + 8);
  for (int64_t m = 0; m < M; ++m)
    for (int64_t k = 0; k < K16; k += 16)
      for (int i = 0; i < 8; ++i) {
        xp[m * K16 + k + i] = x[m * ldx + k + 2 * i];
        xp[m * K16 + k + 8 + i] = x[m * ldx + k + 2 * i + 1];
      }
  const float* xpp = xp.data();
  if (M <= 2 && K16 == K && N % 4 == 0) {
    // Decode: four weight rows per step, one or two activation rows.
#pragma omp parallel for schedule(static)
    for (int64_t n = 0; n < N; n += 4) {
      const float* xs[2] = {xpp, xpp + (M > 1 ? K16 : 0)};
      float o[2][4];
      if (M == 1) dot4_bf16<1>(xs, W.bf16_row(n), W.ld, K16, o);
      else dot4_bf16<2>(xs, W.bf16_row(n), W.ld, K16, o);
      for (int64_t m = 0; m < M; ++m)
        for (int i = 0; i < 4; ++i) y[m * ldy + n + i] = o[m][i];
    }
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t n = 0; n < N; ++n) {
    const uint16_t* w = W.bf16_row(n);
    for (int64_t m0 = 0; m0 < M; m0 += 4) {
      const float* xs[4];
      float o[4];
      int R = (int)std::min<int64_t>(4, M - m0);
      for (int r = 0; r < R; ++r) xs[r] = xpp + (m0 + r) * K16;
      switch (R) {
        case 1: dot_rows_bf16<1>(xs, w, K16, o); break;
        case 2: dot_rows_bf16<2>(xs, w, K16, o); break;
        case 3: dot_rows_bf16<3>(xs, w, K16, o); break;
        default: dot_rows_bf16<4>(xs, w, K16, o); break;
      }
      for (int r = 0; r < R; ++r) {
        float s = o[r];
        for (int64_t k = K16; k < K; ++k) s += bf16_to_f32(w[k]) * x[(m0 + r) * ldx + k];
        y[(m0 + r) * ldy + n] = s;
      }
    }
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

// Columns [n0, n1) of y = x W for one row x (W: J x N): in increasing j,
// 64 columns in 8 accumulators.
void xw_block(const float* xr, const MatRef& W, int64_t n0, int64_t n1, float* yr) {
  const int64_t J = W.rows;
  if (n1 - n0 == 64) {
    __m256 acc[8];
    for (int c = 0; c < 8; ++c) acc[c] = _mm256_setzero_ps();
    for (int64_t j = 0; j < J; ++j) {
      const __m256 xv = _mm256_set1_ps(xr[j]);
      if (W.dt == DType::BF16) {
        const uint16_t* w = W.bf16_row(j) + n0;
        for (int c = 0; c < 8; ++c) acc[c] = _mm256_fmadd_ps(xv, load8(w + 8 * c), acc[c]);
      } else {
        const float* w = W.f32_row(j) + n0;
        for (int c = 0; c < 8; ++c) acc[c] = _mm256_fmadd_ps(xv, load8(w + 8 * c), acc[c]);
      }
    }
    for (int c = 0; c < 8; ++c) _mm256_storeu_ps(yr + n0 + 8 * c, acc[c]);
  } else {
    for (int64_t n = n0; n < n1; ++n) {
      float s = 0;
      for (int64_t j = 0; j < J; ++j) s += xr[j] * (W.dt == DType::BF16 ? bf16_to_f32(W.bf16_row(j)[n]) : W.f32_row(j)[n]);
      yr[n] = s;
    }
  }
}

}  // namespace

void gemm_xwt(const float* x, int64_t M, int64_t ldx, const MatRef& W, float* y, int64_t ldy) {
  if (M == 0 || W.rows == 0) return;
  if (M == 1) {
    GemvTask t{x, W, y};
    gemv_batch(&t, 1);
    return;
  }
  if (M <= kSmallM) {
    if (W.dt == DType::BF16) gemv_small_bf16(x, M, ldx, W, y, ldy);
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
  // y[m, :] = sum_j x[m, j] * W[j, :], in increasing j; columns in blocks of 64
  // held in 8 accumulators.
  const int64_t nb = (N + 63) / 64;
#pragma omp parallel for schedule(static)
  for (int64_t b = 0; b < nb; ++b)
    for (int64_t m = 0; m < M; ++m) xw_block(x + m * ldx, W, b * 64, std::min(N, b * 64 + 64), y + m * ldy);
}

void gemv_serial(const float* x, const MatRef& W, float* y) {
  const float* xp = x;
  if (W.dt == DType::BF16) {
    static thread_local std::vector<float> buf;
    buf.resize(W.cols + 8);
    permute_even_odd(x, W.cols, buf.data());
    xp = buf.data();
  }
  gemv1_groups(x, xp, W, 0, (W.rows + 3) / 4, y);
}

void gemv_xw_serial(const float* x, const MatRef& W, float* y) {
  for (int64_t n0 = 0; n0 < W.cols; n0 += 64) xw_block(x, W, n0, std::min(W.cols, n0 + 64), y);
}

void gemv_batch(const GemvTask* tasks, int n_tasks) {
  if (n_tasks <= 0) return;
  // Permuted activations for BF16 tasks (tasks sharing x share one copy).
  static thread_local std::vector<std::vector<float>> xps;
  if ((int)xps.size() < n_tasks) xps.resize(n_tasks);
  std::vector<const float*> xp(n_tasks);
  std::vector<int64_t> first(n_tasks + 1, 0);
  for (int t = 0; t < n_tasks; ++t) {
    const GemvTask& k = tasks[t];
    xp[t] = k.x;
    if (k.W.dt == DType::BF16) {
      int same = -1;
      for (int u = 0; u < t && same < 0; ++u)
        if (tasks[u].x == k.x && tasks[u].W.dt == DType::BF16 && tasks[u].W.cols == k.W.cols) same = u;
      if (same >= 0) {
        xp[t] = xp[same];
      } else {
        xps[t].resize(k.W.cols + 8);
        permute_even_odd(k.x, k.W.cols, xps[t].data());
        xp[t] = xps[t].data();
      }
    }
    first[t + 1] = first[t] + (k.W.rows + 3) / 4;
  }
  const int64_t G = first[n_tasks];
  // Each thread takes one contiguous range of the concatenated 4-row groups.
#pragma omp parallel
  {
    const int nth = omp_get_num_threads(), tid = omp_get_thread_num();
    const int64_t g0 = G * tid / nth, g1 = G * (tid + 1) / nth;
    for (int t = 0; t < n_tasks; ++t) {
      const int64_t a = std::max(g0, first[t]), b = std::min(g1, first[t + 1]);
      if (a < b) gemv1_groups(tasks[t].x, xp[t], tasks[t].W, a - first[t], b - first[t], tasks[t].y);
    }
  }
}

}  // namespace r1
