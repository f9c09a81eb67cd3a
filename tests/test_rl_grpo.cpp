// GRPO math against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "rl/grpo_math.h"

using namespace r1::rl;

TEST(RlGrpo, AdvantagesStdHandComputed) {
  // group {1,0,0,1}: mean 0.5, population std 0.5 -> +-1
  // group {1,0,0,0}: mean 0.25, std sqrt(3)/4 -> 0.75/0.4330127 = 1.7320508, -0.25/0.4330127 = -0.5773503
  auto a = group_advantages({1, 0, 0, 1, 1, 0, 0, 0}, 4, true);
  ASSERT_EQ(a.size(), 8u);
  EXPECT_NEAR(a[0], 1.0, 1e-6);
  EXPECT_NEAR(a[1], -1.0, 1e-6);
  EXPECT_NEAR(a[3], 1.0, 1e-6);
  EXPECT_NEAR(a[4], 1.7320508, 1e-6);
  EXPECT_NEAR(a[5], -0.5773503, 1e-6);
}

TEST(RlGrpo, AdvantagesDrGrpoNoStd) {
  auto a = group_advantages({2, 0, 1}, 3, false);  // mean 1
  EXPECT_FLOAT_EQ(a[0], 1.0f);
  EXPECT_FLOAT_EQ(a[1], -1.0f);
  EXPECT_FLOAT_EQ(a[2], 0.0f);
}

TEST(RlGrpo, ZeroVarianceGroupGivesZeroNotNaN) {
  auto a = group_advantages({1, 1, 1, 1, 0, 0, 0, 0, 0.5f, 0.5f, 0.5f, 1}, 4, true);
  for (int i = 0; i < 8; i++) {
    EXPECT_FALSE(std::isnan(a[i]));
    EXPECT_EQ(a[i], 0.0f);
  }
  EXPECT_NEAR(a[11], std::sqrt(3.0), 1e-5);  // {.5,.5,.5,1}: mean .625, std .2165 -> .375/.2165
  EXPECT_NEAR(zero_variance_share({1, 1, 1, 1, 0, 0, 0, 0, 0.5f, 0.5f, 0.5f, 1}, 4), 2.0 / 3.0, 1e-6);
  EXPECT_THROW(group_advantages({1, 2, 3}, 2, true), r1::Error);
}

TEST(RlGrpo, ClippedSurrogateHandComputed) {
  double g;
  bool c;
  // rho = e^0.1 = 1.1051709, A = 2, eps 0.2: unclipped branch, loss -2.2103418, grad -rho*A
  double l = clipped_surrogate(0.1, 0.0, 2.0, 0.2, 0.2, &g, &c);
  EXPECT_NEAR(l, -2.2103418, 1e-6);
  EXPECT_NEAR(g, -2.2103418, 1e-6);
  EXPECT_FALSE(c);
  // rho = e^0.5 = 1.6487213 > 1.2, A = 1 > 0: clipped to 1.2, no gradient
  l = clipped_surrogate(0.5, 0.0, 1.0, 0.2, 0.2, &g, &c);
  EXPECT_NEAR(l, -1.2, 1e-9);
  EXPECT_EQ(g, 0.0);
  EXPECT_TRUE(c);
  // rho = e^0.5 with A = -1: min(-1.6487, -1.2) = -1.6487 (unclipped, pessimistic), grad = rho
  l = clipped_surrogate(0.5, 0.0, -1.0, 0.2, 0.2, &g, &c);
  EXPECT_NEAR(l, 1.6487213, 1e-6);
  EXPECT_NEAR(g, 1.6487213, 1e-6);
  EXPECT_FALSE(c);
  // rho = e^-0.5 = 0.6065307 < 0.8, A = -1: clipped at 0.8 -> loss 0.8, grad 0
  l = clipped_surrogate(-0.5, 0.0, -1.0, 0.2, 0.2, &g, &c);
  EXPECT_NEAR(l, 0.8, 1e-9);
  EXPECT_EQ(g, 0.0);
  EXPECT_TRUE(c);
  // asymmetric clip (DAPO clip-higher): eps_hi 0.28 keeps rho 1.25 unclipped for A > 0
  clipped_surrogate(std::log(1.25), 0.0, 1.0, 0.2, 0.28, &g, &c);
  EXPECT_FALSE(c);
}

