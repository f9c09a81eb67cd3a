// From JSONL documents to packed token shards for pretraining: reading and
// validating {"text": ...} lines, the text codec (the project tokenizer, or a
// byte-level fallback with DeepSeek-style special tokens), per-document BOS +
// FIM + EOS, a deterministic validation split, packing and shard files.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "base/json.h"
#include "data/fim.h"
#include "data/packing.h"

namespace r1::train {

// Each line: a JSON object with a string "text". Errors name file:line
// (invalid JSON, missing text, invalid UTF-8 with its byte offset). Blank lines
// are skipped; an empty result is an error.
std::vector<std::string> read_jsonl_docs(const std::string& path);

struct TextCodec {
  std::string name;
  int32_t vocab_size = 0, bos = -1, eos = -1, pad = 0;
  data::FimTokens fim;
  std::function<std::vector<int32_t>(std::string_view)> encode;  // no BOS
  std::function<std::string(const std::vector<int32_t>&)> decode;
};
// "bytes": ids 0-255 are bytes; 256 BOS, 257 EOS, 258 PAD, 259-261 FIM begin/hole/end.
TextCodec byte_codec();
// A tokenizer.json through r1::Tokenizer (when the tokenizer layer is built in), or "bytes".
TextCodec load_codec(const std::string& spec);

struct CorpusOptions {
  int64_t row_len = 0;        // T + 1
  double fim_rate = 0.0;
  double val_fraction = 0.05; // every round(1/f)-th document goes to validation
  bool best_fit = true;
  uint64_t seed = 0;
};
struct CorpusStats {
  int64_t docs = 0, train_docs = 0, val_docs = 0, fim_docs = 0, tokens = 0;
  data::Packed train_info, baseline_info;  // chosen packing and the other one, tokens cleared
  json to_json() const;
};
// Whether document i goes to the validation split (every round(1/f)-th document).
bool is_val_doc(size_t i, double val_fraction);
// Tokenizes, splits, packs and writes dir/train.bin and dir/val.bin.
CorpusStats build_corpus(const std::vector<std::string>& docs, const TextCodec& codec, const CorpusOptions& o,
                         const std::string& dir);

// Regular text files under root (sorted, UTF-8, mostly printable, size <= max_bytes) as JSONL docs.
// min_letters > 0 keeps only prose-like files: that share of their bytes at least must be ASCII
// letters, spaces or newlines (source code and tables fall below ~0.8).
int64_t gather_text_files(const std::string& root, const std::string& out_jsonl, int64_t max_docs, int64_t max_bytes,
                          double min_letters = 0.0);

}  // namespace r1::train
