#include "model/gate.h"

#include <algorithm>
#include <cmath>

#include "kernels/cpu/ops.h"

namespace r1 {

Gate Gate::load(const Checkpoint& ck, const std::string& p, const ModelConfig& cfg) {
  Gate g;
  g.cfg = &cfg;
  g.weight = Weight::load(ck, p + "weight", cfg.n_routed_experts, cfg.hidden_size);
  if (cfg.topk_method == TopkMethod::NoauxTc) g.bias = load_vec(ck, p + "e_score_correction_bias", cfg.n_routed_experts);
  return g;
}

void Gate::route(const float* x, int64_t T, int* idx, float* w, float* scores_out) const {
  const ModelConfig& c = *cfg;
  const int64_t E = c.n_routed_experts, K = c.num_experts_per_tok;
  std::vector<float> logits(T * E);
  linear(x, T, weight.m, logits.data());
  const bool grouped = c.topk_method != TopkMethod::Greedy && c.n_group > 1;
  const int64_t G = c.n_group, per = E / G;
#pragma omp parallel for schedule(static) if (T > 1)
  for (int64_t t = 0; t < T; ++t) {
    float* s = logits.data() + t * E;
    if (c.scoring_func == ScoringFunc::Sigmoid)
      for (int64_t e = 0; e < E; ++e) s[e] = 1.0f / (1.0f + std::exp(-s[e]));
    else
      softmax_inplace(s, E);
    if (scores_out) std::copy(s, s + E, scores_out + t * E);
    std::vector<float> sel(s, s + E);
    if (bias.defined() && bias.numel() == E)
      for (int64_t e = 0; e < E; ++e) sel[e] += bias.f32()[e];
    if (grouped) {
      std::vector<float> gs(G);
      for (int64_t g = 0; g < G; ++g) {
        const float* b = sel.data() + g * per;
        if (c.topk_method == TopkMethod::NoauxTc) {
          int top2[2];
          topk_desc(b, per, 2, top2);
          gs[g] = b[top2[0]] + b[top2[1]];
        } else {
          gs[g] = *std::max_element(b, b + per);
        }
      }
      std::vector<int> keep(c.topk_group);
      topk_desc(gs.data(), G, c.topk_group, keep.data());
      std::vector<char> kept(G, 0);
      for (int k : keep) kept[k] = 1;
      for (int64_t e = 0; e < E; ++e)
        if (!kept[e / per]) sel[e] = -INFINITY;
    }
    int* ti = idx + t * K;
    float* tw = w + t * K;
    topk_desc(sel.data(), E, K, ti);
    float sum = 0;
    for (int64_t k = 0; k < K; ++k) {
      tw[k] = s[ti[k]];
      sum += tw[k];
    }
    bool normed = c.norm_topk_prob && K > 1;
    if (normed)
      for (int64_t k = 0; k < K; ++k) tw[k] /= (sum + 1e-20f);
    if (!(normed && c.model_type == "deepseek_v2"))
      for (int64_t k = 0; k < K; ++k) tw[k] *= (float)c.routed_scaling_factor;
  }
}

}  // namespace r1
