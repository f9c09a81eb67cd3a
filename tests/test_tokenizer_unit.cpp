// Unit checks of the tokenizer parts: the pre-tokenizer pitfalls listed in
// tests/data/tokenizer/README*.md, NFC, lossy UTF-8, BOS handling.
#include <gtest/gtest.h>

#include "tokenizer/pretokenizer.h"
#include "tokenizer/unicode.h"
#include "tokenizer_test_util.h"

using namespace r1;

namespace {
std::vector<std::string> pieces(tok::SplitRule r, const std::string& s, bool deepseek_seq = false) {
  tok::PreTokenizer p;
  if (deepseek_seq) p.steps = {tok::SplitRule::Digits3, tok::SplitRule::CJK, tok::SplitRule::DeepSeekMain};
  else p.steps = {r};
  std::vector<tok::Piece> v;
  p.split(s, v);
  std::vector<std::string> out;
  for (auto& x : v) out.push_back(s.substr(x.begin, x.end - x.begin));
  return out;
}
using V = std::vector<std::string>;
}  // namespace

TEST(TokenizerUnit, DeepSeekPreTokenizer) {
  auto ds = [](const std::string& s) { return pieces(tok::SplitRule::DeepSeekMain, s, true); };
  EXPECT_EQ(ds(" 12345"), (V{" ", "123", "45"}));
  EXPECT_EQ(ds("abc1234567"), (V{"abc", "123", "456", "7"}));
  EXPECT_EQ(ds("Hello世界"), (V{"Hello", "世界"}));
  EXPECT_EQ(ds("a  b"), (V{"a", " ", " b"}));
  EXPECT_EQ(ds("hi\n\n  there"), (V{"hi", "\n\n", " ", " there"}));
  EXPECT_EQ(ds("?!\n\nx"), (V{"?!\n\n", "x"}));
  EXPECT_EQ(ds("#include <x.h>"), (V{"#include", " <", "x", ".h", ">"}));
  EXPECT_EQ(ds("a \xC2\x85 b"), (V{"a", " \xC2\x85", " b"}));  // U+0085 is \s for Oniguruma
  EXPECT_EQ(ds("\x01"), (V{"\x01"}));                            // unmatched span kept
}

TEST(TokenizerUnit, QwenLlamaPreTokenizer) {
  EXPECT_EQ(pieces(tok::SplitRule::Llama3, "DON'T x'red 1234567"), (V{"DON", "'T", " x", "'re", "d", " ", "123", "456", "7"}));
  EXPECT_EQ(pieces(tok::SplitRule::Qwen2, "ab 12"), (V{"ab", " ", "1", "2"}));
  EXPECT_EQ(pieces(tok::SplitRule::Qwen2, "the 'red' car"), (V{"the", " '", "red", "'", " car"}));
  EXPECT_EQ(pieces(tok::SplitRule::Llama3, ".\n\nx"), (V{".\n\n", "x"}));
}

TEST(TokenizerUnit, Nfc) {
  EXPECT_EQ(unicode::nfc("e\xCC\x81"), "\xC3\xA9");             // e + U+0301 -> é
  EXPECT_EQ(unicode::nfc("\xE2\x84\xAB"), "\xC3\x85");          // U+212B -> Å
  EXPECT_EQ(unicode::nfc("\xE1\x84\x80\xE1\x85\xA1\xE1\x86\xA8"), "\xEA\xB0\x81");  // L+V+T -> 각
  EXPECT_EQ(unicode::nfc("\xEF\xAC\x81"), "\xEF\xAC\x81");      // ﬁ unchanged
  EXPECT_EQ(unicode::nfc("a\xCC\xA3\xCC\x87"), "\xE1\xBA\xA1\xCC\x87");  // reorder then compose: ạ̇
}

TEST(TokenizerUnit, LossyUtf8LikeRust) {
  EXPECT_EQ(unicode::utf8_lossy("a\xF0\x9F\x98" "b"), "a\xEF\xBF\xBD" "b");           // one U+FFFD for a cut sequence
  EXPECT_EQ(unicode::utf8_lossy("\xC0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD");            // each invalid byte
  EXPECT_EQ(unicode::utf8_lossy("\xED\xA0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(TokenizerUnit, BosAndLookups) {
  const Tokenizer& t = tt::deepseek_v3();
  EXPECT_EQ(t.vocab_size(), 128815);
  EXPECT_EQ(t.bos_id(), 0);
  EXPECT_EQ(t.eos_id(), 1);
  EXPECT_EQ(t.encode("Hello world"), (std::vector<int32_t>{19923, 2058}));
  EXPECT_EQ(t.encode("Hello world", true), (std::vector<int32_t>{0, 19923, 2058}));
  EXPECT_EQ(t.token_to_id("Ġ"), 223);
  EXPECT_EQ(t.id_to_token(223), "Ġ");
  EXPECT_EQ(t.token_to_id("<｜User｜>"), 128803);
  EXPECT_EQ(t.decode({0, 19923, 1}, true), "Hello");
  EXPECT_EQ(t.encode("<think>"), (std::vector<int32_t>{30, 37947, 32}));
  std::vector<std::string> batch = {"a", "Hello world", ""};
  auto b = t.encode_batch(batch);
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[1], t.encode("Hello world"));
  EXPECT_TRUE(b[2].empty());
}
