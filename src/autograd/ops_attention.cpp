// RoPE (interleaved pairs) and causal MLA attention: forward and backward.
#include <cblas.h>

#include <cmath>
#include <cstring>
#include <limits>

#include <omp.h>

#include "autograd/kernels.h"
#include "autograd/ops.h"
#include "autograd/vec.h"
#include "base/error.h"

namespace r1::ag {

// ---------- RoPE ----------
// theta = pos[n] * inv_freq[i] (float32 product, as model.py's outer());
// fwd: (a, b) -> (a c - b s, a s + b c);  bwd: (da, db) = (dy0 c + dy1 s, -dy0 s + dy1 c)
static void rope_tables(std::vector<float>& cs, std::vector<float>& sn, const std::vector<float>& inv_freq,
                        const std::vector<int32_t>& pos) {
  // A forward calls rope twice per layer with the same positions: reuse the last table.
  static thread_local std::vector<float> last_if, last_cs, last_sn;
  static thread_local std::vector<int32_t> last_pos;
  if (pos == last_pos && inv_freq == last_if) {
    cs = last_cs;
    sn = last_sn;
    return;
  }
  const int64_t N = (int64_t)pos.size(), P = (int64_t)inv_freq.size();
  cs.resize(N * P);
  sn.resize(N * P);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t i = 0; i < P; ++i) {
      float th = (float)pos[n] * inv_freq[i];
      cs[n * P + i] = (float)std::cos((double)th);
      sn[n * P + i] = (float)std::sin((double)th);
    }
  last_pos = pos;
  last_if = inv_freq;
  last_cs = cs;
  last_sn = sn;
}

Var rope(Tape& t, const Var& x, const std::vector<float>& inv_freq, const std::vector<int32_t>& pos) {
  const int64_t P = (int64_t)inv_freq.size(), r = 2 * P, N = (int64_t)pos.size();
  R1_CHECK(x->v.dim(-1) == r, "rope: last dim ", x->v.dim(-1), " != 2*", P);
  R1_CHECK(N > 0 && x->numel() % (N * r) == 0, "rope: ", shape_str(x->v.shape()), " vs ", N, " positions");
  const int64_t H = x->numel() / (N * r);
  std::vector<float> cs, sn;
  rope_tables(cs, sn, inv_freq, pos);
  Var y = make_var(kern::uninit(x->v.shape()), needs_grad(t, {&x}));
  const float* xv = x->val();
  float* yv = y->val();
#pragma omp parallel for schedule(static) if (N * H * r > 16384)
  for (int64_t n = 0; n < N; ++n)
    for (int64_t h = 0; h < H; ++h) {
      const float* a = xv + (n * H + h) * r;
      float* o = yv + (n * H + h) * r;
      for (int64_t i = 0; i < P; ++i) {
        float c = cs[n * P + i], s = sn[n * P + i];
        o[2 * i] = a[2 * i] * c - a[2 * i + 1] * s;
        o[2 * i + 1] = a[2 * i] * s + a[2 * i + 1] * c;
      }
    }
  if (y->requires_grad)
    t.push([x, y, cs = std::move(cs), sn = std::move(sn), N, H, P, r] {
      const float* dy = y->grad();
      float* dx = x->grad();
#pragma omp parallel for schedule(static) if (N * H * r > 16384)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t h = 0; h < H; ++h) {
          const float* g = dy + (n * H + h) * r;
          float* d = dx + (n * H + h) * r;
          for (int64_t i = 0; i < P; ++i) {
            float c = cs[n * P + i], s = sn[n * P + i];
            d[2 * i] += g[2 * i] * c + g[2 * i + 1] * s;
            d[2 * i + 1] += -g[2 * i] * s + g[2 * i + 1] * c;
          }
        }
    });
  return y;
}

// ---------- MLA attention ----------
// For row b, head h (T tokens): S = scale*(Qn Kn^T + Qp Kp^T) [T, T]; mask s > t or
// other segment; P = softmax_rows(S); O = P V.  Backward:
// dP = dO V^T; dV += P^T dO; dS = P*(dP - rowsum(dP*P)) * scale;
// dQn += dS Kn; dKn += dS^T Qn; dQp += dS Kp; dKp += dS^T Qp (summed over heads).
static void seg_starts(std::vector<int64_t>& st, const AttnLayout& lay) {
  const int64_t B = lay.B, T = lay.T;
  st.assign(B * T, 0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < T; ++i) {
      int64_t n = b * T + i;
      if (i == 0) st[n] = 0;
      else st[n] = (lay.seg.empty() || lay.seg[n] == lay.seg[n - 1]) ? st[n - 1] : i;
    }
}

