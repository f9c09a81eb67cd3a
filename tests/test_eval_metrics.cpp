#include <gtest/gtest.h>

#include "eval/metrics.h"
#include "eval/svg.h"

using namespace r1;

TEST(EvalMetrics, ConsAtKMajorityVote) {
  rl::Problem p;
  p.kind = rl::AnswerKind::Number;
  p.answer = "6";
  auto A = [](const std::string& a) { return "<think>t</think><answer>" + a + "</answer>"; };
  EXPECT_TRUE(eval::cons_at_k(p, {A("6"), A("5"), A("6.0"), A("12/2"), A("5")}));  // 6 (3 votes) beats 5 (2)
  EXPECT_FALSE(eval::cons_at_k(p, {A("5"), A("5"), A("6")}));
  EXPECT_FALSE(eval::cons_at_k(p, {"", "garbage", A("")}));  // all abstain
  EXPECT_TRUE(eval::cons_at_k(p, {"", "", A("6")}));          // abstentions don't vote
  EXPECT_FALSE(eval::cons_at_k(p, {A("5"), A("6")}));         // tie -> first seen
}

TEST(EvalMetrics, SummaryPassAt1IsMeanOverSamples) {
  std::vector<eval::ProblemResult> rs(2);
  rs[0].n = 4, rs[0].correct = 1, rs[0].formatted = 4, rs[0].mean_len = 10, rs[0].cons = false, rs[0].greedy = true;
  rs[1].n = 4, rs[1].correct = 4, rs[1].formatted = 2, rs[1].mean_len = 20, rs[1].cons = true;
  auto s = eval::summarize(rs, 4);
  EXPECT_DOUBLE_EQ(s.pass1, (0.25 + 1.0) / 2);
  EXPECT_DOUBLE_EQ(s.pass_k, 1.0);
  EXPECT_DOUBLE_EQ(s.cons_k, 0.5);
  EXPECT_DOUBLE_EQ(s.greedy_acc, 0.5);
  EXPECT_DOUBLE_EQ(s.format_rate, 0.75);
  EXPECT_DOUBLE_EQ(s.mean_len, 15);
}

TEST(EvalSvg, PlotIsWellFormed) {
  std::string s = eval::svg_line_plot("reward <GRPO>", "step", "reward", {{"acc", {0, 1, 2}, {0.1, 0.5, 0.4}}, {"empty", {}, {}}});
  EXPECT_EQ(s.rfind("<svg", 0), 0u);
  EXPECT_NE(s.find("</svg>"), std::string::npos);
  EXPECT_NE(s.find("<polyline"), std::string::npos);
  EXPECT_NE(s.find("reward &lt;GRPO&gt;"), std::string::npos);
  std::string e = eval::svg_line_plot("none", "x", "y", {});
  EXPECT_NE(e.find("no data"), std::string::npos);
}
