// Fill-in-the-middle at document level (DeepSeek-Coder / V3 §4.1), applied
// before packing: with probability rate the text is cut at two random UTF-8
// character boundaries into prefix/middle/suffix and laid out PSM:
//   <｜fim▁begin｜> prefix <｜fim▁hole｜> suffix <｜fim▁end｜> middle
// (the caller adds BOS/EOS around the document).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/rng.h"

namespace r1::data {

struct FimTokens {
  int32_t begin = -1, hole = -1, end = -1;
  bool valid() const { return begin >= 0 && hole >= 0 && end >= 0; }
};
// DeepSeek's spellings (fullwidth bars, U+2581 in place of spaces).
extern const char* const kFimBegin;  // "<｜fim▁begin｜>"
extern const char* const kFimHole;   // "<｜fim▁hole｜>"
extern const char* const kFimEnd;    // "<｜fim▁end｜>"

struct FimSplit {
  bool applied = false;
  std::string prefix, middle, suffix;
};
// Draws one uniform() from rng always (so the stream does not depend on the
// text), and two cut points when applied.
FimSplit fim_split(std::string_view text, double rate, Rng& rng);

using Encoder = std::function<std::vector<int32_t>(std::string_view)>;
// Tokens of the document body: plain encode(text), or the PSM layout.
std::vector<int32_t> fim_encode(std::string_view text, double rate, Rng& rng, const FimTokens& ft, const Encoder& enc);

}  // namespace r1::data
