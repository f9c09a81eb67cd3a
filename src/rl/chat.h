// Tokenisation for the RL stages: a character-level vocabulary with the chat
// and reasoning tags as single special tokens, optionally extended by BPE
// merges learned over words (an optional space then a run of ASCII letters):
// digits, operators and punctuation are never merged, so numbers stay one
// token per digit (arithmetic stays learnable) while the prose of templates
// and word problems shrinks to about a token per word. Plus the two prompt
// templates: R1's chat template and R1-Zero's plain-text template.
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace r1::rl {

class CharVocab {
 public:
  // Special tokens first (ids 0..7), then every distinct byte of the corpus,
  // sorted, then up to `merges` BPE merges of word pieces (each pair merged
  // occurs at least twice; ties broken by the pair's text, so training is deterministic).
  static CharVocab train(const std::vector<std::string>& corpus, int merges = 0);
  static CharVocab load(const std::string& path);  // vocab.json
  void save(const std::string& path) const;

  std::vector<int> encode(const std::string& text) const;  // specials matched first; unknown bytes -> '?' (or dropped)
  std::string decode(const std::vector<int>& ids) const;   // special tokens appear as their text
  int size() const { return (int)pieces_.size(); }
  int id(const std::string& piece) const;                  // -1 if absent

  int bos() const { return 0; }
  int eos() const { return 1; }
  int user() const { return 2; }
  int assistant() const { return 3; }
  int think() const { return 4; }
  int think_end() const { return 5; }
  int answer() const { return 6; }
  int answer_end() const { return 7; }
  static const std::vector<std::string>& specials();

 private:
  void index_merges();
  std::vector<int> encode_word(const std::string& w) const;

  std::vector<std::string> pieces_;
  int byte_to_id_[256];
  std::vector<std::pair<std::string, std::string>> merges_;  // in rank order
  std::map<std::pair<std::string, std::string>, int> rank_;
  std::map<std::string, int> piece_id_;                       // multi-byte pieces
};

enum class Template { Chat, Zero };

// R1-Zero's template, shortened for tiny models; same instruction and tags.
extern const char* kZeroTemplate;

// Prompt text up to where the model starts answering.
std::string render_prompt(Template t, const std::string& question);
// The target response for a worked solution.
std::string render_response(const std::string& reasoning, const std::string& answer);

// A prompt + response encoded, with the loss mask on the response tokens only
// (the assistant turn, including its closing <eos>).
struct Encoded {
  std::vector<int> tokens;
  std::vector<uint8_t> loss_mask;
  int prompt_len = 0;
};
Encoded encode_example(const CharVocab& v, Template t, const std::string& question, const std::string& response);

}  // namespace r1::rl
