// Shared helper of the autograd tests: a Var filled from a seeded normal.
#pragma once
#include "autograd/tape.h"
#include "base/rng.h"

inline r1::ag::Var randn(r1::Shape s, uint64_t seed, float sd = 1.0f, bool rg = true) {
  r1::Rng r(seed);
  r1::ag::Var v = r1::ag::zeros(std::move(s), rg);
  for (int64_t i = 0; i < v->numel(); ++i) v->val()[i] = (float)(r.normal() * sd);
  return v;
}
