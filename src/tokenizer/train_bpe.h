// r1::train_bpe: trains a byte-level BPE tokenizer with DeepSeek-V3's
// pre-tokenizer and writes a Hugging Face tokenizer.json that r1::Tokenizer and
// HF `tokenizers` both load with identical results. Deterministic: the output
// bytes depend only on the corpus and the options (not on thread count).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace r1 {

struct BpeTrainOptions {
  int32_t vocab_size = 8192;  // total ids: special tokens + 256 bytes + merges
  int64_t min_frequency = 2;  // a pair must occur this often to be merged
  // Added tokens, given the ids after the BPE vocab (bytes 0-255, then merges)
  // in this order. `id` is ignored.
  std::vector<AddedToken> special_tokens = deepseek_specials();
  std::string bos = "<｜begin▁of▁sentence｜>", eos = "<｜end▁of▁sentence｜>", pad = "<｜▁pad▁｜>";
  // BOS, EOS, pad (special) and User, Assistant, think, /think, FIM (not special), as in DeepSeek-R1.
  static std::vector<AddedToken> deepseek_specials();
};

// Trains on the texts; returns the tokenizer.json text. Added-token strings in
// the corpus are cut out before counting, as encode() would.
std::string train_bpe(const std::vector<std::string>& texts, const BpeTrainOptions& opt);

// Writes dir/tokenizer.json and dir/tokenizer_config.json (bos/eos/pad and the
// DeepSeek-R1 chat template over these tokens). Creates dir.
void write_trained_tokenizer(const std::string& dir, const std::string& tokenizer_json, const BpeTrainOptions& opt);

}  // namespace r1
