// Gradient-buffer semantics: zero_grad() marks a gradient stale instead of
// clearing it, the next backward writes over a stale buffer (or clears it before
// accumulating), AdamW reads a stale gradient as zero, and reshape is a view.
// Every check compares against values computed with explicitly zeroed buffers.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <cstring>

#include "autograd/ops.h"
#include "autograd_test_util.h"
#include "base/rng.h"
#include "train/optim.h"

using namespace r1;
using namespace r1::ag;

static std::vector<float> grad_of(const Var& v) { return std::vector<float>(v->grad(), v->grad() + v->numel()); }

// backward of sum(seed * f()) for a fixed pseudo-random seed
template <class F>
static void run_backward(F&& f) {
  Tape t;
  Var y = f(t);
  std::vector<float> seed(y->numel());
  for (size_t i = 0; i < seed.size(); ++i) seed[i] = (float)((i * 7) % 5) - 2.0f;
  t.backward(y, seed.data());
}

TEST(AutogradGrads, StaleGradientReadsAsZeroAndIsWrittenOver) {
  Var x = randn({6, 16}, 1), W = randn({32, 16}, 2);
  auto f = [&](Tape& t) { return linear(t, x, W); };
  run_backward(f);
  const auto gx = grad_of(x), gW = grad_of(W);
  // without zero_grad a second pass accumulates: exactly twice the gradient
  run_backward(f);
  for (size_t i = 0; i < gW.size(); ++i) ASSERT_EQ(W->g.f32()[i], 2.0f * gW[i]);
  // zero_grad keeps the buffer (and its old values) but marks it stale
  const float* buf = W->g.f32();
  W->zero_grad();
  x->zero_grad();
  EXPECT_FALSE(W->has_grad());
  EXPECT_EQ(W->g.f32(), buf);
  EXPECT_NE(buf[0], 0.0f);
  // the next backward writes over it: the same bits as the first pass
  run_backward(f);
  EXPECT_TRUE(W->has_grad());
  EXPECT_EQ(W->g.f32(), buf);
  EXPECT_EQ(grad_of(W), gW);
  EXPECT_EQ(grad_of(x), gx);
  // an accumulating reader clears a stale buffer first
  W->zero_grad();
  const float* g = W->grad();
  for (int64_t i = 0; i < W->numel(); ++i) ASSERT_EQ(g[i], 0.0f);
}

TEST(AutogradGrads, FusedMlpAndExpertWeightGradsAreWrittenFresh) {
  const int N = 12, C = 16, F = 8, E = 6;
  Var x = randn({N, C}, 3), lg = randn({N, E}, 4), w = randn({N, 2}, 5);
  ExpertWeights dense{randn({F, C}, 6), randn({F, C}, 7), randn({C, F}, 8)};
  std::vector<ExpertWeights> ex;
  for (int e = 0; e < E; ++e) ex.push_back({randn({F, C}, 10 + e), randn({F, C}, 20 + e), randn({C, F}, 30 + e)});
  Routing R;
  {
    Tape t;
    t.enabled = false;
    RouteConfig rc;
    rc.E = E, rc.K = 2, rc.n_group = 1, rc.topk_group = 1, rc.sigmoid = true, rc.norm_topk = true;
    moe_route(t, lg, nullptr, rc, &R);
  }
  // route every token away from the last expert: it must keep a stale (zero) gradient
  for (int64_t s : R.rows[E - 1]) R.rows[0].push_back(s);
  R.rows[E - 1].clear();
  std::sort(R.rows[0].begin(), R.rows[0].end());
  auto f = [&](Tape& t) { return moe_experts(t, swiglu_mlp(t, x, dense), w, R, ex, &dense); };
  std::vector<Var> ws = {dense.gate, dense.up, dense.down};
  for (int e = 0; e < E - 1; ++e) ws.insert(ws.end(), {ex[e].gate, ex[e].up, ex[e].down});
  run_backward(f);
  std::vector<std::vector<float>> first;
  for (auto& v : ws) first.push_back(grad_of(v));
  for (auto& v : ws) v->zero_grad();
  ex[E - 1].down->grad()[0] = 5.0f;  // a live value from elsewhere, then stale
  ex[E - 1].down->zero_grad();
  run_backward(f);
  for (size_t i = 0; i < ws.size(); ++i) EXPECT_EQ(grad_of(ws[i]), first[i]) << "weight " << i;
  EXPECT_FALSE(ex[E - 1].down->has_grad());
  EXPECT_FALSE(ex[E - 1].gate->has_grad());
}

TEST(AutogradGrads, AdamWReadsStaleAsZero) {
  // two copies of the same parameters: gradients explicitly zero vs stale
  auto make = [] {
    std::vector<train::NamedParam> ps;
    ps.push_back({"a", randn({64, 8}, 40), true});
    ps.push_back({"b", randn({37}, 41), false});
    return ps;
  };
  auto pa = make(), pb = make();
  train::AdamW oa(pa, {}), ob(pb, {});
  for (int step = 0; step < 3; ++step) {
    for (size_t i = 0; i < pa.size(); ++i) {
      float* ga = pa[i].v->grad();
      float* gb = pb[i].v->grad();
      for (int64_t j = 0; j < pa[i].v->numel(); ++j) ga[j] = gb[j] = (float)std::sin(0.3 * j + step);
    }
    oa.step(1e-2f, 0.5f, false);
    ob.step(1e-2f, 0.5f, true);  // marks b's gradients stale
    EXPECT_FALSE(pb[0].v->has_grad());
    // a zero gradient step: explicit zeros for a, stale for b
    for (auto& p : pa) std::memset(p.v->grad(), 0, p.v->numel() * sizeof(float));
    oa.step(1e-2f, 1.0f, false);
    ob.step(1e-2f, 1.0f, false);
    for (size_t i = 0; i < pa.size(); ++i)
      for (int64_t j = 0; j < pa[i].v->numel(); ++j) ASSERT_EQ(pa[i].v->val()[j], pb[i].v->val()[j]);
  }
  EXPECT_EQ(train::grad_norm(pb), 0.0);
  auto sa = oa.state(), sb = ob.state();
  for (size_t i = 0; i < sa.size(); ++i)
    ASSERT_EQ(0, std::memcmp(sa[i].second.raw(), sb[i].second.raw(), sa[i].second.nbytes())) << sa[i].first;
}

TEST(AutogradGrads, ReshapeIsAViewAndNarrowWritesItsWholeGradient) {
  Var x = randn({4, 6}, 50);
  Tape t;
  Var y = reshape(t, x, {24});
  EXPECT_EQ(y->v.raw(), x->v.raw());
  // x without a gradient takes y's; with one it accumulates
  run_backward([&](Tape& t) { return reshape(t, x, {3, 8}); });
  const auto g1 = grad_of(x);
  run_backward([&](Tape& t) { return reshape(t, x, {3, 8}); });
  for (size_t i = 0; i < g1.size(); ++i) ASSERT_EQ(x->g.f32()[i], 2.0f * g1[i]);
  // narrow into a stale buffer holding old values: the columns outside the window read zero
  x->zero_grad();
  run_backward([&](Tape& t) { return narrow(t, x, 2, 3); });
  for (int r = 0; r < 4; ++r)
    for (int c = 0; c < 6; ++c) {
      const float g = x->g.f32()[r * 6 + c];
      if (c < 2 || c >= 5) ASSERT_EQ(g, 0.0f) << r << "," << c;
      else ASSERT_EQ(g, (float)(((r * 3 + c - 2) * 7) % 5) - 2.0f);
    }
}
