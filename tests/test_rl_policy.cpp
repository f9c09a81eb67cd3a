// WindowLM gradients (finite differences), chat-template loss masking,
// packing isolation, SFT learning, GRPO on degenerate policies.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include <unistd.h>

#include "base/error.h"
#include "base/json.h"
#include "rl/chat.h"
#include "rl/grpo.h"
#include "rl/sft.h"
#include "rl/verify.h"
#include "rl/window_lm.h"

using namespace r1;
using namespace r1::rl;

static TokenRows one_row(const std::vector<int>& toks) {
  TokenRows r;
  r.tokens = {toks};
  r.segment = {std::vector<int>(toks.size(), 1)};
  r.want = {std::vector<uint8_t>(toks.size(), 1)};
  return r;
}

TEST(RlPolicy, WindowLMGradientMatchesFiniteDifferences) {
  for (int layers : {1, 2}) {
    WindowLMConfig c;
    c.vocab = 12, c.window = 3, c.d_emb = 4, c.hidden = 8, c.layers = layers;
    WindowLM m(c, 7);
    TokenRows rows = one_row({0, 3, 5, 9, 2, 11, 4});
    std::vector<std::vector<float>> d = {{0, 0.5f, -1.0f, 0.25f, 2.0f, -0.5f, 1.0f}};
    auto objective = [&]() {
      std::vector<std::vector<float>> lp;
      m.logprobs(rows, &lp, nullptr);
      double s = 0;
      for (size_t t = 0; t < lp[0].size(); t++) s += (double)d[0][t] * lp[0][t];
      return s;
    };
    m.zero_grad();
    m.backward(rows, d);
    std::vector<float> g = m.grads();
    Rng pick(3);
    auto fd_at = [&](size_t i, float h) {
      float w0 = m.weights()[i];
      m.weights()[i] = w0 + h;
      double up = objective();
      m.weights()[i] = w0 - h;
      double dn = objective();
      m.weights()[i] = w0;
      return (up - dn) / (2 * h);
    };
    int checked = 0;
    for (int trial = 0; trial < 200 && checked < 40; trial++) {
      size_t i = pick.below(m.weights().size());
      double fd = fd_at(i, 1e-2f), fd2 = fd_at(i, 5e-3f);
      // a ReLU kink inside the step makes the two estimates disagree: skip that parameter
      if (std::fabs(fd - fd2) > 1e-3 + 1e-2 * std::fabs(fd)) continue;
      checked++;
      EXPECT_NEAR(g[i], fd2, 2e-3 + 2e-2 * std::fabs(fd2)) << "param " << i << " layers " << layers;
    }
    EXPECT_GE(checked, 30);
  }
}

TEST(RlPolicy, EntropyAndLogprobsAreConsistent) {
  WindowLMConfig c;
  c.vocab = 10, c.window = 2, c.d_emb = 3, c.hidden = 5, c.layers = 1;
  WindowLM m(c, 1);
  // sum over all next tokens of p(token) must be 1
  double total = 0;
  for (int y = 0; y < 10; y++) {
    std::vector<std::vector<float>> lp, ent;
    m.logprobs(one_row({1, 2, y}), &lp, &ent);
    total += std::exp(lp[0][2]);
    EXPECT_GT(ent[0][2], 0.0f);
    EXPECT_LE(ent[0][2], std::log(10.0) + 1e-5);
  }
  EXPECT_NEAR(total, 1.0, 1e-5);
}

TEST(RlPolicy, ChatTemplateLossMaskCoversAssistantTurnOnly) {
  CharVocab v = CharVocab::train({"0123456789+=", kZeroTemplate});
  Encoded e = encode_example(v, Template::Chat, "12+34", render_response("2+4+0=06", "46"));
  // prompt: <bos><User>12+34<Assistant>
  ASSERT_EQ(e.prompt_len, 8);
  EXPECT_EQ(e.tokens[0], v.bos());
  EXPECT_EQ(e.tokens[1], v.user());
  EXPECT_EQ(e.tokens[7], v.assistant());
  for (int i = 0; i < e.prompt_len; i++) EXPECT_EQ(e.loss_mask[(size_t)i], 0) << i;
  for (size_t i = (size_t)e.prompt_len; i < e.tokens.size(); i++) EXPECT_EQ(e.loss_mask[i], 1) << i;
  EXPECT_EQ(e.tokens[(size_t)e.prompt_len], v.think());
  EXPECT_EQ(e.tokens.back(), v.eos());
  EXPECT_EQ(v.decode(std::vector<int>(e.tokens.begin() + e.prompt_len, e.tokens.end() - 1)),
            "<think>2+4+0=06</think><answer>46</answer>");
  // the R1-Zero template is plain text around the question
  Encoded z = encode_example(v, Template::Zero, "12+34", "<think>x</think><answer>1</answer>");
  EXPECT_NE(v.decode(std::vector<int>(z.tokens.begin(), z.tokens.begin() + z.prompt_len)).find("User: 12+34 Assistant:"),
            std::string::npos);
}

