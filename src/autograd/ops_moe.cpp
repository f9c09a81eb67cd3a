// MoE routing (gate), dispatch, combine and the balance losses.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include "autograd/ops.h"
#include "base/error.h"

namespace r1::ag {

std::vector<int64_t> Routing::load() const {
  std::vector<int64_t> l(E);
  for (int e = 0; e < E; ++e) l[e] = (int64_t)rows[e].size();
  return l;
}

// affinities s[N, E] from logits: sigmoid, or softmax over E
static void gate_scores(float* s, const float* lg, int64_t N, int E, bool sigmoid) {
#pragma omp parallel for schedule(static) if (N * E > 16384)
  for (int64_t n = 0; n < N; ++n) {
    const float* l = lg + n * E;
    float* o = s + n * E;
    if (sigmoid) {
      for (int e = 0; e < E; ++e) o[e] = 1.0f / (1.0f + std::exp(-l[e]));
    } else {
      float mx = *std::max_element(l, l + E);
      double sum = 0;
      for (int e = 0; e < E; ++e) sum += (o[e] = std::exp(l[e] - mx));
      for (int e = 0; e < E; ++e) o[e] = (float)(o[e] / sum);
    }
  }
}

// ds[N, E] (dense) -> dlogits += ds through sigmoid / softmax
static void gate_scores_backward(float* dlg, const float* ds, const float* s, int64_t N, int E, bool sigmoid) {
#pragma omp parallel for schedule(static) if (N * E > 16384)
  for (int64_t n = 0; n < N; ++n) {
    const float *d = ds + n * E, *p = s + n * E;
    float* o = dlg + n * E;
    if (sigmoid) {
      for (int e = 0; e < E; ++e) o[e] += d[e] * p[e] * (1.0f - p[e]);
    } else {
      double dot = 0;
      for (int e = 0; e < E; ++e) dot += (double)d[e] * p[e];
      for (int e = 0; e < E; ++e) o[e] += p[e] * (d[e] - (float)dot);
    }
  }
}

// Selection (model.py Gate.forward): sel = s + bias; keep topk_group groups
// (score: sum of top-2 or max); top-K of sel over kept experts (ties -> lower
// index); w = s[idx], renormalised when norm_topk, times route_scale.
Var moe_route(Tape& t, const Var& logits, const float* bias, const RouteConfig& rc, Routing* out) {
  const int E = rc.E, K = rc.K;
  R1_CHECK(logits->v.dim(-1) == E, "moe_route: logits ", shape_str(logits->v.shape()), " vs ", E, " experts");
  R1_CHECK(K >= 1 && K <= E, "moe_route: K=", K, " with E=", E);
  R1_CHECK(rc.n_group >= 1 && E % rc.n_group == 0 && rc.topk_group >= 1 && rc.topk_group <= rc.n_group,
           "moe_route: bad groups n_group=", rc.n_group, " topk_group=", rc.topk_group, " E=", E);
  const int64_t N = logits->numel() / E;
  Routing& R = *out;
  R.N = N;
  R.E = E;
  R.K = K;
  R.scores = Tensor::empty({N, E});
  gate_scores(R.scores.f32(), logits->val(), N, E, rc.sigmoid);
  R.idx.assign(N * K, 0);
  Var w = make_var(Tensor::empty({N, K}), needs_grad(t, {&logits}));
  const float* s = R.scores.f32();
  float* wv = w->val();
  const int G = rc.n_group, gsz = E / G;
#pragma omp parallel for schedule(static) if (N > 256)
  for (int64_t n = 0; n < N; ++n) {
    std::vector<float> sel(E);
    for (int e = 0; e < E; ++e) sel[e] = s[n * E + e] + (bias ? bias[e] : 0.0f);
    std::vector<char> allowed(E, 1);
    if (G > 1) {
      std::vector<float> gs(G);
      for (int g = 0; g < G; ++g) {
        const float* p = sel.data() + g * gsz;
        if (rc.group_top2_sum) {
          float a = -std::numeric_limits<float>::infinity(), b = a;
          for (int j = 0; j < gsz; ++j) {
            if (p[j] > a) b = a, a = p[j];
            else if (p[j] > b) b = p[j];
          }
          gs[g] = gsz >= 2 ? a + b : a;
        } else {
          gs[g] = *std::max_element(p, p + gsz);
        }
      }
      std::vector<int> go(G);
      std::iota(go.begin(), go.end(), 0);
      std::stable_sort(go.begin(), go.end(), [&](int a, int b) { return gs[a] > gs[b]; });
      std::vector<char> keep(G, 0);
      for (int i = 0; i < rc.topk_group; ++i) keep[go[i]] = 1;
      for (int e = 0; e < E; ++e) allowed[e] = keep[e / gsz];
    }
    std::vector<int> order;
    for (int e = 0; e < E; ++e)
      if (allowed[e]) order.push_back(e);
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return sel[a] > sel[b]; });
    double sum = 0;
    for (int k = 0; k < K; ++k) {
      R.idx[n * K + k] = order[k];
      sum += s[n * E + order[k]];
    }
    for (int k = 0; k < K; ++k) {
      float x = s[n * E + order[k]];
      if (rc.norm_topk) x = (float)(x / (sum + 1e-20));
      wv[n * K + k] = x * rc.route_scale;
    }
  }
  R.rows.assign(E, {});
  for (int64_t n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k) R.rows[R.idx[n * K + k]].push_back(n * K + k);
  if (w->requires_grad)
    t.push([logits, w, rc, idx = R.idx, scores = R.scores, N, E, K] {
      // w_k = c*s_k/S (S = sum of chosen s) -> ds_k = c*(dw_k/S - sum_j dw_j s_j/S^2); unnormalised: ds_k = c*dw_k
      Tensor ds = Tensor::empty({N, E});
      const float *dw = w->grad(), *s = scores.f32();
      for (int64_t n = 0; n < N; ++n) {
        const int32_t* id = idx.data() + n * K;
        float* d = ds.f32() + n * E;
        if (rc.norm_topk) {
          double S = 0, dot = 0;
          for (int k = 0; k < K; ++k) S += s[n * E + id[k]], dot += (double)dw[n * K + k] * s[n * E + id[k]];
          S += 1e-20;
          for (int k = 0; k < K; ++k) d[id[k]] += (float)(rc.route_scale * (dw[n * K + k] / S - dot / (S * S)));
        } else {
          for (int k = 0; k < K; ++k) d[id[k]] += rc.route_scale * dw[n * K + k];
        }
      }
      gate_scores_backward(logits->grad(), ds.f32(), s, N, E, rc.sigmoid);
    });
  return w;
}

