// Multiple-choice exclusion (DeepSeek LLM §5: MC data only helps MC
// benchmarks, so it is kept out of pre-training). An "item" is a run of at
// least three consecutive option labels of one style -- A/B/C/D, a/b/c/d,
// 1/2/3/4, ①②③④, Cyrillic А/Б/В/Г, fullwidth Ａ/Ｂ/Ｃ/Ｄ; bare, "A.", "A)",
// "(A)", "[A]", "A:", "A、", "A．" -- one per line or inline, with short
// options, whose stem asks a question (a question mark or a cue word such as
// "which of the following", "下列", "laquelle", "cuál", "welche", "какой",
// "どれ") or which is followed by an answer key ("Answer: B", "答案：B",
// "Réponse : B", "Ответ: Б", ...). Numbered options (1-4) also need a
// choice cue or an answer key, since numbered lists are the common false
// positive.
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "data/jsonl.h"

namespace r1::data {

struct McqItem {
  size_t begin, end;  // byte range from the first option label to the end of the last option
  int options;
  bool answer_key;
};

struct McqOptions {
  int min_items = 1;        // a document with at least this many items is multiple-choice
  int max_option_bytes = 200;
};

std::vector<McqItem> find_mcq_items(std::string_view text, const McqOptions& o = {});
inline bool is_mcq(std::string_view text, const McqOptions& o = {}) {
  return (int)find_mcq_items(text, o).size() >= o.min_items;
}

struct McqRun {
  std::vector<std::string> inputs;
  std::string out_dir;
  std::string mode = "drop";  // drop | count | tag (adds "mcq_items": n)
  McqOptions mcq;
  ReadOptions read;
};

json run_mcq(const McqRun& run);

// Precision/recall of is_mcq against a labelled JSONL ("text", "label" 0/1).
json evaluate_mcq(const std::string& labelled_path, const McqOptions& o = {});

}  // namespace r1::data
