// Differentiable ops. Each op computes its CPU forward now and records a
// closure that runs its hand-written backward later (see tape.h). Shapes use
// N = tokens (batch*seq flattened), C = channels, H = heads, E = experts,
// K = experts per token, V = vocab. All values are F32; with bf16 GEMM on,
// linear() rounds its GEMM inputs to BF16 and accumulates in F32.
#pragma once
#include <cstdint>
#include <vector>

#include "autograd/tape.h"

namespace r1::ag {

// Mixed precision switch for linear(): BF16-rounded inputs, F32 accumulation.
void set_bf16_gemm(bool on);
bool bf16_gemm();

// ids[N] -> W[ids] : [N, C].  W: [V, C]
Var embedding(Tape& t, const Var& W, const std::vector<int32_t>& ids);
// x[N, K] @ W[M, K]^T -> [N, M] (no bias: DeepSeek has none).
Var linear(Tape& t, const Var& x, const Var& W);
// x[N, C] * rsqrt(mean(x^2) + eps) * w[C]
Var rmsnorm(Tape& t, const Var& x, const Var& w, float eps);
Var add(Tape& t, const Var& a, const Var& b);     // same shape
Var scale(Tape& t, const Var& a, float s);
// silu(g) * u, g and u [N, F]
Var swiglu(Tape& t, const Var& g, const Var& u);
// Columns [off, off+len) of the last dim: x[..., D] -> [..., len].
Var narrow(Tape& t, const Var& x, int64_t off, int64_t len);
// [..., Da] ++ [..., Db] -> [..., Da+Db] (same leading dims)
Var concat_last(Tape& t, const Var& a, const Var& b);
// Reinterpret the shape (same numel); shares no storage with x.
Var reshape(Tape& t, const Var& x, Shape s);

// RoPE with interleaved pairs (x[2i], x[2i+1]) rotated by pos*inv_freq[i]
// (model.py's complex multiply). x: [N, H, r]; pos[N]; inv_freq[r/2].
Var rope(Tape& t, const Var& x, const std::vector<float>& inv_freq, const std::vector<int32_t>& pos);

// Which tokens may attend to which: N = B*T tokens as B rows of T; token t
// attends to s <= t of the same segment (segments are contiguous runs with
// equal seg id, so packed documents never see each other).
struct AttnLayout {
  int64_t B = 0, T = 0;
  std::vector<int32_t> seg;  // [B*T]; empty = one segment per row
};
// MLA attention, naive form: score[h,t,s] = scale*(q_nope.k_nope + q_pe.k_pe[s]),
// causal+segment mask, softmax over s, out = P v.
// q_nope[N,H,dn] q_pe[N,H,r] k_nope[N,H,dn] k_pe[N,r] (shared by heads) v[N,H,dv] -> [N, H*dv]
Var mla_attention(Tape& t, const Var& q_nope, const Var& q_pe, const Var& k_nope, const Var& k_pe, const Var& v,
                  const AttnLayout& lay, float softmax_scale);

// ---- MoE ----
struct RouteConfig {
  int E = 0, K = 0;
  bool sigmoid = true;        // scoring_func sigmoid (V3) or softmax (V2)
  bool norm_topk = true;      // renormalise the K chosen weights (+1e-20)
  float route_scale = 1.0f;   // routed_scaling_factor
  int n_group = 1, topk_group = 1;
  bool group_top2_sum = true; // group score: sum of top-2 (V3 noaux_tc) or max (V2)
};
struct Routing {
  int64_t N = 0;
  int E = 0, K = 0;
  std::vector<int32_t> idx;        // [N, K] chosen experts, by descending selection score
  Tensor scores;                   // [N, E] unbiased affinities s (sigmoid/softmax)
  std::vector<std::vector<int64_t>> rows;  // per expert: flattened (token*K + slot), token order
  std::vector<int64_t> load() const;       // tokens per expert [E]
};
// Gate: logits[N,E] -> routing weights [N,K]. bias[E] (may be null) only
// shifts the choice (aux-loss-free balancing); the weights use the unbiased s,
// so gradients reach the gate through the chosen experts' scores.
Var moe_route(Tape& t, const Var& logits, const float* bias, const RouteConfig& rc, Routing* out);
// x[N,C] -> per expert e the rows routed to it, [n_e, C], token order.
std::vector<Var> moe_dispatch(Tape& t, const Var& x, const Routing& r);
// y = sum_k w[n,k] * ys[idx[n,k]][row of n]: -> [N, C]
Var moe_combine(Tape& t, const std::vector<Var>& ys, const Var& w, const Routing& r, int64_t C);
// A SwiGLU MLP's weights: gate, up [F, C], down [C, F].
struct ExpertWeights {
  Var gate, up, down;
};
// y = (silu(x gate^T) * (x up^T)) down^T as one op.  x [N, C] -> [N, C]
Var swiglu_mlp(Tape& t, const Var& x, const ExpertWeights& W);
// Fused MoE FFN: dispatch, every routed expert, combine and (when shared is
// not null) the shared expert:  y[n] = sum_k w[n,k] E_{idx[n,k]}(x[n]) + S(x[n]).
// x [N, C], w [N, K] (from moe_route), experts.size() == E.
Var moe_experts(Tape& t, const Var& x, const Var& w, const Routing& r, const std::vector<ExpertWeights>& experts,
                const ExpertWeights* shared);
// Balance loss alpha * mean_groups sum_i f_i P_i over groups of group_len tokens,
// f_i = E/(K*L) * count(i chosen in group), P_i = mean over group of s_i
// (normalised to sum 1 per token when normalize). V3 sequence-wise loss:
// group = sequence, normalize. V2 expert-level loss: group = batch, no normalise.
Var balance_loss(Tape& t, const Var& logits, const Routing& r, const RouteConfig& rc, int64_t group_len,
                 bool normalize, float alpha);

// ---- losses ----
// Mean over targets != ignore of -log softmax(logits)[target]; 0 when none.
Var cross_entropy(Tape& t, const Var& logits, const std::vector<int32_t>& targets, int32_t ignore = -1);
// Per-token log p(target) [N] (0 where ignored): for SFT/GRPO losses built outside.
Var token_logprobs(Tape& t, const Var& logits, const std::vector<int32_t>& targets, int32_t ignore = -1);
// sum_i w_i * xs_i for scalars
Var weighted_sum(Tape& t, const std::vector<Var>& xs, const std::vector<float>& w);

}  // namespace r1::ag