// fwd: xs[e][j, :] = x[rows[e][j] / K, :];  bwd: dx[token] += dxs[e][j]
std::vector<Var> moe_dispatch(Tape& t, const Var& x, const Routing& r) {
  const int64_t C = x->v.dim(-1);
  R1_CHECK(x->numel() == r.N * C, "moe_dispatch: x ", shape_str(x->v.shape()), " vs ", r.N, " routed tokens");
  std::vector<Var> xs(r.E);
  const bool rg = needs_grad(t, {&x});
  for (int e = 0; e < r.E; ++e) {
    const auto& rows = r.rows[e];
    const int64_t n = (int64_t)rows.size();
    xs[e] = make_var(Tensor::empty({n, C}), rg);
    for (int64_t j = 0; j < n; ++j)
      std::memcpy(xs[e]->val() + j * C, x->val() + (rows[j] / r.K) * C, C * sizeof(float));
  }
  if (rg)
    t.push([x, xs, rows = r.rows, K = r.K, C] {
      float* dx = x->grad();
      for (size_t e = 0; e < xs.size(); ++e) {
        if (!xs[e]->has_grad()) continue;
        const float* d = xs[e]->g.f32();
        for (size_t j = 0; j < rows[e].size(); ++j) {
          float* o = dx + (rows[e][j] / K) * C;
          for (int64_t c = 0; c < C; ++c) o[c] += d[j * C + c];
        }
      }
    });
  return xs;
}

