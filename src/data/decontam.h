// Decontamination (DeepSeekMath §2.1): drop every document that shares an
// n-gram (default 10 words, normalised as in text.h) with any evaluation
// problem. Problems shorter than n words match as a whole word sequence.
// Memory: one batch plus ~24 B per distinct eval n-gram.
#pragma once
#include <string>
#include <vector>

#include "base/json.h"
#include "data/jsonl.h"
#include "data/minhash.h"

namespace r1::data {

class Decontaminator {
 public:
  explicit Decontaminator(int n = 10) : n_(n) {}
  // Adds one evaluation problem; returns its index.
  int add_problem(std::string_view text);
  // Reads problems from JSONL; fields are tried in order (first string found).
  void add_problems_file(const std::string& path, const std::vector<std::string>& fields);
  // Index of a problem the text shares an n-gram with, or -1. Thread-safe.
  int match(std::string_view text) const;
  int problems() const { return nprob_; }
  size_t ngrams() const { return grams_.size(); }

 private:
  int n_;
  int nprob_ = 0;
  U64Map grams_;
  std::vector<int> short_lengths_;  // distinct lengths (< n) of short problems
};

struct DecontamRun {
  std::vector<std::string> inputs;
  std::string out_dir;
  std::vector<std::string> eval_files;
  std::vector<std::string> eval_fields = {"text", "problem", "question", "prompt"};
  int n = 10;
  ReadOptions read;
};

json run_decontam(const DecontamRun& run);

}  // namespace r1::data