TEST(RlGrpo, K3KlHandComputedAndGradient) {
  double g;
  // logp_ref - logp_new = 0.5: r = 1.6487213, KL = 1.6487213 - 0.5 - 1 = 0.1487213, dKL/dlogp_new = 1 - r
  EXPECT_NEAR(k3_kl(-1.0, -0.5, &g), 0.1487213, 1e-6);
  EXPECT_NEAR(g, -0.6487213, 1e-6);
  EXPECT_NEAR(k3_kl(-0.7, -0.7, &g), 0.0, 1e-12);  // identical policies
  EXPECT_NEAR(g, 0.0, 1e-12);
  // finite differences
  for (double ln : {-2.0, -0.3, -0.01}) {
    double h = 1e-6, ga;
    k3_kl(ln, -0.9, &ga);
    double fd = (k3_kl(ln + h, -0.9, nullptr) - k3_kl(ln - h, -0.9, nullptr)) / (2 * h);
    EXPECT_NEAR(ga, fd, 1e-6);
    EXPECT_GE(k3_kl(ln, -0.9, nullptr), 0.0);  // k3 is non-negative
  }
}

TEST(RlGrpo, TokenTermGradientMatchesFiniteDifference) {
  for (double A : {1.5, -0.7}) {
    for (double ln : {-1.05, -0.95, -1.0}) {  // all inside the clip range around old = -1
      TokenTerm t = grpo_token(ln, -1.0, -1.3, A, 0.2, 0.2, 0.04);
      double h = 1e-6;
      double fd = (grpo_token(ln + h, -1.0, -1.3, A, 0.2, 0.2, 0.04).loss -
                   grpo_token(ln - h, -1.0, -1.3, A, 0.2, 0.2, 0.04).loss) / (2 * h);
      EXPECT_NEAR(t.grad, fd, 1e-6);
    }
  }
}

TEST(RlGrpo, SequenceVsTokenNormalisation) {
  // lengths 2 and 6: sequence-level weights 1/(2*2), 1/(2*6); token-level 1/8 each; constant 1/(2*10)
  auto s = sequence_token_weights({2, 6}, LossNorm::Sequence, 10);
  EXPECT_DOUBLE_EQ(s[0], 0.25);
  EXPECT_DOUBLE_EQ(s[1], 1.0 / 12);
  auto t = sequence_token_weights({2, 6}, LossNorm::Token, 10);
  EXPECT_DOUBLE_EQ(t[0], 0.125);
  EXPECT_DOUBLE_EQ(t[1], 0.125);
  auto c = sequence_token_weights({2, 6}, LossNorm::Constant, 10);
  EXPECT_DOUBLE_EQ(c[0], 0.05);
  auto z = sequence_token_weights({0, 4}, LossNorm::Sequence, 10);  // empty response: no weight, no NaN
  EXPECT_EQ(z[0], 0.0);
}

TEST(RlGrpo, PassAtKUnbiased) {
  EXPECT_DOUBLE_EQ(pass_at_k(10, 0, 1), 0.0);
  EXPECT_NEAR(pass_at_k(10, 3, 1), 0.3, 1e-12);
  // n=5, c=2, k=2: 1 - C(3,2)/C(5,2) = 1 - 3/10
  EXPECT_NEAR(pass_at_k(5, 2, 2), 0.7, 1e-12);
  EXPECT_DOUBLE_EQ(pass_at_k(4, 3, 2), 1.0);
  EXPECT_THROW(pass_at_k(3, 4, 1), r1::Error);
}
