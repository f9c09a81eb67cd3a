// Hugging Face config.json for DeepSeek-V2/V3/R1 (model_type deepseek_v2 /
// deepseek_v3), parsed and validated. Field names are the HF keys.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/json.h"

namespace r1 {

enum class ScoringFunc { Softmax, Sigmoid };
// greedy: plain top-k; group_limited_greedy (V2): groups ranked by their max
// score; noaux_tc (V3): groups ranked by the sum of their top-2 biased scores,
// selection on s + e_score_correction_bias.
enum class TopkMethod { Greedy, GroupLimitedGreedy, NoauxTc };

struct RopeScaling {
  bool yarn = false;  // false: plain RoPE (rope_scaling null)
  double factor = 1.0;
  int64_t original_max_position_embeddings = 4096;
  double beta_fast = 32, beta_slow = 1;
  double mscale = 1.0, mscale_all_dim = 0.0;  // HF defaults
};

struct ModelConfig {
  std::string model_type;       // deepseek_v2 | deepseek_v3
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;      // dense MLP layers
  int64_t moe_intermediate_size = 0;  // each routed expert; shared = n_shared_experts * this
  int64_t num_hidden_layers = 0;      // decoder layers; model.layers.{>= this} are MTP
  int64_t num_nextn_predict_layers = 0;
  int64_t first_k_dense_replace = 0;  // layers < this are dense
  int64_t moe_layer_freq = 1;         // MoE where i >= first_k_dense_replace && i % freq == 0
  int64_t num_attention_heads = 0;
  int64_t n_routed_experts = 0;  // 0: no MoE at all
  int64_t n_shared_experts = 0;
  int64_t num_experts_per_tok = 0;
  int64_t n_group = 1, topk_group = 1;
  double routed_scaling_factor = 1.0;
  ScoringFunc scoring_func = ScoringFunc::Softmax;
  TopkMethod topk_method = TopkMethod::Greedy;
  bool norm_topk_prob = false;
  int64_t q_lora_rank = 0;  // 0: q_proj instead of q_a_proj/q_b_proj
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0, qk_rope_head_dim = 0, v_head_dim = 0;
  double rope_theta = 10000.0;
  RopeScaling rope_scaling;
  int64_t max_position_embeddings = 0;
  double rms_norm_eps = 1e-6;
  bool tie_word_embeddings = false;
  int64_t bos_token_id = -1;
  std::vector<int64_t> eos_token_ids;
  bool fp8 = false;          // quantization_config.quant_method == fp8
  int64_t fp8_block = 128;   // weight_block_size (square blocks only)

  bool is_moe_layer(int64_t i) const {
    return n_routed_experts > 0 && i >= first_k_dense_replace && i % moe_layer_freq == 0;
  }
  int64_t qk_head_dim() const { return qk_nope_head_dim + qk_rope_head_dim; }
  // Attention softmax scale: qk_head_dim^-0.5 * mscale(factor, mscale_all_dim)^2 (YaRN).
  double softmax_scale() const;
  // Per token per layer: latent cache d_c + d_h^R (kv_lora_rank + qk_rope_head_dim)
  // vs MHA with the same heads and head dims, 2 n_h d_h (DeepSeek-V2 Table 1):
  // H * (qk_nope_head_dim + v_head_dim). V2-Lite: 576 vs 4096.
  int64_t mla_cache_elems_per_layer() const { return kv_lora_rank + qk_rope_head_dim; }
  int64_t mha_cache_elems_per_layer() const { return num_attention_heads * (qk_nope_head_dim + v_head_dim); }
};

// Validates every field this engine reads; errors name `path` and the key.
ModelConfig parse_model_config(const json& j, const std::string& path = "config.json");
ModelConfig load_model_config(const std::string& dir);  // DIR/config.json

}  // namespace r1
