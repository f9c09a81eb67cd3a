#include "model/transformer.h"

#include <cstdlib>
#include <cstring>
#include <string>

namespace r1 {

std::unique_ptr<Transformer> Transformer::load(const std::string& dir) {
  ModelConfig cfg = load_model_config(dir);
  Checkpoint ck = Checkpoint::open(dir);
  return load(ck, cfg);
}

std::unique_ptr<Transformer> Transformer::load(const Checkpoint& ck, const ModelConfig& cfg) {
  auto m = std::unique_ptr<Transformer>(new Transformer());
  m->cfg_ = cfg;
  m->ck_ = ck;
  m->ck_.fp8_block = (int)cfg.fp8_block;
  const ModelConfig& c = m->cfg_;
  const Checkpoint& k = m->ck_;
  choose_weight_placement(k);
  const auto& rs = c.rope_scaling;
  m->rope_ = RopeTable::make(c.qk_rope_head_dim, c.rope_theta, rs.yarn, rs.factor, rs.original_max_position_embeddings,
                             rs.beta_fast, rs.beta_slow, rs.mscale, rs.mscale_all_dim);
  m->embed_tokens = Weight::load(k, "model.embed_tokens.weight", c.vocab_size, c.hidden_size);
  m->norm = load_vec(k, "model.norm.weight", c.hidden_size);
  if (c.tie_word_embeddings && !k.has("lm_head.weight")) m->lm_head = m->embed_tokens;
  else m->lm_head = Weight::load(k, "lm_head.weight", c.vocab_size, c.hidden_size);
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) m->layers_.push_back(Block::load(k, i, c, m->rope_));
  for (int64_t j = 0; j < c.num_nextn_predict_layers; ++j) {
    const int64_t i = c.num_hidden_layers + j;
    const std::string p = "model.layers." + std::to_string(i) + ".";
    if (!k.has(p + "eh_proj.weight")) continue;  // MTP weights not shipped in this folder
    MtpLayer t;
    t.block = Block::load(k, i, c, m->rope_);
    t.block.is_moe = c.is_moe_layer(i);
    t.enorm = load_vec(k, p + "enorm.weight", c.hidden_size);
    t.hnorm = load_vec(k, p + "hnorm.weight", c.hidden_size);
    t.eh_proj = Weight::load(k, p + "eh_proj.weight", c.hidden_size, 2 * c.hidden_size);
    if (k.has(p + "shared_head.norm.weight")) t.shared_head_norm = load_vec(k, p + "shared_head.norm.weight", c.hidden_size);
    if (k.has(p + "embed_tokens.weight")) t.embed_tokens = Weight::load(k, p + "embed_tokens.weight", c.vocab_size, c.hidden_size);
    if (k.has(p + "shared_head.head.weight"))
      t.shared_head_head = Weight::load(k, p + "shared_head.head.weight", c.vocab_size, c.hidden_size);
    m->mtp_.push_back(std::move(t));
  }
  if (weights_in_hugepages()) k.drop_resident();  // matrices were copied; don't count the file twice
  return m;
}

Tensor Transformer::forward(const std::vector<Chunk>& chunks, KVCache& cache, const ForwardOptions& opt) {
  const ModelConfig& c = cfg_;
  const int64_t D = c.hidden_size, V = c.vocab_size;
  R1_CHECK(cache.width() == cache_width() && cache.n_layers() == num_layers(), "forward: KV cache shape does not match the model");
  std::vector<RowPos> rows;
  std::vector<ChunkSpan> spans;
  std::vector<int32_t> toks;
  for (const Chunk& ch : chunks) {
    R1_CHECK(ch.slot >= 0 && ch.slot < cache.n_slots(), "forward: cache slot ", ch.slot, " out of range");
    const int64_t start = cache.length(ch.slot);
    spans.push_back({ch.slot, (int64_t)rows.size(), ch.n, start});
    for (int64_t i = 0; i < ch.n; ++i) {
      const int32_t tok = ch.tokens[i];
      R1_CHECK(tok >= 0 && tok < V, "token id ", tok, " is outside the vocabulary (vocab_size ", V, ")");
      rows.push_back({ch.slot, start + i});
      toks.push_back(tok);
    }
  }
  for (auto& s : spans)
    for (auto& s2 : spans) R1_CHECK(&s == &s2 || s.slot != s2.slot, "forward: cache slot ", s.slot, " used twice in one batch");
  const int64_t T = (int64_t)rows.size();
  for (auto& s : spans) cache.ensure(s.slot, s.start + s.n);

  std::vector<float> h(T * D);
  for (int64_t t = 0; t < T; ++t) {
    float* dst = &h[t * D];
    if (embed_tokens.m.dt == DType::BF16) {
      const uint16_t* src = embed_tokens.m.bf16_row(toks[t]);
      for (int64_t i = 0; i < D; ++i) dst[i] = bf16_to_f32(src[i]);
    } else {
      std::memcpy(dst, embed_tokens.m.f32_row(toks[t]), D * sizeof(float));
    }
  }
  ForwardTrace* tr = opt.trace;
  if (tr) {
    tr->residual.clear();
    tr->expert_idx.clear();
    tr->expert_w.clear();
    if (tr->hidden) tr->residual.push_back(h);
  }
  for (const Block& b : layers_) {
    std::vector<int> idx;
    std::vector<float> w;
    b.forward(h.data(), T, rows, spans, cache, opt.attn, tr ? &idx : nullptr, tr ? &w : nullptr);
    if (tr) {
      if (b.is_moe) {
        tr->expert_idx.push_back(std::move(idx));
        tr->expert_w.push_back(std::move(w));
      }
      if (tr->hidden) tr->residual.push_back(h);
    }
  }
  for (auto& s : spans) cache.set_length(s.slot, s.start + s.n);

  std::vector<int64_t> out_rows;
  if (opt.all_logits) for (int64_t t = 0; t < T; ++t) out_rows.push_back(t);
  else for (auto& s : spans) if (s.n > 0) out_rows.push_back(s.row0 + s.n - 1);
  const int64_t R = (int64_t)out_rows.size();
  std::vector<float> xn(R * D);
  for (int64_t i = 0; i < R; ++i) rmsnorm(&h[out_rows[i] * D], norm.f32(), D, (float)c.rms_norm_eps, &xn[i * D]);
  Tensor logits = Tensor::empty({R, V});
  linear(xn.data(), R, lm_head.m, logits.f32());
  return logits;
}

}  // namespace r1
