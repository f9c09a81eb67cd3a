// Supervised fine-tuning (cold start, rejection-sampling SFT, distillation)
// and pretraining of a Policy: next-token loss on masked tokens only (the
// assistant turn for chat data; every token for pretraining), with packing
// that keeps samples from attending to each other (one segment per sample).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "base/rng.h"
#include "rl/policy.h"

namespace r1::rl {

struct SftSample {
  std::vector<int> tokens;
  std::vector<uint8_t> loss_mask;  // 1: the token is predicted and trained on
};

// First-fit packing in order into rows of at most row_len tokens; sample i of a
// row gets segment id i+1. A sample longer than row_len gets a row of its own.
TokenRows pack(const std::vector<const SftSample*>& samples, int row_len);

struct SftConfig {
  int steps = 100;
  int batch = 32;          // samples per step
  int row_len = 256;       // packing row length
  int warmup = 10;
  float min_lr_frac = 0.1f;  // cosine decay to this fraction of the peak
  // Pretraining: use the policy's own LM objective (Policy::backward_lm, e.g.
  // V3 next-token + MTP losses on every token) when it has one.
  bool lm_objective = false;
  OptimConfig opt;
};

struct SftLog {
  std::vector<double> step, loss;
  double tokens = 0, wall_s = 0;
};

// Learning rate at a step: linear warm-up then cosine decay.
float lr_at(int step, int total, int warmup, float peak, float min_frac);

// Mean masked negative log-likelihood of a batch (no update).
double sft_loss(Policy& p, const TokenRows& rows);

// on_step(step, loss) is called after every update (progress display).
SftLog sft_train(Policy& p, const std::vector<SftSample>& data, const SftConfig& cfg, uint64_t seed,
                 const std::function<void(int, double)>& on_step = {});

}  // namespace r1::rl
