// Sampler and batched Generator on the v3_tiny golden model.
#include <gtest/gtest.h>

#include <cmath>

#include "base/json.h"
#include "base/threads.h"
#include "infer/generator.h"
#include "model/transformer.h"

using namespace r1;

namespace {
const std::string kV3 = std::string(R1_SOURCE_DIR) + "/tests/data/goldens/v3_tiny";

std::vector<int32_t> golden_tokens(int seq) {
  return read_json_file(kV3 + "/tokens.json")["tokens"][seq].get<std::vector<int32_t>>();
}

int32_t argmax(const float* x, int64_t n) { return (int32_t)(std::max_element(x, x + n) - x); }
}  // namespace

TEST(InferSampler, GreedyTopKAndSeeds) {
  std::vector<float> l = {0.1f, 2.0f, -1.0f, 1.9f};
  Sampler g;
  EXPECT_EQ(g.sample(l.data(), 4, {}), 1);
  SamplingParams p;
  p.temperature = 1.0f;
  p.top_k = 1;
  Sampler k1(p);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(k1.sample(l.data(), 4, {}), 1);
  // Same seed, same draws; another seed, different sequence.
  p.top_k = 0;
  p.seed = 7;
  Sampler a(p), b(p);
  std::vector<int> da, db, dc;
  p.seed = 8;
  Sampler c(p);
  for (int i = 0; i < 64; ++i) {
    da.push_back(a.sample(l.data(), 4, {}));
    db.push_back(b.sample(l.data(), 4, {}));
    dc.push_back(c.sample(l.data(), 4, {}));
  }
  EXPECT_EQ(da, db);
  EXPECT_NE(da, dc);
}

TEST(InferSampler, DistributionTopPMinPAndPenalty) {
  // p = [0.5, 0.25, 0.125, 0.125]
  std::vector<float> l = {std::log(4.f), std::log(2.f), 0.f, 0.f};
  SamplingParams p;
  p.temperature = 1.0f;
  p.seed = 1;
  Sampler s(p);
  int cnt[4] = {0, 0, 0, 0};
  const int N = 20000;
  for (int i = 0; i < N; ++i) cnt[s.sample(l.data(), 4, {})]++;
  EXPECT_NEAR(cnt[0] / (double)N, 0.5, 0.02);
  EXPECT_NEAR(cnt[1] / (double)N, 0.25, 0.02);
  p.top_p = 0.7f;  // keeps {0, 1}
  Sampler tp(p);
  for (int i = 0; i < 500; ++i) EXPECT_LT(tp.sample(l.data(), 4, {}), 2);
  p.top_p = 1.0f;
  p.min_p = 0.3f;  // keeps p >= 0.15: {0, 1}
  Sampler mp(p);
  for (int i = 0; i < 500; ++i) EXPECT_LT(mp.sample(l.data(), 4, {}), 2);
  SamplingParams rp;
  rp.repetition_penalty = 4.0f;  // 1.386/4 < 0.693: token 1 wins once 0 was seen
  Sampler r(rp);
  EXPECT_EQ(r.sample(l.data(), 4, {0}), 1);
  EXPECT_EQ(r.sample(l.data(), 4, {}), 0);
}

TEST(InferGenerator, BatchedGreedyMatchesFullRecompute) {
  set_threads(1);
  auto m = Transformer::load(kV3);
  auto t0 = golden_tokens(0), t1 = golden_tokens(1);
  std::vector<std::vector<int32_t>> prompts = {t0, std::vector<int32_t>(t1.begin(), t1.begin() + 17),
                                               std::vector<int32_t>(t0.begin(), t0.begin() + 5)};
  std::vector<GenRequest> reqs;
  for (auto& p : prompts) {
    GenRequest r;
    r.prompt = p;
    r.max_new_tokens = 6;
    r.stop_at_eos = false;
    reqs.push_back(r);
  }
  Generator gen(*m, 2);  // 3 prompts, 2 slots: the third waits for a free slot
  GenStats st;
  auto res = gen.generate(reqs, &st);
  ASSERT_EQ(res.size(), 3u);
  EXPECT_EQ(st.prompt_tokens, 40 + 17 + 5);
  for (size_t i = 0; i < 3; ++i) {
    ASSERT_EQ(res[i].tokens.size(), 6u);
    EXPECT_EQ(res[i].finish, FinishReason::Length);
    // Independent check: full prefill of prompt + generated prefix, argmax of the last row.
    std::vector<int32_t> seq = prompts[i];
    for (int32_t tok : res[i].tokens) {
      Tensor lg = m->prefill(seq);
      EXPECT_EQ(argmax(lg.f32() + (seq.size() - 1) * m->vocab_size(), m->vocab_size()), tok) << "request " << i;
      seq.push_back(tok);
    }
  }
  // Stop conditions: EOS and a stop sequence taken from the greedy output.
  GenRequest r = reqs[0];
  r.extra_eos = {res[0].tokens[2]};
  r.stop_at_eos = true;
  auto e = gen.generate({r});
  EXPECT_EQ(e[0].finish, FinishReason::Eos);
  EXPECT_EQ(e[0].tokens, std::vector<int32_t>(res[0].tokens.begin(), res[0].tokens.begin() + 2));
  GenRequest s = reqs[0];
  s.stop_sequences = {{res[0].tokens[1], res[0].tokens[2]}};
  auto f = gen.generate({s});
  EXPECT_EQ(f[0].finish, FinishReason::StopSequence);
  EXPECT_EQ(f[0].tokens, std::vector<int32_t>(1, res[0].tokens[0]));
}

TEST(InferGenerator, RejectsOutOfVocabPrompt) {
  auto m = Transformer::load(kV3);
  Generator gen(*m);
  GenRequest r;
  r.prompt = {1, 2, 384};
  EXPECT_THROW(gen.generate({r}), Error);
  KVCache c = m->make_cache(1);
  std::vector<int32_t> bad = {-1};
  EXPECT_THROW(m->forward({{0, bad.data(), 1}}, c), Error);
}
