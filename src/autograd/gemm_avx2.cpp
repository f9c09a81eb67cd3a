// A register-blocked AVX2 sgemm for the small products of training (routed
// experts with ~64 rows, attention blocks): OpenBLAS spends most of such a
// call packing and setting up. Micro-tile 6 rows x 16 columns = 12 ymm
// accumulators; per k: 2 loads of B, 6 broadcasts of A, 12 FMAs. Each C
// element is one FMA chain over k in order within each 256-wide k block, so
// its bits do not depend on where in C it sits.
#include <immintrin.h>

#include <algorithm>
#include <cstring>
#include <vector>

#include "autograd/kernels.h"

namespace r1::ag::kern {

namespace {

// Largest K taken (the packed operands grow with K).
constexpr int64_t kMaxK = 4096;

// C[0:R, 0:16] = alpha * sum_k A(r, k) B(k, :) + beta C, A(r, k) = A[r*sai + k*sak], B(k, :) = Bp + k*sbk.
// The accumulators are named variables, not an array: GCC spills arrays of __m256 every iteration.
template <int R>
inline void micro(int64_t K, const float* A, int64_t sai, int64_t sak, const float* Bp, int64_t sbk, float* C,
                  int64_t ldc, float alpha, float beta) {
  __m256 a0 = _mm256_setzero_ps(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0, a4 = a0, b4 = a0,
         a5 = a0, b5 = a0;
  // C's lines are usually cold (weight gradients, fresh outputs): fetch them while the k loop runs.
  for (int r = 0; r < R; ++r) {
    _mm_prefetch((const char*)(C + r * ldc), _MM_HINT_T0);
    _mm_prefetch((const char*)(C + r * ldc + 15), _MM_HINT_T0);
  }
  const float* a = A;
  const float* b = Bp;
  for (int64_t k = 0; k < K; ++k) {
    const __m256 x = _mm256_loadu_ps(b), y = _mm256_loadu_ps(b + 8);
    __m256 s;
#define R1_ROW(r)                                 \
  if constexpr (R > r) {                          \
    s = _mm256_broadcast_ss(a + r * sai);         \
    a##r = _mm256_fmadd_ps(s, x, a##r);           \
    b##r = _mm256_fmadd_ps(s, y, b##r);           \
  }
    R1_ROW(0) R1_ROW(1) R1_ROW(2) R1_ROW(3) R1_ROW(4) R1_ROW(5)
#undef R1_ROW
    a += sak;
    b += sbk;
  }
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  auto put = [&](float* o, __m256 lo, __m256 hi) {
    lo = _mm256_mul_ps(va, lo);
    hi = _mm256_mul_ps(va, hi);
    if (beta != 0.0f) {
      lo = _mm256_fmadd_ps(vb, _mm256_loadu_ps(o), lo);
      hi = _mm256_fmadd_ps(vb, _mm256_loadu_ps(o + 8), hi);
    }
    _mm256_storeu_ps(o, lo);
    _mm256_storeu_ps(o + 8, hi);
  };
  put(C, a0, b0);
  if constexpr (R > 1) put(C + ldc, a1, b1);
  if constexpr (R > 2) put(C + 2 * ldc, a2, b2);
  if constexpr (R > 3) put(C + 3 * ldc, a3, b3);
  if constexpr (R > 4) put(C + 4 * ldc, a4, b4);
  if constexpr (R > 5) put(C + 5 * ldc, a5, b5);
}

// dst[k*16 + j] = src[j*ld + k] for j < 16, k < K (a 16-row block of B[N, K] into k-major).
void pack_nt(const float* src, int64_t ld, int64_t K, float* dst) {
  int64_t k = 0;
  for (; k + 8 <= K; k += 8)
    for (int half = 0; half < 2; ++half) {
      const float* s = src + (int64_t)half * 8 * ld + k;
      __m256 r0 = _mm256_loadu_ps(s), r1 = _mm256_loadu_ps(s + ld), r2 = _mm256_loadu_ps(s + 2 * ld),
             r3 = _mm256_loadu_ps(s + 3 * ld), r4 = _mm256_loadu_ps(s + 4 * ld), r5 = _mm256_loadu_ps(s + 5 * ld),
             r6 = _mm256_loadu_ps(s + 6 * ld), r7 = _mm256_loadu_ps(s + 7 * ld);
      // 8x8 transpose: rows j -> rows k
      __m256 t0 = _mm256_unpacklo_ps(r0, r1), t1 = _mm256_unpackhi_ps(r0, r1), t2 = _mm256_unpacklo_ps(r2, r3),
             t3 = _mm256_unpackhi_ps(r2, r3), t4 = _mm256_unpacklo_ps(r4, r5), t5 = _mm256_unpackhi_ps(r4, r5),
             t6 = _mm256_unpacklo_ps(r6, r7), t7 = _mm256_unpackhi_ps(r6, r7);
      __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE),
             u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE),
             u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE),
             u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
      float* d = dst + k * 16 + half * 8;
      _mm256_storeu_ps(d + 0 * 16, _mm256_permute2f128_ps(u0, u4, 0x20));
      _mm256_storeu_ps(d + 1 * 16, _mm256_permute2f128_ps(u1, u5, 0x20));
      _mm256_storeu_ps(d + 2 * 16, _mm256_permute2f128_ps(u2, u6, 0x20));
      _mm256_storeu_ps(d + 3 * 16, _mm256_permute2f128_ps(u3, u7, 0x20));
      _mm256_storeu_ps(d + 4 * 16, _mm256_permute2f128_ps(u0, u4, 0x31));
      _mm256_storeu_ps(d + 5 * 16, _mm256_permute2f128_ps(u1, u5, 0x31));
      _mm256_storeu_ps(d + 6 * 16, _mm256_permute2f128_ps(u2, u6, 0x31));
      _mm256_storeu_ps(d + 7 * 16, _mm256_permute2f128_ps(u3, u7, 0x31));
    }
  for (; k < K; ++k)
    for (int j = 0; j < 16; ++j) dst[k * 16 + j] = src[j * ld + k];
}

}  // namespace

