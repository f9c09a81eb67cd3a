#include "model/mlp.h"

#include <cstring>
#include <vector>

#include "kernels/cpu/ops.h"

namespace r1 {

Mlp Mlp::load(const Checkpoint& ck, const std::string& p, int64_t hidden, int64_t inter) {
  Mlp m;
  if (weights_in_hugepages()) {
    // Weights are being copied anyway: lay gate and up out as one [2I, D]
    // matrix, copied once straight from the file views (a copy of each first
    // would stay allocated in the packed huge-page chunk).
    Tensor g = ck.weight(p + "gate_proj.weight", {inter, hidden}), u = ck.weight(p + "up_proj.weight", {inter, hidden});
    if (g.dtype() == u.dtype()) {
      const size_t half = g.nbytes();
      m.gate_up.t = alloc_hugepages({2 * inter, hidden}, g.dtype());
      std::memcpy(m.gate_up.t.raw(), g.raw(), half);
      std::memcpy((char*)m.gate_up.t.raw() + half, u.raw(), half);
      ck.drop_resident(p + "gate_proj.weight");
      ck.drop_resident(p + "up_proj.weight");
      m.gate_up.m = MatRef::of(m.gate_up.t);
      m.gate_proj.m = m.gate_up.m.block(0, inter);
      m.up_proj.m = m.gate_up.m.block(inter, inter);
      m.gate_proj.t = m.up_proj.t = m.gate_up.t;
      m.down_proj = Weight::load(ck, p + "down_proj.weight", hidden, inter);
      return m;
    }
  }
  m.gate_proj = Weight::load(ck, p + "gate_proj.weight", inter, hidden);
  m.up_proj = Weight::load(ck, p + "up_proj.weight", inter, hidden);
  m.down_proj = Weight::load(ck, p + "down_proj.weight", hidden, inter);
  return m;
}

void Mlp::forward(const float* x, int64_t T, float* out) const {
  const int64_t I = inter();
  std::vector<float> g(T * I);
  if (gate_up.t.defined() && gate_up.m.p) {
    std::vector<float> gu(T * 2 * I);
    linear(x, T, gate_up.m, gu.data());
    for (int64_t t = 0; t < T; ++t) silu_mul(&gu[t * 2 * I], &gu[t * 2 * I + I], I, &g[t * I]);
  } else {
    std::vector<float> u(T * I);
    linear(x, T, gate_proj.m, g.data());
    linear(x, T, up_proj.m, u.data());
    silu_mul(g.data(), u.data(), T * I, g.data());
  }
  linear(g.data(), T, down_proj.m, out);
}

}  // namespace r1
