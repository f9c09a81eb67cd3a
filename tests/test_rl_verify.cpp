// Verifiers, strict extraction (the reward-hack cases), rewards, JSONL import.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>

#include "base/error.h"
#include "rl/dataset.h"
#include "rl/reward.h"
#include "rl/task.h"
#include "rl/verify.h"

using namespace r1::rl;

static Problem num_problem(const std::string& ans) {
  Problem p;
  p.task = "import";
  p.answer = ans;
  p.kind = AnswerKind::Number;
  return p;
}

TEST(RlVerify, MathNormalisation) {
  EXPECT_EQ(parse_math_answer("\\boxed{42}")->str(), "42");
  EXPECT_EQ(parse_math_answer(" $\\frac{6}{8}$ ")->str(), "3/4");
  EXPECT_EQ(parse_math_answer("-\\dfrac{1}{2}")->str(), "-1/2");
  EXPECT_EQ(parse_math_answer("0.75")->str(), "3/4");
  EXPECT_EQ(parse_math_answer("3/4")->str(), "3/4");
  EXPECT_EQ(parse_math_answer("12.")->str(), "12");
  EXPECT_EQ(parse_math_answer("+7")->str(), "7");
  for (const char* bad : {"", "3 or 4", "1,000", "x=3", "3/0", "abc", "\\boxed{}", "1.2.3", ".5", "\\frac{1}{2}3"})
    EXPECT_FALSE(parse_math_answer(bad).has_value()) << bad;
}

TEST(RlVerify, StrictExtractionHackCases) {
  Problem p = num_problem("132");
  EXPECT_TRUE(verify_response(p, "<think>7+5=12</think><answer>132</answer>"));
  EXPECT_TRUE(verify_response(p, "so the result is \\boxed{132}"));
  // empty answer, two answers, several candidates in one answer, no answer at all
  EXPECT_FALSE(verify_response(p, "<think>x</think><answer></answer>"));
  EXPECT_FALSE(verify_response(p, "<think>x</think><answer>131</answer><answer>132</answer>"));
  EXPECT_FALSE(verify_response(p, "<think>x</think><answer>131 or 132</answer>"));
  EXPECT_FALSE(verify_response(p, "<think>x</think><answer>131, 132</answer>"));
  EXPECT_FALSE(verify_response(p, "\\boxed{131} \\boxed{132}"));
  EXPECT_FALSE(verify_response(p, "132"));
  EXPECT_FALSE(verify_response(p, ""));
  EXPECT_FALSE(verify_response(p, "<answer>132"));
  EXPECT_FALSE(verify_response(p, "</answer>132<answer>"));
  // a boxed answer inside the tags is fine
  EXPECT_TRUE(verify_response(p, "<think>x</think><answer>\\boxed{132}</answer>"));
}

TEST(RlVerify, CountdownUsesEveryNumberOnce) {
  Problem p;
  p.task = "countdown";
  p.kind = AnswerKind::Countdown;
  p.numbers = {3, 5, 4};
  p.target = 23;
  EXPECT_TRUE(check_answer(p, "5*4+3"));
  EXPECT_TRUE(check_answer(p, "(4*5)+3"));
  EXPECT_FALSE(check_answer(p, "23"));         // numbers unused
  EXPECT_FALSE(check_answer(p, "5*4+3+0"));    // extra number
  EXPECT_FALSE(check_answer(p, "5*5-2"));      // wrong numbers
  EXPECT_FALSE(check_answer(p, "5*4+3*1"));
  EXPECT_FALSE(check_answer(p, "5*4+"));       // syntax
  EXPECT_FALSE(check_answer(p, "5/(4-4)+3"));  // division by zero, no crash
}

TEST(RlVerify, SortListAnswers) {
  Problem p;
  p.kind = AnswerKind::List;
  p.answer = "12 35 47";
  EXPECT_TRUE(check_answer(p, "12 35 47"));
  EXPECT_TRUE(check_answer(p, "[12, 35, 47]"));
  EXPECT_FALSE(check_answer(p, "12 47 35"));
  EXPECT_FALSE(check_answer(p, "12 35"));
  EXPECT_FALSE(check_answer(p, "12-35 47"));
}

TEST(RlVerify, GeneratedProblemsVerifyWithTheirOwnAnswerAndTrace) {
  for (auto& t : task_names())
    for (int d = 1; d <= 5; d++) {
      r1::Rng rng(d * 7 + t.size());
      for (int i = 0; i < 20; i++) {
        Problem p = generate(t, d, Split::Train, rng);
        ASSERT_TRUE(check_answer(p, p.answer)) << t << " " << p.prompt << " -> " << p.answer;
        std::string resp = "<think>" + p.trace + "</think><answer>" + p.answer + "</answer>";
        EXPECT_EQ(format_reward(resp), 1.0f) << resp;
        EXPECT_TRUE(verify_response(p, resp));
        for (auto& s : p.subtasks) EXPECT_TRUE(check_answer(s, s.answer)) << s.prompt;
        if (p.kind == AnswerKind::Number) { EXPECT_FALSE(check_answer(p, p.answer + "1")); }
      }
    }
}

