// bytes_to_unicode tables (see byte_level.h).
#include "tokenizer/byte_level.h"

#include <array>

#include "tokenizer/unicode.h"

namespace r1::tok {
namespace {
struct Map {
  std::array<std::string, 256> sym;
  std::array<int16_t, 324> byte_of;  // code point -> byte, -1 if not a symbol
  Map() {
    byte_of.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; b++) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      uint32_t cp = printable ? (uint32_t)b : 256 + n++;
      sym[b].clear();
      unicode::append_utf8(sym[b], cp);
      byte_of[cp] = (int16_t)b;
    }
  }
};
const Map& map() {
  static const Map m;
  return m;
}
}  // namespace

const std::string& byte_symbol(uint8_t b) { return map().sym[b]; }

void bytes_to_symbols(std::string_view bytes, std::string& out) {
  const Map& m = map();
  out.clear();
  for (unsigned char c : bytes) out += m.sym[c];
}

bool symbols_to_bytes(std::string_view s, std::string& out) {
  const Map& m = map();
  out.clear();
  for (size_t i = 0; i < s.size();) {
    int len;
    uint32_t cp = unicode::decode_utf8(s.data(), s.size(), i, len);
    if (cp >= 324 || m.byte_of[cp] < 0) return false;
    out += (char)m.byte_of[cp];
    i += len;
  }
  return true;
}
}  // namespace r1::tok