TEST(RlPolicy, PackingKeepsSamplesApart) {
  WindowLMConfig c;
  c.vocab = 12, c.window = 4, c.d_emb = 3, c.hidden = 6, c.layers = 2;
  WindowLM m(c, 2);
  SftSample a{{0, 5, 6, 7}, {0, 1, 1, 1}}, b{{0, 8, 9, 10, 11}, {0, 1, 1, 1, 1}};
  TokenRows packed = pack({&a, &b}, 64);
  ASSERT_EQ(packed.tokens.size(), 1u);
  EXPECT_EQ(packed.segment[0], (std::vector<int>{1, 1, 1, 1, 2, 2, 2, 2, 2}));
  TokenRows alone;
  alone.tokens = {b.tokens};
  alone.segment = {std::vector<int>(b.tokens.size(), 1)};
  alone.want = {b.loss_mask};
  std::vector<std::vector<float>> lp_packed, lp_alone;
  m.logprobs(packed, &lp_packed, nullptr);
  m.logprobs(alone, &lp_alone, nullptr);
  for (size_t t = 1; t < b.tokens.size(); t++) EXPECT_EQ(lp_packed[0][4 + t], lp_alone[0][t]) << t;
  EXPECT_EQ(lp_packed[0][4], 0.0f);  // a segment's first token is never predicted from the previous sample
  // rows overflow into a new row when full
  EXPECT_EQ(pack({&a, &b}, 6).tokens.size(), 2u);
}

TEST(RlPolicy, SftLearnsAFixedMapping) {
  CharVocab v = CharVocab::train({"0123456789+"});
  WindowLMConfig c;
  c.vocab = v.size(), c.window = 8, c.d_emb = 8, c.hidden = 32, c.layers = 1;
  WindowLM m(c, 3);
  std::vector<SftSample> data;
  for (int i = 0; i < 10; i++) {
    Encoded e = encode_example(v, Template::Chat, std::to_string(i), render_response("x", std::to_string((i * 7) % 10)));
    data.push_back({e.tokens, e.loss_mask});
  }
  SftConfig sc;
  sc.steps = 150, sc.batch = 10, sc.warmup = 5;
  sc.opt.lr = 1e-2f;
  auto log = sft_train(m, data, sc, 1);
  EXPECT_LT(log.loss.back(), 0.2 * log.loss.front());
  Rng rng(1);
  GenConfig g;
  g.temperature = 0, g.max_new = 20, g.stop = {v.eos()};
  Problem p;
  p.kind = AnswerKind::Number;
  p.prompt = "3";
  p.answer = "1";
  auto out = m.generate({v.encode(render_prompt(Template::Chat, "3"))}, g, rng);
  EXPECT_TRUE(verify_response(p, completion_text(v, out[0]))) << completion_text(v, out[0]);
}

TEST(RlPolicy, GrpoWithNoAnswerPolicyScoresZeroWithoutNaN) {
  // An untrained policy on a hard task: no answers, every group zero-variance.
  CharVocab v = CharVocab::train({"0123456789+ Sort"});
  WindowLMConfig c;
  c.vocab = v.size(), c.window = 4, c.d_emb = 4, c.hidden = 8, c.layers = 1;
  WindowLM m(c, 9);
  auto w0 = m.weights();
  auto train = generate_set({"add"}, 3, Split::Train, 8, 1);
  GrpoConfig g;
  g.steps = 2, g.prompts_per_step = 4, g.G = 4, g.max_new = 6, g.beta = 0.0f;
  g.weights.format = 0;  // accuracy only: all rewards 0
  auto logs = grpo_train(m, v, train, g, 5);
  ASSERT_EQ(logs.size(), 2u);
  for (auto& L : logs) {
    EXPECT_EQ(L.accuracy, 0.0);
    EXPECT_EQ(L.zero_var, 1.0);
    EXPECT_FALSE(std::isnan(L.kl) || std::isnan(L.entropy) || std::isnan(L.reward));
  }
  EXPECT_EQ(m.weights(), w0);  // no signal, no update
  for (float x : m.weights()) ASSERT_TRUE(std::isfinite(x));
}

