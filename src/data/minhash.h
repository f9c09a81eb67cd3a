// MinHash signatures and LSH banding (Broder 1997; Leskovec et al., MMDS ch. 3).
// Permutation i is h_i(x) = a_i*x + b_i mod 2^32 (a_i odd) over 32-bit shingle
// hashes; sig[i] = min over the shingle set. Pr[sig_A[i] == sig_B[i]] ~ J(A,B).
// With b bands of r rows a pair becomes a candidate with probability
// 1 - (1 - J^r)^b; candidates are then verified by the estimated Jaccard.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace r1::data {

class MinHasher {
 public:
  MinHasher(int num_perm, uint64_t seed);
  int num_perm() const { return (int)a_.size(); }
  // sig: num_perm values. An empty shingle set gives all 0xFFFFFFFF.
  void signature(const std::vector<uint64_t>& shingles, uint32_t* sig) const;

 private:
  std::vector<uint32_t> a_, b_;
};

// Band keys: one 64-bit key per band, each hashing r consecutive rows and the band index.
void band_keys(const uint32_t* sig, int bands, int rows, uint64_t* keys);

// Fraction of equal rows: the MinHash estimate of Jaccard similarity.
double estimate_jaccard(const uint32_t* a, const uint32_t* b, int n);
double estimate_jaccard16(const uint16_t* a, const uint16_t* b, int n);

// Open-addressing hash map uint64 -> uint32 (first value inserted wins); grows
// at load 1/2. Memory: 12 bytes per slot, 2-4 slots per entry.
class U64Map {
 public:
  U64Map();
  static constexpr uint32_t npos = 0xFFFFFFFFu;
  uint32_t find(uint64_t key) const;
  bool insert(uint64_t key, uint32_t val);  // false (and no change) if key present
  size_t size() const { return n_; }
  size_t bytes() const { return keys_.size() * 12; }

 private:
  void grow();
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> vals_;
  size_t n_ = 0, mask_ = 0;
};

}  // namespace r1::data
