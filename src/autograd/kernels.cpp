#include "autograd/kernels.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

#include "autograd/vec.h"
#include "base/error.h"

namespace r1::ag::kern {

Tensor uninit(Shape s) {
  const int64_t n = shape_numel(s);
  R1_CHECK(n >= 0, "autograd: bad shape ", shape_str(s));
  size_t bytes = ((size_t)n * sizeof(float) + 63) / 64 * 64;
  if (bytes == 0) bytes = 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return Tensor::view(p, std::move(s), DType::F32, std::shared_ptr<void>(p, [](void* q) { std::free(q); }));
}

// One thread: the AVX2 kernel where it beats OpenBLAS (measured on this CPU by
// bench_peak_flops' shapes: K and N up to 256, where OpenBLAS's packing and
// setup dominate), OpenBLAS otherwise.
static void gemm1(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                  const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  if (K <= 256 && N <= 256 && gemm_small_supported(M, N, K)) {
    gemm_small(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, (int)M, (int)N, (int)K,
              alpha, A, (int)lda, B, (int)ldb, beta, C, (int)ldc);
}

void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
          int64_t ldb, float beta, float* C, int64_t ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int64_t i = 0; i < M; ++i)
      for (int64_t j = 0; j < N; ++j) C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
    return;
  }
  const int nt = omp_in_parallel() ? 1 : omp_get_max_threads();
  // Below ~2^18 multiply-adds a split would not pay (OpenBLAS stays on one thread there too).
  if (nt <= 1 || (double)M * (double)N * (double)K < 262144.0) {
    gemm1(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    return;
  }
  // Split C's longer side into nt fixed slabs (multiples of 16), one single-threaded
  // product per thread: no synchronisation inside the product (OpenBLAS's own threading
  // shares packed panels between threads and stalls when a core is busy elsewhere).
  // gemm1 picks its kernel by the slab's shape, which can differ from the whole
  // product's: bits are reproducible for a given thread count.
  const bool split_m = M >= N;
  const int64_t D = split_m ? M : N, step = ((D + nt - 1) / nt + 15) / 16 * 16;
#pragma omp parallel num_threads(nt)
  {
    const int64_t lo = std::min(D, omp_get_thread_num() * step), hi = std::min(D, lo + step);
    if (hi > lo) {
      const float *a = A, *b = B;
      float* c = C;
      int64_t m = M, n = N;
      if (split_m) {
        a += ta ? lo : lo * lda;  // rows of op(A)
        c += lo * ldc;
        m = hi - lo;
      } else {
        b += tb ? lo * ldb : lo;  // columns of op(B)
        c += lo;
        n = hi - lo;
      }
      gemm1(ta, tb, m, n, K, alpha, a, lda, b, ldb, beta, c, ldc);
    }
  }
}

void round_bf16(float* dst, const float* src, int64_t n) {
  const int64_t blocks = (n + 4095) / 4096;
#pragma omp parallel for schedule(static) if (n > 65536 && !omp_in_parallel())
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t lo = b * 4096, hi = std::min(n, lo + 4096);
    int64_t i = lo;
    for (; i + 8 <= hi; i += 8) _mm256_storeu_ps(dst + i, vec::round_bf16_8(_mm256_loadu_ps(src + i)));
    for (; i < hi; ++i) dst[i] = bf16_to_f32(f32_to_bf16(src[i]));
  }
}

// Blocks of 4096 elements (a fixed split), 8 lanes at a time; the tail of the
// array goes through the same vector code on a padded copy.
template <class F8>
static void blocks8(int64_t n, F8&& f) {
  const int64_t nb = (n + 4095) / 4096;
#pragma omp parallel for schedule(static) if (n > 32768 && !omp_in_parallel())
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t lo = b * 4096, hi = std::min(n, lo + 4096);
    for (int64_t i = lo; i < hi; i += 8) f(i, std::min<int64_t>(8, hi - i));
  }
}

static inline __m256 load_n(const float* p, int64_t m) {
  if (m == 8) return _mm256_loadu_ps(p);
  alignas(32) float b[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::memcpy(b, p, m * sizeof(float));
  return _mm256_load_ps(b);
}
static inline void store_n(float* p, __m256 v, int64_t m) {
  if (m == 8) return _mm256_storeu_ps(p, v);
  alignas(32) float b[8];
  _mm256_store_ps(b, v);
  std::memcpy(p, b, m * sizeof(float));
}
static inline __m256 sigmoid8(__m256 g) {
  const __m256 one = _mm256_set1_ps(1.0f);
  return _mm256_div_ps(one, _mm256_add_ps(one, vec::exp8(_mm256_sub_ps(_mm256_setzero_ps(), g))));
}

// A = silu(G) * U over n values
void silu_mul_fwd(const float* G, const float* U, float* A, int64_t n) {
  blocks8(n, [&](int64_t i, int64_t m) {
    const __m256 g = load_n(G + i, m);
    store_n(A + i, _mm256_mul_ps(_mm256_mul_ps(g, sigmoid8(g)), load_n(U + i, m)), m);
  });
}
// dG = dA*U*s*(1 + G(1-s)) (written over dA), dU = dA*G*s,  s = sigmoid(G)
void silu_mul_bwd(const float* G, const float* U, float* dA, float* dU, int64_t n) {
  const __m256 one = _mm256_set1_ps(1.0f);
  blocks8(n, [&](int64_t i, int64_t m) {
    const __m256 g = load_n(G + i, m), u = load_n(U + i, m), d = load_n(dA + i, m), s = sigmoid8(g);
    const __m256 ds = _mm256_mul_ps(d, s);
    const __m256 dg = _mm256_mul_ps(_mm256_mul_ps(ds, u), _mm256_fmadd_ps(g, _mm256_sub_ps(one, s), one));
    store_n(dU + i, _mm256_mul_ps(ds, g), m);
    store_n(dA + i, dg, m);
  });
}

Tensor bf16_value(Tape& t, const Var& W) {
  auto it = t.bf16_cache.find(W.get());
  if (it != t.bf16_cache.end()) return it->second.second;
  Tensor r = uninit(W->v.shape());
  round_bf16(r.f32(), W->val(), W->numel());
  auto& e = t.bf16_cache[W.get()];
  e = {W, r};
  return r;
}

}  // namespace r1::ag::kern
