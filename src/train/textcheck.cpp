#include "train/textcheck.h"

#include <cctype>

namespace r1::train {

std::vector<std::string> text_words(std::string_view text) {
  std::vector<std::string> out;
  size_t i = 0;
  const size_t n = text.size();
  auto space = [](unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  auto punct = [](unsigned char c) { return c < 0x80 && !std::isalnum(c); };
  while (i < n) {
    while (i < n && space((unsigned char)text[i])) ++i;
    size_t j = i;
    while (j < n && !space((unsigned char)text[j])) ++j;
    size_t a = i, b = j;
    while (a < b && punct((unsigned char)text[a])) ++a;
    while (b > a && punct((unsigned char)text[b - 1])) --b;
    if (b > a) {
      std::string w(text.substr(a, b - a));
      for (auto& c : w)
        if ((unsigned char)c < 0x80) c = (char)std::tolower((unsigned char)c);
      out.push_back(std::move(w));
    }
    i = j;
  }
  return out;
}

std::unordered_set<std::string> word_vocab(const std::vector<std::string>& docs) {
  std::unordered_set<std::string> v;
  for (auto& d : docs)
    for (auto& w : text_words(d)) v.insert(std::move(w));
  return v;
}

double known_word_share(std::string_view text, const std::unordered_set<std::string>& vocab, int64_t* n_words) {
  auto ws = text_words(text);
  int64_t known = 0;
  for (auto& w : ws) known += vocab.count(w) > 0;
  if (n_words) *n_words = (int64_t)ws.size();
  return ws.empty() ? 0.0 : (double)known / (double)ws.size();
}

}  // namespace r1::train
