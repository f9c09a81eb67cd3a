// The policy interface the RL loops are written against. Any causal LM that
// can (1) return per-token log-probabilities of given sequences, (2) backprop
// a per-token weight on them into its parameters, (3) take an optimizer step
// and (4) sample continuations in batches, can be trained by SFT, GRPO,
// rejection sampling and distillation here. rl/window_lm.h is the built-in
// implementation; a DeepSeek-V3 model from train/ + infer/ plugs in through a
// thin adapter implementing the same calls.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "base/rng.h"

namespace r1::rl {

// Rows of tokens. segment[r][t] > 0 names the sample a token belongs to
// (packing: tokens attend only within their own segment, positions restart at
// each segment); 0 is padding. want[r][t] = 1 asks for log p(tokens[r][t] |
// earlier tokens of its segment); the first token of a segment is never scored.
struct TokenRows {
  std::vector<std::vector<int>> tokens, segment;
  std::vector<std::vector<uint8_t>> want;
  int64_t scored() const;  // number of wanted positions
};

struct OptimConfig {
  float lr = 1e-3f, beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f, weight_decay = 0.0f, clip_norm = 1.0f;
};

struct GenConfig {
  int max_new = 64;
  float temperature = 1.0f;  // 0: greedy
  float top_p = 1.0f;
  std::vector<int> stop;     // generation ends after emitting any of these
};

class Policy {
 public:
  virtual ~Policy() = default;
  virtual std::string kind() const = 0;
  virtual int vocab_size() const = 0;
  virtual int64_t param_count() const = 0;
  // logp/ent get the shape of rows.tokens; unwanted positions hold 0.
  virtual void logprobs(const TokenRows& rows, std::vector<std::vector<float>>* logp,
                        std::vector<std::vector<float>>* entropy) = 0;
  // Accumulate into the gradients d/dtheta of sum_{r,t} dlogp[r][t] * logp[r][t].
  // logp_out (optional): the log-probs of the positions with non-zero dlogp, as
  // computed on the way (saves SFT a second forward pass).
  virtual void backward(const TokenRows& rows, const std::vector<std::vector<float>>& dlogp,
                        std::vector<std::vector<float>>* logp_out = nullptr) = 0;
  // One pass for losses whose per-token weights depend on the current
  // log-probs (GRPO's ratio and KL): seeds(r, logp_r, dlogp_r) fills row r's
  // weights (dlogp_r arrives zeroed, row-sized) from its log-probs, then the
  // gradients of sum dlogp * logp are accumulated as by backward(). Each row
  // is seeded exactly once, in row order. entropy (optional) is filled as by
  // logprobs(). The default runs logprobs() then backward(); V3Policy seeds
  // from its taped forward, saving a forward pass.
  using SeedFn = std::function<void(size_t row, const std::vector<float>& logp, std::vector<float>& dlogp)>;
  virtual void backward_from_logprobs(const TokenRows& rows, const SeedFn& seeds,
                                      std::vector<std::vector<float>>* entropy = nullptr);
  // Pretraining hook: accumulate the gradients of the model's own language-
  // model objective over every within-segment token of the rows (want flags
  // ignored), e.g. DeepSeek-V3's next-token loss plus its MTP losses. Returns
  // the mean next-token loss, or NaN when the policy has no such objective
  // (callers then use backward()).
  virtual double backward_lm(const TokenRows& rows) {
    (void)rows;
    return std::numeric_limits<double>::quiet_NaN();
  }
  virtual void zero_grad() = 0;
  // AdamW step with global-norm clipping; returns the gradient norm before clipping.
  virtual float step(const OptimConfig& cfg) = 0;
  virtual std::unique_ptr<Policy> clone() const = 0;  // parameters only (fresh optimizer state)
  // Continuations of each prompt (not including the prompt), batched.
  virtual std::vector<std::vector<int>> generate(const std::vector<std::vector<int>>& prompts, const GenConfig& cfg,
                                                 Rng& rng) = 0;
  virtual void save(const std::string& dir) const = 0;
};

// Loads a saved policy folder (policy.json names the kind).
std::unique_ptr<Policy> load_policy(const std::string& dir);

// Sampling from logits (one row): temperature, then nucleus top-p; temperature 0 is argmax.
int sample_token(const float* logits, int V, float temperature, float top_p, Rng& rng);

}  // namespace r1::rl
