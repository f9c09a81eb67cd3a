// The embedding backward splits over threads by column blocks when large:
// through a chain of ops around it (narrow / concat / reshape / scale) the
// result has the same bits at 1 and 2 threads and matches a serial reference.
#include <gtest/gtest.h>

#include <vector>

#include "autograd/ops.h"
#include "autograd_test_util.h"
#include "base/rng.h"
#include "base/threads.h"

using namespace r1;
using namespace r1::ag;

namespace {

// embedding -> concat with a narrow of itself -> reshape -> scale, backward with a
// random seed; returns the output and the embedding table's gradient.
std::pair<std::vector<float>, std::vector<float>> run(int threads) {
  set_threads(threads);
  const int64_t V = 50, C = 300, N = 400;  // N*C above the parallel threshold
  Var W = randn({V, C}, 1);
  std::vector<int32_t> ids(N);
  Rng r(2);
  for (auto& i : ids) i = (int32_t)r.below(V);  // repeated rows
  Tape t;
  Var e = embedding(t, W, ids);
  Var y = scale(t, reshape(t, concat_last(t, e, narrow(t, e, 10, 200)), {N * 5, 100}), 0.5f);
  std::vector<float> seed(y->numel());
  for (auto& s : seed) s = (float)r.normal();
  t.backward(y, seed.data());
  std::vector<float> out(y->val(), y->val() + y->numel()), g(W->grad(), W->grad() + W->numel());
  set_threads(1);
  return {out, g};
}

}  // namespace

TEST(AutogradParallel, SameBitsAtOneAndTwoThreads) {
  auto [y1, g1] = run(1);
  auto [y2, g2] = run(2);
  EXPECT_EQ(y1, y2);
  EXPECT_EQ(g1, g2);
  // serial reference of the embedding gradient: dW[id] += dE, with dE from both uses of e
  const int64_t V = 50, C = 300, N = 400;
  Rng r(2);
  std::vector<int32_t> ids(N);
  for (auto& i : ids) i = (int32_t)r.below(V);
  std::vector<float> seed(N * 500);
  for (auto& s : seed) s = (float)r.normal();
  std::vector<float> ref(V * C, 0.0f);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c) {
      float d = 0.5f * seed[n * 500 + c];
      if (c >= 10 && c < 210) d += 0.5f * seed[n * 500 + 300 + (c - 10)];
      ref[ids[n] * C + c] += d;
    }
  for (int64_t i = 0; i < V * C; ++i) ASSERT_NEAR(g1[i], ref[i], 1e-4) << i;
}
