// Dense GQA decoder: HF Qwen2ForCausalLM and LlamaForCausalLM (the
// DeepSeek-R1-Distill students).
//   h = embed_tokens[tok]                                   (no sqrt(H) scale)
//   per layer: h += o_proj(Attn(RMSNorm_in(h)))
//              h += down(silu(gate(x)) * up(x)),  x = RMSNorm_post(h)
//   logits = RMSNorm_final(h) . W^T, W = lm_head or embed_tokens when tied
// Attn: q/k/v projections (+ bias for Qwen2), half-split RoPE on q and k,
// query head h reads KV head h / (n_heads / n_kv_heads), causal softmax of
// q.k / sqrt(head_dim). The KV cache row per token and layer is
// [K: n_kv_heads * head_dim | V: n_kv_heads * head_dim] (K after RoPE).
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "formats/dense_config.h"
#include "model/model.h"
#include "model/weight.h"

namespace r1 {

struct DenseLayer {
  Tensor input_layernorm, post_attention_layernorm;  // [hidden] f32
  Weight q_proj, k_proj, v_proj, o_proj;
  Tensor q_bias, k_bias, v_bias;  // f32; only when cfg.qkv_bias
  Weight gate_proj, up_proj, down_proj;
  // When weights are copied (huge pages): q|k|v as one [q_dim + 2 kv_dim, H]
  // matrix and gate|up as one [2 I, H], so each is a single matmul; the
  // per-projection MatRefs above then point into these.
  Weight qkv, gate_up;
};

class DenseModel : public Model {
 public:
  // Loads and checks every tensor named in the config's architecture; a
  // missing or mis-shaped tensor throws r1::Error naming it.
  static std::unique_ptr<DenseModel> load(const std::string& dir);
  static std::unique_ptr<DenseModel> load(const Checkpoint& ck, const DenseConfig& cfg);

  std::string arch() const override { return cfg_.model_type; }
  int64_t vocab_size() const override { return cfg_.vocab_size; }
  int64_t hidden_size() const override { return cfg_.hidden_size; }
  int64_t num_layers() const override { return cfg_.num_hidden_layers; }
  int64_t cache_width() const override { return cfg_.kv_cache_elems_per_layer(); }
  std::vector<int64_t> eos_token_ids() const override { return cfg_.eos_token_ids; }
  // opt.attn is ignored (there is one attention implementation); opt.trace
  // records the residual stream when trace->hidden.
  Tensor forward(const std::vector<Chunk>& chunks, KVCache& cache, const ForwardOptions& opt = {}) override;

  const DenseConfig& config() const { return cfg_; }
  const std::vector<DenseLayer>& layers() const { return layers_; }
  const std::vector<double>& inv_freq() const { return inv_freq_; }
  bool lm_head_tied() const { return tied_; }

 private:
  DenseConfig cfg_;
  Checkpoint ck_;
  std::vector<double> inv_freq_;  // head_dim/2, after rope_scaling
  Weight embed_tokens, lm_head;
  bool tied_ = false;
  Tensor norm;
  std::vector<DenseLayer> layers_;
};

}  // namespace r1
