// SwiGLU MLP: down(silu(gate(x)) * up(x)). Dense layers, routed experts and
// the shared experts (one MLP of width n_shared_experts * moe_intermediate_size).
#pragma once
#include "model/weight.h"

namespace r1 {

struct Mlp {
  Weight gate_proj, up_proj, down_proj;  // [inter, hidden], [inter, hidden], [hidden, inter]
  Weight gate_up;  // [2 * inter, hidden]: gate rows then up rows, when copied (one GEMM instead of two)
  static Mlp load(const Checkpoint& ck, const std::string& prefix, int64_t hidden, int64_t inter);
  int64_t inter() const { return gate_proj.rows(); }
  // out[T, hidden] = MLP(x[T, hidden])
  void forward(const float* x, int64_t T, float* out) const;
};

}  // namespace r1
