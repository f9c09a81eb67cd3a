// DeepSeek-V3 model configuration as the trainer reads it from an HF
// config.json (DeepseekV3Config keys), validated so contradictory configs fail
// with the key at fault.
#pragma once
#include <string>
#include <vector>

#include "base/json.h"

namespace r1::train {

struct ModelConfig {
  int vocab_size = 0, hidden_size = 0, intermediate_size = 0, moe_intermediate_size = 0;
  int num_hidden_layers = 0, first_k_dense_replace = 0, moe_layer_freq = 1;
  int num_attention_heads = 0;
  int n_routed_experts = 0, n_shared_experts = 0, num_experts_per_tok = 0, n_group = 1, topk_group = 1;
  float routed_scaling_factor = 1.0f;
  bool scoring_sigmoid = true;   // scoring_func "sigmoid" (V3) / "softmax" (V2)
  bool norm_topk_prob = true;
  bool noaux_tc = true;          // topk_method noaux_tc: bias + top-2-sum group score
  int q_lora_rank = 0;           // 0: no q LoRA (V2-Lite q_proj)
  int kv_lora_rank = 0, qk_nope_head_dim = 0, qk_rope_head_dim = 0, v_head_dim = 0;
  double rope_theta = 10000.0;
  bool yarn = false;
  double yarn_factor = 1.0, yarn_beta_fast = 32, yarn_beta_slow = 1, yarn_mscale = 1.0;
  int yarn_original_max_pos = 4096;
  int max_position_embeddings = 4096;
  float rms_norm_eps = 1e-6f;
  int num_nextn_predict_layers = 0;
  double initializer_range = 0.02;
  int bos_token_id = 0, eos_token_id = 1;
  json raw;  // the source JSON: unknown keys survive a save

  static ModelConfig from_json(const json& j, const std::string& where);
  static ModelConfig load(const std::string& path);
  json to_json() const;
  bool is_moe_layer(int i) const {
    return n_routed_experts > 0 && i >= first_k_dense_replace && i % moe_layer_freq == 0;
  }
  // model.py precompute_freqs_cis (YaRN ramp on the rope dims), [r/2]
  std::vector<float> rope_inv_freq() const;
  // (nope + rope)^-0.5, times mscale^2 under YaRN
  float softmax_scale() const;
  int64_t num_params(bool with_mtp) const;
};

}  // namespace r1::train
