#include "rl/verify.h"

#include <algorithm>
#include <cctype>

#include "rl/task.h"

namespace r1::rl {

std::string trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace((unsigned char)s[a])) a++;
  while (b > a && std::isspace((unsigned char)s[b - 1])) b--;
  return std::string(s.substr(a, b - a));
}

static size_t count_of(std::string_view s, std::string_view pat) {
  size_t n = 0;
  for (size_t p = s.find(pat); p != std::string_view::npos; p = s.find(pat, p + pat.size())) n++;
  return n;
}

// Content of the brace group opening at s[open] == '{'; npos if unbalanced.
static size_t match_brace(std::string_view s, size_t open) {
  int depth = 0;
  for (size_t i = open; i < s.size(); i++) {
    if (s[i] == '{') depth++;
    else if (s[i] == '}' && --depth == 0) return i;
  }
  return std::string_view::npos;
}

std::optional<std::string> extract_answer(std::string_view r) {
  size_t no = count_of(r, "<answer>"), nc = count_of(r, "</answer>");
  if (no || nc) {
    if (no != 1 || nc != 1) return std::nullopt;
    size_t a = r.find("<answer>") + 8, b = r.find("</answer>");
    if (b < a) return std::nullopt;
    std::string t = trim(r.substr(a, b - a));
    if (t.empty()) return std::nullopt;
    return t;
  }
  if (count_of(r, "\\boxed{") != 1) return std::nullopt;
  size_t a = r.find("\\boxed{") + 6;
  size_t b = match_brace(r, a);
  if (b == std::string_view::npos) return std::nullopt;
  std::string t = trim(r.substr(a + 1, b - a - 1));
  if (t.empty()) return std::nullopt;
  return t;
}

// Strict numeral: [-+]?digits(.digits)?  -> exact rational.
static std::optional<Rational> parse_number(std::string_view s) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
  __int128 n = 0, d = 1;
  size_t digits = 0;
  while (i < s.size() && std::isdigit((unsigned char)s[i])) {
    n = n * 10 + (s[i++] - '0');
    if (n > (__int128)1 << 100) return std::nullopt;
    digits++;
  }
  if (!digits) return std::nullopt;
  if (i < s.size() && s[i] == '.') {
    i++;
    size_t frac = 0;
    while (i < s.size() && std::isdigit((unsigned char)s[i])) {
      n = n * 10 + (s[i++] - '0');
      d *= 10;
      if (n > (__int128)1 << 100 || ++frac > 18) return std::nullopt;
    }
    if (!frac) return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  return Rational::make(neg ? -n : n, d);
}

std::optional<Rational> parse_math_answer(std::string_view in) {
  std::string s = trim(in);
  for (int pass = 0; pass < 3; pass++) {  // peel \boxed{}, $..$, trailing '.' in any nesting
    if (s.size() >= 2 && s.front() == '$' && s.back() == '$') s = trim(std::string_view(s).substr(1, s.size() - 2));
    if (s.rfind("\\boxed{", 0) == 0) {
      size_t b = match_brace(s, 6);
      if (b != s.size() - 1) return std::nullopt;
      s = trim(std::string_view(s).substr(7, s.size() - 8));
    }
    if (!s.empty() && s.back() == '.') s = trim(std::string_view(s).substr(0, s.size() - 1));
  }
  if (s.empty()) return std::nullopt;
  for (const char* f : {"\\frac{", "\\dfrac{", "\\tfrac{"}) {
    std::string_view fs(f);
    bool neg = false;
    std::string_view v(s);
    if (!v.empty() && v[0] == '-') neg = true, v = v.substr(1);
    if (v.rfind(fs, 0) != 0) continue;
    size_t a0 = fs.size() - 1, a1 = match_brace(v, a0);
    if (a1 == std::string_view::npos || a1 + 1 >= v.size() || v[a1 + 1] != '{') return std::nullopt;
    size_t b1 = match_brace(v, a1 + 1);
    if (b1 != v.size() - 1) return std::nullopt;
    auto n = parse_number(trim(v.substr(a0 + 1, a1 - a0 - 1)));
    auto d = parse_number(trim(v.substr(a1 + 2, b1 - a1 - 2)));
    if (!n || !d) return std::nullopt;
    auto q = div(*n, *d);
    if (q && neg) q = Rational::make(-(__int128)q->num, q->den);
    return q;
  }
  size_t slash = s.find('/');
  if (slash != std::string::npos) {
    auto n = parse_number(trim(std::string_view(s).substr(0, slash)));
    auto d = parse_number(trim(std::string_view(s).substr(slash + 1)));
    if (!n || !d || !n->is_int() || !d->is_int()) return std::nullopt;
    return div(*n, *d);
  }
  return parse_number(s);
}

