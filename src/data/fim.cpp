#include "data/fim.h"

#include <algorithm>

#include "base/error.h"

namespace r1::data {

const char* const kFimBegin = "<\xef\xbd\x9c" "fim\xe2\x96\x81" "begin\xef\xbd\x9c>";
const char* const kFimHole = "<\xef\xbd\x9c" "fim\xe2\x96\x81" "hole\xef\xbd\x9c>";
const char* const kFimEnd = "<\xef\xbd\x9c" "fim\xe2\x96\x81" "end\xef\xbd\x9c>";

FimSplit fim_split(std::string_view text, double rate, Rng& rng) {
  FimSplit s;
  const double u = rng.uniform();
  if (u >= rate || text.empty()) return s;
  // character starts (not UTF-8 continuation bytes), plus the end
  std::vector<size_t> cuts;
  for (size_t i = 0; i < text.size(); ++i)
    if (((unsigned char)text[i] & 0xC0) != 0x80) cuts.push_back(i);
  cuts.push_back(text.size());
  size_t a = cuts[rng.below(cuts.size())], b = cuts[rng.below(cuts.size())];
  if (a > b) std::swap(a, b);
  s.applied = true;
  s.prefix = std::string(text.substr(0, a));
  s.middle = std::string(text.substr(a, b - a));
  s.suffix = std::string(text.substr(b));
  return s;
}

std::vector<int32_t> fim_encode(std::string_view text, double rate, Rng& rng, const FimTokens& ft, const Encoder& enc) {
  if (rate > 0) R1_CHECK(ft.valid(), "fim: the tokenizer has no FIM tokens (", kFimBegin, ", ", kFimHole, ", ", kFimEnd, ")");
  FimSplit s = fim_split(text, rate, rng);
  if (!s.applied) return enc(text);
  std::vector<int32_t> out{ft.begin};
  auto app = [&](const std::string& x) {
    auto v = enc(x);
    out.insert(out.end(), v.begin(), v.end());
  };
  app(s.prefix);
  out.push_back(ft.hole);
  app(s.suffix);
  out.push_back(ft.end);
  app(s.middle);
  return out;
}

}  // namespace r1::data
