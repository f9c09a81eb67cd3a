// UTF-8 validation (RFC 3629: no overlongs, no surrogates, max U+10FFFF).
#pragma once
#include <cstddef>
#include <string_view>

namespace r1 {
// Returns the byte offset of the first invalid sequence, or npos if valid.
size_t utf8_invalid_at(std::string_view s);
inline bool utf8_valid(std::string_view s) { return utf8_invalid_at(s) == std::string_view::npos; }
}  // namespace r1
