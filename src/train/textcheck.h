// Word-level check of generated text for the pretraining acceptance test: the
// share of a text's words that occur in the training corpus. Words are the
// whitespace-separated pieces, trimmed of leading/trailing ASCII punctuation
// and lowercased (ASCII); empty pieces are dropped.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace r1::train {

std::vector<std::string> text_words(std::string_view text);
std::unordered_set<std::string> word_vocab(const std::vector<std::string>& docs);
// Known words / all words of text (0 when it has none); n_words receives the count.
double known_word_share(std::string_view text, const std::unordered_set<std::string>& vocab, int64_t* n_words);

}  // namespace r1::train
