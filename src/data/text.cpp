#include "data/text.h"

#include <cstring>

namespace r1::data {

uint64_t hash_bytes(const void* p, size_t n, uint64_t seed) {
  const auto* b = (const unsigned char*)p;
  uint64_t h = seed ^ (0x9e3779b97f4a7c15ull * (n + 1));
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, b, 8);
    h = mix64(h ^ w) + 0x632be59bd9b4e019ull;
    b += 8;
    n -= 8;
  }
  uint64_t w = 0;
  for (size_t i = 0; i < n; ++i) w |= (uint64_t)b[i] << (8 * i);
  return mix64(h ^ w ^ ((uint64_t)n << 56));
}

namespace {

// Decode one code point at s[i] (text is valid UTF-8 here); returns its length.
inline int decode(const unsigned char* s, size_t n, size_t i, uint32_t& cp) {
  unsigned char c = s[i];
  if (c < 0x80) { cp = c; return 1; }
  if ((c & 0xE0) == 0xC0 && i + 1 < n) { cp = ((c & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu); return 2; }
  if ((c & 0xF0) == 0xE0 && i + 2 < n) { cp = ((c & 0x0Fu) << 12) | ((s[i + 1] & 0x3Fu) << 6) | (s[i + 2] & 0x3Fu); return 3; }
  if ((c & 0xF8) == 0xF0 && i + 3 < n) {
    cp = ((c & 0x07u) << 18) | ((s[i + 1] & 0x3Fu) << 12) | ((s[i + 2] & 0x3Fu) << 6) | (s[i + 3] & 0x3Fu);
    return 4;
  }
  cp = 0xFFFD;
  return 1;
}

enum Kind { kSep, kWord, kSingle };

inline Kind classify(uint32_t cp) {
  if (cp < 0x80) return kSep;  // ASCII letters/digits handled by the fast path
  if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x206F) || (cp >= 0x3000 && cp <= 0x303F) || (cp >= 0xFF00 && cp <= 0xFF0F) ||
      (cp >= 0xFF1A && cp <= 0xFF20) || (cp >= 0xFF3B && cp <= 0xFF40) || (cp >= 0xFF5B && cp <= 0xFF65) ||
      cp == 0xFEFF || cp == 0xFFFD || (cp >= 0x00A1 && cp <= 0x00BF && cp != 0xAA && cp != 0xB5 && cp != 0xBA) ||
      cp == 0xD7 || cp == 0xF7)
    return kSep;
  if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
      (cp >= 0xAC00 && cp <= 0xD7AF) || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF))
    return kSingle;
  return kWord;
}

// Byte classes: 0 separator, 1 ASCII letter/digit, 2 non-ASCII lead/continuation.
struct ByteTable {
  uint8_t t[256];
  ByteTable() {
    for (int c = 0; c < 256; ++c) {
      bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      t[c] = c >= 0x80 ? 2 : alnum ? 1 : 0;
    }
  }
};
const ByteTable kBytes;

// Hash of a pure-ASCII alphanumeric word, lower-cased 8 bytes at a time
// (OR 0x20 lower-cases letters and leaves digits unchanged).
inline uint64_t ascii_word_hash(const unsigned char* p, size_t n) {
  uint64_t h = 0x243f6a8885a308d3ull ^ (n * 0x9e3779b97f4a7c15ull);
  while (n > 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    h = mix64(h ^ (w | 0x2020202020202020ull));
    p += 8;
    n -= 8;
  }
  uint64_t w = 0;
  memcpy(&w, p, n);
  w |= 0x2020202020202020ull & (n == 8 ? ~0ull : ((1ull << (8 * n)) - 1));
  return mix64(h ^ w);
}

