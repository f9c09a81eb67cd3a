// Rejection sampling (R1 §2.3.3): sample k responses per training prompt and
// keep those that are verified correct, well-formed and not repetitive, as a
// new SFT set. Also used to collect a teacher's traces for distillation.
#pragma once
#include <vector>

#include "rl/chat.h"
#include "rl/policy.h"
#include "rl/sft.h"
#include "rl/task.h"

namespace r1::rl {

struct RejectionConfig {
  int k = 4;
  float temperature = 0.8f, top_p = 0.95f;
  int max_new = 64;
  int max_per_prompt = 2;       // distinct accepted responses kept per prompt
  float max_repetition = 0.3f;  // repetition_score above this is rejected
  Template templ = Template::Chat;
};

struct RejectionStats {
  int sampled = 0, kept = 0, wrong = 0, malformed = 0, repetitive = 0, duplicate = 0, truncated = 0;
};

std::vector<SftSample> rejection_sample(Policy& p, const CharVocab& v, const std::vector<Problem>& problems,
                                        const RejectionConfig& cfg, uint64_t seed, RejectionStats* stats);

}  // namespace r1::rl
