#include "rl/task.h"

#include <algorithm>
#include <set>

#include "base/error.h"

namespace r1::rl {

const std::vector<std::string>& task_names() {
  static const std::vector<std::string> n = {"add", "expr", "countdown", "lineq", "word", "sort"};
  return n;
}

std::vector<std::string> parse_task_list(const std::string& csv) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= csv.size()) {
    size_t j = csv.find(',', i);
    if (j == std::string::npos) j = csv.size();
    std::string t = csv.substr(i, j - i);
    if (t == "all") {
      out.insert(out.end(), task_names().begin(), task_names().end());
    } else if (!t.empty()) {
      R1_CHECK(std::find(task_names().begin(), task_names().end(), t) != task_names().end(), "--tasks: unknown task '",
               t, "' (known: add, expr, countdown, lineq, word, sort, all)");
      out.push_back(t);
    }
    i = j + 1;
  }
  R1_CHECK(!out.empty(), "--tasks: empty task list");
  return out;
}

static uint64_t fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

Split split_of(const std::string& key, int heldout_permille) {
  return (int)(fnv1a(key) % 1000) < heldout_permille ? Split::Heldout : Split::Train;
}

namespace {

int64_t rint(Rng& r, int64_t lo, int64_t hi) { return lo + (int64_t)r.below((uint64_t)(hi - lo + 1)); }
std::string S(int64_t v) { return std::to_string(v); }

Problem number_problem(const std::string& task, int d, int templ, std::string prompt, int64_t ans, std::string key) {
  Problem p;
  p.task = task;
  p.difficulty = d;
  p.templ = templ;
  p.prompt = std::move(prompt);
  p.answer = S(ans);
  p.kind = AnswerKind::Number;
  p.key = std::move(key);
  return p;
}

Problem step_problem(const std::string& text, int64_t ans) {
  return number_problem("expr", 1, 0, text, ans, "expr:" + text);
}

// add: two (d+1)-digit numbers with at least one carry. The trace adds column
// by column from the right in a fixed-width form "x+y+c=ss" (carry always
// written, sum always two digits), so every digit a step needs sits at a fixed
// distance back: small models can learn it, and the answer is read off the
// steps' last digits (plus the final carry).
Problem make_add(int d, int64_t a, int64_t b) {
  Problem p = number_problem("add", d, 0, S(a) + "+" + S(b), a + b, "add:" + S(a) + "+" + S(b));
  std::string sa = S(a), sb = S(b), tr;
  int carry = 0;
  size_t n = std::max(sa.size(), sb.size());
  for (size_t i = 0; i < n; i++) {
    int x = i < sa.size() ? sa[sa.size() - 1 - i] - '0' : 0, y = i < sb.size() ? sb[sb.size() - 1 - i] - '0' : 0;
    std::string step = S(x) + "+" + S(y) + "+" + S(carry);
    int s = x + y + carry;
    if (!tr.empty()) tr += " ";
    tr += step + "=" + (s < 10 ? "0" : "") + S(s);
    p.subtasks.push_back(step_problem(step, s));
    carry = s / 10;
  }
  p.trace = tr;
  return p;
}

Problem gen_add(int d, Rng& r) {
  int nd = std::clamp(d + 1, 2, 8);
  int64_t lo = 1, hi;
  for (int i = 1; i < nd; i++) lo *= 10;
  hi = lo * 10 - 1;
  for (;;) {
    int64_t a = rint(r, lo, hi), b = rint(r, lo, hi);
    bool carry = false;
    for (int64_t x = a, y = b; x || y; x /= 10, y /= 10) carry |= (x % 10 + y % 10) >= 10;
    if (carry) return make_add(d, a, b);
  }
}

// expr: d+1 operations over + - *, evaluated with precedence; trace shows each step.
Problem make_expr(int d, const std::vector<int64_t>& nums, const std::string& ops) {
  std::string prompt = S(nums[0]);
  for (size_t i = 0; i < ops.size(); i++) prompt += std::string(1, ops[i]) + S(nums[i + 1]);
  std::vector<int64_t> v = nums;
  std::string o = ops, tr;
  Problem p;
  auto step = [&](size_t i) {
    int64_t res = o[i] == '*' ? v[i] * v[i + 1] : o[i] == '+' ? v[i] + v[i + 1] : v[i] - v[i + 1];
    std::string text = S(v[i]) + std::string(1, o[i]) + S(v[i + 1]);
    if (!tr.empty()) tr += " ";
    tr += text + "=" + S(res);
    p.subtasks.push_back(step_problem(text, res));
    v[i] = res;
    v.erase(v.begin() + i + 1);
    o.erase(o.begin() + i);
  };
  for (size_t i = 0; i < o.size();) {
    if (o[i] == '*') step(i);
    else i++;
  }
  while (!o.empty()) step(0);
  Problem q = number_problem("expr", d, 0, prompt, v[0], "expr:" + prompt);
  q.trace = tr;
  q.subtasks = std::move(p.subtasks);
  q.numbers = nums;
  q.answer = S(v[0]);
  // remember ops in templ-independent form for perturb_numbers
  q.target = 0;
  return q;
}

std::string expr_ops(const Problem& p) {
  std::string ops;
  for (char c : p.prompt.substr(1))
    if (c == '+' || c == '-' || c == '*') ops += c;
  return ops;
}

Problem gen_expr_with_ops(int d, const std::string& ops, Rng& r) {
  int64_t hi = d <= 2 ? 9 : 20;
  std::vector<int64_t> nums;
  for (size_t i = 0; i <= ops.size(); i++) nums.push_back(rint(r, 1, hi));
  return make_expr(d, nums, ops);
}

Problem gen_expr(int d, Rng& r) {
  int k = std::clamp(d + 1, 2, 6);
  std::string ops;
  for (int i = 0; i < k; i++) ops += "+-*"[r.below(3)];
  return gen_expr_with_ops(d, ops, r);
}

// countdown (TinyZero): reach the target using every given number exactly once.
Problem gen_countdown(int d, Rng& r) {
  int n = std::clamp(d + 2, 3, 6);
  int64_t hi = d <= 2 ? 10 : 25;
  for (;;) {
    std::vector<int64_t> nums;
    for (int i = 0; i < n; i++) nums.push_back(rint(r, 1, hi));
    int64_t acc = nums[0];
    std::string expr = S(nums[0]), tr;
    Problem p;
    bool ok = true;
    for (int i = 1; i < n && ok; i++) {
      int64_t x = nums[i];
      std::vector<char> cand = {'+', '*'};
      if (acc - x > 0) cand.push_back('-');
      if (x > 1 && acc % x == 0) cand.push_back('/');
      char op = cand[r.below(cand.size())];
      int64_t res = op == '+' ? acc + x : op == '-' ? acc - x : op == '*' ? acc * x : acc / x;
      std::string text = S(acc) + std::string(1, op) + S(x);
      if (!tr.empty()) tr += " ";
      tr += text + "=" + S(res);
      p.subtasks.push_back(step_problem(text, res));
      expr = (i + 1 < n && (op == '+' || op == '-') ? "(" + expr + std::string(1, op) + S(x) + ")"
                                                    : expr + std::string(1, op) + S(x));
      acc = res;
      if (acc > 999 || acc <= 0) ok = false;
    }
    if (!ok) continue;
    std::vector<int64_t> shown = nums;
    for (size_t i = shown.size(); i > 1; i--) std::swap(shown[i - 1], shown[r.below(i)]);
    std::vector<int64_t> sorted = nums;
    std::sort(sorted.begin(), sorted.end());
    Problem q;
    q.task = "countdown";
    q.difficulty = d;
    q.kind = AnswerKind::Countdown;
    std::string list;
    for (auto v : shown) list += (list.empty() ? "" : " ") + S(v);
    q.prompt = "Use " + list + " to make " + S(acc);
    std::string key = "countdown:";
    for (auto v : sorted) key += S(v) + ",";
    q.key = key + "=" + S(acc);
    q.numbers = shown;
    q.target = acc;
    q.answer = expr;
    q.trace = tr;
    q.subtasks = std::move(p.subtasks);
    return q;
  }
}

// lineq: a*x + b = c with an integer solution.
Problem make_lineq(int d, int64_t a, int64_t b, int64_t x, bool b_first) {
  int64_t c = a * x + b;
  std::string lhs = b_first ? S(b) + "+" + S(a) + "x" : S(a) + "x+" + S(b);
  Problem p = number_problem("lineq", d, 0, lhs + "=" + S(c), x, "lineq:" + S(a) + "," + S(b) + "," + S(c));
  p.trace = S(c) + "-" + S(b) + "=" + S(c - b) + " " + S(c - b) + "/" + S(a) + "=" + S(x);
  p.subtasks.push_back(step_problem(S(c) + "-" + S(b), c - b));
  p.subtasks.push_back(step_problem(S(c - b) + "/" + S(a), x));
  return p;
}

Problem gen_lineq(int d, Rng& r) {
  int64_t amax = d <= 1 ? 5 : 9, xmax = d <= 1 ? 9 : d == 2 ? 20 : 50, bmax = d <= 1 ? 9 : d == 2 ? 30 : 99;
  int64_t a = rint(r, 2, amax), x = rint(r, d >= 3 ? -xmax : 1, xmax), b = rint(r, 1, bmax);
  return make_lineq(d, a, b, x, false);
}

// word problems from templates; templ 0: has/buys/gives, 1: several people's totals, 2: boxes.
const char* kNames[] = {"Tom", "Ann", "Sam", "Mia", "Ben", "Eva"};
const char* kItems[] = {"apples", "pens", "books", "coins"};

struct WordSpec {
  int templ = 0, name = 0, item = 0;
  std::vector<int64_t> v;   // the numbers in clause order
  std::vector<int> order;   // clause order as shown (shuffle probe)
  int distract = -1;        // value of an irrelevant clause (-1: none)
};

Problem make_word(int d, const WordSpec& w) {
  std::string N = kNames[w.name], M = kNames[(w.name + 1) % 6], item = kItems[w.item];
  std::vector<std::string> clauses;
  std::string head, question, tr;
  Problem p;
  int64_t acc = 0;
  auto step = [&](const std::string& text, int64_t res) {
    if (!tr.empty()) tr += " ";
    tr += text + "=" + S(res);
    p.subtasks.push_back(step_problem(text, res));
  };
  if (w.templ == 0) {
    head = N + " has " + S(w.v[0]) + " " + item + ".";
    acc = w.v[0];
    for (size_t i = 1; i < w.v.size(); i++) {
      bool buy = i % 2 == 1;
      clauses.push_back(buy ? "He buys " + S(w.v[i]) + " more." : "He gives away " + S(w.v[i]) + ".");
    }
    for (int i : w.order) {
      size_t k = (size_t)i + 1;
      bool buy = k % 2 == 1;
      int64_t res = buy ? acc + w.v[k] : acc - w.v[k];
      step(S(acc) + (buy ? "+" : "-") + S(w.v[k]), res);
      acc = res;
    }
    question = "How many " + item + " does " + N + " have?";
  } else if (w.templ == 1) {
    for (size_t i = 0; i < w.v.size(); i++) clauses.push_back(std::string(kNames[(w.name + i) % 6]) + " has " + S(w.v[i]) + " " + item + ".");
    acc = w.v[w.order[0]];
    for (size_t j = 1; j < w.order.size(); j++) {
      int64_t x = w.v[w.order[j]];
      step(S(acc) + "+" + S(x), acc + x);
      acc += x;
    }
    question = "How many " + item + " in total?";
  } else {
    head = "A box holds " + S(w.v[0]) + " " + item + ".";
    clauses.push_back(N + " has " + S(w.v[1]) + " boxes.");
    acc = w.v[0] * w.v[1];
    step(S(w.v[0]) + "*" + S(w.v[1]), acc);
    if (w.v.size() > 2) {
      clauses.push_back(N + " gives away " + S(w.v[2]) + ".");
      step(S(acc) + "-" + S(w.v[2]), acc - w.v[2]);
      acc -= w.v[2];
    }
    question = "How many " + item + " does " + N + " have?";
  }
  std::string prompt = head;
  std::vector<int> shown = w.order;
  if (w.templ == 2) shown = {0, 1, 2}, shown.resize(clauses.size());
  if (w.templ == 0) {
    // clauses are shown in the order they apply
  }
  for (int i : shown) prompt += (prompt.empty() ? "" : " ") + clauses[(size_t)i];
  if (w.distract >= 0) prompt += " " + M + " has " + S(w.distract) + " hats.";
  prompt += " " + question;
  std::string key = "word:" + S(w.templ) + ":" + S(w.name) + ":" + S(w.item);
  for (auto x : w.v) key += "," + S(x);
  Problem q = number_problem("word", d, w.templ, prompt, acc, key);
  q.trace = tr;
  q.subtasks = std::move(p.subtasks);
  q.numbers = w.v;
  return q;
}

WordSpec word_numbers(int d, int templ, Rng& r, int name, int item) {
  WordSpec w;
  w.templ = templ, w.name = name, w.item = item;
  int64_t hi = d <= 2 ? 20 : 60;
  int n = std::clamp(d + 1, 2, 5);
  if (templ == 0) {
    int64_t acc = rint(r, 5, hi);
    w.v.push_back(acc);
    for (int i = 1; i <= n - 1 + (d > 1); i++) {
      bool buy = i % 2 == 1;
      int64_t x = buy ? rint(r, 1, hi) : rint(r, 1, std::max<int64_t>(1, acc - 1));
      acc += buy ? x : -x;
      w.v.push_back(x);
    }
    for (size_t i = 0; i + 1 < w.v.size(); i++) w.order.push_back((int)i);
  } else if (templ == 1) {
    for (int i = 0; i < std::max(2, n); i++) w.v.push_back(rint(r, 1, hi));
    for (size_t i = 0; i < w.v.size(); i++) w.order.push_back((int)i);
  } else {
    int64_t a = rint(r, 2, d <= 2 ? 9 : 12), b = rint(r, 2, 9);
    w.v = {a, b};
    if (d >= 2) w.v.push_back(rint(r, 1, a * b - 1));
    for (size_t i = 0; i + 1 < w.v.size(); i++) w.order.push_back((int)i);
  }
  return w;
}

WordSpec word_spec_of(const Problem& p) {
  // Recover the spec from the key "word:templ:name:item,v0,v1,..."
  WordSpec w;
  size_t a = 5, b = p.key.find(':', a), c = p.key.find(':', b + 1), e = p.key.find(',', c + 1);
  w.templ = std::stoi(p.key.substr(a, b - a));
  w.name = std::stoi(p.key.substr(b + 1, c - b - 1));
  w.item = std::stoi(p.key.substr(c + 1, e - c - 1));
  w.v = p.numbers;
  size_t nclauses = w.templ == 1 ? w.v.size() : w.v.size() - 1;
  for (size_t i = 0; i < nclauses; i++) w.order.push_back((int)i);
  return w;
}

Problem gen_word(int d, Rng& r) {
  int templ = (int)r.below(3), name = (int)r.below(6), item = (int)r.below(4);
  return make_word(d, word_numbers(d, templ, r, name, item));
}

// sort: ascending order of d+2 numbers; trace names the minimum of what is left.
Problem make_sort(int d, const std::vector<int64_t>& v) {
  Problem p;
  p.task = "sort";
  p.difficulty = d;
  p.kind = AnswerKind::List;
  std::string list;
  for (auto x : v) list += (list.empty() ? "" : " ") + S(x);
  p.prompt = "Sort " + list;
  std::vector<int64_t> s = v;
  std::sort(s.begin(), s.end());
  std::string ans;
  for (auto x : s) ans += (ans.empty() ? "" : " ") + S(x);
  p.answer = ans;
  p.trace = "min " + ans;  // repeated minimum, in order
  p.key = "sort:" + list;
  p.numbers = v;
  return p;
}

Problem gen_sort(int d, Rng& r) {
  int n = std::clamp(d + 2, 3, 8);
  int64_t hi = d <= 2 ? 99 : 999;
  std::vector<int64_t> v;
  std::set<int64_t> seen;
  while ((int)v.size() < n) {
    int64_t x = rint(r, 10, hi);
    if (seen.insert(x).second) v.push_back(x);
  }
  return make_sort(d, v);
}

Problem gen_any(const std::string& task, int d, Rng& r) {
  if (task == "add") return gen_add(d, r);
  if (task == "expr") return gen_expr(d, r);
  if (task == "countdown") return gen_countdown(d, r);
  if (task == "lineq") return gen_lineq(d, r);
  if (task == "word") return gen_word(d, r);
  if (task == "sort") return gen_sort(d, r);
  fail("unknown task '", task, "'");
}

}  // namespace

