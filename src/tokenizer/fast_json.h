// A small, fast JSON reader for tokenizer.json (8-12 MB, ~300k strings): one
// pass into a compact DOM. nlohmann-json takes several times longer on these
// files (see bench/tokenizer_load). Errors name the file and line.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace r1::tok {

struct JVal {
  enum Type : uint8_t { Null, Bool, Num, Str, Arr, Obj };
  Type type = Null;
  bool b = false;
  double num = 0;
  std::string_view str;                                 // Str (unescaped; points into the JDoc)
  std::vector<JVal> arr;                                // Arr
  std::vector<std::pair<std::string_view, JVal>> obj;   // Obj, in file order

  const JVal* get(std::string_view key) const;     // nullptr if absent or not an object
  bool is_null() const { return type == Null; }
  const char* type_name() const;
};

// A parsed document: strings without escapes point into src, others into arena.
struct JDoc {
  std::string src;
  std::deque<std::string> arena;
  JVal root;
};

// Parses text; on malformed JSON throws r1::Error "<what>: line N: ...".
std::unique_ptr<JDoc> parse_json(std::string text, const std::string& what);

// Appends s as a JSON string literal (quoted, escaped; non-ASCII kept as UTF-8).
void json_escape(std::string& out, std::string_view s);

}  // namespace r1::tok
