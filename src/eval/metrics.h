// Evaluation metrics over k sampled responses per problem (R1 §3: pass@1
// averaged over k samples at T=0.6, top-p 0.95; cons@k majority vote).
#pragma once
#include <string>
#include <vector>

#include "rl/task.h"

namespace r1::eval {

// Majority vote over the extracted answers of k responses (responses without
// a single valid answer abstain). Answers are grouped by their normalised form
// (numbers: exact rational; lists: canonical "a b c"; countdown: the
// expression's value and number multiset). Ties go to the answer seen first.
// Returns whether the voted answer is correct (false when everyone abstains).
bool cons_at_k(const rl::Problem& p, const std::vector<std::string>& responses);

// Canonical grouping key of an extracted answer ("" when not parseable).
std::string answer_key(const rl::Problem& p, const std::string& answer);

struct ProblemResult {
  int n = 0, correct = 0;   // sampled responses, verified correct
  int formatted = 0;        // format reward 1
  double mean_len = 0;      // response length in tokens
  bool cons = false;        // cons@k correct
  bool greedy = false;      // greedy response correct
};

struct Summary {
  int problems = 0, k = 0;
  double pass1 = 0;       // mean over problems of correct/n (= unbiased pass@1)
  double pass_k = 0;      // unbiased pass@k
  double cons_k = 0;      // majority-vote accuracy
  double greedy_acc = 0;
  double format_rate = 0;
  double mean_len = 0;
};

Summary summarize(const std::vector<ProblemResult>& rs, int k);

}  // namespace r1::eval
