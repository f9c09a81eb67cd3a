// Text patch of the two added-token entries (see deepseek_r1.h).
#include "tokenizer/deepseek_r1.h"

#include <cstring>

#include "base/error.h"

namespace r1::tok {

std::string derive_r1_tokenizer_json(std::string_view v3) {
  std::string s(v3);
  const char* from[2] = {"<｜place▁holder▁no▁798｜>", "<｜place▁holder▁no▁799｜>"};
  const char* to[2] = {"<think>", "</think>"};
  for (int k = 0; k < 2; k++) {
    std::string key = std::string("\"") + from[k] + "\"";
    size_t at = s.find(key);
    R1_CHECK(at != std::string::npos, "derive R1 tokenizer: added token ", from[k], " not found");
    size_t close = s.find('}', at);
    R1_CHECK(close != std::string::npos, "derive R1 tokenizer: malformed entry for ", from[k]);
    std::string entry = s.substr(at, close - at);
    entry.replace(0, key.size(), std::string("\"") + to[k] + "\"");
    for (auto [a, b] : {std::pair<const char*, const char*>{"\"special\": true", "\"special\": false"},
                        {"\"normalized\": false", "\"normalized\": true"}}) {
      size_t p = entry.find(a);
      if (p != std::string::npos) entry.replace(p, strlen(a), b);
    }
    s.replace(at, close - at, entry);
  }
  return s;
}

}  // namespace r1::tok