// Calls emit(begin, end, hash) for each word. Words made only of ASCII
// letters/digits take the fast path; words with other letters are hashed per
// code point (ASCII lower-cased). Identical words always take the same path.
template <class F>
inline void for_each_word(std::string_view text, F&& emit) {
  const auto* s = (const unsigned char*)text.data();
  const size_t n = text.size();
  size_t i = 0;
  while (i < n) {
    uint8_t k = kBytes.t[s[i]];
    if (k == 0) { ++i; continue; }
    size_t start = i;
    bool ascii = true;
    for (;;) {
      while (i < n && kBytes.t[s[i]] == 1) ++i;
      if (i >= n || kBytes.t[s[i]] == 0) break;
      uint32_t cp;
      int len = decode(s, n, i, cp);
      if (classify(cp) != kWord) break;
      ascii = false;
      i += len;
    }
    if (i > start) {
      if (ascii) emit(start, i, ascii_word_hash(s + start, i - start));
      else {
        uint64_t h = 0x243f6a8885a308d3ull;
        for (size_t j = start; j < i;) {
          uint32_t cp;
          int len = decode(s, n, j, cp);
          if (cp >= 'A' && cp <= 'Z') cp |= 0x20;
          h = (h ^ cp) * 0x100000001b3ull;
          j += len;
        }
        emit(start, i, mix64(h ^ (i - start)));
      }
      continue;
    }
    // A non-ASCII character that is not a word letter: a word of its own (CJK) or a separator.
    uint32_t cp;
    int len = decode(s, n, i, cp);
    if (classify(cp) == kSingle) emit(i, i + len, mix64(0x13198a2e03707344ull ^ cp));
    i += len;
  }
}

}  // namespace

void word_hashes(std::string_view text, std::vector<uint64_t>& out) {
  out.clear();
  for_each_word(text, [&](size_t, size_t, uint64_t h) { out.push_back(h); });
}

void words(std::string_view text, std::vector<std::string>& out) {
  out.clear();
  for_each_word(text, [&](size_t b, size_t e, uint64_t) {
    std::string w(text.substr(b, e - b));
    for (auto& c : w)
      if (c >= 'A' && c <= 'Z') c = (char)(c | 0x20);
    out.push_back(std::move(w));
  });
}

std::string normalize(std::string_view text) {
  std::string o;
  o.reserve(text.size());
  for_each_word(text, [&](size_t b, size_t e, uint64_t) {
    if (!o.empty()) o.push_back(' ');
    for (size_t i = b; i < e; ++i) {
      char c = text[i];
      o.push_back(c >= 'A' && c <= 'Z' ? (char)(c | 0x20) : c);
    }
  });
  return o;
}

uint64_t sequence_hash(const std::vector<uint64_t>& wh) {
  uint64_t h = 0x452821e638d01377ull ^ wh.size();
  for (uint64_t w : wh) h = mix64(h ^ w) * 0x9e3779b97f4a7c15ull;
  return mix64(h);
}

void word_shingles(const std::vector<uint64_t>& wh, int n, std::vector<uint64_t>& out) {
  out.clear();
  size_t k = (size_t)(n < 1 ? 1 : n);
  if (wh.empty()) return;
  if (wh.size() < k) k = wh.size();
  out.reserve(wh.size() - k + 1);
  for (size_t i = 0; i + k <= wh.size(); ++i) {
    uint64_t h = 0x3c6ef372fe94f82bull;
    for (size_t j = 0; j < k; ++j) h = (h ^ wh[i + j]) * 0x9e3779b97f4a7c15ull + (h >> 29);
    out.push_back(h);
  }
}

void char_shingles(std::string_view normalized, int n, std::vector<uint64_t>& out) {
  out.clear();
  const auto* s = (const unsigned char*)normalized.data();
  size_t len = normalized.size();
  std::vector<uint32_t> cps;
  cps.reserve(len);
  for (size_t i = 0; i < len;) {
    uint32_t cp;
    i += decode(s, len, i, cp);
    cps.push_back(cp);
  }
  size_t k = (size_t)(n < 1 ? 1 : n);
  if (cps.empty()) return;
  if (cps.size() < k) k = cps.size();
  for (size_t i = 0; i + k <= cps.size(); ++i) {
    uint64_t h = 0x3c6ef372fe94f82bull;
    for (size_t j = 0; j < k; ++j) h = mix64(h ^ cps[i + j]);
    out.push_back(h);
  }
}

}  // namespace r1::data
