// fastText-style linear text classifier (Joulin et al. 2017) for the
// DeepSeekMath corpus pipeline: features are in-vocabulary words (count >=
// min_count) plus hashed word n-grams (2..word_ngrams) in `buckets` rows; the
// hidden vector is the mean of their dim-sized embeddings; p(math) =
// sigmoid(w . h + b). Trained by SGD with a linearly decaying learning rate
// (single thread, fixed example order: bit-reproducible). Because the model is
// linear, scoring precomputes s_r = w . E_r per row, so classifying a document
// costs one float load per feature, not dim of them.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "data/jsonl.h"
#include "data/minhash.h"

namespace r1::data {

struct FastTextOptions {
  int dim = 256;             // DeepSeekMath: dim 256, lr 0.1, word n-grams 3, min count 3, 3 epochs
  float lr = 0.1f;
  int word_ngrams = 3;
  int min_count = 3;
  int epochs = 3;
  int buckets = 1 << 17;     // hashed n-gram rows (training holds buckets x dim floats)
  int max_words = 4096;      // words per document used (training and scoring)
  uint64_t seed = 1;
};

class FastText {
 public:
  void train(const std::vector<std::string>& texts, const std::vector<int>& labels, const FastTextOptions& o);
  float score(std::string_view text) const;  // p(positive) in [0, 1]
  void save(const std::string& path) const;
  static FastText load(const std::string& path);
  const FastTextOptions& options() const { return o_; }
  size_t vocab_size() const { return (size_t)nwords_; }

 private:
  void features(std::string_view text, std::vector<uint32_t>& f) const;
  FastTextOptions o_;
  U64Map vocab_;                 // word hash -> row
  std::vector<uint64_t> words_;  // row -> word hash (for saving)
  int nwords_ = 0;
  std::vector<float> row_score_;  // (nwords + buckets): w . E_r
  float bias_ = 0;
};

struct ClassifyRun {
  std::vector<std::string> inputs;
  std::string out_dir;
  std::string model;
  std::string mode = "filter";  // filter (keep score >= threshold) | tag (add "math_score", keep all)
  double threshold = 0.5;
  ReadOptions read;
};
json run_classify(const ClassifyRun& run);

// DeepSeekMath §2.1's loop: train on positives vs random corpus negatives,
// score the corpus, collect the top pages, add domains with more than
// domain_frac of their pages collected, retrain with the collected pages as
// positives; P/R on held-out labelled data each iteration.
struct MathIterRun {
  std::string seed_positives;         // JSONL
  std::vector<std::string> corpus;    // JSONL, streamed each iteration
  std::string heldout;                // JSONL with "label" 0/1 (optional)
  std::string out_dir;                // model.bin, report, DIR/<corpus name> with the collected pages
  int iterations = 4;
  double negatives_per_positive = 1.0;
  double collect_threshold = 0.5;     // pages scoring at least this are collected...
  int64_t top = 0;                    // ...at most this many, best first (0 = no cap)
  double domain_frac = 0.1;           // DeepSeekMath: domains with >10% of pages collected
  double domain_min_score = 0.2;      // pages of such domains scoring at least this join the collection
  std::string url_field = "url";
  FastTextOptions ft;
  ReadOptions read;
};
json run_math_iterate(const MathIterRun& run);

std::string url_domain(std::string_view url);

}  // namespace r1::data
