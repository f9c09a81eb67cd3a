// Pre-tokenizers of Hugging Face byte-level BPE tokenizers, hand-compiled.
// Each Split regex that tokenizer.json files of this family use (DeepSeek-V3's
// three-step sequence, Qwen2, Llama 3, GPT-2) is recognised by its exact
// string and matched by a function with Oniguruma semantics: leftmost-first
// alternation with backtracking, \s = White_Space, Isolated split behaviour
// (unmatched spans are kept as pieces). An unknown regex is an error.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1::tok {

enum class SplitRule : uint8_t {
  Digits3,       // \p{N}{1,3}
  CJK,           // [一-龥぀-ゟ゠-ヿ]+
  DeepSeekMain,  // DeepSeek-V3's word/punctuation/whitespace regex
  Qwen2,         // (?i:'s|...)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
  Llama3,        // as Qwen2 with \p{N}{1,3}
  GPT2,          // ByteLevel use_regex: 's|'t|...| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
};

// The JSON regex strings of the rules (as the tokenizer.json files spell them).
const char* split_rule_regex(SplitRule r);
// Returns true and sets r if regex is one of the known patterns.
bool split_rule_from_regex(std::string_view regex, SplitRule& r);

struct Piece { uint32_t begin, end; };  // byte range in the text

// Splits valid UTF-8 text into pieces by applying the steps in order, each on
// every piece the previous step produced. Scratch vectors are reused.
class PreTokenizer {
 public:
  std::vector<SplitRule> steps;
  void split(std::string_view text, std::vector<Piece>& out) const;
};

}  // namespace r1::tok
