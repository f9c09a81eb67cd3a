// GRPO training loop (DeepSeekMath §4.1.2, R1 §2.2): for each step, G samples
// per prompt from the current policy (batched), rule-based rewards, group-
// normalised advantages, then `inner` clipped-ratio updates against the
// behaviour log-probs, with k3 KL to a frozen reference that is reset to the
// current policy every ref_reset steps.
#pragma once
#include <functional>
#include <vector>

#include "rl/chat.h"
#include "rl/grpo_math.h"
#include "rl/policy.h"
#include "rl/reward.h"
#include "rl/task.h"

namespace r1::rl {

struct GrpoConfig {
  int steps = 30;
  int prompts_per_step = 16;
  int G = 8;
  int inner = 2;            // policy updates per batch of rollouts
  int max_new = 64;
  float temperature = 1.0f;  // rollouts (R1-Zero: 1.0)
  float top_p = 1.0f;
  float eps_lo = 0.2f, eps_hi = 0.2f;
  float beta = 0.04f;        // KL coefficient (0: no reference model)
  int ref_reset = 0;         // reset the reference every N steps (0: never)
  bool scale_by_std = true;  // false: Dr.GRPO advantages
  LossNorm norm = LossNorm::Sequence;
  RewardWeights weights;
  Template templ = Template::Chat;
  OptimConfig opt;
  // Linear learning-rate warm-up over the first `warmup` steps. Adam's first
  // updates are ~lr * sign(g) on every parameter whatever the gradient's size,
  // which on a converged SFT checkpoint measured a k3 KL of 1-30 nats after a
  // single step at lr 1e-4..3e-4 and knocked training accuracy down by a third.
  int warmup = 0;
};

struct GrpoStepLog {
  int step = 0;
  double reward = 0, accuracy = 0, format = 0, language = 0;
  double resp_len = 0, kl = 0, clip_frac = 0, entropy = 0, zero_var = 0;
  double rollout_s = 0, update_s = 0, rollout_tok_s = 0;
};

struct Rollout {
  int problem = 0;
  std::vector<int> prompt, completion;
  std::string text;
  Rewards rewards;
};

// G samples for each problem (group-major), scored.
std::vector<Rollout> rollout(Policy& p, const CharVocab& v, const std::vector<const Problem*>& problems, int G,
                             const GenConfig& gen, Template templ, const RewardWeights& w, Rng& rng);

// Text of a completion: decoded, with the trailing <eos> removed.
std::string completion_text(const CharVocab& v, const std::vector<int>& completion);

std::vector<GrpoStepLog> grpo_train(Policy& p, const CharVocab& v, const std::vector<Problem>& train,
                                    const GrpoConfig& cfg, uint64_t seed,
                                    const std::function<void(const GrpoStepLog&)>& on_step = {});

}  // namespace r1::rl