// Query rows go in blocks of kQB; block [i0, i0+m) only needs keys [klo, i0+m)
// (causal, and no key before the first row's segment start), so the GEMMs run
// on that rectangle and the masked rest of P / dS is never computed.
static constexpr int64_t kQB = 32;

// P[i, j] for j in [klo, khi): softmax over the allowed keys [st_i, i], 0 elsewhere.
static void softmax_rows_masked(float* P, int64_t T, int64_t i0, int64_t m, int64_t klo, int64_t khi,
                                const int64_t* st) {
  for (int64_t i = i0; i < i0 + m; ++i) {
    float* row = P + i * T;
    const int64_t s0 = st[i], e = i + 1;  // allowed [s0, e)
    float mx = -std::numeric_limits<float>::infinity();
    for (int64_t j = s0; j < e; ++j) mx = std::max(mx, row[j]);
    for (int64_t j = klo; j < s0; ++j) row[j] = 0.0f;
    for (int64_t j = e; j < khi; ++j) row[j] = 0.0f;
    const __m256 mv = _mm256_set1_ps(mx);
    __m256 acc = _mm256_setzero_ps();
    int64_t j = s0;
    for (; j + 8 <= e; j += 8) {
      const __m256 x = vec::exp8(_mm256_sub_ps(_mm256_loadu_ps(row + j), mv));
      _mm256_storeu_ps(row + j, x);
      acc = _mm256_add_ps(acc, x);
    }
    double sum = (double)vec::hsum(acc);
    for (; j < e; ++j) sum += (double)(row[j] = vec::exp1(row[j] - mx));
    const float inv = (float)(1.0 / sum);
    for (j = s0; j < e; ++j) row[j] *= inv;
  }
}

