// GRPO as pure functions (DeepSeekMath §4.1, eq. 3-4):
//   J = E[ sum_i sum_t w_it * ( min(rho_it A_i, clip(rho_it, 1-eps, 1+eps) A_i) - beta KL_it ) ]
//   rho_it = exp(logp_new - logp_old),   KL_it = r - log r - 1, r = pi_ref / pi_new  (k3)
// The loss minimised is -J. Gradients are w.r.t. the new token log-probability,
// which is what a policy's backward() consumes.
#pragma once
#include <cstdint>
#include <vector>

namespace r1::rl {

// Group-normalised advantages. rewards holds n_groups * G values, group-major.
// scale_by_std: A = (r - mean) / std (population std, as DeepSeekMath);
// false: A = r - mean (Dr.GRPO). A group whose rewards are all equal gets 0 for
// every member (never NaN, never eps-amplified noise).
std::vector<float> group_advantages(const std::vector<float>& rewards, int G, bool scale_by_std);

// Share of groups whose rewards have zero variance (no learning signal).
float zero_variance_share(const std::vector<float>& rewards, int G);

struct TokenTerm {
  double loss = 0;      // -min(rho A, clip(rho) A) + beta * KL
  double grad = 0;      // d loss / d logp_new
  double kl = 0;        // k3 value
  bool clipped = false; // the clipped branch was taken (its gradient is 0)
};

// Clipped surrogate for one token: returns -min(rho A, clip(rho,1-eps_lo,1+eps_hi) A)
// and its derivative w.r.t. logp_new (-rho A on the unclipped branch, 0 when clipped).
double clipped_surrogate(double logp_new, double logp_old, double A, double eps_lo, double eps_hi, double* grad,
                         bool* clipped);

// k3 KL estimator and d/d logp_new: r = exp(logp_ref - logp_new); KL = r - log r - 1; dKL = 1 - r.
double k3_kl(double logp_new, double logp_ref, double* grad);

TokenTerm grpo_token(double logp_new, double logp_old, double logp_ref, double A, double eps_lo, double eps_hi,
                     double beta);

// How per-token terms are averaged into the loss:
//  Sequence: 1/G-style mean over sequences of the per-sequence token mean (GRPO paper)
//  Token:    sum over all tokens / total tokens (DAPO)
//  Constant: sum over all tokens / (n_seq * max_len) (Dr.GRPO: no length bias)
enum class LossNorm { Sequence, Token, Constant };

// Per-sequence weight w_i applied to every token of sequence i.
std::vector<double> sequence_token_weights(const std::vector<int>& lengths, LossNorm norm, int max_len);

// Unbiased pass@k from n samples with c correct (Chen et al. 2021): 1 - C(n-c,k)/C(n,k).
double pass_at_k(int n, int c, int k);

}  // namespace r1::rl
