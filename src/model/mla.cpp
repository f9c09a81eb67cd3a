#include "model/mla.h"

#include <cblas.h>

#include <cmath>
#include <cstring>

namespace r1 {

Mla Mla::load(const Checkpoint& ck, const std::string& p, const ModelConfig& c, const RopeTable& rope) {
  Mla m;
  m.cfg = &c;
  m.rope = &rope;
  const int64_t H = c.num_attention_heads, D = c.hidden_size;
  if (c.q_lora_rank > 0) {
    m.q_a_proj = Weight::load(ck, p + "q_a_proj.weight", c.q_lora_rank, D);
    m.q_a_layernorm = load_vec(ck, p + "q_a_layernorm.weight", c.q_lora_rank);
    m.q_b_proj = Weight::load(ck, p + "q_b_proj.weight", H * c.qk_head_dim(), c.q_lora_rank);
  } else {
    m.q_proj = Weight::load(ck, p + "q_proj.weight", H * c.qk_head_dim(), D);
  }
  m.kv_a_proj_with_mqa = Weight::load(ck, p + "kv_a_proj_with_mqa.weight", c.kv_lora_rank + c.qk_rope_head_dim, D);
  m.kv_a_layernorm = load_vec(ck, p + "kv_a_layernorm.weight", c.kv_lora_rank);
  m.kv_b_proj = Weight::load(ck, p + "kv_b_proj.weight", H * (c.qk_nope_head_dim + c.v_head_dim), c.kv_lora_rank);
  m.o_proj = Weight::load(ck, p + "o_proj.weight", D, H * c.v_head_dim);
  return m;
}

void Mla::forward(const float* x, int64_t T, const std::vector<RowPos>& rows, const std::vector<ChunkSpan>& chunks,
                  KVCache& cache, int64_t layer, AttnImpl impl, float* out) const {
  const ModelConfig& c = *cfg;
  const int64_t H = c.num_attention_heads, nope = c.qk_nope_head_dim, r = c.qk_rope_head_dim, C = c.kv_lora_rank;
  const int64_t qd = c.qk_head_dim(), dv = c.v_head_dim, eps_dummy = 0;
  (void)eps_dummy;
  const float eps = (float)c.rms_norm_eps;
  std::vector<float> q(T * H * qd), kva(T * (C + r));
  if (c.q_lora_rank > 0) {
    std::vector<float> qa(T * c.q_lora_rank);
    if (T == 1) {
      // Decode: both projections of x in one pass.
      const GemvTask tk[2] = {{x, q_a_proj.m, qa.data()}, {x, kv_a_proj_with_mqa.m, kva.data()}};
      gemv_batch(tk, 2);
    } else {
      linear(x, T, q_a_proj.m, qa.data());
      linear(x, T, kv_a_proj_with_mqa.m, kva.data());
    }
    for (int64_t t = 0; t < T; ++t)
      rmsnorm(&qa[t * c.q_lora_rank], q_a_layernorm.f32(), c.q_lora_rank, eps, &qa[t * c.q_lora_rank]);
    linear(qa.data(), T, q_b_proj.m, q.data());
  } else {
    linear(x, T, q_proj.m, q.data());
    linear(x, T, kv_a_proj_with_mqa.m, kva.data());
  }
  // Cache rows: normalised latent, then roped k_pe; RoPE on every head's q_pe.
#pragma omp parallel for schedule(static) if (T > 1)
  for (int64_t t = 0; t < T; ++t) {
    std::vector<float> cs(r / 2), sn(r / 2);
    rope->angles(rows[t].pos, cs.data(), sn.data());
    float* dst = cache.row(rows[t].slot, layer, rows[t].pos);
    const float* src = &kva[t * (C + r)];
    rmsnorm(src, kv_a_layernorm.f32(), C, eps, dst);
    std::memcpy(dst + C, src + C, r * sizeof(float));
    rope_interleaved(dst + C, r, cs.data(), sn.data());
    for (int64_t h = 0; h < H; ++h) rope_interleaved(&q[(t * H + h) * qd + nope], r, cs.data(), sn.data());
  }
  std::vector<float> attn(T * H * dv);
  std::vector<int64_t> absorb_rows;
  for (const ChunkSpan& ch : chunks) {
    bool absorb = impl == AttnImpl::Absorb || (impl == AttnImpl::Auto && ch.n == 1);
    if (absorb) {
      for (int64_t i = 0; i < ch.n; ++i) absorb_rows.push_back(ch.row0 + i);
    } else {
      attend_naive(q.data(), ch, cache, layer, attn.data());
    }
  }
  if (!absorb_rows.empty()) attend_absorb(q.data(), absorb_rows, rows, cache, layer, attn.data());
  linear(attn.data(), T, o_proj.m, out);
}

void Mla::attend_absorb(const float* q, const std::vector<int64_t>& sel, const std::vector<RowPos>& rows,
                        const KVCache& cache, int64_t layer, float* attn) const {
  const ModelConfig& c = *cfg;
  const int64_t H = c.num_attention_heads, nope = c.qk_nope_head_dim, r = c.qk_rope_head_dim, C = c.kv_lora_rank;
  const int64_t qd = c.qk_head_dim(), dv = c.v_head_dim, W = C + r;
  const float scale = (float)c.softmax_scale();
  const int64_t M = (int64_t)sel.size();
  // Gather the selected rows' queries: [M, H, qd].
  std::vector<float> qs(M * H * qd);
  for (int64_t i = 0; i < M; ++i) std::memcpy(&qs[i * H * qd], q + sel[i] * H * qd, H * qd * sizeof(float));
  // Per (row, head), on one thread: q_lat = q_nope . W_UK[h] (W_UK[h] = kv_b rows
  // h*(nope+dv) .. +nope, [nope, C]); scores over the cached latents and k_pe;
  // olat = sum_t p_t c_kv_t; out_h = W_UV[h] . olat (W_UV[h] = kv_b rows
  // h*(nope+dv)+nope .. +dv, [dv, C]).
  std::vector<float> ov(M * H * dv);
#pragma omp parallel for schedule(static) collapse(2)
  for (int64_t i = 0; i < M; ++i) {
    for (int64_t h = 0; h < H; ++h) {
      const RowPos& rp = rows[sel[i]];
      const int64_t L = rp.pos + 1;
      static thread_local std::vector<float> ql, o, p;
      ql.resize(C), o.resize(C), p.resize(L);
      gemv_xw_serial(&qs[(i * H + h) * qd], kv_b_proj.m.block(h * (nope + dv), nope), ql.data());
      const float* qp = &qs[(i * H + h) * qd + nope];
      for (int64_t t = 0; t < L; ++t) {
        const float* kv = cache.row(rp.slot, layer, t);
        p[t] = (dot_f32(ql.data(), kv, C) + dot_f32(qp, kv + C, r)) * scale;
      }
      softmax_inplace(p.data(), L);
      std::memset(o.data(), 0, C * sizeof(float));
      for (int64_t t = 0; t < L; ++t) axpy_f32(p[t], cache.row(rp.slot, layer, t), o.data(), C);
      gemv_serial(o.data(), kv_b_proj.m.block(h * (nope + dv) + nope, dv), &ov[(i * H + h) * dv]);
    }
  }
  for (int64_t i = 0; i < M; ++i) std::memcpy(attn + sel[i] * H * dv, &ov[i * H * dv], H * dv * sizeof(float));
  (void)W;
}

void Mla::attend_naive(const float* q, const ChunkSpan& ch, const KVCache& cache, int64_t layer, float* attn) const {
  const ModelConfig& c = *cfg;
  const int64_t H = c.num_attention_heads, nope = c.qk_nope_head_dim, r = c.qk_rope_head_dim, C = c.kv_lora_rank;
  const int64_t qd = c.qk_head_dim(), dv = c.v_head_dim, W = C + r;
  const int64_t L = ch.start + ch.n, n = ch.n;
  const float scale = (float)c.softmax_scale();
  // Latents of all L keys, contiguous [L, C], then kv = kv_b(latent) [L, H*(nope+dv)].
  std::vector<float> lat(L * C), kpe(L * r), kv(L * H * (nope + dv));
  for (int64_t t = 0; t < L; ++t) {
    const float* src = cache.row(ch.slot, layer, t);
    std::memcpy(&lat[t * C], src, C * sizeof(float));
    std::memcpy(&kpe[t * r], src + C, r * sizeof(float));
  }
  (void)W;
  linear(lat.data(), L, kv_b_proj.m, kv.data());
#pragma omp parallel for schedule(static)
  for (int64_t h = 0; h < H; ++h) {
    std::vector<float> K(L * qd), Q(n * qd), S(n * L);
    for (int64_t t = 0; t < L; ++t) {
      std::memcpy(&K[t * qd], &kv[(t * H + h) * (nope + dv)], nope * sizeof(float));
      std::memcpy(&K[t * qd + nope], &kpe[t * r], r * sizeof(float));
    }
    for (int64_t i = 0; i < n; ++i) std::memcpy(&Q[i * qd], q + ((ch.row0 + i) * H + h) * qd, qd * sizeof(float));
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)n, (int)L, (int)qd, scale, Q.data(), (int)qd, K.data(),
                (int)qd, 0.0f, S.data(), (int)L);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t valid = ch.start + i + 1;  // causal: keys 0 .. start+i
      float* s = &S[i * L];
      softmax_inplace(s, valid);
      for (int64_t t = valid; t < L; ++t) s[t] = 0.0f;
    }
    // out[i, h, :] = S[i, :] . V_h   (V_h = kv[:, h, nope:], row stride H*(nope+dv))
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)dv, (int)L, 1.0f, S.data(), (int)L,
                &kv[h * (nope + dv) + nope], (int)(H * (nope + dv)), 0.0f, attn + (ch.row0 * H + h) * dv,
                (int)(H * dv));
  }
}

}  // namespace r1
