// Problem sets on disk: JSONL import of external math problems
// ({"prompt": ..., "answer": ...}) and export of generated sets.
#pragma once
#include <string>
#include <vector>

#include "rl/task.h"

namespace r1::rl {

struct ImportStats {
  int lines = 0, imported = 0;
  int malformed = 0;     // not JSON, not an object, prompt missing / not a non-empty UTF-8 string
  int unanswerable = 0;  // answer missing, or not a single number after normalisation
  int duplicate = 0;
};

// Appends the usable problems to out; skipped lines are counted, never fatal.
// Throws only when the file cannot be read.
ImportStats import_jsonl(const std::string& path, std::vector<Problem>* out);

// One JSON object per problem: prompt, answer, task, difficulty, key (+ trace).
void write_problems_jsonl(const std::string& path, const std::vector<Problem>& ps);

}  // namespace r1::rl
