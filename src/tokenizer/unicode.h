// Unicode facts the tokenizers need: per-code-point class flags matching
// Oniguruma's \p{L} \p{M} \p{N} \p{P} \p{S} and \s (Unicode White_Space, with
// U+0085 and without U+FEFF), UTF-8 decoding, and NFC.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace r1::unicode {

enum : uint8_t { kL = 1, kM = 2, kN = 4, kP = 8, kS = 16, kWS = 32 };

// Class flags of a code point (one of kL..kS, possibly | kWS). Table built once.
uint8_t flags(uint32_t cp);
const uint8_t* flags_table();  // 0x110000 entries

// Decodes one code point from valid UTF-8 at s[i]; sets len. Invalid bytes decode
// as U+FFFD with len 1 (callers validate first).
uint32_t decode_utf8(const char* s, size_t n, size_t i, int& len);
void append_utf8(std::string& out, uint32_t cp);

// Canonical composition (NFC) of valid UTF-8, with the tables' Unicode version.
std::string nfc(std::string_view s);

// Lossy UTF-8 like Rust's String::from_utf8_lossy: one U+FFFD per maximal
// invalid subsequence.
std::string utf8_lossy(std::string_view bytes);
// Length of the longest prefix of s that ends on a complete UTF-8 character,
// treating invalid sequences as complete (they will become U+FFFD).
size_t utf8_complete_prefix(std::string_view s);

}  // namespace r1::unicode
