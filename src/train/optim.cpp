#include "train/optim.h"

#include <cmath>
#include <cstring>
#include <map>

#include "base/error.h"

namespace r1::train {

AdamW::AdamW(std::vector<NamedParam> params, AdamWConfig cfg) : p_(std::move(params)), c_(cfg) {
  for (auto& p : p_) {
    m_.push_back(Tensor::empty(p.v->v.shape()));
    v_.push_back(Tensor::empty(p.v->v.shape()));
  }
}

void AdamW::step(float lr) {
  ++t_;
  const double bc1 = 1.0 - std::pow((double)c_.beta1, (double)t_), bc2 = 1.0 - std::pow((double)c_.beta2, (double)t_);
  for (size_t i = 0; i < p_.size(); ++i) {
    Var& v = p_[i].v;
    const int64_t n = v->numel();
    float* w = v->val();
    const float* g = v->grad();
    float *m = m_[i].f32(), *s = v_[i].f32();
    const float wd = p_[i].decay ? c_.weight_decay : 0.0f, b1 = c_.beta1, b2 = c_.beta2, eps = c_.eps;
    const float ib1 = (float)(1.0 / bc1), ib2 = (float)(1.0 / bc2);  // bias corrections
#pragma omp parallel for schedule(static) if (n > 16384)
    for (int64_t j = 0; j < n; ++j) {
      m[j] = b1 * m[j] + (1 - b1) * g[j];
      s[j] = b2 * s[j] + (1 - b2) * g[j] * g[j];
      w[j] -= lr * ((m[j] * ib1) / (std::sqrt(s[j] * ib2) + eps) + wd * w[j]);
    }
  }
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

double clip_grad_norm(const std::vector<NamedParam>& ps, double max_norm) {
  double ss = 0;
  for (auto& p : ps) {
    const float* g = p.v->grad();
    const int64_t n = p.v->numel();
    double part = 0;
#pragma omp simd reduction(+ : part)
    for (int64_t j = 0; j < n; ++j) part += (double)g[j] * g[j];
    ss += part;
  }
  const double norm = std::sqrt(ss);
  if (max_norm > 0 && norm > max_norm && std::isfinite(norm)) {
    const float s = (float)(max_norm / norm);
    for (auto& p : ps) {
      float* g = p.v->grad();
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
