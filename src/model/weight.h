// A loaded matrix: the tensor (keeps the mmap or copy alive) and its MatRef.
#pragma once
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <new>
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

// Both loaders' policy: copies when the checkpoint takes under half of
// MemAvailable, unless R1_MMAP_WEIGHTS is set (keep zero-copy mmap views).
void choose_weight_placement(const Checkpoint& ck);

// An uninitialised tensor in memory advised for transparent huge pages. Small
// tensors are packed (64-byte aligned) into shared 64 MiB chunks so that a
// 512 KiB expert matrix does not occupy a whole 2 MiB page.
inline Tensor alloc_hugepages(const Shape& shape, DType dt) {
  constexpr size_t kHuge = 2u << 20, kChunk = 64u << 20;
  const size_t bytes = (size_t)shape_numel(shape) * dtype_size(dt);
  auto fresh = [](size_t n) {
    n = (n + kHuge - 1) / kHuge * kHuge;
    void* p = std::aligned_alloc(kHuge, n ? n : kHuge);
    if (!p) throw std::bad_alloc();
    madvise(p, n, MADV_HUGEPAGE);
    return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  };
  if (bytes > kChunk / 4) {
    auto mem = fresh(bytes);
    return Tensor::view(mem.get(), shape, dt, mem);
  }
  static std::shared_ptr<void> chunk;
  static size_t used = kChunk;
  const size_t need = (bytes + 63) / 64 * 64;
  if (!chunk || used + need > kChunk) {
    chunk = fresh(kChunk);
    used = 0;
  }
  void* p = (char*)chunk.get() + used;
  used += need;
  return Tensor::view(p, shape, dt, chunk);
}

// A copy of t in huge pages.
inline Tensor copy_hugepages(const Tensor& t) {
  Tensor c = alloc_hugepages(t.shape(), t.dtype());
  std::memcpy(c.raw(), t.raw(), t.nbytes());
  return c;
}

struct Weight {
  Tensor t;
  MatRef m;
  int64_t rows() const { return m.rows; }
  int64_t cols() const { return m.cols; }
  static Weight load(const Checkpoint& ck, const std::string& name, int64_t rows, int64_t cols) {
    Weight w;
    w.t = ck.weight(name, {rows, cols});
    if (weights_in_hugepages()) {
      w.t = copy_hugepages(w.t);
      ck.drop_resident(name);
    }
    w.m = MatRef::of(w.t);
    return w;
  }
};

// A 1-D float32 vector (norm weights, biases), any stored float dtype.
inline Tensor load_vec(const Checkpoint& ck, const std::string& name, int64_t n) { return ck.f32(name, {n}); }

}  // namespace r1