TEST(RlPolicy, GrpoRaisesRewardOnABandit) {
  // One prompt whose correct answer is "7": GRPO must make it more likely.
  CharVocab v = CharVocab::train({"0123456789"});
  WindowLMConfig c;
  c.vocab = v.size(), c.window = 4, c.d_emb = 4, c.hidden = 16, c.layers = 1;
  WindowLM m(c, 4);
  Problem p;
  p.task = "import", p.kind = AnswerKind::Number, p.prompt = "q", p.answer = "7", p.key = "q";
  // warm start: the policy emits the answer format with a random digit
  std::vector<SftSample> data;
  for (int d = 0; d < 10; d++) {
    Encoded e = encode_example(v, Template::Chat, "q", render_response("x", std::to_string(d)));
    data.push_back({e.tokens, e.loss_mask});
  }
  SftConfig sc;
  sc.steps = 60, sc.batch = 10;
  sc.opt.lr = 1e-2f;
  sft_train(m, data, sc, 2);
  auto prob7 = [&]() {
    Encoded e = encode_example(v, Template::Chat, "q", render_response("x", "7"));
    std::vector<std::vector<float>> lp;
    m.logprobs(one_row(e.tokens), &lp, nullptr);
    return std::exp(lp[0][e.tokens.size() - 3]);  // the answer digit
  };
  double before = prob7();
  GrpoConfig g;
  g.steps = 15, g.prompts_per_step = 2, g.G = 8, g.max_new = 12, g.beta = 0.01f;
  g.opt.lr = 1e-2f;
  grpo_train(m, v, {p}, g, 3);
  EXPECT_GT(prob7(), before + 0.2) << before;
}

TEST(RlPolicy, BpeVocabMergesWordsNeverDigits) {
  std::vector<std::string> corpus;
  for (int i = 0; i < 20; i++)
    corpus.push_back(render_prompt(Template::Zero, std::to_string(1000 + 37 * i) + "+11") +
                     " Problem: 12+34 Solution: 2+4+0=06 Answer: 46\n");
  CharVocab plain = CharVocab::train(corpus), v = CharVocab::train(corpus, 500);
  EXPECT_GT(v.size(), plain.size() + 20);
  const std::string text = render_prompt(Template::Zero, "123+456") + "<think>3+6+0=09</think>";
  auto ids = v.encode(text);
  EXPECT_EQ(v.decode(ids), text);                           // lossless
  EXPECT_LT(ids.size() * 3, plain.encode(text).size());     // prose shrinks to ~ a token per word
  for (int id : ids) {
    std::string piece = v.decode({id});
    bool digit = piece.find_first_of("0123456789") != std::string::npos;
    EXPECT_TRUE(!digit || piece.size() == 1) << piece;      // digits stay single tokens
  }
  EXPECT_EQ(v.encode(" Answer: 46"), (std::vector<int>{v.id(" Answer"), v.id(":"), v.id(" "), v.id("4"), v.id("6")}));
  // save/load keeps the merges; a merge naming an unknown piece is rejected
  auto path = std::filesystem::temp_directory_path() / ("r1_bpe_vocab_" + std::to_string(::getpid()) + ".json");
  v.save(path.string());
  CharVocab w = CharVocab::load(path.string());
  EXPECT_EQ(w.size(), v.size());
  EXPECT_EQ(w.encode(text), ids);
  write_file_atomic(path.string(), "{\"pieces\": [\"<｜begin▁of▁sentence｜>\", \"<｜end▁of▁sentence｜>\", \"<｜User｜>\", "
                                   "\"<｜Assistant｜>\", \"<think>\", \"</think>\", \"<answer>\", \"</answer>\", \"a\", \"ab\"], "
                                   "\"merges\": [[\"a\", \"b\"]]}");
  EXPECT_THROW(CharVocab::load(path.string()), Error);
  std::filesystem::remove(path);
}