Var mla_attention(Tape& t, const Var& q_nope, const Var& q_pe, const Var& k_nope, const Var& k_pe, const Var& v,
                  const AttnLayout& lay, float sc) {
  const int64_t B = lay.B, T = lay.T, N = B * T;
  R1_CHECK(q_nope->v.ndim() == 3 && q_nope->v.dim(0) == N, "mla_attention: q_nope ", shape_str(q_nope->v.shape()),
           " vs ", N, " tokens");
  const int64_t H = q_nope->v.dim(1), dn = q_nope->v.dim(2), r = q_pe->v.dim(-1), dv = v->v.dim(-1);
  R1_CHECK(q_pe->numel() == N * H * r && k_nope->numel() == N * H * dn && k_pe->numel() == N * r &&
               v->numel() == N * H * dv,
           "mla_attention: inconsistent shapes");
  R1_CHECK(lay.seg.empty() || (int64_t)lay.seg.size() == N, "mla_attention: seg ids ", lay.seg.size(), " vs ", N);
  std::vector<int64_t> st;
  seg_starts(st, lay);
  Var out = make_var(kern::uninit({N, H * dv}), needs_grad(t, {&q_nope, &q_pe, &k_nope, &k_pe, &v}));
  // P is [B, H, T, T]; only each query block's key rectangle is written (and read back).
  Tensor Pt = kern::uninit({B, H, T, T});
  const float *qn = q_nope->val(), *qp = q_pe->val(), *kn = k_nope->val(), *kp = k_pe->val(), *vv = v->val();
  float* o = out->val();
  float* Pall = Pt.f32();
  const int64_t nqb = (T + kQB - 1) / kQB;
#pragma omp parallel for schedule(static) if (B * H * T * T > 16384)
  for (int64_t bh = 0; bh < B * H; ++bh) {
    const int64_t b = bh / H, h = bh % H, base = b * T;
    float* P = Pall + bh * T * T;
    for (int64_t qb = 0; qb < nqb; ++qb) {
      const int64_t i0 = qb * kQB, m = std::min(kQB, T - i0), klo = st[base + i0], khi = i0 + m, nk = khi - klo;
      float* Pb = P + i0 * T + klo;
      kern::gemm(false, true, m, nk, dn, sc, qn + ((base + i0) * H + h) * dn, H * dn, kn + ((base + klo) * H + h) * dn,
                 H * dn, 0.0f, Pb, T);
      kern::gemm(false, true, m, nk, r, sc, qp + ((base + i0) * H + h) * r, H * r, kp + (base + klo) * r, r, 1.0f, Pb,
                 T);
      softmax_rows_masked(P, T, i0, m, klo, khi, st.data() + base);
      kern::gemm(false, false, m, dv, nk, 1.0f, Pb, T, vv + ((base + klo) * H + h) * dv, H * dv, 0.0f,
                 o + (base + i0) * H * dv + h * dv, H * dv);
    }
  }
  if (out->requires_grad)
    t.push([=] {
      const float *qn = q_nope->val(), *qp = q_pe->val(), *kn = k_nope->val(), *kp = k_pe->val(), *vv = v->val();
      const float* dO = out->grad();
      const float* Pall = Pt.f32();
      float* dqn = q_nope->requires_grad ? q_nope->grad() : nullptr;
      float* dqp = q_pe->requires_grad ? q_pe->grad() : nullptr;
      float* dkn = k_nope->requires_grad ? k_nope->grad() : nullptr;
      float* dv_ = v->requires_grad ? v->grad() : nullptr;
      const bool want_kp = k_pe->requires_grad;
      // k_pe is shared by heads: per-head partials (zeroed: blocks accumulate), reduced in head order.
      Tensor dkp_h = want_kp ? Tensor::empty({B, H, T, r}) : Tensor();
      // dS for one query block at a time, per thread
      const int nth = omp_get_max_threads();
      Tensor dS_all = kern::uninit({(int64_t)nth, kQB, T});
#pragma omp parallel for schedule(static) if (B * H * T * T > 16384)
      for (int64_t bh = 0; bh < B * H; ++bh) {
        const int64_t b = bh / H, h = bh % H, base = b * T;
        const float* P = Pall + bh * T * T;
        float* dS = dS_all.f32() + (int64_t)omp_get_thread_num() * kQB * T;
        for (int64_t qb = 0; qb < nqb; ++qb) {
          const int64_t i0 = qb * kQB, m = std::min(kQB, T - i0), klo = st[base + i0], khi = i0 + m, nk = khi - klo;
          const float* Pb = P + i0 * T + klo;
          const float* dOb = dO + (base + i0) * H * dv + h * dv;
          // dP = dO V^T  [m, nk]
          kern::gemm(false, true, m, nk, dv, 1.0f, dOb, H * dv, vv + ((base + klo) * H + h) * dv, H * dv, 0.0f, dS, nk);
          if (dv_)
            kern::gemm(true, false, nk, dv, m, 1.0f, Pb, T, dOb, H * dv, 1.0f, dv_ + ((base + klo) * H + h) * dv,
                       H * dv);
          // dS = P * (dP - rowsum(dP * P)) * scale on allowed keys, 0 elsewhere
          for (int64_t ii = 0; ii < m; ++ii) {
            const int64_t i = i0 + ii, s0 = st[base + i];
            float* d = dS + ii * nk;
            const float* p = Pb + ii * T;
            double dot = 0;
            for (int64_t j = s0; j <= i; ++j) dot += (double)d[j - klo] * p[j - klo];
            const float fd = (float)dot;
            for (int64_t j = klo; j < khi; ++j)
              d[j - klo] = (j >= s0 && j <= i) ? p[j - klo] * (d[j - klo] - fd) * sc : 0.0f;
          }
          if (dqn)
            kern::gemm(false, false, m, dn, nk, 1.0f, dS, nk, kn + ((base + klo) * H + h) * dn, H * dn, 1.0f,
                       dqn + ((base + i0) * H + h) * dn, H * dn);
          if (dkn)
            kern::gemm(true, false, nk, dn, m, 1.0f, dS, nk, qn + ((base + i0) * H + h) * dn, H * dn, 1.0f,
                       dkn + ((base + klo) * H + h) * dn, H * dn);
          if (dqp)
            kern::gemm(false, false, m, r, nk, 1.0f, dS, nk, kp + (base + klo) * r, r, 1.0f,
                       dqp + ((base + i0) * H + h) * r, H * r);
          if (want_kp)
            kern::gemm(true, false, nk, r, m, 1.0f, dS, nk, qp + ((base + i0) * H + h) * r, H * r, 1.0f,
                       dkp_h.f32() + bh * T * r + klo * r, r);
        }
      }
      if (want_kp) {
        float* dkp = k_pe->grad();
        for (int64_t b = 0; b < B; ++b)
          for (int64_t h = 0; h < H; ++h) {
            const float* s = dkp_h.f32() + (b * H + h) * T * r;
            for (int64_t i = 0; i < T * r; ++i) dkp[b * T * r + i] += s[i];
          }
      }
    });
  return out;
}

}  // namespace r1::ag
