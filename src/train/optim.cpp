#include "train/optim.h"

#include <immintrin.h>

#include <cmath>
#include <cstring>
#include <algorithm>
#include <map>

#include "base/error.h"

namespace r1::train {

AdamW::AdamW(std::vector<NamedParam> params, AdamWConfig cfg) : p_(std::move(params)), c_(cfg) {
  for (auto& p : p_) {
    m_.push_back(Tensor::empty(p.v->v.shape()));
    v_.push_back(Tensor::empty(p.v->v.shape()));
  }
}

// Work split into fixed chunks of one parameter each: every element's update
// is independent, so results do not depend on how chunks land on threads.
namespace {
struct Chunk {
  int32_t p;
  int64_t lo, hi;
};
constexpr int64_t kChunk = 1 << 15;
std::vector<Chunk> make_chunks(const std::vector<NamedParam>& ps) {
  std::vector<Chunk> cs;
  for (size_t i = 0; i < ps.size(); ++i) {
    const int64_t n = ps[i].v->numel();
    for (int64_t lo = 0; lo < n; lo += kChunk) cs.push_back({(int32_t)i, lo, std::min(n, lo + kChunk)});
  }
  return cs;
}
}  // namespace

void AdamW::step(float lr) { step(lr, 1.0f, false); }

void AdamW::step(float lr, float grad_scale, bool zero_grads) {
  ++t_;
  const double bc1 = 1.0 - std::pow((double)c_.beta1, (double)t_), bc2 = 1.0 - std::pow((double)c_.beta2, (double)t_);
  const float b1 = c_.beta1, b2 = c_.beta2, eps = c_.eps, ib1 = (float)(1.0 / bc1), ib2 = (float)(1.0 / bc2);
  const float gs = grad_scale;
  if (chunks_.empty()) {
    for (auto& c : make_chunks(p_)) chunks_.push_back({c.p, c.lo, c.hi});
  }
  const int64_t nc = (int64_t)chunks_.size();
#pragma omp parallel for schedule(static)
  for (int64_t ci = 0; ci < nc; ++ci) {
    const auto [pi, lo, hi] = chunks_[ci];
    Var& v = p_[pi].v;
    float* __restrict w = v->val();
    // a parameter without a gradient (never reached, or stale) updates with g = 0
    const float* __restrict g = v->has_grad() ? v->g.f32() : nullptr;
    float* __restrict m = m_[pi].f32();
    float* __restrict s = v_[pi].f32();
    const float wd = p_[pi].decay ? c_.weight_decay : 0.0f;
    // m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; w -= lr (m^/(sqrt(v^)+eps) + wd w)
    // (AVX2 by hand: the compiler keeps sqrt scalar for errno's sake)
    const __m256 vb1 = _mm256_set1_ps(b1), vb2 = _mm256_set1_ps(b2), vc1 = _mm256_set1_ps(1 - b1),
                 vc2 = _mm256_set1_ps(1 - b2), vib1 = _mm256_set1_ps(ib1), vib2 = _mm256_set1_ps(ib2),
                 veps = _mm256_set1_ps(eps), vwd = _mm256_set1_ps(wd), vlr = _mm256_set1_ps(lr),
                 vgs = _mm256_set1_ps(gs);
    int64_t j = lo;
    for (; j + 8 <= hi; j += 8) {
      const __m256 gj = g ? _mm256_mul_ps(_mm256_loadu_ps(g + j), vgs) : _mm256_setzero_ps();
      const __m256 mj = _mm256_fmadd_ps(vb1, _mm256_loadu_ps(m + j), _mm256_mul_ps(vc1, gj));
      const __m256 sj = _mm256_fmadd_ps(vb2, _mm256_loadu_ps(s + j), _mm256_mul_ps(_mm256_mul_ps(vc2, gj), gj));
      _mm256_storeu_ps(m + j, mj);
      _mm256_storeu_ps(s + j, sj);
      const __m256 wj = _mm256_loadu_ps(w + j);
      const __m256 den = _mm256_add_ps(_mm256_sqrt_ps(_mm256_mul_ps(sj, vib2)), veps);
      const __m256 upd = _mm256_fmadd_ps(vwd, wj, _mm256_div_ps(_mm256_mul_ps(mj, vib1), den));
      _mm256_storeu_ps(w + j, _mm256_fnmadd_ps(vlr, upd, wj));
    }
    for (; j < hi; ++j) {
      const float gj = g ? g[j] * gs : 0.0f;
      const float mj = std::fmaf(b1, m[j], (1 - b1) * gj);
      const float sj = std::fmaf(b2, s[j], ((1 - b2) * gj) * gj);
      m[j] = mj;
      s[j] = sj;
      const float upd = std::fmaf(wd, w[j], (mj * ib1) / (std::sqrt(sj * ib2) + eps));
      w[j] = std::fmaf(-lr, upd, w[j]);
    }
  }
  if (zero_grads) zero_grad();
}

void AdamW::zero_grad() {
  for (auto& p : p_) p.v->zero_grad();
}

std::vector<std::pair<std::string, Tensor>> AdamW::state() const {
  std::vector<std::pair<std::string, Tensor>> out;
  for (size_t i = 0; i < p_.size(); ++i) {
    out.push_back({"exp_avg." + p_[i].name, m_[i]});
    out.push_back({"exp_avg_sq." + p_[i].name, v_[i]});
  }
  return out;
}

void AdamW::load_state(const std::map<std::string, Tensor>& ts, int64_t t, const std::string& where) {
  for (size_t i = 0; i < p_.size(); ++i) {
    for (auto [pre, dst] : {std::pair{"exp_avg.", &m_[i]}, std::pair{"exp_avg_sq.", &v_[i]}}) {
      auto it = ts.find(pre + p_[i].name);
      R1_CHECK(it != ts.end(), where, ": missing optimizer tensor ", pre, p_[i].name);
      R1_CHECK(it->second.numel() == dst->numel(), where, ": ", pre, p_[i].name, " has wrong size");
      std::memcpy(dst->raw(), it->second.raw(), dst->nbytes());
    }
  }
  t_ = t;
}

double grad_norm(const std::vector<NamedParam>& ps) {
  // per-chunk partial sums, added in chunk order: the same total at any thread count
  const auto cs = make_chunks(ps);
  const int64_t nc = (int64_t)cs.size();
  std::vector<double> part(nc);
#pragma omp parallel for schedule(static)
  for (int64_t ci = 0; ci < nc; ++ci) {
    const Var& v = ps[cs[ci].p].v;
    if (!v->has_grad()) {  // zero
      part[ci] = 0;
      continue;
    }
    const float* g = v->g.f32();
    double acc = 0;
#pragma omp simd reduction(+ : acc)
    for (int64_t j = cs[ci].lo; j < cs[ci].hi; ++j) acc += (double)g[j] * g[j];
    part[ci] = acc;
  }
  double ss = 0;
  for (double x : part) ss += x;
  return std::sqrt(ss);
}

float clip_scale(double norm, double max_norm) {
  if (max_norm > 0 && norm > max_norm && std::isfinite(norm)) return (float)(max_norm / norm);
  return 1.0f;
}

double clip_grad_norm(const std::vector<NamedParam>& ps, double max_norm) {
  const double norm = grad_norm(ps);
  const float s = clip_scale(norm, max_norm);
  if (s != 1.0f) {
    for (auto& p : ps) {
      if (!p.v->has_grad()) continue;
      float* g = p.v->g.f32();
      const int64_t n = p.v->numel();
      for (int64_t j = 0; j < n; ++j) g[j] *= s;
    }
  }
  return norm;
}

float LrSchedule::at(int64_t step) const {
  if (warmup > 0 && step < warmup) return peak * (float)(step + 1) / (float)warmup;
  if (kind == "constant") return peak;
  if (kind == "multistep") {
    // DeepSeek LLM: full rate to 80% of training, 31.6% to 90%, then 10%
    if (step < (int64_t)(0.8 * (double)total)) return peak;
    if (step < (int64_t)(0.9 * (double)total)) return peak * 0.316f;
    return peak * 0.1f;
  }
  if (kind == "cosine") {
    double span = (double)std::max<int64_t>(1, total - warmup);
    double p = std::min(1.0, (double)(step - warmup) / span);
    return (float)(peak * (min_ratio + (1 - min_ratio) * 0.5 * (1 + std::cos(M_PI * p))));
  }
  fail("lr schedule: unknown kind \"", kind, "\" (multistep, cosine, constant)");
}

}  // namespace r1::train
