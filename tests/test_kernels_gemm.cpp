// GEMM/GEMV kernels against a double-precision reference: F32 and BF16 weights,
// decode (M <= 8) and sgemm paths, sizes with tails, row-strided sub-blocks.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "base/rng.h"
#include "base/threads.h"
#include "kernels/cpu/gemm.h"
#include "kernels/cpu/ops.h"

using namespace r1;

namespace {

Tensor random_w(int64_t n, int64_t k, DType dt, Rng& rng) {
  Tensor t = Tensor::empty({n, k}, dt);
  for (int64_t i = 0; i < n * k; ++i) {
    float v = (float)rng.normal();
    if (dt == DType::BF16) t.data<uint16_t>()[i] = f32_to_bf16(v);
    else t.f32()[i] = v;
  }
  return t;
}

float wval(const Tensor& t, int64_t i) { return t.dtype() == DType::BF16 ? bf16_to_f32(t.data<uint16_t>()[i]) : t.f32()[i]; }

}  // namespace

TEST(KernelsGemm, XWtMatchesReference) {
  Rng rng(3);
  for (int threads : {1, 2})
    for (DType dt : {DType::F32, DType::BF16})
      for (int64_t M : {1, 2, 3, 5, 8, 9, 33})
        for (auto [N, K] : std::vector<std::pair<int64_t, int64_t>>{{4, 16}, {12, 64}, {7, 37}, {64, 200}}) {
          set_threads(threads);
          Tensor w = random_w(N, K, dt, rng);
          std::vector<float> x(M * K), y(M * N);
          for (auto& v : x) v = (float)rng.normal();
          linear(x.data(), M, MatRef::of(w), y.data());
          for (int64_t m = 0; m < M; ++m)
            for (int64_t n = 0; n < N; ++n) {
              double ref = 0;
              for (int64_t k = 0; k < K; ++k) ref += (double)x[m * K + k] * wval(w, n * K + k);
              ASSERT_NEAR(y[m * N + n], ref, 1e-4 * std::sqrt((double)K)) << dtype_name(dt) << " M=" << M << " N=" << N << " K=" << K;
            }
        }
}

TEST(KernelsGemm, XWAndBlocksMatchReference) {
  Rng rng(4);
  for (DType dt : {DType::F32, DType::BF16})
    for (int64_t M : {1, 4, 12})
      for (int64_t N : {64, 100}) {
        const int64_t J = 24;
        Tensor w = random_w(3 * J, N, dt, rng);
        MatRef blk = MatRef::of(w).block(J, J);  // rows J..2J-1
        std::vector<float> x(M * J), y(M * N);
        for (auto& v : x) v = (float)rng.normal();
        gemm_xw(x.data(), M, J, blk, y.data(), N);
        for (int64_t m = 0; m < M; ++m)
          for (int64_t n = 0; n < N; ++n) {
            double ref = 0;
            for (int64_t j = 0; j < J; ++j) ref += (double)x[m * J + j] * wval(w, (J + j) * N + n);
            ASSERT_NEAR(y[m * N + n], ref, 1e-4) << dtype_name(dt) << " M=" << M << " N=" << N;
          }
      }
}

TEST(KernelsGemm, SameThreadCountIsBitReproducible) {
  Rng rng(5);
  Tensor w = random_w(256, 320, DType::BF16, rng);
  std::vector<float> x(2 * 320), a(2 * 256), b(2 * 256);
  for (auto& v : x) v = (float)rng.normal();
  set_threads(2);
  linear(x.data(), 2, MatRef::of(w), a.data());
  linear(x.data(), 2, MatRef::of(w), b.data());
  EXPECT_EQ(0, std::memcmp(a.data(), b.data(), a.size() * 4));
}

TEST(KernelsOps, RmsNormSoftmaxRope) {
  std::vector<float> x = {1, 2, 3, 4}, w = {1, 1, 2, 0.5f}, y(4);
  rmsnorm(x.data(), w.data(), 4, 0.0f, y.data());
  const float r = 1.0f / std::sqrt(7.5f);
  EXPECT_NEAR(y[2], 3 * r * 2, 1e-6);
  std::vector<float> s = {1, 2, 3};
  softmax_inplace(s.data(), 3);
  EXPECT_NEAR(s[0] + s[1] + s[2], 1.0, 1e-6);
  EXPECT_NEAR(s[2] / s[1], std::exp(1.0), 1e-5);
  // Plain RoPE: pair i rotates by pos * theta^(-2i/d); the norm of each pair is kept.
  RopeTable t = RopeTable::make(4, 10000.0, false, 1, 4096, 32, 1, 1, 0);
  std::vector<float> cs(2), sn(2), v = {1, 0, 0, 1};
  t.angles(3, cs.data(), sn.data());
  rope_interleaved(v.data(), 4, cs.data(), sn.data());
  EXPECT_NEAR(v[0], std::cos(3.0), 1e-6);
  EXPECT_NEAR(v[1], std::sin(3.0), 1e-6);
  EXPECT_NEAR(v[2], -std::sin(0.03), 1e-6);
  EXPECT_NEAR(v[3], std::cos(0.03), 1e-6);
  // Real V3 YaRN (r = 64, L = 4096, factor 40, beta 32/1): low 10, high 23.
  RopeTable y3 = RopeTable::make(64, 10000.0, true, 40, 4096, 32, 1, 1, 1);
  EXPECT_DOUBLE_EQ(y3.inv_freq[10], std::pow(10000.0, -20.0 / 64));
  EXPECT_NEAR(y3.inv_freq[23], std::pow(10000.0, -46.0 / 64) / 40, 1e-15);
  const double ramp = (16.0 - 10) / 13;
  EXPECT_NEAR(y3.inv_freq[16], std::pow(10000.0, -32.0 / 64) * (ramp / 40 + 1 - ramp), 1e-15);
}

