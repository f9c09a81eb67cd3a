// Recursive-descent JSON parser into JVal (see fast_json.h).
#include "tokenizer/fast_json.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/error.h"
#include "tokenizer/unicode.h"

namespace r1::tok {

const JVal* JVal::get(std::string_view key) const {
  if (type != Obj) return nullptr;
  for (auto& kv : obj)
    if (kv.first == key) return &kv.second;
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
  std::deque<std::string>& arena;
  int depth = 0;

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
    arena.emplace_back(s, p);
    std::string& out = arena.back();
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
      while (true) {
        ws();
        if (p >= e || *p != '"') err("expected a string key");
        v.obj.emplace_back();
        string(v.obj.back().first);
        ws();
        if (p >= e || *p != ':') err("expected ':'");
        p++;
        value(v.obj.back().second);
        ws();
        if (p < e && *p == ',') { p++; continue; }
        if (p < e && *p == '}') { p++; break; }
        err("expected ',' or '}'");
      }
    } else if (c == '[') {
      v.type = JVal::Arr;
      p++;
      ws();
      if (p < e && *p == ']') { p++; depth--; return; }
      while (true) {
        v.arr.emplace_back();
        value(v.arr.back());
        ws();
        if (p < e && *p == ',') { p++; continue; }
        if (p < e && *p == ']') { p++; break; }
        err("expected ',' or ']'");
      }
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
  Parser ps{b, b, b + d->src.size(), what, d->arena};
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
