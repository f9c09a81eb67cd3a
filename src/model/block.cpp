#include "model/block.h"

namespace r1 {

Block Block::load(const Checkpoint& ck, int64_t i, const ModelConfig& c, const RopeTable& rope) {
  Block b;
  b.index = i;
  const std::string p = "model.layers." + std::to_string(i) + ".";
  b.input_layernorm = load_vec(ck, p + "input_layernorm.weight", c.hidden_size);
  b.post_attention_layernorm = load_vec(ck, p + "post_attention_layernorm.weight", c.hidden_size);
  b.self_attn = Mla::load(ck, p + "self_attn.", c, rope);
  b.is_moe = c.is_moe_layer(i);
  if (b.is_moe) b.moe = Moe::load(ck, p + "mlp.", c);
  else b.mlp = Mlp::load(ck, p + "mlp.", c.hidden_size, c.intermediate_size);
  return b;
}

void Block::forward(float* h, int64_t T, const std::vector<RowPos>& rows, const std::vector<ChunkSpan>& chunks,
                    KVCache& cache, AttnImpl impl, std::vector<int>* idx_out, std::vector<float>* w_out) const {
  const ModelConfig& c = *self_attn.cfg;
  const int64_t D = c.hidden_size;
  const float eps = (float)c.rms_norm_eps;
  std::vector<float> xn(T * D), y(T * D);
#pragma omp parallel for schedule(static) if (T > 1)
  for (int64_t t = 0; t < T; ++t) rmsnorm(h + t * D, input_layernorm.f32(), D, eps, &xn[t * D]);
  self_attn.forward(xn.data(), T, rows, chunks, cache, index, impl, y.data());
  for (int64_t i = 0; i < T * D; ++i) h[i] += y[i];
#pragma omp parallel for schedule(static) if (T > 1)
  for (int64_t t = 0; t < T; ++t) rmsnorm(h + t * D, post_attention_layernorm.f32(), D, eps, &xn[t * D]);
  if (is_moe) moe.forward(xn.data(), T, y.data(), idx_out, w_out);
  else mlp.forward(xn.data(), T, y.data());
  for (int64_t i = 0; i < T * D; ++i) h[i] += y[i];
}

}  // namespace r1