TEST(RlVerify, AdditionTraceHandChecked) {
  r1::Rng rng(1);
  Problem p;
  for (;;) {  // find a 2-digit problem and check its trace by hand rules
    p = generate("add", 1, Split::Train, rng);
    if (p.prompt.size() == 5) break;
  }
  int a = std::stoi(p.prompt.substr(0, 2)), b = std::stoi(p.prompt.substr(3));
  EXPECT_EQ(std::stoi(p.answer), a + b);
  int s0 = a % 10 + b % 10;
  std::string first = std::to_string(a % 10) + "+" + std::to_string(b % 10) + "+0=" + (s0 < 10 ? "0" : "") + std::to_string(s0);
  EXPECT_EQ(p.trace.substr(0, first.size()), first);
}

TEST(RlVerify, SplitsDisjointByConstruction) {
  auto tr = generate_set({"add", "lineq", "sort"}, 1, Split::Train, 300, 11);
  auto ho = generate_set({"add", "lineq", "sort"}, 1, Split::Heldout, 100, 11);
  std::set<std::string> keys;
  for (auto& p : tr) {
    keys.insert(p.key);
    EXPECT_EQ(split_of(p.key), Split::Train);
  }
  for (auto& p : ho) {
    EXPECT_EQ(keys.count(p.key), 0u) << p.key;
    EXPECT_EQ(split_of(p.key), Split::Heldout);
  }
}

TEST(RlVerify, PerturbationsKeepProblemsValid) {
  r1::Rng rng(5);
  for (auto& t : task_names()) {
    for (int i = 0; i < 10; i++) {
      Problem p = generate(t, 2, Split::Heldout, rng);
      for (auto q : {perturb_numbers(p, rng), perturb_shuffle(p, rng), perturb_distract(p, rng)}) {
        EXPECT_EQ(q.task, p.task);
        EXPECT_TRUE(check_answer(q, q.answer)) << q.prompt;
      }
      Problem s = perturb_shuffle(p, rng);
      if (p.kind != AnswerKind::Countdown) { EXPECT_TRUE(check_answer(s, p.answer)) << p.prompt << " vs " << s.prompt; }
      Problem dd = perturb_distract(p, rng);
      EXPECT_NE(dd.prompt, p.prompt);
      EXPECT_TRUE(check_answer(dd, p.answer));
    }
  }
}

TEST(RlReward, FormatAndLanguage) {
  EXPECT_EQ(format_reward("<think>a</think>\n<answer>1</answer>"), 1.0f);
  EXPECT_EQ(format_reward("<think></think><answer>1</answer>"), 0.0f);
  EXPECT_EQ(format_reward("<answer>1</answer><think>a</think>"), 0.0f);
  EXPECT_EQ(format_reward("<think>a</think>junk<answer>1</answer>"), 0.0f);
  EXPECT_EQ(format_reward("<think>a</think><answer>1</answer> trailing"), 0.0f);
  EXPECT_EQ(format_reward("<think>a<think>b</think><answer>1</answer>"), 0.0f);
  EXPECT_FLOAT_EQ(language_consistency("<think>add the tens 4+8=12</think><answer>1</answer>"), 1.0f);
  // 2 of 4 words with letters are English; numbers are neutral
  EXPECT_FLOAT_EQ(language_consistency("<think>add 4+8 \xe5\x8a\xa0 the \xe5\x92\x8c</think>"), 0.5f);
  Problem p = num_problem("5");
  Rewards r = score(p, "no tags at all 5", RewardWeights{});
  EXPECT_EQ(r.accuracy, 0.0f);
  EXPECT_EQ(r.format, 0.0f);
  EXPECT_EQ(r.total, 0.0f);
  EXPECT_GT(repetition_score("1+1=2 1+1=2 1+1=2 1+1=2 1+1=2 1+1=2 1+1=2 1+1=2", 2), 0.5f);
  EXPECT_EQ(repetition_score("a b c d e f g h i j", 2), 0.0f);
}

TEST(RlDataset, JsonlImportSkipsAndCounts) {
  std::string path = ::testing::TempDir() + "/rl_import.jsonl";
  {
    std::ofstream f(path);
    f << R"({"prompt": "What is 1/2 + 1/4?", "answer": "\\frac{3}{4}"})" << "\n";
    f << R"({"prompt": "Half of 9?", "answer": "4.5"})" << "\n";
    f << R"({"prompt": "Count", "answer": 12})" << "\n";
    f << R"({"prompt": "Prove it", "answer": "see proof"})" << "\n";  // unanswerable
    f << R"({"prompt": "No answer"})" << "\n";                        // unanswerable
    f << "{not json\n";                                               // malformed
    f << R"(["prompt", "answer"])" << "\n";                           // malformed
    f << R"({"prompt": "", "answer": "1"})" << "\n";                  // malformed
    f << R"({"prompt": "Count", "answer": 12})" << "\n";              // duplicate
    f << "\n";
  }
  std::vector<Problem> ps;
  ImportStats st = import_jsonl(path, &ps);
  EXPECT_EQ(st.lines, 9);
  EXPECT_EQ(st.imported, 3);
  EXPECT_EQ(st.unanswerable, 2);
  EXPECT_EQ(st.malformed, 3);
  EXPECT_EQ(st.duplicate, 1);
  ASSERT_EQ(ps.size(), 3u);
  EXPECT_EQ(ps[0].answer, "3/4");
  EXPECT_TRUE(verify_response(ps[0], "<think>x</think><answer>0.75</answer>"));
  EXPECT_TRUE(verify_response(ps[1], "<think>x</think><answer>\\frac{9}{2}</answer>"));
  EXPECT_THROW(import_jsonl(path + ".missing", &ps), r1::Error);
  std::remove(path.c_str());
}
