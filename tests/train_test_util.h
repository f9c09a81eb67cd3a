// Tiny DeepSeek-V3-shaped configs and batches for the autograd/train tests.
#pragma once
#include "base/rng.h"
#include "train/model.h"

namespace r1::testutil {

inline json tiny_v3_json(int mtp = 1) {
  return json{{"vocab_size", 32},        {"hidden_size", 16},       {"intermediate_size", 24},
              {"moe_intermediate_size", 8}, {"num_hidden_layers", 2}, {"first_k_dense_replace", 1},
              {"num_attention_heads", 2}, {"n_routed_experts", 4},    {"n_shared_experts", 1},
              {"num_experts_per_tok", 2}, {"n_group", 2},             {"topk_group", 1},
              {"routed_scaling_factor", 2.5}, {"scoring_func", "sigmoid"}, {"norm_topk_prob", true},
              {"topk_method", "noaux_tc"}, {"q_lora_rank", 12},       {"kv_lora_rank", 8},
              {"qk_nope_head_dim", 8},   {"qk_rope_head_dim", 4},   {"v_head_dim", 8},
              {"rope_theta", 10000.0},
              {"rope_scaling", {{"type", "yarn"}, {"factor", 2.0}, {"original_max_position_embeddings", 4},
                                {"beta_fast", 32}, {"beta_slow", 1}, {"mscale", 1.0}, {"mscale_all_dim", 1.0}}},
              {"max_position_embeddings", 64}, {"rms_norm_eps", 1e-6}, {"num_nextn_predict_layers", mtp},
              {"initializer_range", 0.3}, {"tie_word_embeddings", false}};
}

inline train::Batch tiny_batch(int64_t B, int64_t T, uint64_t seed, int vocab = 32) {
  Rng r(seed);
  train::Batch b;
  b.B = B;
  b.T = T;
  for (int64_t i = 0; i < B * (T + 1); ++i) b.tokens.push_back((int32_t)r.below(vocab));
  // row 0 holds two packed documents
  b.seg.assign(B * (T + 1), 0);
  for (int64_t i = (T + 1) / 2; i < T + 1; ++i) b.seg[i] = 1;
  return b;
}

}  // namespace r1::testutil
