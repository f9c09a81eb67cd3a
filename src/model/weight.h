// A loaded matrix: the tensor (keeps the mmap or copy alive) and its MatRef.
#pragma once
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "formats/safetensors.h"
#include "kernels/cpu/gemm.h"

namespace r1 {

// Where matrices live: zero-copy views of the mmap'd checkpoint (4 KiB pages),
// or copies in 2 MiB transparent huge pages, which cut TLB misses when decode
// streams the weights (about 25% faster decode on the bench model). The
// Transformer loader picks copies when the checkpoint fits comfortably in RAM.
inline bool& weights_in_hugepages() {
  static bool v = false;
  return v;
}

// A copy of t in 2 MiB-aligned memory advised for transparent huge pages.
inline Tensor copy_hugepages(const Tensor& t) {
  size_t n = (t.nbytes() + (2u << 20) - 1) / (2u << 20) * (2u << 20);
  void* p = std::aligned_alloc(2u << 20, n);
  madvise(p, n, MADV_HUGEPAGE);
  std::memcpy(p, t.raw(), t.nbytes());
  return Tensor::view(p, t.shape(), t.dtype(), std::shared_ptr<void>(p, [](void* q) { std::free(q); }));
}

struct Weight {
  Tensor t;
  MatRef m;
  int64_t rows() const { return m.rows; }
  int64_t cols() const { return m.cols; }
  static Weight load(const Checkpoint& ck, const std::string& name, int64_t rows, int64_t cols) {
    Weight w;
    w.t = ck.weight(name, {rows, cols});
    if (weights_in_hugepages()) w.t = copy_hugepages(w.t);
    w.m = MatRef::of(w.t);
    return w;
  }
};

// A 1-D float32 vector (norm weights, biases), any stored float dtype.
inline Tensor load_vec(const Checkpoint& ck, const std::string& name, int64_t n) { return ck.f32(name, {n}); }

}  // namespace r1
