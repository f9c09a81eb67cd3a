#include "autograd/gradcheck.h"

#include <cmath>

#include "base/error.h"
#include "base/rng.h"

namespace r1::ag {

GradcheckResult gradcheck(const std::function<Var(Tape&)>& build, const std::vector<Var>& inputs, double eps,
                          int max_per_input, double floor, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> proj;
  auto objective = [&](bool with_grad) -> double {
    Tape t;
    t.enabled = with_grad;
    Var out = build(t);
    if (proj.empty()) {
      proj.resize(out->numel());
      for (auto& p : proj) p = (float)rng.normal();
    }
    R1_CHECK((int64_t)proj.size() == out->numel(), "gradcheck: output size changed");
    double L = 0;
    for (int64_t i = 0; i < out->numel(); ++i) L += (double)proj[i] * out->val()[i];
    if (with_grad) t.backward(out, proj.data());
    return L;
  };
  for (auto& in : inputs) in->zero_grad();
  objective(true);
  std::vector<Tensor> analytic;
  for (auto& in : inputs) analytic.push_back(in->has_grad() ? in->g.clone() : Tensor::empty(in->v.shape()));
  GradcheckResult res;
  for (size_t k = 0; k < inputs.size(); ++k) {
    Var in = inputs[k];
    const int64_t n = in->numel();
    std::vector<int64_t> which;
    if (n <= max_per_input) {
      for (int64_t i = 0; i < n; ++i) which.push_back(i);
    } else {
      for (int i = 0; i < max_per_input; ++i) which.push_back((int64_t)rng.below(n));
    }
    for (int64_t i : which) {
      float* x = in->val() + i;
      const float x0 = *x;
      *x = (float)(x0 + eps);
      double lp = objective(false);
      *x = (float)(x0 - eps);
      double lm = objective(false);
      *x = x0;
      double num = (lp - lm) / (2 * eps);
      double a = analytic[k].f32()[i];
      double d = std::fabs(a - num);
      res.max_abs = std::max(res.max_abs, d);
      res.max_rel = std::max(res.max_rel, d / std::max({std::fabs(a), std::fabs(num), floor}));
      ++res.checked;
    }
  }
  return res;
}

}  // namespace r1::ag
