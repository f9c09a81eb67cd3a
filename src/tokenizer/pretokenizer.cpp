// Hand-compiled Split regexes (see pretokenizer.h). A matcher returns the end
// index of the match starting at code point p within [p, end), or p if none.
#include "tokenizer/pretokenizer.h"

#include <cstring>

#include "tokenizer/unicode.h"

namespace r1::tok {

using namespace r1::unicode;

namespace {
const char* kDigits3 = "\\p{N}{1,3}";
const char* kCJK = "[一-龥぀-ゟ゠-ヿ]+";
const char* kDeepSeek =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| "
    "?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";
const char* kQwen2 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
    "\\s+(?!\\S)|\\s+";
const char* kLlama3 =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|"
    "\\s+(?!\\S)|\\s+";
const char* kGPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

struct Text {
  const uint32_t* cp;
  const uint8_t* fl;
};

inline bool is_crlf(uint32_t c) { return c == '\r' || c == '\n'; }
inline bool ascii_alpha(uint32_t c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
inline bool ascii_punct(uint32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) || (c >= 0x7B && c <= 0x7E);
}
inline bool is_cjk(uint32_t c) {
  return (c >= 0x4E00 && c <= 0x9FA5) || (c >= 0x3040 && c <= 0x309F) || (c >= 0x30A0 && c <= 0x30FF);
}
inline size_t run(const Text& t, size_t q, size_t end, uint8_t mask) {
  while (q < end && (t.fl[q] & mask)) q++;
  return q;
}
inline size_t run_crlf(const Text& t, size_t q, size_t end) {
  while (q < end && is_crlf(t.cp[q])) q++;
  return q;
}

// \s*[\r\n]+ | \s+(?!\S) | \s+ at p (p is whitespace). with_crlf_rule: include the first.
inline size_t whitespace_alts(const Text& t, size_t p, size_t end, bool with_crlf_rule) {
  size_t e = run(t, p, end, kWS);
  if (with_crlf_rule) {
    // Greedy \s* backs off to the last CR/LF of the run; [\r\n]+ then ends right after it.
    for (size_t j = e; j > p; j--)
      if (is_crlf(t.cp[j - 1])) return j;
  }
  if (e == end) return e;        // \s+(?!\S) at the end of the piece
  if (e - p >= 2) return e - 1;  // leave the last space for the next word
  return e;                      // \s+
}

size_t match_deepseek(const Text& t, size_t p, size_t end) {
  uint32_t c = t.cp[p];
  uint8_t f = t.fl[p];
  // [ASCII punct][A-Za-z]+
  if (c < 128 && ascii_punct(c) && p + 1 < end && ascii_alpha(t.cp[p + 1])) {
    size_t q = p + 2;
    while (q < end && t.cp[q] < 128 && ascii_alpha(t.cp[q])) q++;
    return q;
  }
  // [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+
  if (f & (kL | kM)) return run(t, p + 1, end, kL | kM);
  if (!is_crlf(c) && !(f & (kL | kP | kS)) && p + 1 < end && (t.fl[p + 1] & (kL | kM)))
    return run(t, p + 2, end, kL | kM);
  // ' '?[\p{P}\p{S}]+[\r\n]*
  size_t q = p;
  if (c == ' ' && p + 1 < end && (t.fl[p + 1] & (kP | kS))) q = p + 1;
  if (t.fl[q] & (kP | kS)) return run_crlf(t, run(t, q + 1, end, kP | kS), end);
  if (f & kWS) return whitespace_alts(t, p, end, true);
  return p;
}

inline size_t contraction(const Text& t, size_t p, size_t end, bool icase) {
  if (t.cp[p] != '\'' || p + 1 >= end) return p;
  auto lc = [&](size_t i) -> uint32_t {
    uint32_t c = t.cp[i];
    return (icase && c >= 'A' && c <= 'Z') ? c + 32 : c;
  };
  uint32_t a = lc(p + 1);
  if (a == 's' || a == 't' || a == 'm' || a == 'd') return p + 2;
  if (p + 2 < end) {
    uint32_t b = lc(p + 2);
    if ((a == 'r' || a == 'v') && b == 'e') return p + 3;
    if (a == 'l' && b == 'l') return p + 3;
  }
  return p;
}

// Qwen2 (max_digits 1) and Llama 3 (max_digits 3).
size_t match_qwen_llama(const Text& t, size_t p, size_t end, size_t max_digits) {
  size_t q = contraction(t, p, end, true);
  if (q != p) return q;
  uint32_t c = t.cp[p];
  uint8_t f = t.fl[p];
  if (f & kL) return run(t, p + 1, end, kL);
  if (!is_crlf(c) && !(f & kN) && p + 1 < end && (t.fl[p + 1] & kL)) return run(t, p + 2, end, kL);
  if (f & kN) {
    q = p + 1;
    while (q < end && q - p < max_digits && (t.fl[q] & kN)) q++;
    return q;
  }
  const uint8_t notother = kWS | kL | kN;
  q = p;
  if (c == ' ' && p + 1 < end && !(t.fl[p + 1] & notother)) q = p + 1;
  if (!(t.fl[q] & notother)) {
    q++;
    while (q < end && !(t.fl[q] & notother)) q++;
    return run_crlf(t, q, end);
  }
  if (f & kWS) return whitespace_alts(t, p, end, true);
  return p;
}

size_t match_gpt2(const Text& t, size_t p, size_t end) {
  size_t q = contraction(t, p, end, false);
  if (q != p) return q;
  uint32_t c = t.cp[p];
  size_t s = (c == ' ' && p + 1 < end) ? p + 1 : p;  // optional leading space
  if (t.fl[s] & kL) return run(t, s + 1, end, kL);
  if (t.fl[s] & kN) return run(t, s + 1, end, kN);
  const uint8_t notother = kWS | kL | kN;
  if (!(t.fl[s] & notother)) {
    s++;
    while (s < end && !(t.fl[s] & notother)) s++;
    return s;
  }
  if (t.fl[p] & kWS) return whitespace_alts(t, p, end, false);
  return p;
}

size_t match_rule(SplitRule r, const Text& t, size_t p, size_t end) {
  switch (r) {
    case SplitRule::Digits3:
      if (t.fl[p] & kN) {
        size_t q = p + 1;
        while (q < end && q - p < 3 && (t.fl[q] & kN)) q++;
        return q;
      }
      return p;
    case SplitRule::CJK: {
      size_t q = p;
      while (q < end && is_cjk(t.cp[q])) q++;
      return q;
    }
    case SplitRule::DeepSeekMain: return match_deepseek(t, p, end);
    case SplitRule::Qwen2: return match_qwen_llama(t, p, end, 1);
    case SplitRule::Llama3: return match_qwen_llama(t, p, end, 3);
    case SplitRule::GPT2: return match_gpt2(t, p, end);
  }
  return p;
}

struct Scratch {
  std::vector<uint32_t> cp, off;
  std::vector<uint8_t> fl;
  std::vector<Piece> a, b;
};
}  // namespace

const char* split_rule_regex(SplitRule r) {
  switch (r) {
    case SplitRule::Digits3: return kDigits3;
    case SplitRule::CJK: return kCJK;
    case SplitRule::DeepSeekMain: return kDeepSeek;
    case SplitRule::Qwen2: return kQwen2;
    case SplitRule::Llama3: return kLlama3;
    case SplitRule::GPT2: return kGPT2;
  }
  return "";
}

bool split_rule_from_regex(std::string_view regex, SplitRule& r) {
  for (SplitRule k : {SplitRule::Digits3, SplitRule::CJK, SplitRule::DeepSeekMain, SplitRule::Qwen2,
                      SplitRule::Llama3, SplitRule::GPT2})
    if (regex == split_rule_regex(k)) {
      r = k;
      return true;
    }
  return false;
}

void PreTokenizer::split(std::string_view text, std::vector<Piece>& out) const {
  out.clear();
  if (text.empty()) return;
  if (steps.empty()) {
    out.push_back({0, (uint32_t)text.size()});
    return;
  }
  thread_local Scratch s;
  const uint8_t* ft = flags_table();
  s.cp.clear(), s.off.clear(), s.fl.clear();
  for (size_t i = 0; i < text.size();) {
    int len = 1;
    uint32_t c = (uint8_t)text[i];
    if (c >= 0x80) c = decode_utf8(text.data(), text.size(), i, len);
    s.cp.push_back(c);
    s.fl.push_back(ft[c] & 63);
    s.off.push_back((uint32_t)i);
    i += len;
  }
  size_t n = s.cp.size();
  s.off.push_back((uint32_t)text.size());
  s.cp.push_back(0);  // sentinel, never inside a range
  s.fl.push_back(0);
  Text t{s.cp.data(), s.fl.data()};
  // Pieces are code-point ranges while splitting.
  std::vector<Piece>* cur = &s.a;
  std::vector<Piece>* nxt = &s.b;
  cur->clear();
  cur->push_back({0, (uint32_t)n});
  for (SplitRule r : steps) {
    nxt->clear();
    for (const Piece& pc : *cur) {
      size_t gap = pc.begin, q = pc.begin;
      while (q < pc.end) {
        size_t m = match_rule(r, t, q, pc.end);
        if (m > q) {
          if (gap < q) nxt->push_back({(uint32_t)gap, (uint32_t)q});
          nxt->push_back({(uint32_t)q, (uint32_t)m});
          q = gap = m;
        } else {
          q++;
        }
      }
      if (gap < pc.end) nxt->push_back({(uint32_t)gap, pc.end});
    }
    std::swap(cur, nxt);
  }
  out.reserve(cur->size());
  for (const Piece& pc : *cur) out.push_back({s.off[pc.begin], s.off[pc.end]});
}

}  // namespace r1::tok
