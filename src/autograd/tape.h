// Reverse-mode autograd: a Var is a node holding a value tensor and (for nodes
// that need it) a gradient tensor of the same shape. Every op appends a
// closure to the Tape that, run in reverse order, turns the output's gradient
// into its inputs' gradients (accumulating with +=, so a Var used twice sums).
// Parameters are long-lived Vars whose grads persist across tapes, which is
// what gradient accumulation needs; the optimizer zeroes them.
#pragma once
#include <functional>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

#include "tensor/tensor.h"

namespace r1::ag {

struct Node {
  Tensor v;                    // value, F32 contiguous
  Tensor g;                    // gradient buffer, allocated on first use
  bool requires_grad = false;
  // A stale gradient reads as zero without its buffer being cleared: zero_grad()
  // (and the optimizer's fused clear) only marks it, and the next backward either
  // writes over the buffer (take_fresh_grad) or clears it on first accumulation
  // (grad()). Saves a write of every parameter per step and, where the weight
  // gradient's GEMM writes instead of accumulating, a read of it too.
  bool stale = false;
  float* val() { return v.f32(); }
  const float* val() const { return v.f32(); }
  // For accumulating backward kernels: zero-initialised on first use (zeroed in
  // parallel when huge; call it outside parallel regions the first time).
  float* grad() {
    if (!has_buffer()) alloc_grad();
    else if (stale) zero_buffer();
    return g.f32();
  }
  void alloc_grad();
  // For backward kernels that can write instead of accumulate: true when the
  // gradient holds nothing yet (never allocated, or stale); the caller must then
  // write every element of g (saves zeroing it and reading the zeros back).
  bool take_fresh_grad();
  // take_fresh_grad() as a GEMM's beta for g: 0 (write over) or 1 (accumulate).
  float take_grad_beta() { return take_fresh_grad() ? 0.0f : 1.0f; }
  // Takes t (numel() floats, holding values) as the gradient buffer.
  void adopt_grad(Tensor t) {
    g = std::move(t);
    stale = false;
  }
  // True when the gradient holds values (allocated and not stale).
  bool has_grad() const { return has_buffer() && !stale; }
  void zero_grad() { stale = has_buffer(); }
  int64_t numel() const { return v.numel(); }

 private:
  bool has_buffer() const { return g.defined() && g.numel() == v.numel(); }
  void zero_buffer();
};
using Var = std::shared_ptr<Node>;

Var make_var(Tensor v, bool requires_grad = false);
Var zeros(Shape s, bool requires_grad = false);

class Tape {
 public:
  // When false (inference, evaluation) ops record nothing and outputs never need grads.
  bool enabled = true;
  void push(std::function<void()> f) {
    if (enabled) fns_.push_back(std::move(f));
  }
  // Runs the recorded closures in reverse. seed is d(objective)/d(out) with
  // out's shape; nullptr means out is a scalar seeded with 1.
  void backward(const Var& out, const float* seed = nullptr);
  void clear() {
    fns_.clear();
    bf16_cache.clear();
  }
  size_t size() const { return fns_.size(); }
  // BF16-rounded copies of weights used under mixed precision (kernels.h).
  std::unordered_map<const Node*, std::pair<std::shared_ptr<Node>, Tensor>> bf16_cache;

 private:
  std::vector<std::function<void()>> fns_;
};

// True when any input needs a gradient and the tape records: the op's output
// then needs one too.
inline bool needs_grad(const Tape& t, std::initializer_list<const Var*> in) {
  if (!t.enabled) return false;
  for (auto* v : in)
    if (*v && (*v)->requires_grad) return true;
  return false;
}

}  // namespace r1::ag
