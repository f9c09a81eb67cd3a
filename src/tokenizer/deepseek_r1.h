// DeepSeek-R1's tokenizer is V3's with ids 128798/128799 as "<think>"/"</think>"
// (added, special=false, normalized=true). The real R1 file loads as is; this
// derives it from a V3 tokenizer.json text when only V3's is at hand.
#pragma once
#include <string>
#include <string_view>

namespace r1::tok {
// Throws r1::Error if the two placeholder entries are not found.
std::string derive_r1_tokenizer_json(std::string_view v3_json);
}  // namespace r1::tok
