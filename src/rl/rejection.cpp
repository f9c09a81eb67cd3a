#include "rl/rejection.h"

#include <set>

#include "rl/grpo.h"
#include "rl/reward.h"

namespace r1::rl {

std::vector<SftSample> rejection_sample(Policy& p, const CharVocab& v, const std::vector<Problem>& problems,
                                        const RejectionConfig& cfg, uint64_t seed, RejectionStats* st) {
  RejectionStats s;
  Rng rng(seed);
  GenConfig gen;
  gen.max_new = cfg.max_new;
  gen.temperature = cfg.temperature;
  gen.top_p = cfg.top_p;
  gen.stop = {v.eos()};
  std::vector<SftSample> out;
  const size_t chunk = 64;
  for (size_t c0 = 0; c0 < problems.size(); c0 += chunk) {
    std::vector<const Problem*> batch;
    for (size_t i = c0; i < problems.size() && i < c0 + chunk; i++) batch.push_back(&problems[i]);
    auto ro = rollout(p, v, batch, cfg.k, gen, cfg.templ, RewardWeights{}, rng);
    std::vector<std::set<std::string>> seen(batch.size());
    for (auto& r : ro) {
      s.sampled++;
      if (r.completion.empty() || r.completion.back() != v.eos()) {
        s.truncated++;
        continue;
      }
      if (r.rewards.format < 1) {
        s.malformed++;
        continue;
      }
      if (r.rewards.accuracy < 1) {
        s.wrong++;
        continue;
      }
      if (repetition_score(reasoning_of(r.text)) > cfg.max_repetition) {
        s.repetitive++;
        continue;
      }
      auto& sn = seen[(size_t)r.problem];
      if (sn.count(r.text) || (int)sn.size() >= cfg.max_per_prompt) {
        s.duplicate++;
        continue;
      }
      sn.insert(r.text);
      Encoded e = encode_example(v, cfg.templ, batch[(size_t)r.problem]->prompt, r.text);
      out.push_back({e.tokens, e.loss_mask});
      s.kept++;
    }
  }
  if (st) *st = s;
  return out;
}

}  // namespace r1::rl
