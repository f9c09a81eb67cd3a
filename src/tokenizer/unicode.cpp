// Unicode class table, UTF-8 helpers, NFC (decompose, canonical order, compose).
#include "tokenizer/unicode.h"

#include <algorithm>
#include <memory>
#include <vector>

#include "tokenizer/unicode_tables.h"

namespace r1::unicode {

namespace {
constexpr uint8_t kNfcMaybe = 64;  // may change under NFC (decomposable, ccc != 0, or composes as 2nd)

struct Tables {
  std::unique_ptr<uint8_t[]> f;
  std::unique_ptr<uint8_t[]> ccc;
  Tables() : f(new uint8_t[0x110000]()), ccc(new uint8_t[0x110000]()) {
    static const uint8_t bit[6] = {0, kL, kM, kN, kP, kS};
    for (size_t i = 0; i < kCatRangesN; i++)
      for (uint32_t c = kCatRanges[i].lo; c <= kCatRanges[i].hi; c++) f[c] = bit[kCatRanges[i].v];
    // Oniguruma's \s is the White_Space property.
    static const uint32_t ws[] = {0x9, 0xA, 0xB, 0xC, 0xD, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029,
                                  0x202F, 0x205F, 0x3000};
    for (uint32_t c : ws) f[c] |= kWS;
    for (uint32_t c = 0x2000; c <= 0x200A; c++) f[c] |= kWS;
    for (size_t i = 0; i < kCccRangesN; i++)
      for (uint32_t c = kCccRanges[i].lo; c <= kCccRanges[i].hi; c++) {
        ccc[c] = kCccRanges[i].v;
        f[c] |= kNfcMaybe;
      }
    for (size_t i = 0; i < kDecompN; i++) f[kDecomp[i].cp] |= kNfcMaybe;
    for (size_t i = 0; i < kComposeN; i++) f[kCompose[i].b] |= kNfcMaybe;
    for (uint32_t c = 0x1100; c <= 0x11FF; c++) f[c] |= kNfcMaybe;  // Hangul jamo compose
    for (uint32_t c = 0xAC00; c <= 0xD7A3; c++) f[c] |= kNfcMaybe;
  }
};
const Tables& tables() {
  static const Tables t;
  return t;
}

constexpr uint32_t SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
constexpr uint32_t LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

const Decomp* find_decomp(uint32_t cp) {
  const Decomp* e = kDecomp + kDecompN;
  const Decomp* p = std::lower_bound(kDecomp, e, cp, [](const Decomp& d, uint32_t c) { return d.cp < c; });
  return (p != e && p->cp == cp) ? p : nullptr;
}

void decompose(uint32_t cp, std::vector<uint32_t>& out) {
  if (cp >= SBase && cp < SBase + SCount) {
    uint32_t s = cp - SBase;
    out.push_back(LBase + s / NCount);
    out.push_back(VBase + (s % NCount) / TCount);
    if (s % TCount) out.push_back(TBase + s % TCount);
    return;
  }
  const Decomp* d = find_decomp(cp);
  if (!d) {
    out.push_back(cp);
    return;
  }
  decompose(d->a, out);
  if (d->b) decompose(d->b, out);
}

uint32_t compose(uint32_t a, uint32_t b) {
  if (a >= LBase && a < LBase + LCount && b >= VBase && b < VBase + VCount)
    return SBase + ((a - LBase) * VCount + (b - VBase)) * TCount;
  if (a >= SBase && a < SBase + SCount && (a - SBase) % TCount == 0 && b > TBase && b < TBase + TCount)
    return a + (b - TBase);
  const Compose* e = kCompose + kComposeN;
  const Compose* p = std::lower_bound(kCompose, e, std::make_pair(a, b), [](const Compose& c, std::pair<uint32_t, uint32_t> k) {
    return c.a < k.first || (c.a == k.first && c.b < k.second);
  });
  return (p != e && p->a == a && p->b == b) ? p->c : 0;
}

// Expected length and allowed range of the 2nd byte of a UTF-8 sequence starting with b.
int lead_info(uint8_t b, uint8_t& lo, uint8_t& hi) {
  lo = 0x80, hi = 0xBF;
  if (b >= 0xC2 && b <= 0xDF) return 2;
  if (b == 0xE0) { lo = 0xA0; return 3; }
  if (b >= 0xE1 && b <= 0xEC) return 3;
  if (b == 0xED) { hi = 0x9F; return 3; }
  if (b >= 0xEE && b <= 0xEF) return 3;
  if (b == 0xF0) { lo = 0x90; return 4; }
  if (b >= 0xF1 && b <= 0xF3) return 4;
  if (b == 0xF4) { hi = 0x8F; return 4; }
  return 0;
}

// Length of the valid prefix of the sequence at s[i] (== need when complete), and need.
int valid_run(std::string_view s, size_t i, int& need) {
  uint8_t lo, hi;
  need = lead_info((uint8_t)s[i], lo, hi);
  if (need == 0) return 0;
  int k = 1;
  for (; k < need && i + k < s.size(); k++) {
    uint8_t c = (uint8_t)s[i + k];
    if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) break;
  }
  return k;
}
}  // namespace

