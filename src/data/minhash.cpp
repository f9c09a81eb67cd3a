#include "data/minhash.h"

#include <algorithm>

#include "base/rng.h"
#include "data/text.h"

namespace r1::data {

MinHasher::MinHasher(int num_perm, uint64_t seed) {
  Rng rng(seed ^ 0x6d696e68617368ull);
  a_.resize(num_perm);
  b_.resize(num_perm);
  for (int i = 0; i < num_perm; ++i) {
    a_[i] = (uint32_t)rng.next() | 1u;
    b_[i] = (uint32_t)rng.next();
  }
}

void MinHasher::signature(const std::vector<uint64_t>& shingles, uint32_t* sig) const {
  const int P = (int)a_.size();
  const uint32_t* a = a_.data();
  const uint32_t* b = b_.data();
  for (int i = 0; i < P; ++i) sig[i] = 0xFFFFFFFFu;
  // Blocks of 32 permutations keep the running minima in registers (AVX2:
  // 4 x 8 lanes) while the shingles stream past.
  constexpr int B = 32;
  int i0 = 0;
  for (; i0 + B <= P; i0 += B) {
    uint32_t m[B];
    for (int j = 0; j < B; ++j) m[j] = 0xFFFFFFFFu;
    for (uint64_t s : shingles) {
      uint32_t x = (uint32_t)(s >> 32) ^ (uint32_t)s;
      for (int j = 0; j < B; ++j) {
        uint32_t v = a[i0 + j] * x + b[i0 + j];
        m[j] = v < m[j] ? v : m[j];
      }
    }
    for (int j = 0; j < B; ++j) sig[i0 + j] = m[j];
  }
  for (; i0 < P; ++i0) {
    uint32_t m = 0xFFFFFFFFu;
    for (uint64_t s : shingles) {
      uint32_t x = (uint32_t)(s >> 32) ^ (uint32_t)s;
      m = std::min(m, a[i0] * x + b[i0]);
    }
    sig[i0] = m;
  }
}

void band_keys(const uint32_t* sig, int bands, int rows, uint64_t* keys) {
  for (int b = 0; b < bands; ++b) {
    uint64_t h = mix64(0x9e3779b97f4a7c15ull * (uint64_t)(b + 1));
    for (int r = 0; r < rows; ++r) h = mix64(h ^ sig[b * rows + r]);
    keys[b] = h;
  }
}

double estimate_jaccard(const uint32_t* a, const uint32_t* b, int n) {
  int eq = 0;
  for (int i = 0; i < n; ++i) eq += a[i] == b[i];
  return n ? (double)eq / n : 0.0;
}

double estimate_jaccard16(const uint16_t* a, const uint16_t* b, int n) {
  int eq = 0;
  for (int i = 0; i < n; ++i) eq += a[i] == b[i];
  return n ? (double)eq / n : 0.0;
}

U64Map::U64Map() {
  keys_.assign(1024, 0);
  vals_.assign(1024, 0);
  mask_ = 1023;
}

// Key 0 marks an empty slot, so 0 is stored as 1 (a 2^-64 collision).
static inline uint64_t fix(uint64_t k) { return k ? k : 1; }

uint32_t U64Map::find(uint64_t key) const {
  key = fix(key);
  size_t i = mix64(key) & mask_;
  for (;;) {
    uint64_t k = keys_[i];
    if (k == key) return vals_[i];
    if (k == 0) return npos;
    i = (i + 1) & mask_;
  }
}

bool U64Map::insert(uint64_t key, uint32_t val) {
  key = fix(key);
  if ((n_ + 1) * 2 > keys_.size()) grow();
  size_t i = mix64(key) & mask_;
  for (;;) {
    uint64_t k = keys_[i];
    if (k == key) return false;
    if (k == 0) {
      keys_[i] = key;
      vals_[i] = val;
      ++n_;
      return true;
    }
    i = (i + 1) & mask_;
  }
}

void U64Map::grow() {
  std::vector<uint64_t> ok = std::move(keys_);
  std::vector<uint32_t> ov = std::move(vals_);
  keys_.assign(ok.size() * 2, 0);
  vals_.assign(ok.size() * 2, 0);
  mask_ = keys_.size() - 1;
  for (size_t j = 0; j < ok.size(); ++j) {
    if (!ok[j]) continue;
    size_t i = mix64(ok[j]) & mask_;
    while (keys_[i]) i = (i + 1) & mask_;
    keys_[i] = ok[j];
    vals_[i] = ov[j];
  }
}

}  // namespace r1::data
