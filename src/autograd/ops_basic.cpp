// Elementwise, normalisation, embedding and GEMM ops: forward and backward
// kernels side by side, then the tape wrappers.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "autograd/kernels.h"
#include "autograd/ops.h"
#include "base/error.h"
#include "tensor/dtype.h"

namespace r1::ag {

static bool g_bf16 = false;
void set_bf16_gemm(bool on) { g_bf16 = on; }
bool bf16_gemm() { return g_bf16; }

static Var out_var(Shape s, bool rg) { return make_var(kern::uninit(std::move(s)), rg); }

// ---------- embedding ----------
// fwd: out[n, :] = W[ids[n], :]           W [V, C], out [N, C]
static void embedding_forward(float* out, const float* W, const int32_t* ids, int64_t N, int64_t C) {
#pragma omp parallel for schedule(static) if (N * C > 16384)
  for (int64_t n = 0; n < N; ++n) std::memcpy(out + n * C, W + (int64_t)ids[n] * C, C * sizeof(float));
}
// bwd: dW[ids[n], :] += dout[n, :]. Rows may repeat, so threads own column
// blocks and each adds the rows n = 0..N-1 in order (the same sums at any thread count).
static void embedding_backward(float* dW, const float* dout, const int32_t* ids, int64_t N, int64_t C) {
  const int64_t nb = (C + 31) / 32;
#pragma omp parallel for schedule(static) if (N * C > 65536)
  for (int64_t b = 0; b < nb; ++b) {
    const int64_t c0 = b * 32, c1 = std::min(C, c0 + 32);
    for (int64_t n = 0; n < N; ++n) {
      float* d = dW + (int64_t)ids[n] * C;
      const float* s = dout + n * C;
      for (int64_t c = c0; c < c1; ++c) d[c] += s[c];
    }
  }
}

Var embedding(Tape& t, const Var& W, const std::vector<int32_t>& ids) {
  const int64_t V = W->v.dim(0), C = W->v.dim(1), N = (int64_t)ids.size();
  for (int64_t n = 0; n < N; ++n)
    R1_CHECK(ids[n] >= 0 && ids[n] < V, "embedding: token id ", ids[n], " outside vocab of ", V);
  Var out = out_var({N, C}, needs_grad(t, {&W}));
  embedding_forward(out->val(), W->val(), ids.data(), N, C);
  if (out->requires_grad)
    t.push([W, out, ids, N, C] { embedding_backward(W->grad(), out->grad(), ids.data(), N, C); });
  return out;
}

// ---------- linear ----------
// fwd: y[N, M] = x[N, K] W[M, K]^T
// bwd: dx[N, K] += dy[N, M] W[M, K];  dW[M, K] += dy^T[M, N] x[N, K]
Var linear(Tape& t, const Var& x, const Var& W) {
  const int64_t M = W->v.dim(0), K = W->v.dim(1);
  R1_CHECK(x->v.ndim() >= 1 && x->v.dim(-1) == K, "linear: input ", shape_str(x->v.shape()), " vs weight ",
           shape_str(W->v.shape()));
  const int64_t N = x->numel() / (K ? K : 1);
  Shape os = x->v.shape();
  os.back() = M;
  Var y = make_var(kern::uninit(os), needs_grad(t, {&x, &W}));
  const bool bf = g_bf16;
  // BF16 mixed precision: GEMM operands rounded to BF16 (weights once per tape), products summed in F32.
  Tensor xb, Wb;
  if (bf) {
    xb = kern::uninit({N, K});
    kern::round_bf16(xb.f32(), x->val(), N * K);
    Wb = kern::bf16_value(t, W);
  }
  const float* xp = bf ? xb.f32() : x->val();
  const float* Wp = bf ? Wb.f32() : W->val();
  kern::gemm(false, true, N, M, K, 1.0f, xp, K, Wp, K, 0.0f, y->val(), M);
  if (y->requires_grad)
    t.push([x, W, y, xb, Wb, N, K, M, bf] {
      const float* dy = y->grad();
      Tensor dyb;
      if (bf) {
        dyb = kern::uninit({N, M});
        kern::round_bf16(dyb.f32(), dy, N * M);
        dy = dyb.f32();
      }
      const float* xp = bf ? xb.f32() : x->val();
      const float* Wp = bf ? Wb.f32() : W->val();
      if (x->requires_grad) {
        const float beta = x->take_grad_beta();
        kern::gemm(false, false, N, K, M, 1.0f, dy, M, Wp, K, beta, x->g.f32(), K);
      }
      if (W->requires_grad) {
        const float beta = W->take_grad_beta();
        kern::gemm(true, false, M, K, N, 1.0f, dy, M, xp, K, beta, W->g.f32(), K);
      }
    });
  return y;
}

// ---------- RMSNorm ----------
// fwd: rstd[n] = 1/sqrt(mean_c x^2 + eps); y[n,c] = x[n,c] rstd[n] w[c]      x [N, C]
static void rmsnorm_forward(float* y, float* rstd, const float* x, const float* w, int64_t N, int64_t C, float eps) {
#pragma omp parallel for schedule(static) if (N * C > 16384)
  for (int64_t n = 0; n < N; ++n) {
    const float* xr = x + n * C;
    double ss = 0;
    for (int64_t c = 0; c < C; ++c) ss += (double)xr[c] * xr[c];
    float r = (float)(1.0 / std::sqrt(ss / (double)C + (double)eps));
    rstd[n] = r;
    for (int64_t c = 0; c < C; ++c) y[n * C + c] = xr[c] * r * w[c];
  }
}
// bwd: dx = rstd*(dy*w) - x*rstd^3/C * sum_c(dy*w*x) (written when dx_fresh, else added);
// dw[c] += sum_n dy*x*rstd
static void rmsnorm_backward(float* dx, bool dx_fresh, float* dw, const float* dy, const float* x, const float* w,
                             const float* rstd, int64_t N, int64_t C) {
  if (dx) {
#pragma omp parallel for schedule(static) if (N * C > 16384)
    for (int64_t n = 0; n < N; ++n) {
      const float *xr = x + n * C, *dyr = dy + n * C;
      double dot = 0;
      for (int64_t c = 0; c < C; ++c) dot += (double)dyr[c] * w[c] * xr[c];
      const float r = rstd[n];
      const float k = (float)(dot * r * r * r / (double)C);
      if (dx_fresh)
        for (int64_t c = 0; c < C; ++c) dx[n * C + c] = dyr[c] * w[c] * r - xr[c] * k;
      else
        for (int64_t c = 0; c < C; ++c) dx[n * C + c] += dyr[c] * w[c] * r - xr[c] * k;
    }
  }
  if (dw) {
    // Blocks of 32 columns; rows summed in order n = 0..N-1 for every column (as a
    // column-at-a-time loop would), but row-major so the loads are contiguous and the
    // 32 independent sums vectorise.
    const int64_t nb = (C + 31) / 32;
#pragma omp parallel for schedule(static) if (N * C > 16384)
    for (int64_t b = 0; b < nb; ++b) {
      const int64_t c0 = b * 32, cb = std::min<int64_t>(32, C - c0);
      double acc[32] = {0};
      for (int64_t n = 0; n < N; ++n) {
        const float *dyr = dy + n * C + c0, *xr = x + n * C + c0;
        const double r = rstd[n];
        for (int64_t c = 0; c < cb; ++c) acc[c] += (double)dyr[c] * xr[c] * r;
      }
      for (int64_t c = 0; c < cb; ++c) dw[c0 + c] += (float)acc[c];
    }
  }
}

Var rmsnorm(Tape& t, const Var& x, const Var& w, float eps) {
  const int64_t C = w->numel();
  R1_CHECK(x->v.dim(-1) == C, "rmsnorm: input ", shape_str(x->v.shape()), " vs weight ", shape_str(w->v.shape()));
  const int64_t N = x->numel() / C;
  Var y = out_var(x->v.shape(), needs_grad(t, {&x, &w}));
  Tensor rstd = Tensor::empty({N});
  rmsnorm_forward(y->val(), rstd.f32(), x->val(), w->val(), N, C, eps);
  if (y->requires_grad)
    t.push([x, w, y, rstd, N, C] {
      const bool fresh = x->requires_grad && x->take_fresh_grad();
      rmsnorm_backward(x->requires_grad ? x->g.f32() : nullptr, fresh, w->requires_grad ? w->grad() : nullptr,
                       y->grad(), x->val(), w->val(), rstd.f32(), N, C);
    });
  return y;
}

// ---------- add / scale ----------
// d += dy, or d = dy when fresh (n floats, split in fixed blocks).
static void accumulate(float* d, const float* dy, int64_t n, bool fresh) {
#pragma omp parallel for schedule(static) if (n > 16384 && !omp_in_parallel())
  for (int64_t b = 0; b < (n + 4095) / 4096; ++b) {
    const int64_t lo = b * 4096, hi = std::min(n, lo + 4096);
    if (fresh) std::memcpy(d + lo, dy + lo, (hi - lo) * sizeof(float));
    else
      for (int64_t i = lo; i < hi; ++i) d[i] += dy[i];
  }
}

Var add(Tape& t, const Var& a, const Var& b) {
  R1_CHECK(a->numel() == b->numel(), "add: shapes ", shape_str(a->v.shape()), " and ", shape_str(b->v.shape()));
  const int64_t n = a->numel();
  Var y = out_var(a->v.shape(), needs_grad(t, {&a, &b}));
  float* yo = y->val();
  const float *pa = a->val(), *pb = b->val();
#pragma omp parallel for schedule(static) if (n > 16384)
  for (int64_t i = 0; i < n; ++i) yo[i] = pa[i] + pb[i];
  if (y->requires_grad)
    t.push([a, b, y, n] {
      if (!y->has_grad()) return;
      const float* dy = y->g.f32();
      for (const Var* p : {&a, &b}) {
        if (!(*p)->requires_grad) continue;
        const bool fresh = (*p)->take_fresh_grad();
        accumulate((*p)->g.f32(), dy, n, fresh);
      }
    });
  return y;
}

Var scale(Tape& t, const Var& a, float s) {
  const int64_t n = a->numel();
  Var y = out_var(a->v.shape(), needs_grad(t, {&a}));
  for (int64_t i = 0; i < n; ++i) y->val()[i] = a->val()[i] * s;
  if (y->requires_grad)
    t.push([a, y, n, s] {
      float* d = a->grad();
      const float* dy = y->grad();
      for (int64_t i = 0; i < n; ++i) d[i] += dy[i] * s;
    });
  return y;
}

// ---------- SwiGLU ----------
// fwd: y = silu(g) * u = g*sig(g)*u                                 g, u [N, F]
// bwd: dg = dy*u*sig(g)*(1 + g*(1-sig(g)));  du = dy*silu(g)
Var swiglu(Tape& t, const Var& g, const Var& u) {
  R1_CHECK(g->numel() == u->numel(), "swiglu: shapes ", shape_str(g->v.shape()), " and ", shape_str(u->v.shape()));
  const int64_t n = g->numel();
  Var y = out_var(g->v.shape(), needs_grad(t, {&g, &u}));
  kern::silu_mul_fwd(g->val(), u->val(), y->val(), n);
  if (y->requires_grad)
    t.push([g, u, y, n] {
      Tensor dg = kern::uninit({n}), du = kern::uninit({n});
      std::memcpy(dg.f32(), y->grad(), n * sizeof(float));
      kern::silu_mul_bwd(g->val(), u->val(), dg.f32(), du.f32(), n);
      for (auto [v, d] : {std::pair{&g, &dg}, std::pair{&u, &du}}) {
        if (!(*v)->requires_grad) continue;
        float* o = (*v)->grad();
        const float* s = d->f32();
#pragma omp parallel for schedule(static) if (n > 16384)
        for (int64_t i = 0; i < n; ++i) o[i] += s[i];
      }
    });
  return y;
}

// ---------- narrow / concat / reshape ----------
// fwd: y[r, j] = x[r, off + j]     x [R, D], y [R, len];  bwd: dx[r, off + j] += dy[r, j]
Var narrow(Tape& t, const Var& x, int64_t off, int64_t len) {
  const int64_t D = x->v.dim(-1);
  R1_CHECK(off >= 0 && len >= 0 && off + len <= D, "narrow: [", off, ", ", off + len, ") outside last dim ", D);
  const int64_t R = x->numel() / (D ? D : 1);
  Shape s = x->v.shape();
  s.back() = len;
  Var y = out_var(s, needs_grad(t, {&x}));
  const float* xv = x->val();
  float* yv = y->val();
#pragma omp parallel for schedule(static) if (R * len > 16384)
  for (int64_t r = 0; r < R; ++r) std::memcpy(yv + r * len, xv + r * D + off, len * sizeof(float));
  if (y->requires_grad)
    t.push([x, y, R, D, off, len] {
      if (!y->has_grad()) return;
      const float* dy = y->g.f32();
      const bool fresh = x->take_fresh_grad();  // then the columns outside the window are zero
      float* dx = x->g.f32();
#pragma omp parallel for schedule(static) if (R * D > 16384)
      for (int64_t r = 0; r < R; ++r) {
        float* d = dx + r * D;
        const float* g = dy + r * len;
        if (fresh) {
          std::fill(d, d + off, 0.0f);
          std::memcpy(d + off, g, len * sizeof(float));
          std::fill(d + off + len, d + D, 0.0f);
        } else {
          for (int64_t j = 0; j < len; ++j) d[off + j] += g[j];
        }
      }
    });
  return y;
}

Var concat_last(Tape& t, const Var& a, const Var& b) {
  const int64_t Da = a->v.dim(-1), Db = b->v.dim(-1);
  const int64_t R = a->numel() / (Da ? Da : 1);
  R1_CHECK(b->numel() == R * Db, "concat_last: shapes ", shape_str(a->v.shape()), " and ", shape_str(b->v.shape()));
  Shape s = a->v.shape();
  s.back() = Da + Db;
  Var y = out_var(s, needs_grad(t, {&a, &b}));
  float* yv = y->val();
  const float *av = a->val(), *bv = b->val();
#pragma omp parallel for schedule(static) if (R * (Da + Db) > 16384)
  for (int64_t r = 0; r < R; ++r) {
    std::memcpy(yv + r * (Da + Db), av + r * Da, Da * sizeof(float));
    std::memcpy(yv + r * (Da + Db) + Da, bv + r * Db, Db * sizeof(float));
  }
  if (y->requires_grad)
    t.push([a, b, y, R, Da, Db] {
      const float* dy = y->grad();
      if (a->requires_grad) {
        float* d = a->grad();
        for (int64_t r = 0; r < R; ++r)
          for (int64_t j = 0; j < Da; ++j) d[r * Da + j] += dy[r * (Da + Db) + j];
      }
      if (b->requires_grad) {
        float* d = b->grad();
        for (int64_t r = 0; r < R; ++r)
          for (int64_t j = 0; j < Db; ++j) d[r * Db + j] += dy[r * (Da + Db) + Da + j];
      }
    });
  return y;
}

// A view: the value shares x's storage (values are never written after their op),
// and when x has no gradient yet it takes over y's buffer instead of a copy.
Var reshape(Tape& t, const Var& x, Shape s) {
  R1_CHECK(shape_numel(s) == x->numel(), "reshape: ", shape_str(x->v.shape()), " to ", shape_str(s));
  Var y = make_var(x->v.reshape(std::move(s)), needs_grad(t, {&x}));
  if (y->requires_grad)
    t.push([x, y] {
      if (!y->has_grad()) return;
      if (!x->has_grad()) x->adopt_grad(y->g.reshape(x->v.shape()));
      else accumulate(x->g.f32(), y->g.f32(), x->numel(), false);
    });
  return y;
}

Var weighted_sum(Tape& t, const std::vector<Var>& xs, const std::vector<float>& w) {
  R1_CHECK(xs.size() == w.size(), "weighted_sum: ", xs.size(), " values vs ", w.size(), " weights");
  bool rg = false;
  for (auto& x : xs) {
    R1_CHECK(x->numel() == 1, "weighted_sum: needs scalars");
    rg = rg || (t.enabled && x->requires_grad);
  }
  Var y = out_var({1}, rg);
  double s = 0;
  for (size_t i = 0; i < xs.size(); ++i) s += (double)w[i] * xs[i]->val()[0];
  y->val()[0] = (float)s;
  if (rg)
    t.push([xs, w, y] {
      for (size_t i = 0; i < xs.size(); ++i)
        if (xs[i]->requires_grad) xs[i]->grad()[0] += w[i] * y->grad()[0];
    });
  return y;
}

}  // namespace r1::ag