Problem generate(const std::string& task, int difficulty, Split split, Rng& rng) {
  R1_CHECK(difficulty >= 1 && difficulty <= 5, "difficulty must be 1..5, got ", difficulty);
  for (int tries = 0; tries < 100000; tries++) {
    Problem p = gen_any(task, difficulty, rng);
    if (split_of(p.key) == split) return p;
  }
  fail("task ", task, ": could not generate a problem in the requested split");
}

std::vector<Problem> generate_set(const std::vector<std::string>& tasks, int difficulty, Split split, int n,
                                  uint64_t seed) {
  R1_CHECK(!tasks.empty(), "generate_set: no tasks");
  Rng rng(seed);
  std::vector<Problem> out;
  std::set<std::string> keys;
  for (int i = 0, tries = 0; (int)out.size() < n; tries++) {
    R1_CHECK(tries < n * 50 + 1000, "generate_set: problem space too small for ", n, " unique problems");
    Problem p = generate(tasks[(size_t)i % tasks.size()], difficulty, split, rng);
    if (!keys.insert(p.key).second) continue;
    out.push_back(std::move(p));
    i++;
  }
  return out;
}

static Problem perturb_numbers_any(const Problem& p, Rng& r);

// New numbers, but from the same split as the original (a held-out probe stays held out).
Problem perturb_numbers(const Problem& p, Rng& r) {
  Problem q = perturb_numbers_any(p, r);
  for (int t = 0; t < 1000 && split_of(q.key) != split_of(p.key); t++) q = perturb_numbers_any(p, r);
  return q;
}

