// Tokenizer benchmark: tokenizer.json load time (r1's reader vs nlohmann-json
// parse alone), and encode throughput (MB/s) over a corpus file at 1 and 2
// threads, min/median/max over repeats. bench/tokenizer.sh runs HF
// `tokenizers` (npm) on the same corpus in the same run for the ratio.
// usage: bench_tokenizer TOKENIZER_PATH [CORPUS_FILE] [REPEATS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "base/json.h"
#include "base/threads.h"
#include "tokenizer/tokenizer.h"

using namespace r1;
using clk = std::chrono::steady_clock;

static double secs(clk::time_point a) { return std::chrono::duration<double>(clk::now() - a).count(); }

static void report(const char* what, std::vector<double> v, const char* unit) {
  std::sort(v.begin(), v.end());
  printf("%-34s min %9.2f  median %9.2f  max %9.2f %s\n", what, v.front(), v[v.size() / 2], v.back(), unit);
}

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s TOKENIZER_PATH [CORPUS] [REPEATS]\n", argv[0]);
    return 2;
  }
  std::string path = argv[1];
  int reps = argc > 3 ? atoi(argv[3]) : 5;
  try {
    std::vector<double> tl, tn;
    Tokenizer tok;
    for (int r = 0; r < reps; r++) {
      auto t0 = clk::now();
      tok = Tokenizer::load(path);
      tl.push_back(secs(t0) * 1e3);
    }
    std::string file = path;
    if (file.size() < 5 || file.substr(file.size() - 5) != ".json") file += "/tokenizer.json";
    std::string text = read_text_file(file);
    for (int r = 0; r < std::min(reps, 3); r++) {
      auto t0 = clk::now();
      json j = json::parse(text);
      tn.push_back(secs(t0) * 1e3);
    }
    printf("tokenizer: %s (vocab %d)\n", path.c_str(), tok.vocab_size());
    report("load r1 (ms)", tl, "ms");
    report("nlohmann json::parse only (ms)", tn, "ms");
    if (argc < 3) return 0;
    // Corpus: one document per line of a JSONL {"text": ...} file, or blank-line separated plain text.
    std::vector<std::string> docs;
    std::ifstream f(argv[2]);
    std::string line;
    size_t bytes = 0;
    while (std::getline(f, line)) {
      if (line.empty()) continue;
      json j = json::parse(line);
      docs.push_back(j["text"].get<std::string>());
      bytes += docs.back().size();
    }
    printf("corpus: %zu docs, %.2f MB\n", docs.size(), bytes / 1e6);
    for (int th : {1, 2}) {
      set_threads(th);
      std::vector<double> mbs;
      size_t ntok = 0;
      for (int r = 0; r < reps; r++) {
        Tokenizer fresh = Tokenizer::load(path);  // cold BPE cache each repeat
        auto t0 = clk::now();
        auto ids = fresh.encode_batch(docs);
        double s = secs(t0);
        ntok = 0;
        for (auto& v : ids) ntok += v.size();
        mbs.push_back(bytes / 1e6 / s);
      }
      char name[64];
      snprintf(name, sizeof name, "encode r1 %d thread(s) (MB/s)", th);
      report(name, mbs, "MB/s");
      printf("  tokens: %zu\n", ntok);
    }
  } catch (const std::exception& e) {
    fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
