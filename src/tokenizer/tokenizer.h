// r1::Tokenizer: Hugging Face byte-level BPE tokenizers (DeepSeek-V3/R1, Qwen2,
// Llama 3, and the ones train_bpe writes) loaded from tokenizer.json, encoding
// and decoding id-for-id like HF `tokenizers`. Added tokens are matched
// leftmost-longest in the raw text before normalization and pre-tokenization.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace r1 {

struct AddedToken {
  int32_t id;
  std::string content;
  bool special;     // removed by decode(skip_special=true)
  bool normalized;
};

class Tokenizer {
 public:
  struct Impl;
  Tokenizer() = default;

  // path: a tokenizer.json, or a folder containing one. A tokenizer_config.json
  // beside it supplies bos/eos (and the chat template, see chat_template.h).
  static Tokenizer load(const std::string& path);
  // Parses tokenizer.json text; `what` names it in errors. config_text: the
  // tokenizer_config.json text or "".
  static Tokenizer from_json(std::string_view json_text, const std::string& what,
                             std::string_view config_text = "");

  // Throws r1::Error on invalid UTF-8. add_bos prepends bos_id() (if any).
  std::vector<int32_t> encode(std::string_view text, bool add_bos = false) const;
  // Encodes many texts on r1::num_threads() OpenMP threads.
  std::vector<std::vector<int32_t>> encode_batch(const std::vector<std::string>& texts, bool add_bos = false) const;
  // Lossy UTF-8 (U+FFFD for invalid sequences). Throws r1::Error on an id out of range.
  std::string decode(const std::vector<int32_t>& ids, bool skip_special = false) const;

  int32_t token_to_id(std::string_view token) const;  // vocab (byte-level form) or added content; -1 if absent
  std::string id_to_token(int32_t id) const;          // "" if out of range
  int32_t vocab_size() const;                         // max id + 1, added tokens included
  int32_t bos_id() const;                             // -1 if none
  int32_t eos_id() const;
  int32_t pad_id() const;
  bool is_special(int32_t id) const;
  bool valid_id(int32_t id) const;
  // The raw bytes an id decodes to (before UTF-8 repair); for streaming decode.
  const std::string& token_bytes(int32_t id) const;
  const std::vector<AddedToken>& added_tokens() const;
  // tokenizer_config.json's chat_template ("" if none).
  const std::string& chat_template_source() const;
  // Path of the tokenizer.json loaded ("" if from text).
  const std::string& path() const;

 private:
  std::shared_ptr<const Impl> impl_;
  const Impl& impl() const;
};

// Streaming decode: push ids as they are generated; each push returns the text
// that became complete (never a partial UTF-8 character). finish() flushes the
// rest, lossily.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok, bool skip_special = false) : tok_(&tok), skip_(skip_special) {}
  std::string push(int32_t id);
  std::string finish();

 private:
  const Tokenizer* tok_;
  bool skip_;
  std::string pending_;
};

}  // namespace r1
