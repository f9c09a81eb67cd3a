// A small, fast JSON reader for tokenizer.json (8-12 MB, ~300k strings): one
// pass into a compact DOM whose strings point into the text and whose child
// arrays live in one arena (no per-node allocation, no vector regrowth).
// nlohmann-json takes several times longer on these files (bench/tokenizer).
// Errors name the file and line.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace r1::tok {

struct JVal {
  enum Type : uint8_t { Null, Bool, Num, Str, Arr, Obj };
  Type type = Null;
  bool b = false;
  uint32_t n = 0;                        // Arr/Obj: number of children
  double num = 0;
  std::string_view str;                  // Str (unescaped)
  const JVal* kids = nullptr;            // Arr/Obj children
  const std::string_view* keys = nullptr;  // Obj keys, parallel to kids

  std::span<const JVal> items() const { return {kids, n}; }
  std::string_view key(size_t i) const { return keys[i]; }
  size_t size() const { return n; }
  const JVal& operator[](size_t i) const { return kids[i]; }
  const JVal* get(std::string_view key) const;  // nullptr if absent or not an object
  bool is_null() const { return type == Null; }
  const char* type_name() const;
};

// A parsed document: owns the text, the unescaped strings and the node arena.
struct JDoc {
  std::string src;
  std::deque<std::string> strings;
  std::vector<std::unique_ptr<char[]>> blocks;
  JVal root;
};

// Parses text; on malformed JSON throws r1::Error "<what>: line N: ...".
std::unique_ptr<JDoc> parse_json(std::string text, const std::string& what);

// Appends s as a JSON string literal (quoted, escaped; non-ASCII kept as UTF-8).
void json_escape(std::string& out, std::string_view s);

}  // namespace r1::tok