bool gemm_small_supported(int64_t M, int64_t N, int64_t K) { return N % 16 == 0 && K <= kMaxK && M > 0 && K > 0; }

static void gemm_block(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                       const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// K is cut into blocks of kKc so a 16-column B panel (kKc x 16) and an A block
// (6 x kKc) stay in L1 together; blocks after the first accumulate into C.
constexpr int64_t kKc = 256;

void gemm_small(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  for (int64_t k0 = 0; k0 < K; k0 += kKc) {
    const int64_t kc = std::min(kKc, K - k0);
    gemm_block(ta, tb, M, N, kc, alpha, ta ? A + k0 * lda : A + k0, lda, tb ? B + k0 : B + k0 * ldb, ldb,
               k0 == 0 ? beta : 1.0f, C, ldc);
  }
}

static void gemm_block(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                       const float* B, int64_t ldb, float beta, float* C, int64_t ldc) {
  // Both operands are packed contiguous first (rows 128 or 256 floats apart land
  // in a handful of L1 sets and evict each other on every k): B whole, as 16-column
  // panels [N/16][K][16]; A as 6-row blocks [K][6] when transposed. Then C is
  // walked row block by row block, left to right, which its prefetcher follows.
  static thread_local std::vector<float> bpack, apack;
  if ((int64_t)bpack.size() < N * K) bpack.resize(N * K);
  for (int64_t j0 = 0; j0 < N; j0 += 16) {
    float* panel = bpack.data() + j0 * K;
    if (tb) {  // B is [N, K]: the 16 rows k-major
      pack_nt(B + j0 * ldb, ldb, K, panel);
    } else {  // B is [K, N]: 16 columns of each row
      for (int64_t k = 0; k < K; ++k) {
        _mm256_storeu_ps(panel + k * 16, _mm256_loadu_ps(B + k * ldb + j0));
        _mm256_storeu_ps(panel + k * 16 + 8, _mm256_loadu_ps(B + k * ldb + j0 + 8));
      }
    }
  }
  const float* Ause = A;
  int64_t sai = lda, sak = 1, sblk = 6 * lda;  // A(i, k) = Ause[i*sai + k*sak]; 6-row blocks sblk apart
  if (ta) {  // A is [K, M]
    const int64_t nb = (M + 5) / 6;
    if ((int64_t)apack.size() < nb * 6 * K) apack.resize(nb * 6 * K);
    for (int64_t ib = 0; ib < nb; ++ib) {
      const int64_t i0 = ib * 6, R = std::min<int64_t>(6, M - i0);
      float* d = apack.data() + ib * 6 * K;
      if (R == 6) {  // 4 + 2 floats per k, no read past the block
        for (int64_t k = 0; k < K; ++k) {
          const float* src = A + k * lda + i0;
          _mm_storeu_ps(d + k * 6, _mm_loadu_ps(src));
          _mm_store_sd((double*)(d + k * 6 + 4), _mm_load_sd((const double*)(src + 4)));
        }
      } else {
        for (int64_t k = 0; k < K; ++k)
          for (int64_t r = 0; r < R; ++r) d[k * 6 + r] = A[k * lda + i0 + r];
      }
    }
    Ause = apack.data();
    sai = 1, sak = 6, sblk = 6 * K;
  }
  const float* Bp = bpack.data();
  for (int64_t i = 0; i < M; i += 6) {
    const float* Ai = Ause + (i / 6) * sblk;
    float* Ci = C + i * ldc;
    const int64_t R = std::min<int64_t>(6, M - i);
    for (int64_t j0 = 0; j0 < N; j0 += 16) {
      const float* P = Bp + j0 * K;
      switch (R) {
        case 6: micro<6>(K, Ai, sai, sak, P, 16, Ci + j0, ldc, alpha, beta); break;
        case 5: micro<5>(K, Ai, sai, sak, P, 16, Ci + j0, ldc, alpha, beta); break;
        case 4: micro<4>(K, Ai, sai, sak, P, 16, Ci + j0, ldc, alpha, beta); break;
        case 3: micro<3>(K, Ai, sai, sak, P, 16, Ci + j0, ldc, alpha, beta); break;
        case 2: micro<2>(K, Ai, sai, sak, P, 16, Ci + j0, ldc, alpha, beta); break;
        default: micro<1>(K, Ai, sai, sak, P, 16, Ci + j0, ldc, alpha, beta); break;
      }
    }
  }
}

}  // namespace r1::ag::kern
