// One decoder layer: h += MLA(RMSNorm_in(h)); h += FFN(RMSNorm_post(h)),
// FFN = dense SwiGLU MLP or DeepSeekMoE (cfg.is_moe_layer(i)).
#pragma once
#include "model/mla.h"
#include "model/moe.h"

namespace r1 {

struct Block {
  int64_t index = 0;
  Tensor input_layernorm, post_attention_layernorm;
  Mla self_attn;
  bool is_moe = false;
  Mlp mlp;  // dense layers
  Moe moe;  // MoE layers
  static Block load(const Checkpoint& ck, int64_t i, const ModelConfig& cfg, const RopeTable& rope);
  // h: residual stream [T, hidden], updated in place.
  void forward(float* h, int64_t T, const std::vector<RowPos>& rows, const std::vector<ChunkSpan>& chunks,
               KVCache& cache, AttnImpl impl, std::vector<int>* idx_out, std::vector<float>* w_out) const;
};

// A multi-token-prediction module (DeepSeek-V3 sec. 2.2), model.layers.{N + j}:
// a Block plus enorm, hnorm, eh_proj and its shared_head. Loaded and exposed
// for later use (speculative decoding, MTP training); never run as a decoder layer.
struct MtpLayer {
  Block block;
  Tensor enorm, hnorm, shared_head_norm;
  Weight eh_proj;           // [hidden, 2 * hidden]
  Weight embed_tokens;      // [vocab, hidden], if stored
  Weight shared_head_head;  // [vocab, hidden], if stored
};

}  // namespace r1
