#include "rl/reward.h"

#include <map>
#include <vector>

#include "rl/verify.h"

namespace r1::rl {

static size_t count_of(std::string_view s, std::string_view pat) {
  size_t n = 0;
  for (size_t p = s.find(pat); p != std::string_view::npos; p = s.find(pat, p + pat.size())) n++;
  return n;
}

float format_reward(std::string_view r) {
  for (auto tag : {"<think>", "</think>", "<answer>", "</answer>"})
    if (count_of(r, tag) != 1) return 0.0f;
  std::string t = trim(r);
  std::string_view s(t);
  if (s.rfind("<think>", 0) != 0) return 0.0f;
  size_t te = s.find("</think>"), ao = s.find("<answer>"), ac = s.find("</answer>");
  if (!(te < ao && ao < ac)) return 0.0f;
  if (trim(s.substr(7, te - 7)).empty()) return 0.0f;
  if (!trim(s.substr(te + 8, ao - te - 8)).empty()) return 0.0f;
  if (trim(s.substr(ao + 8, ac - ao - 8)).empty()) return 0.0f;
  if (ac + 9 != s.size()) return 0.0f;
  return 1.0f;
}

std::string reasoning_of(std::string_view r) {
  size_t a = r.find("<think>"), b = r.find("</think>");
  if (a == std::string_view::npos || b == std::string_view::npos || b < a) return "";
  return std::string(r.substr(a + 7, b - a - 7));
}

float language_consistency(std::string_view r, const std::string& lang) {
  std::string body = reasoning_of(r);
  std::string_view s = body.empty() ? r : std::string_view(body);
  int words = 0, target = 0;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t')) i++;
    size_t j = i;
    bool letters = false, ascii_only = true;
    while (j < s.size() && s[j] != ' ' && s[j] != '\n' && s[j] != '\t') {
      unsigned char c = (unsigned char)s[j];
      if (c >= 0x80) letters = true, ascii_only = false;  // non-ASCII: a letter of some script
      else if ((c | 32) >= 'a' && (c | 32) <= 'z') letters = true;
      j++;
    }
    if (j > i && letters) {
      words++;
      bool in_target = lang == "en" ? ascii_only : !ascii_only;
      target += in_target;
    }
    i = j;
  }
  return words ? (float)target / (float)words : 1.0f;
}

float accuracy_reward(const Problem& p, std::string_view r) { return verify_response(p, r) ? 1.0f : 0.0f; }

Rewards score(const Problem& p, std::string_view r, const RewardWeights& w) {
  Rewards o;
  o.accuracy = accuracy_reward(p, r);
  o.format = format_reward(r);
  o.language = language_consistency(r);
  o.total = w.accuracy * o.accuracy + w.format * o.format + w.language * o.language;
  return o;
}

float repetition_score(std::string_view r, int n) {
  std::vector<std::string> w;
  size_t i = 0;
  while (i < r.size()) {
    while (i < r.size() && r[i] == ' ') i++;
    size_t j = i;
    while (j < r.size() && r[j] != ' ') j++;
    if (j > i) w.emplace_back(r.substr(i, j - i));
    i = j;
  }
  if ((int)w.size() < 2 * n) return 0.0f;
  std::map<std::string, int> counts;
  int worst = 0;
  for (size_t k = 0; k + n <= w.size(); k++) {
    std::string g;
    for (int m = 0; m < n; m++) g += w[k + m] + "\x1f";
    worst = std::max(worst, ++counts[g]);
  }
  return worst <= 1 ? 0.0f : (float)(worst * n) / (float)w.size();
}

}  // namespace r1::rl
