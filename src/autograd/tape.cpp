#include "autograd/tape.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "autograd/kernels.h"
#include "base/error.h"

namespace r1::ag {

void Node::zero_buffer() {
  stale = false;
  float* p = g.f32();
  const int64_t n = g.numel(), blocks = (n + 16383) / 16384;
  // Only huge buffers (the logits' gradient): every parallel region is a sync point, which
  // costs a scheduler time slice when the cores are shared and threads spin (OMP_WAIT_POLICY=active).
#pragma omp parallel for schedule(static) if (n > (1 << 20) && !omp_in_parallel())
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t lo = b * 16384;
    std::memset(p + lo, 0, (size_t)(std::min(n, lo + 16384) - lo) * sizeof(float));
  }
}

void Node::alloc_grad() {
  g = kern::uninit(v.shape());
  zero_buffer();
}

bool Node::take_fresh_grad() {
  if (has_grad()) return false;
  if (!has_buffer()) g = kern::uninit(v.shape());
  stale = false;
  return true;
}

Var make_var(Tensor v, bool requires_grad) {
  auto n = std::make_shared<Node>();
  n->v = std::move(v);
  n->requires_grad = requires_grad;
  return n;
}

Var zeros(Shape s, bool requires_grad) { return make_var(Tensor::empty(std::move(s)), requires_grad); }

void Tape::backward(const Var& out, const float* seed) {
  R1_CHECK(out, "autograd: backward on a null Var");
  float* g = out->grad();
  if (seed) {
    const int64_t n = out->numel();
    for (int64_t i = 0; i < n; ++i) g[i] += seed[i];
  } else {
    R1_CHECK(out->numel() == 1, "autograd: backward without a seed needs a scalar, got ", shape_str(out->v.shape()));
    g[0] += 1.0f;
  }
  for (size_t i = fns_.size(); i-- > 0;) fns_[i]();
  fns_.clear();
  bf16_cache.clear();
}

}  // namespace r1::ag
