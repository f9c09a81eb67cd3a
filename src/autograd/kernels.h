// Shared pieces of the autograd kernels (not a public API): uninitialised
// buffers, the sgemm wrapper, BF16 rounding of GEMM operands and the
// per-tape cache of BF16-rounded weights.
#pragma once
#include <cblas.h>

#include "autograd/tape.h"

namespace r1::ag::kern {

// An F32 tensor whose contents are garbage: for outputs that are fully written.
Tensor uninit(Shape s);

// C[M,N] = alpha op(A) op(B) + beta C, row-major (the AVX2 kernel below or OpenBLAS,
// by shape; beta 0 writes C without reading it). Empty shapes are no-ops
// (beta is still applied when K == 0 so callers can rely on C being written).
// Outside a parallel region a large product is split over the threads in fixed
// slabs of C, each a single-threaded sgemm; inside one it runs on the calling thread.
void gemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda, const float* B,
          int64_t ldb, float beta, float* C, int64_t ldc);

// The same product by a register-blocked AVX2 kernel on the calling thread
// (gemm_avx2.cpp), for shapes gemm_small_supported() accepts (N % 16 == 0).
bool gemm_small_supported(int64_t M, int64_t N, int64_t K);
void gemm_small(bool ta, bool tb, int64_t M, int64_t N, int64_t K, float alpha, const float* A, int64_t lda,
                const float* B, int64_t ldb, float beta, float* C, int64_t ldc);

// dst = bf16(src) as f32 (dst may equal src); parallel over n when large and not nested.
void round_bf16(float* dst, const float* src, int64_t n);

// A = silu(G) * U over n values (AVX2; parallel when large and not nested).
void silu_mul_fwd(const float* G, const float* U, float* A, int64_t n);
// With s = sigmoid(G): dG = dA*U*s*(1 + G(1-s)) written over dA, dU = dA*G*s.
void silu_mul_bwd(const float* G, const float* U, float* dA, float* dU, int64_t n);

// W's value rounded to BF16, computed once per tape (the weights do not
// change while a tape lives; the cache keeps W alive so its address is not reused).
Tensor bf16_value(Tape& t, const Var& W);

}  // namespace r1::ag::kern
