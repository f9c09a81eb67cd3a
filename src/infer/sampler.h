// Next-token sampling, deterministic for a given seed:
// repetition penalty (HF: l/p if l > 0 else l*p, over prompt + generated ids),
// then temperature (<= 0: greedy argmax), top-k, top-p (smallest prefix with
// mass >= p), min-p (keep p_i >= min_p * p_max), renormalise, draw.
#pragma once
#include <cstdint>
#include <vector>

#include "base/rng.h"

namespace r1 {

struct SamplingParams {
  float temperature = 0.0f;  // 0: greedy
  int64_t top_k = 0;         // 0: off
  float top_p = 1.0f;        // 1: off
  float min_p = 0.0f;        // 0: off
  float repetition_penalty = 1.0f;
  uint64_t seed = 0;
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& p = {}) : p_(p), rng_(p.seed) {}
  // history: ids the repetition penalty applies to (may be empty).
  int32_t sample(const float* logits, int64_t vocab, const std::vector<int32_t>& history);
  const SamplingParams& params() const { return p_; }
  Rng& rng() { return rng_; }

 private:
  SamplingParams p_;
  Rng rng_;
  std::vector<float> buf_;
  std::vector<int32_t> idx_;
};

}  // namespace r1
