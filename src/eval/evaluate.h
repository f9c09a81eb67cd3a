// Evaluation of a policy on a problem set (R1 §3 protocol): k samples per
// problem at temperature 0.6 / top-p 0.95 -> pass@1 (mean over samples),
// pass@k, cons@k; one greedy response -> greedy accuracy; response length;
// format rate. Plus the perturbation probes and sub-task decomposition.
#pragma once
#include <string>
#include <vector>

#include "eval/metrics.h"
#include "rl/chat.h"
#include "rl/policy.h"
#include "rl/task.h"

namespace r1::eval {

struct EvalConfig {
  int k = 4;
  float temperature = 0.6f, top_p = 0.95f;
  int max_new = 64;
  bool greedy = true;
  rl::Template templ = rl::Template::Chat;
  uint64_t seed = 1234;
};

Summary evaluate(rl::Policy& p, const rl::CharVocab& v, const std::vector<rl::Problem>& problems,
                 const EvalConfig& cfg, std::vector<ProblemResult>* per = nullptr,
                 std::vector<std::string>* first_samples = nullptr);

struct ProbeResult {
  std::string name;  // original, numbers, shuffle, distract
  double pass1 = 0, drop = 0;  // drop = original pass1 - this pass1
  int problems = 0;
};

// The same held-out problems, then perturbed copies: numbers changed, clauses /
// operands shuffled, a distractor added. Reported as pass@1 and the drop.
std::vector<ProbeResult> perturbation_probes(rl::Policy& p, const rl::CharVocab& v,
                                             const std::vector<rl::Problem>& problems, const EvalConfig& cfg);

struct DecompResult {
  double whole_pass1 = 0, parts_pass1 = 0;  // pass@1 on problems with sub-tasks vs on all their parts
  double all_parts_solved_whole_wrong = 0;  // share of problems whose every part is solved (greedy) but the whole is not
  int problems = 0, parts = 0;
};

DecompResult subtask_decomposition(rl::Policy& p, const rl::CharVocab& v, const std::vector<rl::Problem>& problems,
                                   const EvalConfig& cfg);

}  // namespace r1::eval