static Problem perturb_numbers_any(const Problem& p, Rng& r) {
  int d = p.difficulty;
  if (p.task == "expr") return gen_expr_with_ops(d, expr_ops(p), r);
  if (p.task == "word") {
    WordSpec w = word_spec_of(p);
    return make_word(d, word_numbers(d, w.templ, r, w.name, w.item));
  }
  if (p.task == "add" || p.task == "countdown" || p.task == "lineq" || p.task == "sort") return gen_any(p.task, d, r);
  return p;
}

Problem perturb_shuffle(const Problem& p, Rng& r) {
  Problem q = p;
  if (p.task == "add") {
    size_t plus = p.prompt.find('+');
    q.prompt = p.prompt.substr(plus + 1) + "+" + p.prompt.substr(0, plus);
  } else if (p.task == "lineq") {
    auto a = std::stoll(p.prompt.substr(0, p.prompt.find('x')));
    size_t plus = p.prompt.find('+'), eq = p.prompt.find('=');
    auto b = std::stoll(p.prompt.substr(plus + 1, eq - plus - 1));
    q.prompt = std::to_string(b) + "+" + std::to_string(a) + "x" + p.prompt.substr(eq);
  } else if (p.task == "countdown" || p.task == "sort") {
    std::vector<int64_t> v = p.numbers;
    for (int t = 0; t < 8 && v == p.numbers; t++)
      for (size_t i = v.size(); i > 1; i--) std::swap(v[i - 1], v[r.below(i)]);
    if (p.task == "sort") {
      q = make_sort(p.difficulty, v);
    } else {
      std::string list;
      for (auto x : v) list += (list.empty() ? "" : " ") + std::to_string(x);
      q.numbers = v;
      q.prompt = "Use " + list + " to make " + std::to_string(p.target);
    }
  } else if (p.task == "expr") {
    // swap the operands of the first '*': a*b == b*a whatever surrounds it
    std::vector<int64_t> nums = p.numbers;
    std::string ops = expr_ops(p);
    size_t m = ops.find('*');
    if (m != std::string::npos) {
      std::swap(nums[m], nums[m + 1]);
      q = make_expr(p.difficulty, nums, ops);
    } else if (ops[0] == '+') {
      std::swap(nums[0], nums[1]);
      q = make_expr(p.difficulty, nums, ops);
    }
  } else if (p.task == "word") {
    WordSpec w = word_spec_of(p);
    if (w.templ != 2 && w.order.size() > 1) {
      // templ 1: facts commute; templ 0: buys/gives after the first "has" commute
      for (int t = 0; t < 8; t++) {
        auto o = w.order;
        for (size_t i = o.size(); i > 1; i--) std::swap(o[i - 1], o[r.below(i)]);
        if (o != w.order) {
          w.order = o;
          break;
        }
      }
      // templ 0 must never show a running total below zero; fall back to reversal-free order then
      Problem s = make_word(p.difficulty, w);
      bool ok = true;
      if (w.templ == 0) {
        int64_t acc = w.v[0];
        for (int i : w.order) {
          size_t k = (size_t)i + 1;
          acc += k % 2 == 1 ? w.v[k] : -w.v[k];
          ok &= acc >= 0;
        }
      }
      if (ok) q = s;
    }
  }
  return q;
}

Problem perturb_distract(const Problem& p, Rng& r) {
  Problem q = p;
  if (p.task == "word") {
    WordSpec w = word_spec_of(p);
    w.distract = (int)rint(r, 2, 30);
    q = make_word(p.difficulty, w);
    q.key = p.key;
  } else {
    q.prompt = p.prompt + " (" + std::to_string(rint(r, 2, 9)) + " is a distractor)";
  }
  return q;
}

}  // namespace r1::rl
