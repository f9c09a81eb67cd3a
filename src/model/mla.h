// Multi-head Latent Attention (DeepSeek-V2 sec. 2.1), HF weight names.
//   q = q_b(RMSNorm_qa(q_a(x))) or q_proj(x)          [H, nope | rope]
//   [c_kv | k_pe] = kv_a_proj_with_mqa(x); c_kv = RMSNorm_kva(c_kv)
//   cache per token: [c_kv (kv_lora_rank) | RoPE(k_pe) (qk_rope_head_dim)]
//   kv_b rows per head: [k_nope (qk_nope) | v (v_head_dim)] x kv_lora_rank
// Naive: k_nope/v = kv_b(c_kv) per key. Absorb: q_lat = q_nope . W_UK[h],
//   score = q_lat.c_kv + q_pe.k_pe, out_h = W_UV[h] . sum_t p_t c_kv_t.
#pragma once
#include <vector>

#include "formats/model_config.h"
#include "kernels/cpu/ops.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "model/weight.h"

namespace r1 {

// Where each row of a forward batch lives: its cache slot and absolute position.
struct RowPos {
  int slot;
  int64_t pos;
};
// A chunk's rows [row0, row0+n) sit at positions [start, start+n) of `slot`.
struct ChunkSpan {
  int slot;
  int64_t row0, n, start;
};

struct Mla {
  const ModelConfig* cfg = nullptr;
  const RopeTable* rope = nullptr;
  Weight q_a_proj, q_b_proj, q_proj;  // q_proj only when q_lora_rank == 0
  Tensor q_a_layernorm;
  Weight kv_a_proj_with_mqa, kv_b_proj, o_proj;
  Tensor kv_a_layernorm;

  static Mla load(const Checkpoint& ck, const std::string& prefix, const ModelConfig& cfg, const RopeTable& rope);
  // x: normed input [T, hidden]; writes this layer's cache rows for every row
  // (cache.ensure must cover them), then attends each row to its slot's
  // positions <= its own. out: [T, hidden].
  void forward(const float* x, int64_t T, const std::vector<RowPos>& rows, const std::vector<ChunkSpan>& chunks,
               KVCache& cache, int64_t layer, AttnImpl impl, float* out) const;

 private:
  void attend_absorb(const float* q, const std::vector<int64_t>& rows_sel, const std::vector<RowPos>& rows,
                     const KVCache& cache, int64_t layer, float* attn) const;
  void attend_naive(const float* q, const ChunkSpan& ch, const KVCache& cache, int64_t layer, float* attn) const;
};

}  // namespace r1
