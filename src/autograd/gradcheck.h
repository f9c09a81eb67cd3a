// Finite-difference gradient check. The output of build() is projected onto
// fixed random weights (L = sum_i r_i out_i), its analytic gradient taken with
// the tape, and compared per element with the central difference
// (L(x+eps) - L(x-eps)) / 2eps on a random subset of each input's elements.
#pragma once
#include <functional>
#include <vector>

#include "autograd/tape.h"

namespace r1::ag {

struct GradcheckResult {
  double max_rel = 0;   // max |a - n| / max(|a|, |n|, floor)
  double max_abs = 0;
  int64_t checked = 0;
};

GradcheckResult gradcheck(const std::function<Var(Tape&)>& build, const std::vector<Var>& inputs, double eps = 1e-3,
                          int max_per_input = 48, double floor = 1e-2, uint64_t seed = 1);

}  // namespace r1::ag
