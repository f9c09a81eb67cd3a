// Text normalisation and hashing shared by the data stages. A "word" is a run
// of ASCII letters/digits (lower-cased) or non-ASCII letters; each CJK/kana/
// Hangul character is a word of its own (those scripts do not separate words
// with spaces); everything else (punctuation, spaces, CJK punctuation) only
// separates words. So re-wrapping, case and punctuation changes do not alter
// the word sequence.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace r1::data {

inline uint64_t mix64(uint64_t x) {  // splitmix64 finaliser
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebull;
  x ^= x >> 31;
  return x;
}

uint64_t hash_bytes(const void* p, size_t n, uint64_t seed = 0);

// Appends one 64-bit hash per word of text to out (cleared first).
void word_hashes(std::string_view text, std::vector<uint64_t>& out);
// Words as strings (lower-cased), for the classifier's vocabulary.
void words(std::string_view text, std::vector<std::string>& out);
// The normalised text: words joined by single spaces.
std::string normalize(std::string_view text);

// Hash of the whole word sequence: equal for texts that differ only in case,
// whitespace and punctuation ("exact" duplicates after normalisation).
uint64_t sequence_hash(const std::vector<uint64_t>& wh);

// Hashes of the n-word shingles (n consecutive words); a text shorter than n
// words yields one shingle of all its words.
void word_shingles(const std::vector<uint64_t>& wh, int n, std::vector<uint64_t>& out);
// Hashes of n-character shingles of the normalised text (characters are
// Unicode code points).
void char_shingles(std::string_view normalized, int n, std::vector<uint64_t>& out);

}  // namespace r1::data
