// Recursive-descent JSON parser into JVal (see fast_json.h).
#include "tokenizer/fast_json.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "base/error.h"
#include "tokenizer/unicode.h"

namespace r1::tok {

const JVal* JVal::get(std::string_view k) const {
  if (type != Obj) return nullptr;
  for (uint32_t i = 0; i < n; i++)
    if (keys[i] == k) return &kids[i];
  return nullptr;
}

const char* JVal::type_name() const {
  static const char* n[] = {"null", "bool", "number", "string", "array", "object"};
  return n[type];
}

namespace {
struct Parser {
  const char* p;
  const char* b;
  const char* e;
  const std::string& what;
  JDoc& doc;
  int depth = 0;
  std::vector<JVal> stack;              // children of the open containers
  std::vector<std::string_view> kstack;  // keys of the open objects
  char* cur = nullptr;
  size_t left = 0;

  Parser(const char* begin, const char* end, const std::string& w, JDoc& d) : p(begin), b(begin), e(end), what(w), doc(d) {}

  void* alloc(size_t bytes) {
    bytes = (bytes + 15) & ~size_t(15);
    if (bytes > left) {
      size_t sz = std::max<size_t>(bytes, 4 << 20);
      doc.blocks.emplace_back(new char[sz]);
      cur = doc.blocks.back().get();
      left = sz;
    }
    void* p = cur;
    cur += bytes;
    left -= bytes;
    return p;
  }
  // Moves stack[from..] (and kstack[kfrom..] for objects) into the arena.
  void close(JVal& v, size_t from, size_t kfrom, bool obj) {
    v.n = (uint32_t)(stack.size() - from);
    if (v.n) {
      JVal* k = static_cast<JVal*>(alloc(sizeof(JVal) * v.n));
      std::uninitialized_copy(stack.begin() + from, stack.end(), k);
      v.kids = k;
      if (obj) {
        auto* ks = static_cast<std::string_view*>(alloc(sizeof(std::string_view) * v.n));
        std::uninitialized_copy(kstack.begin() + kfrom, kstack.end(), ks);
        v.keys = ks;
      }
    }
    stack.resize(from);
    if (obj) kstack.resize(kfrom);
  }

  [[noreturn]] void err(const char* msg) {
    long line = 1;
    for (const char* q = b; q < p && q < e; q++) line += *q == '\n';
    fail(what, ": line ", line, ": ", msg);
  }
  void ws() {
    while (p < e && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) p++;
  }
  unsigned hex4() {
    if (e - p < 4) err("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
      char c = *p++;
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else err("bad \\u escape");
    }
    return v;
  }
  void string(std::string_view& sv) {
    p++;  // opening quote
    const char* s = p;
    while (p < e && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20) p++;
    if (p < e && *p == '"') {
      sv = std::string_view(s, p - s);
      p++;
      return;
    }
    doc.strings.emplace_back(s, p);
    std::string& out = doc.strings.back();
    while (true) {
      if (p >= e) err("unterminated string");
      char c = *p;
      if (c == '"') { p++; sv = out; return; }
      if ((unsigned char)c < 0x20) err("control character in string");
      if (c != '\\') { out += c; p++; continue; }
      p++;
      if (p >= e) err("unterminated string");
      char x = *p++;
      switch (x) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned v = hex4();
          if (v >= 0xD800 && v < 0xDC00) {
            if (e - p >= 6 && p[0] == '\\' && p[1] == 'u') {
              p += 2;
              unsigned lo = hex4();
              if (lo < 0xDC00 || lo > 0xDFFF) err("unpaired surrogate in \\u escape");
              v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
            } else {
              err("unpaired surrogate in \\u escape");
            }
          } else if (v >= 0xDC00 && v < 0xE000) {
            err("unpaired surrogate in \\u escape");
          }
          unicode::append_utf8(out, v);
          break;
        }
        default: err("bad escape in string");
      }
    }
  }
  void value(JVal& v) {
    ws();
    if (p >= e) err("unexpected end of input");
    if (++depth > 256) err("nesting too deep");
    char c = *p;
    if (c == '{') {
      v.type = JVal::Obj;
      p++;
      ws();
      if (p < e && *p == '}') { p++; depth--; return; }
      size_t from = stack.size(), kfrom = kstack.size();
      while (true) {
        ws();
        if (p >= e || *p != '"') err("expected a string key");
        std::string_view k;
        string(k);
        ws();
        if (p >= e || *p != ':') err("expected ':'");
        p++;
        JVal child;
        value(child);
        stack.push_back(child);
        kstack.push_back(k);
        ws();
        if (p < e && *p == ',') { p++; continue; }
        if (p < e && *p == '}') { p++; break; }
        err("expected ',' or '}'");
      }
      close(v, from, kfrom, true);
    } else if (c == '[') {
      v.type = JVal::Arr;
      p++;
      ws();
      if (p < e && *p == ']') { p++; depth--; return; }
      size_t from = stack.size();
      while (true) {
        JVal child;
        value(child);
        stack.push_back(child);
        ws();
        if (p < e && *p == ',') { p++; continue; }
        if (p < e && *p == ']') { p++; break; }
        err("expected ',' or ']'");
      }
      close(v, from, 0, false);
    } else if (c == '"') {
      v.type = JVal::Str;
      string(v.str);
    } else if (c == 't' && e - p >= 4 && !memcmp(p, "true", 4)) {
      v.type = JVal::Bool, v.b = true, p += 4;
    } else if (c == 'f' && e - p >= 5 && !memcmp(p, "false", 5)) {
      v.type = JVal::Bool, v.b = false, p += 5;
    } else if (c == 'n' && e - p >= 4 && !memcmp(p, "null", 4)) {
      v.type = JVal::Null, p += 4;
    } else if (c >= '0' && c <= '9' && (e - p < 2 || p[1] < '0' || p[1] > '9' || c != '0')) {
      // Fast path for plain non-negative integers (vocab ids).
      const char* s = p;
      long long x = 0;
      while (p < e && *p >= '0' && *p <= '9' && p - s < 15) x = x * 10 + (*p++ - '0');
      if (p < e && (*p == '.' || *p == 'e' || *p == 'E' || (*p >= '0' && *p <= '9'))) {
        p = s;
        number(v);
      } else {
        v.type = JVal::Num;
        v.num = (double)x;
      }
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      number(v);
    } else {
      err("unexpected character");
    }
    depth--;
  }
  void number(JVal& v) {
    {
      char buf[64];
      const char* s = p;
      while (p < e && ((*p && strchr("+-.eE", *p)) || (*p >= '0' && *p <= '9'))) p++;
      if (p - s >= (long)sizeof buf) err("number too long");
      size_t n = p - s;
      memcpy(buf, s, n);
      buf[n] = 0;
      char* end;
      v.type = JVal::Num;
      v.num = strtod(buf, &end);
      if (end != buf + n) err("bad number");
    }
  }
};
}  // namespace

std::unique_ptr<JDoc> parse_json(std::string text, const std::string& what) {
  auto d = std::make_unique<JDoc>();
  d->src = std::move(text);
  const char* b = d->src.data();
  Parser ps(b, b + d->src.size(), what, *d);
  ps.value(d->root);
  ps.ws();
  if (ps.p != ps.e) ps.err("trailing characters after the JSON value");
  return d;
}

void json_escape(std::string& out, std::string_view s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char b[8];
          snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else {
          out += (char)c;
        }
    }
  }
  out += '"';
}

}  // namespace r1::tok
