// Matrix products over f32 activations and F32 or BF16 weights (weights stay
// in their stored dtype; BF16 is widened exactly, all arithmetic is f32).
// Small M (decode): own AVX2 kernels, parallel over output rows, so every
// output element has one fixed summation order. Large M (prefill): OpenBLAS
// sgemm, with BF16 weights converted to an f32 scratch first.
#pragma once
#include <cstdint>

#include "tensor/tensor.h"

namespace r1 {

// A (sub)matrix of weights: rows x cols, row stride ld elements, dtype F32 or BF16.
struct MatRef {
  const void* p = nullptr;
  DType dt = DType::F32;
  int64_t rows = 0, cols = 0, ld = 0;

  static MatRef of(const Tensor& t);  // 2-D F32/BF16 tensor
  MatRef block(int64_t r0, int64_t nr) const;  // rows [r0, r0+nr)
  const float* f32_row(int64_t r) const { return (const float*)p + r * ld; }
  const uint16_t* bf16_row(int64_t r) const { return (const uint16_t*)p + r * ld; }
};

// y[m, n] = sum_k x[m, k] * W[n, k]   (x: M x W.cols, row stride ldx; y row stride ldy)
void gemm_xwt(const float* x, int64_t M, int64_t ldx, const MatRef& W, float* y, int64_t ldy);
// y[m, n] = sum_k x[m, k] * W[k, n]   (x: M x W.rows)
void gemm_xw(const float* x, int64_t M, int64_t ldx, const MatRef& W, float* y, int64_t ldy);

// Convenience: y [M, W.rows] = x [M, W.cols] · W^T, contiguous.
inline void linear(const float* x, int64_t M, const MatRef& W, float* y) { gemm_xwt(x, M, W.cols, W, y, W.rows); }

// Decode (one activation row). A task: y [W.rows] = W x. gemv_batch runs all
// tasks in one parallel region, their 4-row groups split statically over the
// threads; every output has the same value as linear(x, 1, W, y), whatever the
// thread count. The serial forms run on the calling thread (for use inside a
// parallel region) with the same values as linear() / gemm_xw with M = 1.
struct GemvTask {
  const float* x;
  MatRef W;
  float* y;
};
void gemv_batch(const GemvTask* tasks, int n_tasks);
void gemv_serial(const float* x, const MatRef& W, float* y);
// y [W.cols] = x [W.rows] . W
void gemv_xw_serial(const float* x, const MatRef& W, float* y);

// Rows at or below which the decode kernels are used instead of sgemm.
constexpr int64_t kSmallM = 8;

}  // namespace r1
