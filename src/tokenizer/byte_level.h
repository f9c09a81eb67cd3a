// GPT-2's bytes_to_unicode mapping used by ByteLevel pre-tokenizers/decoders:
// printable bytes map to themselves' code points, the other 68 to U+0100.. in order.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace r1::tok {
// UTF-8 of the symbol for byte b.
const std::string& byte_symbol(uint8_t b);
// Maps a byte string to its symbol string.
void bytes_to_symbols(std::string_view bytes, std::string& out);
// Maps a symbol string back to bytes; false if some character is not a byte symbol.
bool symbols_to_bytes(std::string_view symbols, std::string& out);
}  // namespace r1::tok
