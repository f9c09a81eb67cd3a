// Clear errors for bad input: malformed tokenizer.json (missing merges, unknown
// merge symbol, unsupported model / pre-tokenizer / regex / normalizer),
// invalid UTF-8, out-of-range ids.
#include <gtest/gtest.h>

#include "base/error.h"
#include "tokenizer/fast_json.h"
#include "tokenizer/train_bpe.h"
#include "tokenizer_test_util.h"

using namespace r1;

namespace {
const std::string& small_json() {
  static const std::string s = [] {
    BpeTrainOptions o;
    o.vocab_size = 300;
    std::vector<std::string> docs(20, "hello world, hello tokenizer 123 4567\n");
    return train_bpe(docs, o);
  }();
  return s;
}
std::string replace(std::string s, const std::string& a, const std::string& b) {
  size_t p = s.find(a);
  EXPECT_NE(p, std::string::npos) << a;
  if (p != std::string::npos) s.replace(p, a.size(), b);
  return s;
}
void expect_error(const std::string& js, const std::string& needle) {
  try {
    Tokenizer::from_json(js, "bad.json");
    ADD_FAILURE() << "no error; expected one mentioning: " << needle;
  } catch (const r1::Error& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(TokenizerErrors, MalformedTokenizerJson) {
  const std::string& js = small_json();
  ASSERT_NO_THROW(Tokenizer::from_json(js, "ok.json"));
  expect_error(replace(js, "\"merges\"", "\"merges_gone\""), "model.merges is missing");
  // First merge names a symbol that is not in the vocab.
  size_t m = js.find("\"merges\": [");
  ASSERT_NE(m, std::string::npos);
  size_t q = js.find('"', m + 12);
  size_t q2 = js.find('"', q + 1);
  expect_error(js.substr(0, q + 1) + "zzzq l" + js.substr(q2), "names unknown symbol 'zzzq'");
  expect_error(replace(js, "\"type\": \"BPE\"", "\"type\": \"WordPiece\""), "model.type 'WordPiece' is not supported");
  expect_error(replace(js, "{\"type\": \"ByteLevel\", \"add_prefix_space\": false",
                       "{\"type\": \"Metaspace\", \"add_prefix_space\": false"),
               "pre_tokenizer type 'Metaspace' is not supported");
  expect_error(replace(js, "\\\\p{N}{1,3}", "\\\\p{N}{1,4}"), "regex not supported");
  expect_error(replace(js, "\"normalizer\": null", "\"normalizer\": {\"type\": \"NFKC\"}"), "normalizer type 'NFKC'");
  expect_error(replace(js, "\"decoder\": {\"type\": \"ByteLevel\"", "\"decoder\": {\"type\": \"WordPiece\""),
               "decoder type 'WordPiece'");
  expect_error(js.substr(0, js.size() / 2), "line ");
}

TEST(TokenizerErrors, JsonErrorsNameTheLine) {
  try {
    tok::parse_json("{\n\"a\": 1,\n\"b\": [1, 2,, 3]\n}", "x.json");
    FAIL();
  } catch (const r1::Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.json: line 3"), std::string::npos) << e.what();
  }
}

TEST(TokenizerErrors, InvalidUtf8AndBadIds) {
  const Tokenizer& t = tt::deepseek_v3();
  EXPECT_THROW(t.encode("ok \xC3\x28"), r1::Error);
  EXPECT_THROW(t.encode("\xED\xA0\x80"), r1::Error);  // surrogate
  EXPECT_THROW(t.decode({1, 128815}), r1::Error);
  EXPECT_THROW(t.decode({-1}), r1::Error);
  EXPECT_EQ(t.token_to_id("definitely-not-a-token"), -1);
  EXPECT_EQ(t.id_to_token(999999), "");
}
