#include "eval/metrics.h"

#include <algorithm>
#include <map>

#include "rl/grpo_math.h"
#include "rl/verify.h"

namespace r1::eval {

std::string answer_key(const rl::Problem& p, const std::string& a) {
  switch (p.kind) {
    case rl::AnswerKind::Number: {
      auto r = rl::parse_math_answer(a);
      return r ? r->str() : "";
    }
    case rl::AnswerKind::List: {
      auto l = rl::parse_int_list(a);
      if (!l) return "";
      std::string s;
      for (auto v : *l) s += std::to_string(v) + " ";
      return s;
    }
    case rl::AnswerKind::Countdown: {
      std::vector<int64_t> used;
      auto v = rl::eval_expression(a, &used);
      if (!v) return "";
      std::sort(used.begin(), used.end());
      std::string s = v->str() + "|";
      for (auto u : used) s += std::to_string(u) + ",";
      return s;
    }
  }
  return "";
}

bool cons_at_k(const rl::Problem& p, const std::vector<std::string>& responses) {
  std::map<std::string, int> votes;
  std::vector<std::pair<std::string, std::string>> order;  // key, a representative answer
  for (auto& r : responses) {
    auto a = rl::extract_answer(r);
    if (!a) continue;
    std::string k = answer_key(p, *a);
    if (k.empty()) continue;
    if (votes[k]++ == 0) order.push_back({k, *a});
  }
  int best = 0;
  const std::string* win = nullptr;
  for (auto& [k, a] : order)
    if (votes[k] > best) best = votes[k], win = &a;
  return win && rl::check_answer(p, *win);
}

Summary summarize(const std::vector<ProblemResult>& rs, int k) {
  Summary s;
  s.problems = (int)rs.size();
  s.k = k;
  if (rs.empty()) return s;
  double fmt_n = 0, fmt_d = 0;
  for (auto& r : rs) {
    if (r.n > 0) {
      s.pass1 += (double)r.correct / r.n;
      s.pass_k += rl::pass_at_k(r.n, r.correct, std::min(k, r.n));
    }
    s.cons_k += r.cons;
    s.greedy_acc += r.greedy;
    fmt_n += r.formatted;
    fmt_d += r.n;
    s.mean_len += r.mean_len;
  }
  double n = (double)rs.size();
  s.pass1 /= n, s.pass_k /= n, s.cons_k /= n, s.greedy_acc /= n, s.mean_len /= n;
  s.format_rate = fmt_d > 0 ? fmt_n / fmt_d : 0;
  return s;
}

}  // namespace r1::eval
