// The autograd sgemm wrapper (kern::gemm) against a double-precision
// reference: every transpose combination, strided operands, beta 0 / 1, sizes
// that split over threads in uneven slabs (M-split and N-split), and the
// same bits on a rerun at a fixed thread count; then the AVX2 small-product kernel.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "autograd/kernels.h"
#include "base/rng.h"
#include "base/threads.h"

using namespace r1;

TEST(AutogradGemm, SplitMatchesDoubleReference) {
  Rng rng(11);
  struct Case {
    int64_t M, N, K;
  };
  // products above the split threshold (2^18), slabs not multiples of 16, both split sides
  const std::vector<Case> cases = {{77, 300, 64}, {300, 77, 64}, {130, 130, 33}, {512, 96, 256}, {40, 1000, 20}};
  for (int threads : {1, 2, 3})
    for (const auto& c : cases)
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb)
          for (float beta : {0.0f, 1.0f}) {
            set_threads(threads);
            const int64_t lda = (ta ? c.M : c.K) + 3, ldb = (tb ? c.K : c.N) + 5, ldc = c.N + 2;
            const int64_t arows = ta ? c.K : c.M, brows = tb ? c.N : c.K;
            std::vector<float> A(arows * lda), B(brows * ldb), C(c.M * ldc);
            for (auto& v : A) v = (float)rng.normal();
            for (auto& v : B) v = (float)rng.normal();
            for (auto& v : C) v = (float)rng.normal();
            const std::vector<float> C0 = C;
            const float alpha = 0.75f;
            ag::kern::gemm(ta, tb, c.M, c.N, c.K, alpha, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
            for (int64_t i = 0; i < c.M; ++i)
              for (int64_t j = 0; j < ldc; ++j) {
                if (j >= c.N) {  // padding between rows is never written
                  ASSERT_EQ(C[i * ldc + j], C0[i * ldc + j]);
                  continue;
                }
                double ref = 0;
                for (int64_t k = 0; k < c.K; ++k) {
                  const double a = ta ? A[k * lda + i] : A[i * lda + k];
                  const double b = tb ? B[j * ldb + k] : B[k * ldb + j];
                  ref += a * b;
                }
                ref = alpha * ref + beta * C0[i * ldc + j];
                ASSERT_NEAR(C[i * ldc + j], ref, 1e-4 * std::sqrt((double)c.K) + 1e-5 * std::fabs(ref))
                    << "threads " << threads << " M=" << c.M << " N=" << c.N << " K=" << c.K << " ta=" << ta
                    << " tb=" << tb << " beta=" << beta << " at " << i << "," << j;
              }
            // bit-reproducible at a fixed thread count
            std::vector<float> C2 = C0;
            ag::kern::gemm(ta, tb, c.M, c.N, c.K, alpha, A.data(), lda, B.data(), ldb, beta, C2.data(), ldc);
            std::vector<float> C3 = C0;
            ag::kern::gemm(ta, tb, c.M, c.N, c.K, alpha, A.data(), lda, B.data(), ldb, beta, C3.data(), ldc);
            ASSERT_EQ(C2, C3);
          }
  set_threads(1);
}

// The AVX2 small-product kernel on its own: every row tail of the 6-row tile
// (M = 1..13), several 16-column panels, K with and without a multiple of 8, K over one 256 block
// (the packing's 8x8 transpose and its scalar tail), all transposes, beta 0 / 1.
TEST(AutogradGemm, SmallKernelMatchesDoubleReference) {
  Rng rng(12);
  for (int64_t M = 1; M <= 13; ++M)
    for (int64_t N : {16, 48})
      for (int64_t K : {1, 7, 8, 29, 64, 300})
        for (int ta = 0; ta < 2; ++ta)
          for (int tb = 0; tb < 2; ++tb)
            for (float beta : {0.0f, 1.0f}) {
              ASSERT_TRUE(ag::kern::gemm_small_supported(M, N, K));
              const int64_t lda = (ta ? M : K) + 1, ldb = (tb ? K : N) + 3, ldc = N + 4;
              std::vector<float> A((ta ? K : M) * lda), B((tb ? N : K) * ldb), C(M * ldc);
              for (auto& v : A) v = (float)rng.normal();
              for (auto& v : B) v = (float)rng.normal();
              for (auto& v : C) v = (float)rng.normal();
              const std::vector<float> C0 = C;
              ag::kern::gemm_small(ta, tb, M, N, K, -1.5f, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
              for (int64_t i = 0; i < M; ++i)
                for (int64_t j = 0; j < ldc; ++j) {
                  if (j >= N) {
                    ASSERT_EQ(C[i * ldc + j], C0[i * ldc + j]);
                    continue;
                  }
                  double ref = 0;
                  for (int64_t k = 0; k < K; ++k)
                    ref += (double)(ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
                  ref = -1.5 * ref + beta * C0[i * ldc + j];
                  ASSERT_NEAR(C[i * ldc + j], ref, 1e-5 * (std::sqrt((double)K) + std::fabs(ref)))
                      << "M=" << M << " N=" << N << " K=" << K << " ta=" << ta << " tb=" << tb << " beta=" << beta;
                }
            }
  EXPECT_FALSE(ag::kern::gemm_small_supported(4, 24, 8));  // N not a multiple of 16
}
