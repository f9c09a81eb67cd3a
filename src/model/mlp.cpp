#include "model/mlp.h"

#include <vector>

#include "kernels/cpu/ops.h"

namespace r1 {

Mlp Mlp::load(const Checkpoint& ck, const std::string& p, int64_t hidden, int64_t inter) {
  Mlp m;
  m.gate_proj = Weight::load(ck, p + "gate_proj.weight", inter, hidden);
  m.up_proj = Weight::load(ck, p + "up_proj.weight", inter, hidden);
  m.down_proj = Weight::load(ck, p + "down_proj.weight", hidden, inter);
  return m;
}

void Mlp::forward(const float* x, int64_t T, float* out) const {
  const int64_t I = inter();
  std::vector<float> g(T * I), u(T * I);
  linear(x, T, gate_proj.m, g.data());
  linear(x, T, up_proj.m, u.data());
  silu_mul(g.data(), u.data(), T * I, g.data());
  linear(g.data(), T, down_proj.m, out);
}

}  // namespace r1
