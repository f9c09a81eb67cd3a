// BPE training: exact round trip, determinism (repeat runs, thread counts),
// vocab size, special tokens, and the chat template over the trained tokens.
#include <gtest/gtest.h>

#include "base/error.h"
#include "base/rng.h"
#include "base/threads.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/train_bpe.h"
#include "tokenizer_test_util.h"

using namespace r1;

namespace {
std::vector<std::string> corpus() {
  std::vector<std::string> docs;
  for (auto& c : tt::read_jsonl(tt::data("cases_public.jsonl"))) docs.push_back(c["text"]);
  // Synthetic lines with digits, CJK, code and special tokens.
  const char* words[] = {"the", "model", "令牌", "数据", "int", "x", "=", "(", ")", "{", "}", "42", "3.14159", "\n",
                         "  ", "<｜User｜>", "<think>", "</think>", "é", "😀"};
  uint64_t s = 12345;
  for (int d = 0; d < 60; d++) {
    std::string doc;
    for (int i = 0; i < 200; i++) {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      doc += words[(s >> 33) % 20];
      if ((s >> 20) & 1) doc += ' ';
    }
    docs.push_back(doc);
  }
  return docs;
}
}  // namespace

TEST(TokenizerTrain, RoundTripDeterministicAndHfShaped) {
  auto docs = corpus();
  BpeTrainOptions opt;
  opt.vocab_size = 1500;
  set_threads(1);
  std::string a = train_bpe(docs, opt);
  set_threads(2);
  std::string b = train_bpe(docs, opt);
  set_threads(0);
  EXPECT_EQ(a, b) << "training is not deterministic across thread counts";
  EXPECT_EQ(a, train_bpe(docs, opt));
  Tokenizer t = Tokenizer::from_json(a, "trained");
  EXPECT_EQ(t.vocab_size(), 1500);
  EXPECT_EQ(t.bos_id(), 1500 - 10);
  EXPECT_EQ(t.id_to_token(t.bos_id()), "<｜begin▁of▁sentence｜>");
  EXPECT_EQ(t.token_to_id("<think>"), 1495);
  EXPECT_TRUE(t.is_special(t.eos_id()));
  EXPECT_FALSE(t.is_special(t.token_to_id("<｜User｜>")));
  size_t bytes = 0, toks = 0;
  for (auto& d : docs) {
    auto ids = t.encode(d);
    ASSERT_EQ(t.decode(ids), d);
    bytes += d.size();
    toks += ids.size();
  }
  EXPECT_GT((double)bytes / toks, 2.0) << "merges do not compress";
  // Special tokens are single ids; digits are never merged past 3.
  auto ids = t.encode("<｜User｜>hi<think>12345</think>");
  EXPECT_EQ(ids.front(), t.token_to_id("<｜User｜>"));
  EXPECT_EQ(t.decode(ids), "<｜User｜>hi<think>12345</think>");
  EXPECT_EQ(t.decode(ids, true), "<｜User｜>hi<think>12345</think>");  // none of these is `special`
  EXPECT_EQ(t.decode({t.bos_id(), ids[1]}, true), t.decode({ids[1]}));
}

TEST(TokenizerTrain, TinyTokenizerChatTemplate) {
  BpeTrainOptions opt;
  opt.vocab_size = 300;
  std::string js = train_bpe(corpus(), opt);
  std::string dir = std::string(R1_BINARY) + ".tok_train_test";
  write_trained_tokenizer(dir, js, opt);
  Tokenizer t = Tokenizer::load(dir);
  EXPECT_EQ(t.vocab_size(), 300);
  ChatTemplate ct = ChatTemplate::for_tokenizer(t);
  EXPECT_EQ(ct.style, ChatTemplate::Style::DeepSeekR1);
  std::string s = ct.render({ChatMessage("user", "hi")}, true);
  EXPECT_EQ(s, "<｜begin▁of▁sentence｜><｜User｜>hi<｜Assistant｜><think>\n");
  auto ids = t.encode(s);
  EXPECT_EQ(ids[0], t.bos_id());
  EXPECT_EQ(ids[1], t.token_to_id("<｜User｜>"));
  EXPECT_EQ(ids[ids.size() - 2], t.token_to_id("<think>"));
  EXPECT_NE(t.chat_template_source().find("<｜Assistant｜><think>\\n"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(TokenizerTrain, BadOptions) {
  BpeTrainOptions opt;
  opt.vocab_size = 100;
  EXPECT_THROW(train_bpe({"abc"}, opt), r1::Error);
  opt.vocab_size = 400;
  EXPECT_THROW(train_bpe({std::string("a\xff")}, opt), r1::Error);
}
