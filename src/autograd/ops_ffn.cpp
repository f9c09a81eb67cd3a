// Fused SwiGLU feed-forward ops: one tape entry per MLP, and for MoE one per
// layer covering dispatch, every routed expert, the shared expert and the
// combine. Experts run in parallel (one thread each, so each expert's GEMMs
// are single-threaded and give the same bits whichever thread runs them).
#include <omp.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <numeric>

#include "autograd/kernels.h"
#include "autograd/ops.h"
#include "autograd/vec.h"
#include "base/error.h"

namespace r1::ag {

namespace {

using kern::silu_mul_bwd;
using kern::silu_mul_fwd;

struct MlpPtrs {
  const float *Wg, *Wu, *Wd;  // values used by the GEMMs (BF16-rounded under mixed precision)
};

// Rows X [n, C] (already rounded under bf) -> G, U [n, F], A [n, F] (rounded under bf), Y [n, C].
void mlp_rows_fwd(const float* X, int64_t n, int64_t C, int64_t F, const MlpPtrs& W, float* G, float* U, float* A,
                  float* Y, bool bf) {
  if (n == 0) return;
  kern::gemm(false, true, n, F, C, 1.0f, X, C, W.Wg, C, 0.0f, G, F);
  kern::gemm(false, true, n, F, C, 1.0f, X, C, W.Wu, C, 0.0f, U, F);
  silu_mul_fwd(G, U, A, n * F);
  if (bf) kern::round_bf16(A, A, n * F);
  kern::gemm(false, true, n, C, F, 1.0f, A, F, W.Wd, F, 0.0f, Y, C);
}

// Weight-gradient buffers of one MLP (gate, up, down; null: not wanted) and
// whether each is written fresh (beta 0) or accumulated into (beta 1).
struct MlpGrads {
  std::array<float*, 3> d{nullptr, nullptr, nullptr};
  std::array<float, 3> beta{1.0f, 1.0f, 1.0f};
};

// Takes the weights' gradients for a backward that will write them (call
// outside parallel regions: it may allocate).
MlpGrads take_grads(const ExpertWeights& e) {
  MlpGrads r;
  const Var* w[3] = {&e.gate, &e.up, &e.down};
  for (int i = 0; i < 3; ++i)
    if ((*w[i])->requires_grad) {
      r.beta[i] = (*w[i])->take_grad_beta();
      r.d[i] = (*w[i])->g.f32();
    }
  return r;
}

// Backward of mlp_rows_fwd. dY [n, C] is rounded in place under bf; dA, dU
// are [n, F] scratch; dX (may be null) = or += (beta) the input gradient;
// weight gradients are written or accumulated as dW says (n > 0 required when
// any is written fresh, so that every element is written).
void mlp_rows_bwd(const float* X, int64_t n, int64_t C, int64_t F, const MlpPtrs& W, const float* G, const float* U,
                  const float* A, float* dY, float* dA, float* dU, float* dX, float beta_dx, const MlpGrads& dW,
                  bool bf) {
  if (n == 0) return;
  float *dWg = dW.d[0], *dWu = dW.d[1], *dWd = dW.d[2];
  if (bf) kern::round_bf16(dY, dY, n * C);
  if (dWd) kern::gemm(true, false, C, F, n, 1.0f, dY, C, A, F, dW.beta[2], dWd, F);
  kern::gemm(false, false, n, F, C, 1.0f, dY, C, W.Wd, F, 0.0f, dA, F);
  silu_mul_bwd(G, U, dA, dU, n * F);
  float* dG = dA;
  if (bf) kern::round_bf16(dG, dG, n * F), kern::round_bf16(dU, dU, n * F);
  if (dWg) kern::gemm(true, false, F, C, n, 1.0f, dG, F, X, C, dW.beta[0], dWg, C);
  if (dWu) kern::gemm(true, false, F, C, n, 1.0f, dU, F, X, C, dW.beta[1], dWu, C);
  if (dX) {
    kern::gemm(false, false, n, C, F, 1.0f, dG, F, W.Wg, C, beta_dx, dX, C);
    kern::gemm(false, false, n, C, F, 1.0f, dU, F, W.Wu, C, 1.0f, dX, C);
  }
}

void check_mlp(const ExpertWeights& e, int64_t C, const char* what) {
  R1_CHECK(e.gate && e.up && e.down && e.gate->v.ndim() == 2 && e.gate->v.dim(1) == C &&
               e.up->v.shape() == e.gate->v.shape() && e.down->v.ndim() == 2 && e.down->v.dim(0) == C &&
               e.down->v.dim(1) == e.gate->v.dim(0),
           what, ": weights ", e.gate ? shape_str(e.gate->v.shape()) : "null", " / ",
           e.down ? shape_str(e.down->v.shape()) : "null", " do not fit C=", C);
}

// Values (rounded once per tape under bf) and grad pointers of one MLP's weights.
struct MlpBind {
  Tensor g, u, d;  // keep BF16 copies alive
  MlpPtrs p{};
  MlpBind(Tape& t, const ExpertWeights& e, bool bf) {
    if (bf) {
      g = kern::bf16_value(t, e.gate), u = kern::bf16_value(t, e.up), d = kern::bf16_value(t, e.down);
      p = {g.f32(), u.f32(), d.f32()};
    } else {
      p = {e.gate->val(), e.up->val(), e.down->val()};
    }
  }
};

}  // namespace

Var swiglu_mlp(Tape& t, const Var& x, const ExpertWeights& W) {
  const int64_t C = x->v.dim(-1);
  check_mlp(W, C, "swiglu_mlp");
  const int64_t F = W.gate->v.dim(0), N = x->numel() / (C ? C : 1);
  const bool bf = bf16_gemm();
  Var y = make_var(kern::uninit(x->v.shape()), needs_grad(t, {&x, &W.gate, &W.up, &W.down}));
  MlpBind wb(t, W, bf);
  Tensor xb;
  if (bf) {
    xb = kern::uninit({N, C});
    kern::round_bf16(xb.f32(), x->val(), N * C);
  }
  Tensor G = kern::uninit({N, F}), U = kern::uninit({N, F}), A = kern::uninit({N, F});
  mlp_rows_fwd(bf ? xb.f32() : x->val(), N, C, F, wb.p, G.f32(), U.f32(), A.f32(), y->val(), bf);
  if (y->requires_grad)
    t.push([x, W, y, wb, xb, G, U, A, N, C, F, bf] {
      if (N == 0) return;
      // y's gradient is not read again: mlp_rows_bwd may round it in place
      Tensor dA = kern::uninit({N, F}), dU = kern::uninit({N, F});
      const float beta_dx = x->requires_grad ? x->take_grad_beta() : 0.0f;
      mlp_rows_bwd(bf ? xb.f32() : x->val(), N, C, F, wb.p, G.f32(), U.f32(), A.f32(), y->grad(), dA.f32(), dU.f32(),
                   x->requires_grad ? x->g.f32() : nullptr, beta_dx, take_grads(W), bf);
    });
  return y;
}

Var moe_experts(Tape& t, const Var& x, const Var& w, const Routing& r, const std::vector<ExpertWeights>& ex,
                const ExpertWeights* shared) {
  const int64_t C = x->v.dim(-1), N = r.N;
  const int K = r.K, E = r.E;
  R1_CHECK(x->numel() == N * C, "moe_experts: x ", shape_str(x->v.shape()), " vs ", N, " routed tokens");
  R1_CHECK(w->numel() == N * K, "moe_experts: weights ", shape_str(w->v.shape()), " vs N=", N, " K=", K);
  R1_CHECK((int)ex.size() == E && (int)r.rows.size() == E, "moe_experts: ", ex.size(), " experts vs ", E);
  for (auto& e : ex) check_mlp(e, C, "moe_experts");
  if (shared) check_mlp(*shared, C, "moe_experts (shared)");
  const int64_t F = E ? ex[0].gate->v.dim(0) : 0, Fs = shared ? shared->gate->v.dim(0) : 0;
  for (auto& e : ex) R1_CHECK(e.gate->v.dim(0) == F, "moe_experts: experts differ in intermediate size");
  const bool bf = bf16_gemm();

  // slot layout: expert e's rows are [off[e], off[e] + n_e); pos[n*K+k] = slot of (n, k)
  std::vector<int64_t> off(E + 1, 0), pos(N * K, -1);
  for (int e = 0; e < E; ++e) {
    off[e + 1] = off[e] + (int64_t)r.rows[e].size();
    for (size_t j = 0; j < r.rows[e].size(); ++j) pos[r.rows[e][j]] = off[e] + (int64_t)j;
  }
  const int64_t S = off[E];
  R1_CHECK(S == N * K, "moe_experts: routing covers ", S, " of ", N * K, " slots");

  bool rg = needs_grad(t, {&x, &w});
  for (auto& e : ex) rg = rg || needs_grad(t, {&e.gate, &e.up, &e.down});
  if (shared) rg = rg || needs_grad(t, {&shared->gate, &shared->up, &shared->down});
  Var out = make_var(kern::uninit({N, C}), rg);

  std::vector<MlpBind> wb;
  wb.reserve(E + 1);
  for (int e = 0; e < E; ++e) wb.emplace_back(t, ex[e], bf);
  if (shared) wb.emplace_back(t, *shared, bf);

  // gathered (and rounded) inputs, one row per slot
  Tensor X = kern::uninit({S, C}), G = kern::uninit({S, F}), U = kern::uninit({S, F}), A = kern::uninit({S, F}),
         Y = kern::uninit({S, C});
  const float* xv = x->val();
  {
    float* Xp = X.f32();
#pragma omp parallel for schedule(static) if (S * C > 32768)
    for (int64_t s = 0; s < N * K; ++s) std::memcpy(Xp + pos[s] * C, xv + (s / K) * C, C * sizeof(float));
    if (bf) kern::round_bf16(Xp, Xp, S * C);
  }
  Tensor xs, Gs, Us, As, Ys;
  if (shared) {
    if (bf) {
      xs = kern::uninit({N, C});
      kern::round_bf16(xs.f32(), xv, N * C);
    }
    Gs = kern::uninit({N, Fs}), Us = kern::uninit({N, Fs}), As = kern::uninit({N, Fs}), Ys = kern::uninit({N, C});
  }
  // tasks: every non-empty expert, then the shared expert (id E), largest first
  std::vector<int> tasks;
  for (int e = 0; e < E; ++e)
    if (off[e + 1] > off[e]) tasks.push_back(e);
  if (shared) tasks.push_back(E);
  auto cost = [&](int e) { return e == E ? N * Fs : (off[e + 1] - off[e]) * F; };
  std::stable_sort(tasks.begin(), tasks.end(), [&](int a, int b) { return cost(a) > cost(b); });
  const int nt = (int)tasks.size();
#pragma omp parallel for schedule(dynamic, 1)
  for (int ti = 0; ti < nt; ++ti) {
    const int e = tasks[ti];
    if (e == E) {
      mlp_rows_fwd(bf ? xs.f32() : xv, N, C, Fs, wb[E].p, Gs.f32(), Us.f32(), As.f32(), Ys.f32(), bf);
    } else {
      const int64_t o = off[e], n = off[e + 1] - o;
      mlp_rows_fwd(X.f32() + o * C, n, C, F, wb[e].p, G.f32() + o * F, U.f32() + o * F, A.f32() + o * F,
                   Y.f32() + o * C, bf);
    }
  }
  // combine: out[n] = sum_k w[n,k] Y[slot(n,k)] (k in order) + shared(x)[n]
  {
    const float *wv = w->val(), *Yp = Y.f32(), *Ysp = shared ? Ys.f32() : nullptr;
    float* o = out->val();
#pragma omp parallel for schedule(static) if (N * C > 16384)
    for (int64_t n = 0; n < N; ++n) {
      float* on = o + n * C;
      std::fill(on, on + C, 0.0f);
      for (int k = 0; k < K; ++k) {
        const float a = wv[n * K + k];
        const float* src = Yp + pos[n * K + k] * C;
        for (int64_t c = 0; c < C; ++c) on[c] += a * src[c];
      }
      if (Ysp)
        for (int64_t c = 0; c < C; ++c) on[c] += Ysp[n * C + c];
    }
  }
  const bool has_sh = shared != nullptr;
  const ExpertWeights shw = has_sh ? *shared : ExpertWeights{};
  if (rg)
    t.push([=, pos = std::move(pos), off = std::move(off), tasks = std::move(tasks), wb = std::move(wb)] {
      const float* dy = out->grad();
      const float* wv = w->val();
      float* dw = w->requires_grad ? w->grad() : nullptr;
      Tensor dY = kern::uninit({S, C});
      float* dYp = dY.f32();
      const float* Yp = Y.f32();
      // dw[n,k] = dy[n] . Y[slot];  dY[slot] = w[n,k] dy[n]
      // (each dot summed in c order in double; a token's K dots run as independent chains)
#pragma omp parallel for schedule(static) if (N * K * C > 16384)
      for (int64_t n = 0; n < N; ++n) {
        const float* d = dy + n * C;
        for (int k0 = 0; k0 < K; k0 += 4) {
          const int kn = std::min(4, K - k0);
          const float* src[4];
          double acc[4] = {0, 0, 0, 0};
          for (int j = 0; j < kn; ++j) src[j] = Yp + pos[n * K + k0 + j] * C;
          if (dw) {
            for (int64_t c = 0; c < C; ++c)
              for (int j = 0; j < kn; ++j) acc[j] += (double)d[c] * src[j][c];
            for (int j = 0; j < kn; ++j) dw[n * K + k0 + j] += (float)acc[j];
          }
          for (int j = 0; j < kn; ++j) {
            const float a = wv[n * K + k0 + j];
            float* o = dYp + pos[n * K + k0 + j] * C;
            for (int64_t c = 0; c < C; ++c) o[c] = a * d[c];
          }
        }
      }
      // Grads taken here, before the parallel region (it may allocate), and only for
      // the experts that ran: one without tokens keeps its gradient as it was.
      std::vector<MlpGrads> dW(E + 1);
      for (int e : tasks)
        if (e < E || N > 0) dW[e] = take_grads(e == E ? shw : ex[e]);
      const bool want_dx = x->requires_grad;
      Tensor dA = kern::uninit({S, F}), dU = kern::uninit({S, F}), dX;
      if (want_dx) dX = kern::uninit({S, C});
      Tensor dAs, dUs, dXs;
      if (has_sh) {
        dAs = kern::uninit({N, Fs}), dUs = kern::uninit({N, Fs});
        if (want_dx) dXs = kern::uninit({N, C});
      }
      const int nt = (int)tasks.size();
#pragma omp parallel for schedule(dynamic, 1)
      for (int ti = 0; ti < nt; ++ti) {
        const int e = tasks[ti];
        if (e == E) {
          // dy is read only by the loop above: the shared expert may round it in place
          mlp_rows_bwd(bf ? xs.f32() : x->val(), N, C, Fs, wb[E].p, Gs.f32(), Us.f32(), As.f32(), out->g.f32(), dAs.f32(),
                       dUs.f32(), want_dx ? dXs.f32() : nullptr, 0.0f, dW[E], bf);
        } else {
          const int64_t o = off[e], n = off[e + 1] - o;
          mlp_rows_bwd(X.f32() + o * C, n, C, F, wb[e].p, G.f32() + o * F, U.f32() + o * F, A.f32() + o * F,
                       dYp + o * C, dA.f32() + o * F, dU.f32() + o * F, want_dx ? dX.f32() + o * C : nullptr, 0.0f,
                       dW[e], bf);
        }
      }
      if (want_dx) {
        float* dx = x->grad();
        const float* dXp = dX.f32();
        const float* dXsp = has_sh ? dXs.f32() : nullptr;
#pragma omp parallel for schedule(static) if (N * C > 16384)
        for (int64_t n = 0; n < N; ++n) {
          float* d = dx + n * C;
          for (int k = 0; k < K; ++k) {
            const float* src = dXp + pos[n * K + k] * C;
            for (int64_t c = 0; c < C; ++c) d[c] += src[c];
          }
          if (dXsp)
            for (int64_t c = 0; c < C; ++c) d[c] += dXsp[n * C + c];
        }
      }
    });
  return out;
}

}  // namespace r1::ag
