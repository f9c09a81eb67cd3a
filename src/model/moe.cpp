#include "model/moe.h"

#include <algorithm>
#include <cstring>

#include "kernels/cpu/ops.h"

namespace r1 {

Moe Moe::load(const Checkpoint& ck, const std::string& p, const ModelConfig& cfg) {
  Moe m;
  m.gate = Gate::load(ck, p + "gate.", cfg);
  for (int64_t e = 0; e < cfg.n_routed_experts; ++e)
    m.experts.push_back(Mlp::load(ck, p + "experts." + std::to_string(e) + ".", cfg.hidden_size, cfg.moe_intermediate_size));
  if (cfg.n_shared_experts > 0) {
    m.has_shared = true;
    m.shared_experts = Mlp::load(ck, p + "shared_experts.", cfg.hidden_size, cfg.n_shared_experts * cfg.moe_intermediate_size);
  }
  return m;
}

void Moe::forward(const float* x, int64_t T, float* out, std::vector<int>* idx_out, std::vector<float>* w_out) const {
  const ModelConfig& c = *gate.cfg;
  const int64_t H = c.hidden_size, K = c.num_experts_per_tok, E = c.n_routed_experts;
  std::vector<int> idx(T * K);
  std::vector<float> w(T * K);
  gate.route(x, T, idx.data(), w.data());
  if (T == 1) {
    forward_one(x, idx.data(), w.data(), out);
    if (idx_out) *idx_out = std::move(idx);
    if (w_out) *w_out = std::move(w);
    return;
  }
  // Bucket (token, weight) pairs by expert.
  std::vector<std::vector<std::pair<int64_t, float>>> by(E);
  for (int64_t t = 0; t < T; ++t)
    for (int64_t k = 0; k < K; ++k) by[idx[t * K + k]].push_back({t, w[t * K + k]});
  std::vector<float> routed(T * H, 0.0f), xe, ye;
  for (int64_t e = 0; e < E; ++e) {
    const auto& rows = by[e];
    if (rows.empty()) continue;
    const int64_t m = (int64_t)rows.size();
    xe.resize(m * H);
    ye.resize(m * H);
    for (int64_t i = 0; i < m; ++i) std::memcpy(&xe[i * H], x + rows[i].first * H, H * sizeof(float));
    experts[e].forward(xe.data(), m, ye.data());
    for (int64_t i = 0; i < m; ++i) axpy_f32(rows[i].second, &ye[i * H], &routed[rows[i].first * H], H);
  }
  if (has_shared) {
    shared_experts.forward(x, T, out);
    for (int64_t i = 0; i < T * H; ++i) out[i] += routed[i];
  } else {
    std::memcpy(out, routed.data(), T * H * sizeof(float));
  }
  if (idx_out) *idx_out = std::move(idx);
  if (w_out) *w_out = std::move(w);
}

void Moe::forward_one(const float* x, const int* idx, const float* w, float* out) const {
  const ModelConfig& c = *gate.cfg;
  const int64_t H = c.hidden_size, K = c.num_experts_per_tok;
  // Experts in increasing index, as the bucketed path visits them; the shared
  // experts first in the task lists.
  std::vector<std::pair<int, float>> sel;
  for (int64_t k = 0; k < K; ++k) sel.push_back({idx[k], w[k]});
  std::sort(sel.begin(), sel.end(), [](auto& a, auto& b) { return a.first < b.first; });
  std::vector<const Mlp*> mlps;
  if (has_shared) mlps.push_back(&shared_experts);
  for (auto& [e, _] : sel) mlps.push_back(&experts[e]);
  const int n = (int)mlps.size();
  std::vector<int64_t> off(n + 1, 0);
  for (int i = 0; i < n; ++i) off[i + 1] = off[i] + mlps[i]->inter();
  static thread_local std::vector<float> gu, act, ys;
  gu.resize(2 * off[n]), act.resize(off[n]), ys.resize(n * H);
  std::vector<GemvTask> tk;
  for (int i = 0; i < n; ++i) {
    tk.push_back({x, mlps[i]->gate_proj.m, &gu[2 * off[i]]});
    tk.push_back({x, mlps[i]->up_proj.m, &gu[2 * off[i] + mlps[i]->inter()]});
  }
  gemv_batch(tk.data(), (int)tk.size());
  for (int i = 0; i < n; ++i) silu_mul(&gu[2 * off[i]], &gu[2 * off[i] + mlps[i]->inter()], mlps[i]->inter(), &act[off[i]]);
  tk.clear();
  for (int i = 0; i < n; ++i) tk.push_back({&act[off[i]], mlps[i]->down_proj.m, &ys[i * H]});
  gemv_batch(tk.data(), n);
  // y = shared + sum_e w_e * expert_e, the routed sum accumulated from zero in expert order.
  const int r0 = has_shared ? 1 : 0;
  std::vector<float> routed(H, 0.0f);
  for (size_t k = 0; k < sel.size(); ++k) axpy_f32(sel[k].second, &ys[(r0 + k) * H], routed.data(), H);
  if (has_shared) {
    for (int64_t i = 0; i < H; ++i) out[i] = ys[i] + routed[i];
  } else {
    std::memcpy(out, routed.data(), H * sizeof(float));
  }
}

}  // namespace r1