namespace {
// Recursive-descent parser: expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*;
// factor := number | '(' expr ')' | '-' factor.
struct ExprParser {
  std::string_view s;
  size_t i = 0;
  std::vector<int64_t>* used;
  bool ok = true;
  void ws() {
    while (i < s.size() && s[i] == ' ') i++;
  }
  std::optional<Rational> factor() {
    ws();
    if (i >= s.size()) return std::nullopt;
    if (s[i] == '(') {
      i++;
      auto v = expr();
      ws();
      if (!v || i >= s.size() || s[i] != ')') return std::nullopt;
      i++;
      return v;
    }
    if (s[i] == '-') {
      i++;
      auto v = factor();
      if (!v) return std::nullopt;
      return Rational::make(-(__int128)v->num, v->den);
    }
    if (!std::isdigit((unsigned char)s[i])) return std::nullopt;
    int64_t n = 0;
    int digits = 0;
    while (i < s.size() && std::isdigit((unsigned char)s[i])) {
      if (++digits > 15) return std::nullopt;
      n = n * 10 + (s[i++] - '0');
    }
    if (used) used->push_back(n);
    return Rational{n, 1};
  }
  std::optional<Rational> term() {
    auto v = factor();
    while (v) {
      ws();
      if (i >= s.size() || (s[i] != '*' && s[i] != '/')) break;
      char op = s[i++];
      auto r = factor();
      if (!r) return std::nullopt;
      v = op == '*' ? mul(*v, *r) : div(*v, *r);
    }
    return v;
  }
  std::optional<Rational> expr() {
    auto v = term();
    while (v) {
      ws();
      if (i >= s.size() || (s[i] != '+' && s[i] != '-')) break;
      char op = s[i++];
      auto r = term();
      if (!r) return std::nullopt;
      v = op == '+' ? add(*v, *r) : sub(*v, *r);
    }
    return v;
  }
};
}  // namespace

std::optional<Rational> eval_expression(std::string_view s, std::vector<int64_t>* used) {
  if (s.size() > 200) return std::nullopt;
  ExprParser p{s, 0, used};
  auto v = p.expr();
  p.ws();
  if (!v || p.i != s.size()) return std::nullopt;
  return v;
}

std::optional<std::vector<int64_t>> parse_int_list(std::string_view in) {
  std::string s = trim(in);
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') s = s.substr(1, s.size() - 2);
  std::vector<int64_t> out;
  size_t i = 0;
  bool need_sep = false;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ') { i++; continue; }
    if (c == ',') {
      if (!need_sep) return std::nullopt;
      need_sep = false;
      i++;
      continue;
    }
    if (need_sep && !out.empty() && s[i - 1] != ' ') return std::nullopt;
    bool neg = c == '-';
    if (neg) i++;
    if (i >= s.size() || !std::isdigit((unsigned char)s[i])) return std::nullopt;
    int64_t n = 0;
    int digits = 0;
    while (i < s.size() && std::isdigit((unsigned char)s[i])) {
      if (++digits > 15) return std::nullopt;
      n = n * 10 + (s[i++] - '0');
    }
    out.push_back(neg ? -n : n);
    need_sep = true;
  }
  if (out.empty()) return std::nullopt;
  return out;
}

bool check_answer(const Problem& p, std::string_view answer) {
  switch (p.kind) {
    case AnswerKind::Number: {
      auto want = parse_math_answer(p.answer);
      auto got = parse_math_answer(answer);
      return want && got && *want == *got;
    }
    case AnswerKind::Countdown: {
      std::vector<int64_t> used;
      auto v = eval_expression(answer, &used);
      if (!v || !(*v == Rational{p.target, 1})) return false;
      std::vector<int64_t> a = used, b = p.numbers;
      std::sort(a.begin(), a.end());
      std::sort(b.begin(), b.end());
      return a == b;  // every given number exactly once
    }
    case AnswerKind::List: {
      auto want = parse_int_list(p.answer);
      auto got = parse_int_list(answer);
      return want && got && *want == *got;
    }
  }
  return false;
}

bool verify_response(const Problem& p, std::string_view response) {
  auto a = extract_answer(response);
  return a && check_answer(p, *a);
}

}  // namespace r1::rl
