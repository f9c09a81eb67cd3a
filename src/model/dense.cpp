#include "model/dense.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include <sys/mman.h>

#include "kernels/cpu/ops.h"
#include "kernels/cpu/rope_neox.h"

namespace r1 {

namespace {

// Query rows per attention block in the chunked (prefill) path: bounds the
// score scratch to kQBlock x L floats per task.
constexpr int64_t kQBlock = 128;

void require(const Checkpoint& ck, const std::string& name, const char* why) {
  R1_CHECK(ck.has(name), ck.dir(), ": checkpoint has no tensor '", name, "' (", why, ")");
}

Tensor load_bias(const Checkpoint& ck, const std::string& name, int64_t n, const std::string& model_type) {
  R1_CHECK(ck.has(name), ck.dir(), ": checkpoint has no tensor '", name, "', but model_type ", model_type,
           " with this config has q/k/v biases");
  Tensor b = load_vec(ck, name, n);
  for (int64_t i = 0; i < n; ++i)
    R1_CHECK(std::isfinite(b.f32()[i]), ck.dir(), ": tensor '", name, "' has a non-finite value at ", i);
  return b;
}

Tensor load_norm(const Checkpoint& ck, const std::string& name, int64_t n) {
  require(ck, name, "RMSNorm weight");
  Tensor w = load_vec(ck, name, n);
  for (int64_t i = 0; i < n; ++i)
    R1_CHECK(std::isfinite(w.f32()[i]), ck.dir(), ": tensor '", name, "' has a non-finite value at ", i);
  return w;
}

// One matrix holding `parts` stacked by rows (same dtype and width), in 2 MiB
// pages; each part's MatRef is rebound to its block of rows.
Weight fuse_rows(const std::vector<Weight*>& parts) {
  int64_t rows = 0;
  for (Weight* w : parts) rows += w->rows();
  const int64_t cols = parts[0]->cols();
  const DType dt = parts[0]->m.dt;
  const size_t row_bytes = (size_t)cols * dtype_size(dt);
  Weight f;
  f.t = alloc_hugepages({rows, cols}, dt);
  char* p = (char*)f.t.raw();
  int64_t r0 = 0;
  for (Weight* w : parts) {
    for (int64_t r = 0; r < w->rows(); ++r)
      std::memcpy(p + (r0 + r) * row_bytes, (const char*)w->m.p + r * w->m.ld * dtype_size(dt), row_bytes);
    r0 += w->rows();
  }
  f.m = MatRef::of(f.t);
  r0 = 0;
  for (Weight* w : parts) {
    const int64_t nr = w->rows();
    w->t = f.t;
    w->m = f.m.block(r0, nr);
    r0 += nr;
  }
  return f;
}

bool same_dtype(const std::vector<Weight*>& parts) {
  for (Weight* w : parts)
    if (w->m.dt != parts[0]->m.dt) return false;
  return true;
}

struct Span {
  int slot;
  int64_t row0, n, start;  // rows [row0, row0+n) at positions [start, start+n)
};

}  // namespace

std::unique_ptr<DenseModel> DenseModel::load(const std::string& dir) {
  DenseConfig cfg = load_dense_config(dir);
  Checkpoint ck = Checkpoint::open(dir);
  return load(ck, cfg);
}

std::unique_ptr<DenseModel> DenseModel::load(const Checkpoint& ck, const DenseConfig& cfg) {
  auto m = std::unique_ptr<DenseModel>(new DenseModel());
  m->cfg_ = cfg;
  m->ck_ = ck;
  const DenseConfig& c = m->cfg_;
  const Checkpoint& k = m->ck_;
  R1_CHECK(c.num_key_value_heads > 0 && c.num_attention_heads % c.num_key_value_heads == 0, k.dir(),
           ": num_attention_heads = ", c.num_attention_heads, " is not a multiple of num_key_value_heads = ",
           c.num_key_value_heads);
  const int64_t D = c.hidden_size, I = c.intermediate_size, V = c.vocab_size;
  m->inv_freq_ = dense_rope_inv_freq(c);
  choose_weight_placement(k);
  require(k, "model.embed_tokens.weight", "token embedding");
  m->embed_tokens = Weight::load(k, "model.embed_tokens.weight", V, D);
  m->norm = load_norm(k, "model.norm.weight", D);
  // HF ties lm_head to the embedding whenever tie_word_embeddings is set, even
  // if the file also carries an lm_head.weight.
  m->tied_ = c.tie_word_embeddings;
  if (m->tied_) {
    m->lm_head = m->embed_tokens;
  } else {
    require(k, "lm_head.weight", "tie_word_embeddings is false");
    m->lm_head = Weight::load(k, "lm_head.weight", V, D);
  }
  for (int64_t i = 0; i < c.num_hidden_layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    DenseLayer L;
    L.input_layernorm = load_norm(k, p + "input_layernorm.weight", D);
    L.post_attention_layernorm = load_norm(k, p + "post_attention_layernorm.weight", D);
    const char* attn = "attention projection";
    require(k, p + "self_attn.q_proj.weight", attn);
    require(k, p + "self_attn.k_proj.weight", attn);
    require(k, p + "self_attn.v_proj.weight", attn);
    require(k, p + "self_attn.o_proj.weight", attn);
    // q/k/v and gate/up load as views and are copied once, fused, below.
    const bool hp = weights_in_hugepages();
    weights_in_hugepages() = false;
    L.q_proj = Weight::load(k, p + "self_attn.q_proj.weight", c.q_dim(), D);
    L.k_proj = Weight::load(k, p + "self_attn.k_proj.weight", c.kv_dim(), D);
    L.v_proj = Weight::load(k, p + "self_attn.v_proj.weight", c.kv_dim(), D);
    L.gate_proj = Weight::load(k, p + "mlp.gate_proj.weight", I, D);
    L.up_proj = Weight::load(k, p + "mlp.up_proj.weight", I, D);
    weights_in_hugepages() = hp;
    L.o_proj = Weight::load(k, p + "self_attn.o_proj.weight", D, c.q_dim());
    if (c.qkv_bias) {
      L.q_bias = load_bias(k, p + "self_attn.q_proj.bias", c.q_dim(), c.model_type);
      L.k_bias = load_bias(k, p + "self_attn.k_proj.bias", c.kv_dim(), c.model_type);
      L.v_bias = load_bias(k, p + "self_attn.v_proj.bias", c.kv_dim(), c.model_type);
    }
    const char* mlp = "SwiGLU MLP";
    require(k, p + "mlp.gate_proj.weight", mlp);
    require(k, p + "mlp.up_proj.weight", mlp);
    require(k, p + "mlp.down_proj.weight", mlp);
    L.down_proj = Weight::load(k, p + "mlp.down_proj.weight", D, I);
    if (hp) {
      std::vector<Weight*> qkv = {&L.q_proj, &L.k_proj, &L.v_proj}, gu = {&L.gate_proj, &L.up_proj};
      if (same_dtype(qkv)) L.qkv = fuse_rows(qkv);
      else for (Weight* w : qkv) w->t = copy_hugepages(w->t), w->m = MatRef::of(w->t);
      if (same_dtype(gu)) L.gate_up = fuse_rows(gu);
      else for (Weight* w : gu) w->t = copy_hugepages(w->t), w->m = MatRef::of(w->t);
      for (const char* n : {"self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight",
                            "mlp.gate_proj.weight", "mlp.up_proj.weight"})
        k.drop_resident(p + n);
    }
    m->layers_.push_back(std::move(L));
  }
  return m;
}

Tensor DenseModel::forward(const std::vector<Chunk>& chunks, KVCache& cache, const ForwardOptions& opt) {
  const DenseConfig& c = cfg_;
  const int64_t D = c.hidden_size, V = c.vocab_size, I = c.intermediate_size;
  const int64_t Hq = c.num_attention_heads, d = c.head_dim, G = c.group(), half = d / 2;
  const int64_t QD = c.q_dim(), KD = c.kv_dim(), W = cache_width();
  const int64_t QS = QD + 2 * KD;  // row stride of the [q | k | v] projection output
  const float eps = (float)c.rms_norm_eps;
  const float scale = (float)(1.0 / std::sqrt((double)d));
  R1_CHECK(cache.width() == W && cache.n_layers() == num_layers(), "forward: KV cache shape [",
           cache.n_layers(), " layers x ", cache.width(), "] does not match the model [", num_layers(), " x ", W, "]");

  std::vector<Span> spans;
  std::vector<int32_t> toks;
  std::vector<int> row_slot;
  std::vector<int64_t> row_pos;
  for (const Chunk& ch : chunks) {
    R1_CHECK(ch.slot >= 0 && ch.slot < cache.n_slots(), "forward: cache slot ", ch.slot, " out of range [0, ",
             cache.n_slots(), ")");
    R1_CHECK(ch.n >= 0 && (ch.n == 0 || ch.tokens), "forward: chunk for slot ", ch.slot, " has no tokens");
    for (const Span& s : spans) R1_CHECK(s.slot != ch.slot, "forward: cache slot ", ch.slot, " used twice in one batch");
    const int64_t start = cache.length(ch.slot);
    spans.push_back({ch.slot, (int64_t)toks.size(), ch.n, start});
    for (int64_t i = 0; i < ch.n; ++i) {
      const int32_t tok = ch.tokens[i];
      R1_CHECK(tok >= 0 && tok < V, "token id ", tok, " is outside the vocabulary (vocab_size ", V, ")");
      toks.push_back(tok);
      row_slot.push_back(ch.slot);
      row_pos.push_back(start + i);
    }
  }
  const int64_t T = (int64_t)toks.size();
  for (const Span& s : spans) cache.ensure(s.slot, s.start + s.n);

  // Residual stream and scratch, reused by every layer.
  std::vector<float> h(T * D), x(T * D), qkv(T * QS), attn(T * QD), o(T * D);
  std::vector<float> gu(T * 2 * I), act(T * I);
  for (int64_t t = 0; t < T; ++t) {
    float* dst = &h[t * D];
    if (embed_tokens.m.dt == DType::BF16) {
      const uint16_t* src = embed_tokens.m.bf16_row(toks[t]);
      for (int64_t i = 0; i < D; ++i) dst[i] = bf16_to_f32(src[i]);
    } else {
      std::memcpy(dst, embed_tokens.m.f32_row(toks[t]), D * sizeof(float));
    }
  }
  // RoPE angles depend on the position only: once per forward.
  std::vector<float> cs(T * half), sn(T * half);
  for (int64_t t = 0; t < T; ++t) rope_angles(inv_freq_.data(), half, row_pos[t], &cs[t * half], &sn[t * half]);

  ForwardTrace* tr = opt.trace;
  if (tr) {
    tr->residual.clear();
    tr->expert_idx.clear();
    tr->expert_w.clear();
    if (tr->hidden) tr->residual.push_back(h);
  }

  // Attention tasks: chunks of one token (decode) run one task per (row, head);
  // longer chunks one task per (chunk, head, block of kQBlock query rows).
  struct Task {
    int64_t span, head, i0, i1;
  };
  std::vector<Task> tasks;
  for (int64_t s = 0; s < (int64_t)spans.size(); ++s)
    for (int64_t hh = 0; hh < Hq; ++hh)
      for (int64_t i0 = 0; i0 < spans[s].n; i0 += kQBlock) tasks.push_back({s, hh, i0, std::min(spans[s].n, i0 + kQBlock)});

  for (int64_t l = 0; l < (int64_t)layers_.size(); ++l) {
    const DenseLayer& L = layers_[l];
    for (int64_t t = 0; t < T; ++t) rmsnorm(&h[t * D], L.input_layernorm.f32(), D, eps, &x[t * D]);
    if (L.qkv.m.p) {
      linear(x.data(), T, L.qkv.m, qkv.data());
    } else {
      gemm_xwt(x.data(), T, D, L.q_proj.m, qkv.data(), QS);
      gemm_xwt(x.data(), T, D, L.k_proj.m, qkv.data() + QD, QS);
      gemm_xwt(x.data(), T, D, L.v_proj.m, qkv.data() + QD + KD, QS);
    }
    // Bias before RoPE (HF Qwen2); then K and V rows go to the cache.
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < T; ++t) {
      float* qt = &qkv[t * QS];
      float* kt = qt + QD;  // [k | v]
      if (c.qkv_bias) {
        for (int64_t i = 0; i < QD; ++i) qt[i] += L.q_bias.f32()[i];
        for (int64_t i = 0; i < KD; ++i) kt[i] += L.k_bias.f32()[i];
        for (int64_t i = 0; i < KD; ++i) kt[KD + i] += L.v_bias.f32()[i];
      }
      rope_neox(qt, Hq, d, &cs[t * half], &sn[t * half]);
      rope_neox(kt, c.num_key_value_heads, d, &cs[t * half], &sn[t * half]);
      std::memcpy(cache.row(row_slot[t], l, row_pos[t]), kt, W * sizeof(float));
    }

#pragma omp parallel for schedule(static)
    for (int64_t ti = 0; ti < (int64_t)tasks.size(); ++ti) {
      const Task& tk = tasks[ti];
      const Span& sp = spans[tk.span];
      const int64_t g = tk.head / G;  // HF repeat_kv: contiguous groups of G query heads
      const float* K0 = cache.row(sp.slot, l, 0) + g * d;
      const float* V0 = K0 + KD;
      if (sp.n == 1) {
        const int64_t Lk = sp.start + 1;
        const float* qh = &qkv[sp.row0 * QS + tk.head * d];
        std::vector<float> p(Lk);
        for (int64_t t = 0; t < Lk; ++t) p[t] = dot_f32(qh, K0 + t * W, d) * scale;
        softmax_inplace(p.data(), Lk);
        float* out = &attn[sp.row0 * QD + tk.head * d];
        std::memset(out, 0, d * sizeof(float));
        for (int64_t t = 0; t < Lk; ++t) axpy_f32(p[t], V0 + t * W, out, d);
        continue;
      }
      const int64_t nb = tk.i1 - tk.i0, Lk = sp.start + tk.i1;  // keys this block can see
      std::vector<float> S(nb * Lk);
      const float* Q = &qkv[(sp.row0 + tk.i0) * QS + tk.head * d];
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)nb, (int)Lk, (int)d, scale, Q, (int)QS, K0, (int)W,
                  0.0f, S.data(), (int)Lk);
      for (int64_t i = 0; i < nb; ++i) {
        const int64_t valid = sp.start + tk.i0 + i + 1;  // causal: keys 0 .. own position
        float* s = &S[i * Lk];
        softmax_inplace(s, valid);
        std::fill(s + valid, s + Lk, 0.0f);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)nb, (int)d, (int)Lk, 1.0f, S.data(), (int)Lk, V0,
                  (int)W, 0.0f, &attn[(sp.row0 + tk.i0) * QD + tk.head * d], (int)QD);
    }
    linear(attn.data(), T, L.o_proj.m, o.data());
    for (int64_t i = 0; i < T * D; ++i) h[i] += o[i];

    for (int64_t t = 0; t < T; ++t) rmsnorm(&h[t * D], L.post_attention_layernorm.f32(), D, eps, &x[t * D]);
    if (L.gate_up.m.p) {
      linear(x.data(), T, L.gate_up.m, gu.data());
    } else {
      gemm_xwt(x.data(), T, D, L.gate_proj.m, gu.data(), 2 * I);
      gemm_xwt(x.data(), T, D, L.up_proj.m, gu.data() + I, 2 * I);
    }
#pragma omp parallel for schedule(static)
    for (int64_t t = 0; t < T; ++t) silu_mul(&gu[t * 2 * I], &gu[t * 2 * I + I], I, &act[t * I]);
    linear(act.data(), T, L.down_proj.m, o.data());
    for (int64_t i = 0; i < T * D; ++i) h[i] += o[i];
    if (tr && tr->hidden) tr->residual.push_back(h);
  }
  for (const Span& s : spans) cache.set_length(s.slot, s.start + s.n);

  std::vector<int64_t> out_rows;
  if (opt.all_logits) {
    for (int64_t t = 0; t < T; ++t) out_rows.push_back(t);
  } else {
    for (const Span& s : spans)
      if (s.n > 0) out_rows.push_back(s.row0 + s.n - 1);
  }
  const int64_t R = (int64_t)out_rows.size();
  std::vector<float> xn(R * D);
  for (int64_t i = 0; i < R; ++i) rmsnorm(&h[out_rows[i] * D], norm.f32(), D, eps, &xn[i * D]);
  Tensor logits = Tensor::empty({R, V});
  linear(xn.data(), R, lm_head.m, logits.f32());
  return logits;
}

}  // namespace r1