// Decode GEMV (one activation row): gemv_batch over several matrices, the
// serial forms and linear(M = 1) against a double reference, with row counts
// not a multiple of 4, K not a multiple of 32/16, and row-strided blocks; the
// values do not depend on the thread count or on how tasks are batched.
TEST(KernelsGemm, GemvBatchAndSerialMatchReference) {
  Rng rng(6);
  for (DType dt : {DType::F32, DType::BF16}) {
    std::vector<Tensor> ws;
    std::vector<MatRef> mats;
    for (auto [N, K] : std::vector<std::pair<int64_t, int64_t>>{{64, 256}, {13, 96}, {7, 40}, {40, 1024}, {5, 7}}) {
      ws.push_back(random_w(N + 3, K + 16, dt, rng));  // then a block: rows 2..N+1, cols 0..K-1 of a wider matrix
      MatRef m = MatRef::of(ws.back()).block(2, N);
      m.cols = K;
      mats.push_back(m);
    }
    std::vector<std::vector<float>> xs, ref;
    for (const MatRef& m : mats) {
      std::vector<float> x(m.cols), r(m.rows);
      for (auto& v : x) v = (float)rng.normal();
      for (int64_t n = 0; n < m.rows; ++n) {
        double s = 0;
        for (int64_t k = 0; k < m.cols; ++k) {
          const int64_t at = (n * m.ld + k);
          s += (double)x[k] * (dt == DType::BF16 ? bf16_to_f32(m.bf16_row(0)[at]) : m.f32_row(0)[at]);
        }
        r[n] = (float)s;
      }
      xs.push_back(x), ref.push_back(r);
    }
    std::vector<std::vector<float>> first;
    for (int threads : {1, 2}) {
      set_threads(threads);
      std::vector<std::vector<float>> ys(mats.size());
      std::vector<GemvTask> tk;
      for (size_t i = 0; i < mats.size(); ++i) {
        ys[i].assign(mats[i].rows, 0.0f);
        tk.push_back({xs[i].data(), mats[i], ys[i].data()});
      }
      gemv_batch(tk.data(), (int)tk.size());
      for (size_t i = 0; i < mats.size(); ++i) {
        for (int64_t n = 0; n < mats[i].rows; ++n)
          ASSERT_NEAR(ys[i][n], ref[i][n], 1e-4 * std::sqrt((double)mats[i].cols)) << dtype_name(dt) << " task " << i << " row " << n;
        std::vector<float> a(mats[i].rows), b(mats[i].rows);
        gemv_serial(xs[i].data(), mats[i], a.data());
        linear(xs[i].data(), 1, mats[i], b.data());
        EXPECT_EQ(0, std::memcmp(a.data(), ys[i].data(), a.size() * 4)) << "serial, task " << i;
        EXPECT_EQ(0, std::memcmp(b.data(), ys[i].data(), b.size() * 4)) << "linear, task " << i;
      }
      if (first.empty()) first = ys;
      else
        for (size_t i = 0; i < mats.size(); ++i) EXPECT_EQ(0, std::memcmp(first[i].data(), ys[i].data(), ys[i].size() * 4));
    }
    // gemv_xw_serial: y = x . W (W: J x N), equal to gemm_xw with M = 1.
    for (auto [J, N] : std::vector<std::pair<int64_t, int64_t>>{{128, 256}, {9, 70}}) {
      Tensor w = random_w(J, N, dt, rng);
      std::vector<float> x(J), a(N), b(N);
      for (auto& v : x) v = (float)rng.normal();
      gemv_xw_serial(x.data(), MatRef::of(w), a.data());
      gemm_xw(x.data(), 1, J, MatRef::of(w), b.data(), N);
      EXPECT_EQ(0, std::memcmp(a.data(), b.data(), N * 4));
      for (int64_t n = 0; n < N; ++n) {
        double s = 0;
        for (int64_t j = 0; j < J; ++j) s += (double)x[j] * wval(w, j * N + n);
        ASSERT_NEAR(a[n], s, 1e-4 * std::sqrt((double)J));
      }
    }
  }
}