const uint8_t* flags_table() { return tables().f.get(); }
uint8_t flags(uint32_t cp) { return cp < 0x110000 ? (tables().f[cp] & 63) : 0; }

uint32_t decode_utf8(const char* s, size_t n, size_t i, int& len) {
  uint8_t b = (uint8_t)s[i];
  if (b < 0x80) { len = 1; return b; }
  uint8_t lo, hi;
  int need = lead_info(b, lo, hi);
  if (need == 0 || i + need > n) { len = 1; return 0xFFFD; }
  uint32_t cp = b & (need == 2 ? 0x1F : need == 3 ? 0x0F : 0x07);
  for (int k = 1; k < need; k++) {
    uint8_t c = (uint8_t)s[i + k];
    if (k == 1 ? (c < lo || c > hi) : (c < 0x80 || c > 0xBF)) { len = 1; return 0xFFFD; }
    cp = (cp << 6) | (c & 0x3F);
  }
  len = need;
  return cp;
}

void append_utf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += (char)cp;
  } else if (cp < 0x800) {
    out += (char)(0xC0 | (cp >> 6));
    out += (char)(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += (char)(0xE0 | (cp >> 12));
    out += (char)(0x80 | ((cp >> 6) & 0x3F));
    out += (char)(0x80 | (cp & 0x3F));
  } else {
    out += (char)(0xF0 | (cp >> 18));
    out += (char)(0x80 | ((cp >> 12) & 0x3F));
    out += (char)(0x80 | ((cp >> 6) & 0x3F));
    out += (char)(0x80 | (cp & 0x3F));
  }
}

std::string nfc(std::string_view s) {
  const Tables& t = tables();
  bool maybe = false;
  for (size_t i = 0; i < s.size() && !maybe;) {
    if ((uint8_t)s[i] < 0x80) { i++; continue; }
    int len;
    uint32_t cp = decode_utf8(s.data(), s.size(), i, len);
    maybe = t.f[cp] & kNfcMaybe;
    i += len;
  }
  if (!maybe) return std::string(s);
  std::vector<uint32_t> d;
  d.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    int len;
    uint32_t cp = decode_utf8(s.data(), s.size(), i, len);
    decompose(cp, d);
    i += len;
  }
  // Canonical ordering: stable sort each run of non-starters by ccc.
  for (size_t i = 0; i < d.size();) {
    if (t.ccc[d[i]] == 0) { i++; continue; }
    size_t j = i;
    while (j < d.size() && t.ccc[d[j]] != 0) j++;
    std::stable_sort(d.begin() + i, d.begin() + j, [&](uint32_t a, uint32_t b) { return t.ccc[a] < t.ccc[b]; });
    i = j;
  }
  std::vector<uint32_t> out;
  out.reserve(d.size());
  long starter = -1;
  int lastcc = 0;
  for (uint32_t c : d) {
    int cc = t.ccc[c];
    if (starter >= 0) {
      bool adjacent = (long)out.size() - 1 == starter;
      bool blocked = !adjacent && lastcc >= cc;
      if (!blocked) {
        uint32_t k = compose(out[starter], c);
        if (k) { out[starter] = k; continue; }
      }
    }
    out.push_back(c);
    if (cc == 0) { starter = (long)out.size() - 1; lastcc = 0; }
    else lastcc = cc;
  }
  std::string r;
  r.reserve(s.size());
  for (uint32_t c : out) append_utf8(r, c);
  return r;
}

std::string utf8_lossy(std::string_view s) {
  std::string r;
  r.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    if ((uint8_t)s[i] < 0x80) { r += s[i++]; continue; }
    int need;
    int k = valid_run(s, i, need);
    if (need && k == need) {
      r.append(s.data() + i, need);
      i += need;
    } else {
      r += "\xEF\xBF\xBD";
      i += k ? k : 1;
    }
  }
  return r;
}

size_t utf8_complete_prefix(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    if ((uint8_t)s[i] < 0x80) { i++; continue; }
    int need;
    int k = valid_run(s, i, need);
    if (need && k < need && i + k == s.size()) return i;  // truncated, may still complete
    i += (need && k == need) ? need : (k ? k : 1);
  }
  return s.size();
}

}  // namespace r1::unicode