// fwd: y[n, :] = sum_k w[n,k] ys[e_k][slot of (n,k)]
// bwd: dys[e][j] = w[n,k] dy[n];  dw[n,k] = dy[n] . ys[e][j]
Var moe_combine(Tape& t, const std::vector<Var>& ys, const Var& w, const Routing& r, int64_t C) {
  R1_CHECK((int)ys.size() == r.E, "moe_combine: ", ys.size(), " expert outputs vs ", r.E);
  bool rg = needs_grad(t, {&w});
  for (auto& y : ys) rg = rg || (t.enabled && y->requires_grad);
  Var out = make_var(Tensor::empty({r.N, C}), rg);
  // where[n*K+k] = row of (n, k) in its expert's batch
  std::vector<int64_t> where(r.N * r.K);
  for (int e = 0; e < r.E; ++e) {
    R1_CHECK(ys[e]->numel() == (int64_t)r.rows[e].size() * C, "moe_combine: expert ", e, " output size");
    for (size_t j = 0; j < r.rows[e].size(); ++j) where[r.rows[e][j]] = (int64_t)j;
  }
  const float* wv = w->val();
  float* o = out->val();
  const int K = r.K;
#pragma omp parallel for schedule(static) if (r.N * K * C > 16384)
  for (int64_t n = 0; n < r.N; ++n)
    for (int k = 0; k < K; ++k) {
      const int e = r.idx[n * K + k];
      const float* src = ys[e]->val() + where[n * K + k] * C;
      const float a = wv[n * K + k];
      for (int64_t c = 0; c < C; ++c) o[n * C + c] += a * src[c];
    }
  if (rg)
    t.push([ys, w, out, idx = r.idx, where = std::move(where), N = r.N, K, C] {
      const float* dy = out->grad();
      const float* wv = w->val();
      float* dw = w->requires_grad ? w->grad() : nullptr;
      std::vector<float*> dys(ys.size(), nullptr);
      for (size_t e = 0; e < ys.size(); ++e)
        if (ys[e]->requires_grad) dys[e] = ys[e]->grad();
#pragma omp parallel for schedule(static) if (N * K * C > 16384)
      for (int64_t n = 0; n < N; ++n)
        for (int k = 0; k < K; ++k) {
          const int e = idx[n * K + k];
          const int64_t j = where[n * K + k];
          const float* src = ys[e]->val() + j * C;
          if (dw) {
            double dot = 0;
            for (int64_t c = 0; c < C; ++c) dot += (double)dy[n * C + c] * src[c];
            dw[n * K + k] += (float)dot;
          }
          if (dys[e]) {
            float* d = dys[e] + j * C;  // each (n,k) owns a distinct row j
            for (int64_t c = 0; c < C; ++c) d[c] += wv[n * K + k] * dy[n * C + c];
          }
        }
    });
  return out;
}

// L = alpha/G sum_g sum_i f_{g,i} P_{g,i}; f constant (counts), P_{g,i} = mean_{t in g} s'_{t,i}.
// dL/ds'_{t,i} = alpha/G * f_{g,i}/L_g; s' = s/sum(s) when normalize: ds_j = (dp_j - sum_i dp_i s'_i)/sum(s).
Var balance_loss(Tape& t, const Var& logits, const Routing& r, const RouteConfig& rc, int64_t group_len,
                 bool normalize, float alpha) {
  const int64_t N = r.N;
  const int E = r.E, K = r.K;
  R1_CHECK(group_len > 0 && N % group_len == 0, "balance_loss: ", N, " tokens not a multiple of group ", group_len);
  const int64_t G = N / group_len;
  R1_CHECK(logits->numel() == N * E, "balance_loss: logits vs routing");
  // scores recomputed from logits (not taken from r) so this op is a function of its input
  Tensor scores = Tensor::empty({N, E});
  gate_scores(scores.f32(), logits->val(), N, E, rc.sigmoid);
  const float* s = scores.f32();
  std::vector<double> f(G * E, 0.0);
  for (int64_t n = 0; n < N; ++n)
    for (int k = 0; k < K; ++k) f[(n / group_len) * E + r.idx[n * K + k]] += 1.0;
  for (auto& x : f) x *= (double)E / ((double)K * (double)group_len);
  Tensor sp = Tensor::empty({N, E});  // s' (normalised or not)
  std::vector<double> ssum(N, 1.0);
  for (int64_t n = 0; n < N; ++n) {
    double z = 0;
    for (int e = 0; e < E; ++e) z += s[n * E + e];
    if (normalize) ssum[n] = z;
    for (int e = 0; e < E; ++e) sp.f32()[n * E + e] = (float)(s[n * E + e] / ssum[n]);
  }
  double L = 0;
  for (int64_t n = 0; n < N; ++n)
    for (int e = 0; e < E; ++e) L += f[(n / group_len) * E + e] * sp.f32()[n * E + e] / (double)group_len;
  L *= (double)alpha / (double)G;
  Var out = make_var(Tensor::empty({1}), needs_grad(t, {&logits}));
  out->val()[0] = (float)L;
  if (out->requires_grad)
    t.push([logits, out, f = std::move(f), sp, ssum = std::move(ssum), scores, N, E, G, group_len,
            normalize, alpha, rc] {
      const float g0 = out->grad()[0];
      Tensor ds = Tensor::empty({N, E});
      for (int64_t n = 0; n < N; ++n) {
        std::vector<double> dp(E);
        double dot = 0;
        for (int e = 0; e < E; ++e) {
          dp[e] = g0 * (double)alpha / (double)G * f[(n / group_len) * E + e] / (double)group_len;
          dot += dp[e] * sp.f32()[n * E + e];
        }
        for (int e = 0; e < E; ++e)
          ds.f32()[n * E + e] = (float)(normalize ? (dp[e] - dot) / ssum[n] : dp[e]);
      }
      gate_scores_backward(logits->grad(), ds.f32(), scores.f32(), N, E, rc.sigmoid);
    });
  return out;
}

}  // namespace r1::ag
