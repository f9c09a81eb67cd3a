// DeepSeekMoE router (HF MoEGate / model.py Gate):
//   s = sigmoid(x W^T) or softmax(x W^T); s_sel = s + e_score_correction_bias (noaux_tc)
//   groups (n_group contiguous blocks): keep the topk_group best, scored by the
//   sum of the top-2 s_sel (noaux_tc) or the max s (group_limited_greedy)
//   idx = top-k(s_sel) over kept groups; w = s[idx] (un-biased)
//   w /= sum(w) + 1e-20 if norm_topk_prob; w *= routed_scaling_factor
//   (HF deepseek_v2 code skips the scaling when it normalises).
#pragma once
#include <vector>

#include "formats/model_config.h"
#include "model/weight.h"

namespace r1 {

struct Gate {
  Weight weight;        // [n_routed_experts, hidden]
  Tensor bias;          // e_score_correction_bias [n_routed_experts] (noaux_tc only)
  const ModelConfig* cfg = nullptr;

  static Gate load(const Checkpoint& ck, const std::string& prefix, const ModelConfig& cfg);
  // idx/w: [T, top_k] in descending selection-score order; scores (optional): [T, E] before bias.
  void route(const float* x, int64_t T, int* idx, float* w, float* scores = nullptr) const;
};

}  // namespace r1
