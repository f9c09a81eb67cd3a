// Gradcheck of whole modules of the trainable DeepSeek-V3 (MLA, MoE, MTP,
// Block) against central finite differences of the full training objective.
// Bound: max relative error < 3e-2 (|a-n| / max(|a|,|n|,1e-2)), float32, eps 1e-2 (observed <~1e-2).
#include <gtest/gtest.h>

#include <cstdio>

#include "autograd/gradcheck.h"
#include "train_test_util.h"

using namespace r1;
using namespace r1::train;

namespace {

struct Fixture {
  TrainModel m;
  Batch b;
  LossOptions lo;
  Fixture(float seq_alpha = 0, float v2_alpha = 0) {
    m = TrainModel::init(ModelConfig::from_json(testutil::tiny_v3_json(1), "tiny"), 7);
    // a non-zero correction bias so the choice differs from plain top-k
    for (auto& [n, t] : m.buffers())
      for (int64_t i = 0; i < t->numel(); ++i) t->f32()[i] = 0.05f * (float)(i % 3) - 0.05f;
    b = testutil::tiny_batch(2, 6, 3);
    lo.mtp_lambda = 0.5f;
    lo.seq_aux_alpha = seq_alpha;
    lo.v2_aux_alpha = v2_alpha;
  }
  ag::GradcheckResult check(const std::vector<std::string>& prefixes, double eps = 1e-2) {
    std::vector<ag::Var> in;
    for (auto& p : m.params())
      for (auto& pre : prefixes)
        if (p.name.rfind(pre, 0) == 0) in.push_back(p.v);
    EXPECT_FALSE(in.empty());
    auto r = ag::gradcheck([&](ag::Tape& t) { return m.loss(t, b, lo).loss; }, in, eps, 6, 1e-2, 11);
    std::printf("gradcheck %s...: %lld elements, max rel %.2e, max abs %.2e\n", prefixes[0].c_str(), (long long)r.checked,
                r.max_rel, r.max_abs);
    return r;
  }
};

constexpr double kBound = 3e-2;

}  // namespace

TEST(AutogradModules, MLA) {
  Fixture f;
  auto r = f.check({"model.layers.0.self_attn."});
  EXPECT_GT(r.checked, 30);
  EXPECT_LT(r.max_rel, kBound) << r.max_abs;
}

TEST(AutogradModules, MoE) {
  Fixture f;
  auto r = f.check({"model.layers.1.mlp."});
  EXPECT_GT(r.checked, 30);
  EXPECT_LT(r.max_rel, kBound) << r.max_abs;
}

TEST(AutogradModules, MoEWithBalanceLosses) {
  Fixture f(0.3f, 0.2f);
  auto r = f.check({"model.layers.1.mlp.gate.", "model.layers.2.mlp.gate."});
  EXPECT_LT(r.max_rel, kBound) << r.max_abs;
}

TEST(AutogradModules, MTP) {
  Fixture f;
  auto r = f.check({"model.layers.2.", "model.embed_tokens", "lm_head"});
  EXPECT_GT(r.checked, 30);
  EXPECT_LT(r.max_rel, kBound) << r.max_abs;
}

TEST(AutogradModules, Block) {
  Fixture f;
  auto r = f.check({"model.layers.0.", "model.norm"});
  EXPECT_LT(r.max_rel, kBound) << r.max_abs;
}
