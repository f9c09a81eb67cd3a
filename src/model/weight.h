// A loaded matrix: the tensor (keeps the mmap or copy alive) and its MatRef.
#pragma once
#include <string>

#include "formats/safetensors.h"
#include "kernels/cpu/gemm.h"

namespace r1 {

struct Weight {
  Tensor t;
  MatRef m;
  int64_t rows() const { return m.rows; }
  int64_t cols() const { return m.cols; }
  static Weight load(const Checkpoint& ck, const std::string& name, int64_t rows, int64_t cols) {
    Weight w;
    w.t = ck.weight(name, {rows, cols});
    w.m = MatRef::of(w.t);
    return w;
  }
};

// A 1-D float32 vector (norm weights, biases), any stored float dtype.
inline Tensor load_vec(const Checkpoint& ck, const std::string& name, int64_t n) { return ck.f32(name, {n}); }

}  // namespace r1
