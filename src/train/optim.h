// AdamW with decoupled weight decay on matrices only, global-norm gradient
// clipping, and the learning-rate schedules (warm-up, then DeepSeek's
// multi-step: peak until 80% of steps, 31.6% until 90%, then 10%; or cosine).
#pragma once
#include <map>
#include <string>
#include <vector>

#include "train/model.h"

namespace r1::train {

struct AdamWConfig {
  float beta1 = 0.9f, beta2 = 0.95f, eps = 1e-8f, weight_decay = 0.1f;
};

class AdamW {
 public:
  AdamW(std::vector<NamedParam> params, AdamWConfig cfg);
  // One update with learning rate lr on the params' current gradients:
  // m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr (m^/(sqrt(v^)+eps) + wd p [matrices]).
  void step(float lr);
  // The same update on g * grad_scale (clipping folded in, see clip_scale);
  // zero_grads then marks every gradient stale (reads as zero; see ag::Node).
  void step(float lr, float grad_scale, bool zero_grads);
  void zero_grad();
  int64_t steps() const { return t_; }
  // Moments as named tensors ("exp_avg.<param>", "exp_avg_sq.<param>") for checkpoints.
  std::vector<std::pair<std::string, Tensor>> state() const;
  void load_state(const std::map<std::string, Tensor>& ts, int64_t t, const std::string& where);
  const std::vector<NamedParam>& params() const { return p_; }

 private:
  std::vector<NamedParam> p_;
  AdamWConfig c_;
  std::vector<Tensor> m_, v_;
  int64_t t_ = 0;
  struct Chunk {
    int32_t p;
    int64_t lo, hi;
  };
  std::vector<Chunk> chunks_;  // fixed work split of all parameters
};

// Global L2 norm of all gradients; scales them to max_norm when above (max_norm <= 0: no clipping).
double clip_grad_norm(const std::vector<NamedParam>& ps, double max_norm);
// Global L2 norm of all gradients (the same value at any thread count).
double grad_norm(const std::vector<NamedParam>& ps);
// Factor that clipping to max_norm applies to the gradients (1 when no clipping).
float clip_scale(double norm, double max_norm);

struct LrSchedule {
  std::string kind = "multistep";  // multistep | cosine | constant
  float peak = 1e-3f;
  int64_t warmup = 0, total = 1;
  float min_ratio = 0.1f;           // cosine floor
  float at(int64_t step) const;     // step counted from 0
};

}  // namespace r1::train
